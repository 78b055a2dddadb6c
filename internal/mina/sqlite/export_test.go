package sqlite

import (
	"context"
	"database/sql"

	"github.com/ramp-dev/ramp/internal/mina"
)

// QueryRowForTest runs a raw query on the read pool, for tests that inspect the schema.
func QueryRowForTest(db *DB, ctx context.Context, query string, args ...any) *sql.Row {
	return db.read.QueryRowContext(ctx, query, args...)
}

// QueryForTest runs a raw query on the read pool.
func QueryForTest(db *DB, ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.read.QueryContext(ctx, query, args...)
}

// Queries the store runs, for the EXPLAIN QUERY PLAN test.
const (
	QueryUserByToken        = queryUserByToken
	QueryMeetingPage        = queryMeetingPage
	QueryMeetingCount       = queryMeetingCount
	QueryMeeting            = queryMeeting
	QueryDashboardMeetings  = queryDashboardMeetings
	QueryDashboardTasks     = queryDashboardTasks
	QueryTrendMeetings      = queryTrendMeetings
	QueryTrendCreated       = queryTrendCreated
	QueryTrendCompleted     = queryTrendCompleted
	QueryOwnMeeting         = queryOwnMeeting
	QueryDeleteMeetingTasks = queryDeleteMeetingTasks
)

// TaskQueries returns the count and page queries of a task filter.
func TaskQueries(f mina.TaskFilter) (count, page string) {
	where, _ := taskWhere(1, f)
	return queryTaskCount(where), queryTaskPage(where)
}

// ExecForTest runs a raw statement on the write pool.
func ExecForTest(db *DB, ctx context.Context, query string) error {
	_, err := db.write.ExecContext(ctx, query)
	return err
}

// HoldWriterForTest starts a write transaction that creates a meeting for userID and keeps
// it open, holding SQLite's write lock, until release is called (which rolls it back).
func HoldWriterForTest(db *DB, ctx context.Context, userID int64) (release func(), err error) {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	if _, err := t.ExecContext(ctx, `INSERT INTO meetings (user_id, title, starts_at, duration_minutes, created_at, updated_at)
		VALUES (?, 'uncommitted', 0, 1, 0, 0)`, userID); err != nil {
		t.Rollback()
		return nil, err
	}
	return func() { t.Rollback() }, nil
}
