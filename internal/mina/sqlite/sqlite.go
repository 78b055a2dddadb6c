// Package sqlite is mina's default store: a single SQLite file, opened with modernc.org/sqlite.
//
// modernc.org/sqlite is SQLite translated to pure Go, so the store needs no cgo and a fresh
// clone builds and runs anywhere `go build` does (mattn/go-sqlite3, the usual alternative,
// needs a C toolchain). The price is some speed on writes, which mina's read-mostly load does
// not feel.
//
// The database is opened twice, as two database/sql pools over the same file:
//
//   - the write pool has exactly one connection, because SQLite has one writer: queuing
//     writers in Go costs nothing, while letting them race for the file lock costs
//     SQLITE_BUSY retries. Its transactions BEGIN IMMEDIATE so that a read-then-write
//     transaction never fails to upgrade its lock.
//   - the read pool has several connections with query_only set. In WAL mode readers see the
//     last committed state and never wait for the writer, so reads never queue behind writes.
//
// Every connection runs with journal_mode=WAL, synchronous=NORMAL (durable across
// application crashes; a power loss may drop the last transactions, never corrupt the file),
// foreign_keys=ON and a busy_timeout. The path ":memory:" opens a private in-memory database
// on one connection that serves reads and writes alike (two pools would be two databases).
//
// Every method runs in one transaction (BeginTx + defer Rollback, as in benbjohnson/wtf) or,
// for the hot single-statement reads, in one prepared statement. Times are stored as INTEGER
// Unix milliseconds in UTC, so that ranges and per-day grouping are integer arithmetic on
// indexed columns; the store truncates every time it is given to the millisecond.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver
)

// Options configures a store. The zero value is ready to use.
type Options struct {
	// ReadConns is the size of the read pool; 0 means DefaultReadConns.
	ReadConns int
	// BusyTimeout is how long a connection waits for a lock held by another process (such as
	// `mina seed` writing while the server runs); 0 means DefaultBusyTimeout.
	BusyTimeout time.Duration
	// SkipMigrate leaves the schema as it is; by default Open applies pending migrations.
	SkipMigrate bool
	// Now returns the current time, stamped on created_at and updated_at; nil means time.Now.
	// Tests inject a fixed clock.
	Now func() time.Time
}

// Defaults for zero Options fields.
const (
	DefaultReadConns   = 4
	DefaultBusyTimeout = 5 * time.Second
)

// DB is a mina store over one SQLite database. It is safe for concurrent use.
type DB struct {
	write *sql.DB // exactly one connection
	read  *sql.DB // query_only connections; the write pool itself for ":memory:"
	now   func() time.Time

	migrations []mina.Migration

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt // the prepared hot queries of the read pool
}

var _ mina.Store = (*DB)(nil)

