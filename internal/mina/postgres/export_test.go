package postgres

import (
	"context"
	"database/sql"
)

// QueryForTest runs a raw query, for tests that inspect the schema.
func QueryForTest(db *DB, ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, query, args...)
}
