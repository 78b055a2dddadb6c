package sqlite_test

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/seed"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
)

// TestIndexesUsed checks with EXPLAIN QUERY PLAN that each query path uses the ix_ index
// its migration comment names, and that the paginated lists walk their index in order
// instead of sorting. (ix_api_tokens_user_id serves only the foreign key's cascade, which
// EXPLAIN QUERY PLAN does not show.)
//
// The plans are checked twice: without statistics, as a new database runs, and after
// ANALYZE (which Close's PRAGMA optimize may run), reopened so that every connection loads
// the statistics.
func TestIndexesUsed(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "plans.db")
	db, err := sqlite.Open(path, sqlite.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Seed(t.Context(), db, seed.Options{Users: 5, Meetings: 200, Now: time.Now()}); err != nil {
		t.Fatal(err)
	}
	t.Run("without statistics", func(t *testing.T) { checkPlans(t, db) })
	if err := sqlite.ExecForTest(db, t.Context(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if db, err = sqlite.Open(path, sqlite.Options{}); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t.Run("after ANALYZE", func(t *testing.T) { checkPlans(t, db) })
}

func checkPlans(t *testing.T, db *sqlite.DB) {
	countAll, pageAll := sqlite.TaskQueries(mina.TaskFilter{})
	countStatus, pageStatus := sqlite.TaskQueries(mina.TaskFilter{Status: "pending"})
	_, pageMeeting := sqlite.TaskQueries(mina.TaskFilter{MeetingID: 1})
	_, pageBoth := sqlite.TaskQueries(mina.TaskFilter{MeetingID: 1, Status: "pending"})
	tests := []struct {
		name    string
		query   string
		args    []any
		index   string
		ordered bool // the ORDER BY must come from the index, not a temporary B-tree
	}{
		{"token lookup", sqlite.QueryUserByToken, []any{[]byte("x")}, "ix_api_tokens_token_hash", false},
		{"email check", `SELECT 1 FROM users WHERE email = ?`, []any{"a@b.c"}, "ix_users_email", false},
		{"meeting page", sqlite.QueryMeetingPage, []any{1, 20, 0}, "ix_meetings_user_id_starts_at", false},
		{"meeting page counts", sqlite.QueryMeetingPage, []any{1, 20, 0}, "ix_tasks_meeting_id_status_created_at", false},
		{"meeting total", sqlite.QueryMeetingCount, []any{1}, "ix_meetings_user_id", false},
		{"one meeting's counts", sqlite.QueryMeeting, []any{1, 1}, "ix_tasks_meeting_id_status_created_at", false},
		{"dashboard meetings", sqlite.QueryDashboardMeetings, []any{1, 0, 1}, "ix_meetings_user_id_starts_at_duration", false},
		{"dashboard tasks", sqlite.QueryDashboardTasks, []any{1, 0, 1}, "ix_tasks_user_id_created_at_status", false},
		{"trend meetings", sqlite.QueryTrendMeetings, []any{1, 0, 1, 86400000}, "ix_meetings_user_id_starts_at_duration", false},
		// Either (user_id, created_at) index covers it: a prefix of both names.
		{"trend created", sqlite.QueryTrendCreated, []any{1, 0, 1, 86400000}, "ix_tasks_user_id_created_at", false},
		{"trend completed", sqlite.QueryTrendCompleted, []any{1, 0, 1, 86400000}, "ix_tasks_user_id_completed_at", false},
		{"task page", pageAll, []any{1, 20, 0}, "ix_tasks_user_id_created_at", true},
		{"task total", countAll, []any{1}, "ix_tasks_user_id", false},
		{"task page by status", pageStatus, []any{1, "pending", 20, 0}, "ix_tasks_user_id_status_created_at", true},
		{"task total by status", countStatus, []any{1, "pending"}, "ix_tasks_user_id_status_created_at", false},
		{"task page by meeting", pageMeeting, []any{1, 1, 20, 0}, "ix_tasks_meeting_id_created_at", true},
		{"task page by meeting and status", pageBoth, []any{1, 1, "pending", 20, 0}, "ix_tasks_meeting_id_status_created_at", true},
		{"delete a meeting's tasks", sqlite.QueryDeleteMeetingTasks, []any{1, 1}, "ix_tasks_meeting_id_", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := explain(t, db, tt.query, tt.args)
			if !strings.Contains(plan, "INDEX "+tt.index) {
				t.Errorf("plan does not use %s:\n%s", tt.index, plan)
			}
			if tt.ordered && strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
				t.Errorf("plan sorts instead of walking the index:\n%s", plan)
			}
		})
	}
}

// explain returns the EXPLAIN QUERY PLAN details of query, one per line.
func explain(t *testing.T, db *sqlite.DB, query string, args []any) string {
	t.Helper()
	rows, err := sqlite.QueryForTest(db, t.Context(), "EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		fmt.Fprintln(&b, detail)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