// Open opens (creating if needed) the SQLite database at path and, unless opts.SkipMigrate,
// migrates it to the latest version.
func Open(path string, opts Options) (*DB, error) {
	if path == "" {
		return nil, errors.New("sqlite: open: empty path")
	}
	if path != ":memory:" && strings.ContainsAny(path, "?#") {
		// The path becomes a file: URI, where these would start its query or fragment.
		return nil, fmt.Errorf("sqlite: open %q: the path may not contain '?' or '#'", path)
	}
	if opts.ReadConns < 0 {
		return nil, fmt.Errorf("sqlite: open %q: ReadConns %d is negative", path, opts.ReadConns)
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = DefaultReadConns
	}
	if opts.BusyTimeout <= 0 {
		opts.BusyTimeout = DefaultBusyTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	migrations, err := loadMigrations()
	if err != nil {
		return nil, err
	}
	db := &DB{
		now:        opts.Now,
		migrations: migrations,
	}
	if err := db.openPools(path, opts); err != nil {
		db.Close()
		return nil, err
	}
	if !opts.SkipMigrate {
		if err := db.MigrateUp(context.Background()); err != nil {
			db.Close()
			return nil, err
		}
	}
	db.prepareAll(context.Background())
	return db, nil
}

// openPools opens the write pool, which also switches the file to WAL, then the read pool.
func (db *DB) openPools(path string, opts Options) error {
	memory := path == ":memory:"
	if !memory {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return fmt.Errorf("sqlite: open %q: %w", path, err)
		}
	}
	var err error
	if db.write, err = openPool(path, opts.BusyTimeout, false); err != nil {
		return err
	}
	db.write.SetMaxOpenConns(1)
	db.write.SetMaxIdleConns(1)
	db.write.SetConnMaxIdleTime(0)
	db.write.SetConnMaxLifetime(0) // an in-memory database lives as long as its connection
	if err := db.write.Ping(); err != nil {
		return fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	if memory {
		db.read = db.write
		return nil
	}
	if db.read, err = openPool(path, opts.BusyTimeout, true); err != nil {
		return err
	}
	db.read.SetMaxOpenConns(opts.ReadConns)
	db.read.SetMaxIdleConns(opts.ReadConns)
	if err := db.read.Ping(); err != nil {
		return fmt.Errorf("sqlite: open %q for reading: %w", path, err)
	}
	return nil
}

// openPool opens one database/sql pool whose every connection runs the store's pragmas.
func openPool(path string, busy time.Duration, readOnly bool) (*sql.DB, error) {
	q := url.Values{}
	q.Set("_busy_timeout", strconv.FormatInt(busy.Milliseconds(), 10))
	q.Set("_foreign_keys", "1")
	q.Set("_synchronous", "NORMAL")
	if path != ":memory:" {
		q.Set("_journal_mode", "WAL")
	}
	if readOnly {
		q.Set("_query_only", "1")
	} else {
		q.Set("_txlock", "immediate")
	}
	dsn := "file:" + path + "?" + q.Encode()
	if path == ":memory:" {
		dsn = ":memory:?" + q.Encode()
	}
	pool, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %q: %w", path, err)
	}
	return pool, nil
}

// Close runs PRAGMA optimize, as SQLite recommends before closing, and closes both pools and
// their prepared statements.
func (db *DB) Close() error {
	db.mu.Lock()
	for _, p := range db.stmts {
		p.Close()
	}
	db.stmts = nil
	db.mu.Unlock()
	var errs []error
	if db.write != nil {
		// Refresh the planner's statistics where SQLite judges it useful; cheap when not.
		_, err := db.write.Exec(`PRAGMA optimize`)
		errs = append(errs, err)
	}
	if db.read != nil && db.read != db.write {
		errs = append(errs, db.read.Close())
	}
	if db.write != nil {
		errs = append(errs, db.write.Close())
	}
	return errors.Join(errs...)
}

// Ping checks that the database answers a query on the read pool, for /health. It leaves the
// write pool alone: a long write would make /health wait for it.
func (db *DB) Ping(ctx context.Context) error {
	if err := db.read.PingContext(ctx); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	var one int
	if err := db.read.QueryRowContext(ctx, `SELECT 1`).Scan(&one); err != nil {
		return fmt.Errorf("sqlite: ping: %w", err)
	}
	return nil
}

// Stats returns the read pool's statistics, the pool that serves the API's load and so the
// one the /metrics DB-pool gauges show. The write pool has one connection; see WriteStats.
func (db *DB) Stats() sql.DBStats { return db.read.Stats() }

// WriteStats returns the write pool's statistics: its WaitCount and WaitDuration tell how
// much writers queued for SQLite's single writer.
func (db *DB) WriteStats() sql.DBStats { return db.write.Stats() }

// tx is a transaction with the time it started, which every row it writes is stamped with.
type tx struct {
	*sql.Tx
	now time.Time
}

// beginWrite starts a transaction on the write pool. Callers defer Rollback.
func (db *DB) beginWrite(ctx context.Context) (*tx, error) {
	t, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin: %w", err)
	}
	return &tx{Tx: t, now: db.now().UTC().Truncate(time.Millisecond)}, nil
}

