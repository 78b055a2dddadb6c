package postgres_test

import (
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/postgres"
	"github.com/ramp-dev/ramp/internal/mina/seed"
)

// TestIndexesUsed checks that each query path can be served by the ix_ index its migration
// comment names. Sequential scans are disabled for the check: on a test-sized table
// PostgreSQL rightly prefers them, and the question is which index serves the query when the
// table is large. (ix_api_tokens_user_id serves only the foreign key's cascade.)
func TestIndexesUsed(t *testing.T) {
	t.Parallel()
	db := MustOpenDB(t, time.Now)
	// Enough rows per user (about 500 tasks) for the planner to prefer an ordered index walk
	// for a page of 20 over fetching and sorting, and fresh statistics.
	if _, err := seed.Seed(t.Context(), db, seed.Options{Users: 4, Meetings: 800}); err != nil {
		t.Fatal(err)
	}
	if err := postgres.ExecForTest(db, t.Context(), `ANALYZE`); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tests := []struct {
		name    string
		query   string
		args    []any
		index   string
		ordered bool // the ORDER BY must come from the index, not a Sort node
	}{
		{"token lookup", postgres.QueryUserByToken, []any{[]byte("x")}, "ix_api_tokens_token_hash", false},
		{"meeting page", postgres.QueryMeetingPage, []any{1, 20, 0}, "ix_meetings_user_id_starts_at", false},
		// Either meeting_id index serves the counts; the planner picks by cost.
		{"meeting page counts", postgres.QueryMeetingPage, []any{1, 20, 0}, "ix_tasks_meeting_id_", false},
		{"meeting total", postgres.QueryMeetingCount, []any{1}, "ix_meetings_user_id", false},
		{"one meeting's counts", postgres.QueryMeeting, []any{1, 1}, "ix_tasks_meeting_id_", false},
		{"dashboard meetings", postgres.QueryDashboardMeetings, []any{1, now, now}, "ix_meetings_user_id_starts_at_duration", false},
		{"dashboard tasks", postgres.QueryDashboardTasks, []any{1, now, now}, "ix_tasks_user_id_created_at_status", false},
		{"trend meetings", postgres.QueryTrendMeetings, []any{1, now, now}, "ix_meetings_user_id_starts_at_duration", false},
		{"trend created", postgres.QueryTrendCreated, []any{1, now, now}, "ix_tasks_user_id_created_at", false},
		{"trend completed", postgres.QueryTrendCompleted, []any{1, now, now}, "ix_tasks_user_id_completed_at", false},
		{"task page", postgres.TaskPageQuery(mina.TaskFilter{}), []any{1, 20, 0}, "ix_tasks_user_id_created_at", true},
		{"task page by status", postgres.TaskPageQuery(mina.TaskFilter{Status: "pending"}), []any{1, "pending", 20, 0}, "ix_tasks_user_id_status_created_at", true},
		{"task page by meeting", postgres.TaskPageQuery(mina.TaskFilter{MeetingID: 1}), []any{1, 1, 20, 0}, "ix_tasks_meeting_id_", true},
		{"task page by meeting and status", postgres.TaskPageQuery(mina.TaskFilter{MeetingID: 1, Status: "done"}), []any{1, 1, "done", 20, 0}, "ix_tasks_meeting_id_status_created_at", true},
		{"delete a meeting's tasks", `DELETE FROM tasks WHERE meeting_id = $1`, []any{1}, "ix_tasks_meeting_id_", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan, err := postgres.Explain(db, t.Context(), tt.query, tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(plan, tt.index) {
				t.Errorf("plan does not use %s:\n%s", tt.index, plan)
			}
			if tt.ordered && strings.Contains(plan, "Sort") {
				t.Errorf("plan sorts instead of walking the index:\n%s", plan)
			}
		})
	}
}
