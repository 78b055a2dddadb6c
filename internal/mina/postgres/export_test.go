package postgres

import (
	"context"
	"database/sql"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/mina"
)

// QueryForTest runs a raw query, for tests that inspect the schema.
func QueryForTest(db *DB, ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return db.db.QueryContext(ctx, query, args...)
}

// Queries the store runs, for the plan test.
const (
	QueryUserByToken       = queryUserByToken
	QueryMeetingPage       = queryMeetingPage
	QueryMeetingCount      = queryMeetingCount
	QueryMeeting           = queryMeeting
	QueryDashboardMeetings = queryDashboardMeetings
	QueryDashboardTasks    = queryDashboardTasks
	QueryTrendMeetings     = queryTrendMeetings
	QueryTrendCreated      = queryTrendCreated
	QueryTrendCompleted    = queryTrendCompleted
)

// TaskPageQuery returns the page query of a task filter, with its $n placeholders.
func TaskPageQuery(f mina.TaskFilter) string {
	where, args := taskWhere(1, f)
	n := len(args)
	return `SELECT ` + taskColumns + ` FROM tasks WHERE ` + where +
		` ORDER BY created_at DESC, id DESC LIMIT $` + strconv.Itoa(n+1) + ` OFFSET $` + strconv.Itoa(n+2)
}

// Explain returns the plan of query on one connection where sequential scans are disabled,
// so that the plan shows which index can serve the query even on a small table.
func Explain(db *DB, ctx context.Context, query string, args ...any) (string, error) {
	conn, err := db.db.Conn(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		return "", err
	}
	defer conn.ExecContext(ctx, `RESET enable_seqscan`)
	rows, err := conn.QueryContext(ctx, "EXPLAIN "+query, args...)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			return "", err
		}
		b.WriteString(line + "\n")
	}
	return b.String(), rows.Err()
}

// ExecForTest runs a raw statement.
func ExecForTest(db *DB, ctx context.Context, query string) error {
	_, err := db.db.ExecContext(ctx, query)
	return err
}