// beginRead starts a read transaction, a consistent snapshot for methods that run more than
// one query. Callers defer Rollback.
func (db *DB) beginRead(ctx context.Context) (*tx, error) {
	t, err := db.read.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("sqlite: begin read: %w", err)
	}
	return &tx{Tx: t, now: db.now().UTC().Truncate(time.Millisecond)}, nil
}

// stmt is one statement to run: prepared where the store prepared it, else plain text run
// on a transaction or a pool. Its methods mirror *sql.Stmt's.
type stmt struct {
	prepared *sql.Stmt
	tx       *sql.Tx
	pool     *sql.DB
	text     string
}

// ExecContext runs the statement.
func (s stmt) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	switch {
	case s.prepared != nil:
		return s.prepared.ExecContext(ctx, args...)
	case s.tx != nil:
		return s.tx.ExecContext(ctx, s.text, args...)
	}
	return s.pool.ExecContext(ctx, s.text, args...)
}

// QueryContext runs the statement for rows.
func (s stmt) QueryContext(ctx context.Context, args ...any) (*sql.Rows, error) {
	switch {
	case s.prepared != nil:
		return s.prepared.QueryContext(ctx, args...)
	case s.tx != nil:
		return s.tx.QueryContext(ctx, s.text, args...)
	}
	return s.pool.QueryContext(ctx, s.text, args...)
}

// QueryRowContext runs the statement for one row.
func (s stmt) QueryRowContext(ctx context.Context, args ...any) *sql.Row {
	switch {
	case s.prepared != nil:
		return s.prepared.QueryRowContext(ctx, args...)
	case s.tx != nil:
		return s.tx.QueryRowContext(ctx, s.text, args...)
	}
	return s.pool.QueryRowContext(ctx, s.text, args...)
}

// readStmt returns query on the read pool, prepared if it is one of the hot queries.
func (db *DB) readStmt(_ context.Context, query string) (stmt, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	if p, ok := db.stmts[query]; ok {
		return stmt{prepared: p}, nil
	}
	return stmt{pool: db.read, text: query}, nil
}

// inTx returns query bound to t. A read transaction uses the prepared statement, which
// database/sql prepares on the transaction's own connection at most once. Writes are not
// prepared: the write pool's only connection is the transaction's, so preparing on the pool
// would wait for it forever, and a write costs a WAL append that dwarfs compiling its SQL.
func (db *DB) inTx(ctx context.Context, t *tx, write bool, query string) (stmt, error) {
	if !write {
		db.mu.RLock()
		p, ok := db.stmts[query]
		db.mu.RUnlock()
		if ok {
			return stmt{prepared: t.StmtContext(ctx, p)}, nil
		}
	}
	return stmt{tx: t.Tx, text: query}, nil
}

// prepareAll prepares the hot read queries on the read pool, replacing any prepared before
// (a migration may have changed the tables they were compiled against). A query whose
// tables do not exist yet is left unprepared and runs as plain text.
func (db *DB) prepareAll(ctx context.Context) {
	fresh := map[string]*sql.Stmt{}
	for _, q := range hotQueries() {
		if p, err := db.read.PrepareContext(ctx, q); err == nil {
			fresh[q] = p
		}
	}
	db.mu.Lock()
	old := db.stmts
	db.stmts = fresh
	db.mu.Unlock()
	for _, p := range old {
		p.Close()
	}
}

// hotQueries lists the queries that the store prepares: every query of the read pool.
func hotQueries() []string {
	qs := []string{
		queryUserByToken, queryMeeting, queryMeetingCount, queryMeetingPage, queryTask, queryOwnMeeting,
		queryDashboardMeetings, queryDashboardTasks, queryTrendMeetings, queryTrendCreated, queryTrendCompleted,
	}
	for _, f := range []mina.TaskFilter{{}, {Status: "x"}, {MeetingID: 1}, {MeetingID: 1, Status: "x"}} {
		where, _ := taskWhere(0, f)
		qs = append(qs, queryTaskCount(where), queryTaskPage(where))
	}
	return qs
}

// ms converts a time to the stored form, Unix milliseconds.
func ms(t time.Time) int64 { return t.UnixMilli() }

// fromMS converts a stored time back, in UTC.
func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }
