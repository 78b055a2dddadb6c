package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// The analytics window is whole UTC days: the last `days` days up to and including today,
// [first, end). Trends' points add up to the Dashboard's figures for the same days.
//
//	meetings, minutes   meetings whose starts_at is in the window, and their durations
//	tasks by status     tasks whose created_at is in the window, by current status
//	completion_rate     done / total of those tasks; 0 when there are none
//	tasks_created       per day of created_at
//	tasks_completed     per day of completed_at (set on becoming done, cleared on leaving it)

const queryDashboardMeetings = `SELECT count(*), coalesce(sum(duration_minutes), 0)
FROM meetings WHERE user_id = $1 AND starts_at >= $2 AND starts_at < $3`

const queryDashboardTasks = `SELECT
	count(*) FILTER (WHERE status = 'pending'),
	count(*) FILTER (WHERE status = 'in_progress'),
	count(*) FILTER (WHERE status = 'done'),
	count(*)
FROM tasks WHERE user_id = $1 AND created_at >= $2 AND created_at < $3`

// dashboard returns the user's figures over the last days days (1 to 365) ending at now.
func (db *DB) dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	if err := mina.ValidateDays(days); err != nil {
		return nil, err
	}
	first, end := mina.Window(days, now)
	t, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer t.Rollback()
	d := &mina.Dashboard{Days: days}
	if err := t.QueryRowContext(ctx, queryDashboardMeetings, userID, first, end).Scan(&d.Meetings, &d.TotalMinutes); err != nil {
		return nil, fmt.Errorf("postgres: dashboard meetings: %w", err)
	}
	c := &d.Tasks
	if err := t.QueryRowContext(ctx, queryDashboardTasks, userID, first, end).Scan(&c.Pending, &c.InProgress, &c.Done, &c.Total); err != nil {
		return nil, fmt.Errorf("postgres: dashboard tasks: %w", err)
	}
	if c.Total > 0 {
		d.CompletionRate = float64(c.Done) / float64(c.Total)
	}
	return d, nil
}

// The three per-day series of Trends, each over its own index; a row is (UTC date, count,
// minutes).
const (
	queryTrendMeetings = `SELECT (starts_at AT TIME ZONE 'UTC')::date, count(*), sum(duration_minutes)
FROM meetings WHERE user_id = $1 AND starts_at >= $2 AND starts_at < $3 GROUP BY 1`
	queryTrendCreated = `SELECT (created_at AT TIME ZONE 'UTC')::date, count(*), 0
FROM tasks WHERE user_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY 1`
	queryTrendCompleted = `SELECT (completed_at AT TIME ZONE 'UTC')::date, count(*), 0
FROM tasks WHERE user_id = $1 AND completed_at >= $2 AND completed_at < $3 GROUP BY 1`
)

// trends returns one point per UTC day of the last days days (1 to 365) ending at now,
// oldest first, days without activity included as zeros.
func (db *DB) trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	if err := mina.ValidateDays(days); err != nil {
		return nil, err
	}
	first, end := mina.Window(days, now)
	tr := &mina.Trends{Days: days, Points: make([]mina.TrendPoint, days)}
	index := make(map[string]int, days)
	for i := range tr.Points {
		tr.Points[i].Date = first.AddDate(0, 0, i).Format(time.DateOnly)
		index[tr.Points[i].Date] = i
	}
	t, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer t.Rollback()
	series := []struct {
		query string
		add   func(p *mina.TrendPoint, n, minutes int)
	}{
		{queryTrendMeetings, func(p *mina.TrendPoint, n, minutes int) { p.Meetings, p.Minutes = n, minutes }},
		{queryTrendCreated, func(p *mina.TrendPoint, n, _ int) { p.TasksCreated = n }},
		{queryTrendCompleted, func(p *mina.TrendPoint, n, _ int) { p.TasksCompleted = n }},
	}
	for _, s := range series {
		if err := eachDay(ctx, t, s.query, userID, first, end, func(date string, n, minutes int) {
			if i, ok := index[date]; ok {
				s.add(&tr.Points[i], n, minutes)
			}
		}); err != nil {
			return nil, err
		}
	}
	return tr, nil
}

// eachDay runs a per-day query and calls fn with each row's date as YYYY-MM-DD.
func eachDay(ctx context.Context, t *sql.Tx, query string, userID int64, first, end time.Time, fn func(date string, n, minutes int)) error {
	rows, err := t.QueryContext(ctx, query, userID, first, end)
	if err != nil {
		return fmt.Errorf("postgres: trends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day time.Time
		var n, minutes int
		if err := rows.Scan(&day, &n, &minutes); err != nil {
			return fmt.Errorf("postgres: trends: %w", err)
		}
		fn(day.Format(time.DateOnly), n, minutes)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("postgres: trends: %w", err)
	}
	return nil
}
