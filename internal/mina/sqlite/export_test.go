package sqlite

import (
	"context"
	"database/sql"
)

// QueryRowForTest runs a raw query on the read pool, for tests that inspect the schema.
func QueryRowForTest(db *DB, ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, query, args...)
}

// QueryForTest runs a raw query on the read pool.
func QueryForTest(db *DB, ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, query, args...)
}
