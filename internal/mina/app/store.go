package app

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/postgres"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
)

// DB is what mina's commands need of a store: the services, pool statistics for /metrics,
// and migrations. internal/mina/sqlite and internal/mina/postgres provide it.
type DB interface {
	mina.Store
	Stats() sql.DBStats
	MigrateUp(ctx context.Context) error
	MigrateDown(ctx context.Context) error
	MigrationStatus(ctx context.Context) ([]mina.MigrationState, error)
}

var _ DB = (*sqlite.DB)(nil)

// OpenOptions says how to open a store.
type OpenOptions struct {
	PoolSize int  // 0: the store's default
	Migrate  bool // apply pending migrations on open
}

// OpenDB opens the store a DATABASE_URL names.
func OpenDB(databaseURL string, o OpenOptions) (DB, error) {
	kind, target, err := ParseDatabaseURL(databaseURL)
	if err != nil {
		return nil, err
	}
	switch kind {
	case KindSQLite:
		db, err := sqlite.Open(target, sqlite.Options{ReadConns: o.PoolSize, SkipMigrate: !o.Migrate})
		if err != nil {
			return nil, fmt.Errorf("open %s: %w", databaseURL, err)
		}
		return db, nil
	}
	db, err := postgres.Open(target, postgres.Options{MaxConns: o.PoolSize, SkipMigrate: !o.Migrate})
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", redactURL(databaseURL), err)
	}
	return db, nil
}

var _ DB = (*postgres.DB)(nil)

// redactURL hides a password in a database URL for messages.
func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil && u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
			return u.String()
		}
	}
	return s
}
