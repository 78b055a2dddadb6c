// Package postgres is mina's PostgreSQL store, used when DATABASE_URL is a postgres:// URL.
//
// It talks to the server with pgx (github.com/jackc/pgx/v5), the maintained pure-Go
// PostgreSQL driver, through its database/sql adapter (pgx/v5/stdlib) rather than pgx's own
// pool: database/sql gives both stores the same sql.DBStats (open, in use, idle, waits), which
// the /metrics DB-pool gauges report. Nothing is prepared by hand: pgx prepares and caches
// every query per connection on first use (its default QueryExecModeCacheStatement), so each
// hot query is parsed and planned once per connection.
//
// Every method runs in one transaction (BeginTx + defer Rollback, as in benbjohnson/wtf) at
// READ COMMITTED, or as one statement. Read-modify-write methods lock their row first
// (SELECT … FOR UPDATE), so two partial updates of one row never lose each other's fields,
// and CreateTask locks its meeting against deletion (FOR KEY SHARE), so no task outlives its
// meeting. Times are timestamptz, truncated to the millisecond like the SQLite store's.
package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Options configures a store. The zero value is ready to use.
type Options struct {
	// MaxConns bounds the pool; 0 means DefaultMaxConns.
	MaxConns int
	// SkipMigrate leaves the schema as it is; by default Open applies pending migrations.
	SkipMigrate bool
	// Now returns the current time, stamped on created_at and updated_at; nil means time.Now.
	Now func() time.Time
	// AppName is the application_name of the store's sessions when the URL sets none, which
	// TerminateConnections finds them by; default "mina-<process id>".
	AppName string
}

// DefaultMaxConns is the pool size when Options.MaxConns is 0: enough for a 2-core mina
// under load, far below PostgreSQL's default limit of 100 connections.
const DefaultMaxConns = 16

// DB is a mina store over one PostgreSQL database (the schema its URL's search_path names).
// It is safe for concurrent use.
type DB struct {
	db         *sql.DB
	now        func() time.Time
	migrations []mina.Migration
	appName    string
	cfg        *pgx.ConnConfig // for TerminateConnections' own connection
}

var _ mina.Store = (*DB)(nil)

// Open connects to the database at url (postgres://user@host:port/db?sslmode=…; a
// search_path parameter selects the schema) and, unless opts.SkipMigrate, migrates it.
func Open(url string, opts Options) (*DB, error) {
	if url == "" {
		return nil, errors.New("postgres: open: empty URL")
	}
	if opts.MaxConns < 0 {
		return nil, fmt.Errorf("postgres: open: MaxConns %d is negative", opts.MaxConns)
	}
	if opts.MaxConns == 0 {
		opts.MaxConns = DefaultMaxConns
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	migrations, err := mina.LoadMigrations(migrationFS, "migrations")
	if err != nil {
		return nil, fmt.Errorf("postgres: %w", err)
	}
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: open: %w", err) // pgx quotes the bad part, never the password
	}
	if cfg.RuntimeParams["application_name"] == "" {
		if opts.AppName == "" {
			opts.AppName = "mina-" + strconv.Itoa(os.Getpid())
		}
		cfg.RuntimeParams["application_name"] = opts.AppName
	}
	pool := stdlib.OpenDB(*cfg)
	pool.SetMaxOpenConns(opts.MaxConns)
	pool.SetMaxIdleConns(opts.MaxConns)
	pool.SetConnMaxIdleTime(5 * time.Minute)
	db := &DB{db: pool, now: opts.Now, migrations: migrations, appName: cfg.RuntimeParams["application_name"], cfg: cfg}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pool.PingContext(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if !opts.SkipMigrate {
		if err := db.MigrateUp(ctx); err != nil {
			pool.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close closes the pool.
func (db *DB) Close() error { return db.db.Close() }

// Ping checks that the database answers a query, for /health.
func (db *DB) Ping(ctx context.Context) error {
	var one int
	if err := db.db.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("postgres: ping: %w", err)
	}
	return nil
}

// TerminateConnections ends every other session of this store's application_name on the
// server (pg_terminate_backend), as a PostgreSQL restart or a pooler would: the chaos fault
// "database connection loss". It returns how many sessions it ended.
//
// It runs on a connection of its own, outside the pool and under another application_name,
// so that every session of the pool ends.
func (db *DB) TerminateConnections(ctx context.Context) (int, error) {
	cfg := db.cfg.Copy()
	cfg.RuntimeParams["application_name"] = db.appName + "-fault"
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return 0, fmt.Errorf("postgres: terminate connections: %w", err)
	}
	defer conn.Close(context.WithoutCancel(ctx))
	var n int
	err = conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, db.appName).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("postgres: terminate connections: %w", err)
	}
	return n, nil
}

// AppName returns the application_name of the store's sessions.
func (db *DB) AppName() string { return db.appName }

// Stats returns the pool's statistics, for the /metrics DB-pool gauges.
func (db *DB) Stats() sql.DBStats { return db.db.Stats() }

// tx is a transaction with the time it started, which every row it writes is stamped with.
type tx struct {
	*sql.Tx
	now time.Time
}

// begin starts a transaction. Callers defer Rollback.
func (db *DB) begin(ctx context.Context) (*tx, error) {
	t, err := db.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	return &tx{Tx: t, now: db.now().UTC().Truncate(timeUnit)}, nil
}

// timeUnit is the precision of stored times, the same as the SQLite store's.
const timeUnit = time.Millisecond

// SQLSTATE codes the store maps to application errors.
const (
	pgUniqueViolation     = "23505"
	pgForeignKeyViolation = "23503"
)

// sqlState returns err's SQLSTATE, or "".
func sqlState(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

// errNoRow reports that a statement meant to change one row changed none.
var errNoRow = errors.New("no row changed")

// expectOneRow turns an Exec result that changed no row into errNoRow.
func expectOneRow(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	} else if n == 0 {
		return errNoRow
	}
	return nil
}

// utc returns t in UTC: pgx returns timestamptz in the local zone.
func utc(t time.Time) time.Time { return t.UTC() }
