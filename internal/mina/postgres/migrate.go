package postgres

import (
	"context"
	"embed"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// migrationFS holds the versioned migrations, named as mina.LoadMigrations describes.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// createMigrationsTable records which versions are applied, and when, in the current schema.
const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
	version    integer     PRIMARY KEY,
	name       text        NOT NULL,
	applied_at timestamptz NOT NULL
)`

// MigrateUp applies every pending migration in version order, each in its own transaction
// together with its schema_migrations row. An advisory lock per schema serialises mina
// processes that start at once, so each migration runs exactly once.
func (db *DB) MigrateUp(ctx context.Context) error {
	for _, m := range db.migrations {
		if err := db.migrate(ctx, m, true); err != nil {
			return err
		}
	}
	return nil
}

// MigrateDown reverts the latest applied migration, one version; it does nothing when none is
// applied.
func (db *DB) MigrateDown(ctx context.Context) error {
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
			states[i].Applied, states[i].AppliedAt = true, at
		}
	}
	return states, nil
}

// appliedVersions returns the applied versions and their times, creating the bookkeeping
// table on first use.
func (db *DB) appliedVersions(ctx context.Context) (map[int]time.Time, error) {
	if _, err := db.db.ExecContext(ctx, createMigrationsTable); err != nil {
		return nil, fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	rows, err := db.db.QueryContext(ctx, `SELECT version, applied_at FROM schema_migrations`)
	if err != nil {
		return nil, fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	defer rows.Close()
	applied := map[int]time.Time{}
	for rows.Next() {
		var v int
		var at time.Time
		if err := rows.Scan(&v, &at); err != nil {
			return nil, fmt.Errorf("postgres: read schema_migrations: %w", err)
		}
		applied[v] = utc(at)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	return applied, nil
}

// migrate applies (up) or reverts one migration in one transaction, unless another process
// did so first.
func (db *DB) migrate(ctx context.Context, m mina.Migration, up bool) error {
	if _, err := db.db.ExecContext(ctx, createMigrationsTable); err != nil {
		return fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	if _, err := t.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtext('mina migrations ' || current_schema()))`); err != nil {
		return fmt.Errorf("postgres: lock migrations: %w", err)
	}
	var applied bool
	if err := t.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM schema_migrations WHERE version = $1)`, m.Version).Scan(&applied); err != nil {
		return fmt.Errorf("postgres: read schema_migrations: %w", err)
	}
	if applied == up {
		return nil // nothing to do, or another process did it meanwhile
	}
	body, record, args := m.Down, `DELETE FROM schema_migrations WHERE version = $1`, []any{m.Version}
	if up {
		body = m.Up
		record = `INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)`
		args = []any{m.Version, m.Name, t.now}
	}
	if _, err := t.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("postgres: migration %d %q (up=%t): %w", m.Version, m.Name, up, err)
	}
	if _, err := t.ExecContext(ctx, record, args...); err != nil {
		return fmt.Errorf("postgres: record migration %d %q: %w", m.Version, m.Name, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: commit migration %d %q: %w", m.Version, m.Name, err)
	}
	return nil
}
