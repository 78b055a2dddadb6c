package sqlite

import (
	"context"
	"embed"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// migrationFS holds the versioned migrations, named as mina.LoadMigrations describes.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

func loadMigrations() ([]mina.Migration, error) {
	ms, err := mina.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("sqlite: %w", err)
	}
	return ms, nil
}

// createMigrationsTable records which versions are applied, and when.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    INTEGER PRIMARY KEY,
	name       TEXT    NOT NULL,
	applied_at INTEGER NOT NULL
)`

// MigrateUp applies every pending migration in version order, each in its own transaction
// together with its schema_migrations row, so a failed migration leaves the previous version
// intact.
func (db *DB) MigrateUp(ctx context.Context) error {
	defer db.prepareAll(ctx)
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return err
	}
	for _, m := range db.migrations {
		if _, ok := applied[m.Version]; ok {
			continue
		}
		if err := db.migrate(ctx, m, true); err != nil {
			return err
		}
	}
	return nil
}

// MigrateDown reverts the latest applied migration, one version; it does nothing when none is
// applied.
func (db *DB) MigrateDown(ctx context.Context) error {
	defer db.prepareAll(ctx)
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return err
	}
	for i := len(db.migrations) - 1; i >= 0; i-- {
		if _, ok := applied[db.migrations[i].Version]; ok {
			return db.migrate(ctx, db.migrations[i], false)
		}
	}
	return nil
}

// MigrationStatus lists every migration the store knows, oldest first, with whether and when
// it was applied.
func (db *DB) MigrationStatus(ctx context.Context) ([]mina.MigrationState, error) {
	applied, err := db.appliedVersions(ctx)
	if err != nil {
		return nil, err
	}
	states := make([]mina.MigrationState, len(db.migrations))
	for i, m := range db.migrations {
		states[i] = mina.MigrationState{Version: m.Version, Name: m.Name}
		if at, ok := applied[m.Version]; ok {
			states[i].Applied, states[i].AppliedAt = true, fromMS(at)
		}
	}
	return states, nil
}

// appliedVersions returns the applied versions and their Unix-millisecond times, creating the
// bookkeeping table on first use.
func (db *DB) appliedVersions(ctx context.Context) (map[int]int64, error) {
	if _, err := db.write.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	rows, err := db.write.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("sqlite: read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]int64{}
	for rows.Next() {
		var v int
		var at int64
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("sqlite: read schema_migrations: %w", err)
		}
		applied[v] = at
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: read schema_migrations: %w", err)
	}
	return applied, nil
}

// migrate applies (up) or reverts one migration in one transaction.
func (db *DB) migrate(ctx context.Context, m mina.Migration, up bool) error {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	body, record, args := m.Down, `DELETE FROM schema_migrations WHERE version = ?`, []any{m.Version}
	if up {
		body = m.Up
		record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`
		args = []any{m.Version, m.Name, ms(t.now)}
	}
	if _, err := t.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("sqlite: migration %d %q (up=%t): %w", m.Version, m.Name, up, err)
	}
	if _, err := t.ExecContext(ctx, record, args...); err != nil {
		return fmt.Errorf("sqlite: record migration %d %q: %w", m.Version, m.Name, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: commit migration %d %q: %w", m.Version, m.Name, err)
	}
	return nil
}
