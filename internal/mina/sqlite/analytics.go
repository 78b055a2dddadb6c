package sqlite

import (
	"context"
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

// dayMS is one UTC day in the stored unit; stored times are never negative, so integer
// division by it is the day number since 1970-01-01.
const dayMS = int64(24 * time.Hour / time.Millisecond)

const queryDashboardMeetings = `SELECT count(*), coalesce(sum(duration_minutes), 0)
FROM meetings WHERE user_id = ? AND starts_at >= ? AND starts_at < ?`

const queryDashboardTasks = `SELECT
	count(*) FILTER (WHERE status = 'pending'),
	count(*) FILTER (WHERE status = 'in_progress'),
	count(*) FILTER (WHERE status = 'done'),
	count(*)
FROM tasks WHERE user_id = ? AND created_at >= ? AND created_at < ?`

// Dashboard returns the user's figures over the last days days (1 to 365) ending at now.
func (db *DB) Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	if err := mina.ValidateDays(days); err != nil {
		return nil, err
	}
	first, end := mina.Window(days, now)
	t, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	d := &mina.Dashboard{Days: days}
	meetings, err := db.inTx(ctx, t, false, queryDashboardMeetings)
	if err != nil {
		return nil, err
	}
	if err := meetings.QueryRowContext(ctx, userID, ms(first), ms(end)).Scan(&d.Meetings, &d.TotalMinutes); err != nil {
		return nil, fmt.Errorf("sqlite: dashboard meetings: %w", err)
	}
	tasks, err := db.inTx(ctx, t, false, queryDashboardTasks)
	if err != nil {
		return nil, err
	}
	c := &d.Tasks
	if err := tasks.QueryRowContext(ctx, userID, ms(first), ms(end)).Scan(&c.Pending, &c.InProgress, &c.Done, &c.Total); err != nil {
		return nil, fmt.Errorf("sqlite: dashboard tasks: %w", err)
	}
	if c.Total > 0 {
		d.CompletionRate = float64(c.Done) / float64(c.Total)
	}
	return d, nil
}

// The three per-day series of Trends, each over its own covering index.
const (
	queryTrendMeetings = `SELECT starts_at / ?4, count(*), sum(duration_minutes)
FROM meetings WHERE user_id = ?1 AND starts_at >= ?2 AND starts_at < ?3 GROUP BY 1`
	queryTrendCreated = `SELECT created_at / ?4, count(*), 0
FROM tasks WHERE user_id = ?1 AND created_at >= ?2 AND created_at < ?3 GROUP BY 1`
	queryTrendCompleted = `SELECT completed_at / ?4, count(*), 0
FROM tasks WHERE user_id = ?1 AND completed_at >= ?2 AND completed_at < ?3 GROUP BY 1`
)

// Trends returns one point per UTC day of the last days days (1 to 365) ending at now,
// oldest first, days without activity included as zeros.
func (db *DB) Trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	if err := mina.ValidateDays(days); err != nil {
		return nil, err
	}
	first, end := mina.Window(days, now)
	tr := &mina.Trends{Days: days, Points: make([]mina.TrendPoint, days)}
	for i := range tr.Points {
		tr.Points[i].Date = first.AddDate(0, 0, i).Format(time.DateOnly)
	}
	t, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	firstDay := ms(first) / dayMS
	series := []struct {
		query string
		add   func(p *mina.TrendPoint, n, minutes int)
	}{
		{queryTrendMeetings, func(p *mina.TrendPoint, n, minutes int) { p.Meetings, p.Minutes = n, minutes }},
		{queryTrendCreated, func(p *mina.TrendPoint, n, _ int) { p.TasksCreated = n }},
		{queryTrendCompleted, func(p *mina.TrendPoint, n, _ int) { p.TasksCompleted = n }},
	}
	for _, s := range series {
		err := db.eachDay(ctx, t, s.query, []any{userID, ms(first), ms(end), dayMS}, func(day int64, n, minutes int) {
			if i := day - firstDay; i >= 0 && i < int64(days) {
				s.add(&tr.Points[i], n, minutes)
			}
		})
		if err != nil {
			return nil, err
		}
	}
	return tr, nil
}

// eachDay runs a per-day query whose rows are (day number, count, minutes).
func (db *DB) eachDay(ctx context.Context, t *tx, query string, args []any, fn func(day int64, n, minutes int)) error {
	s, err := db.inTx(ctx, t, false, query)
	if err != nil {
		return err
	}
	rows, err := s.QueryContext(ctx, args...)
	if err != nil {
		return fmt.Errorf("sqlite: trends: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var day int64
		var n, minutes int
		if err := rows.Scan(&day, &n, &minutes); err != nil {
			return fmt.Errorf("sqlite: trends: %w", err)
		}
		fn(day, n, minutes)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("sqlite: trends: %w", err)
	}
	return nil
}
