package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// meetingColumns are scanned by scanMeeting: the meeting's own columns, then its task
// counts from the lateral subquery c.
const meetingColumns = `m.id, m.user_id, m.title, m.description, m.starts_at, m.duration_minutes, m.created_at, m.updated_at,
	c.pending, c.in_progress, c.done, c.total`

// taskCountsLateral counts meeting m's tasks by status, over
// ix_tasks_meeting_id_status_created_at (index-only).
const taskCountsLateral = `CROSS JOIN LATERAL (
	SELECT count(*) FILTER (WHERE status = 'pending') AS pending,
	       count(*) FILTER (WHERE status = 'in_progress') AS in_progress,
	       count(*) FILTER (WHERE status = 'done') AS done,
	       count(*) AS total
	FROM tasks WHERE meeting_id = m.id) c`

// queryMeetingPage is one page of a user's meetings, newest first, each with its task counts,
// in one query: the page is cut first, then only its meetings count their tasks.
const queryMeetingPage = `SELECT ` + meetingColumns + `
FROM (SELECT * FROM meetings WHERE user_id = $1 ORDER BY starts_at DESC, id DESC LIMIT $2 OFFSET $3) m
` + taskCountsLateral + `
ORDER BY m.starts_at DESC, m.id DESC`

const queryMeetingCount = `SELECT count(*) FROM meetings WHERE user_id = $1`

// queryMeeting reads one meeting with its counts; UpdateMeeting appends FOR UPDATE OF m
// to lock the row from its read to its write.
const queryMeeting = `SELECT ` + meetingColumns + `
FROM meetings m ` + taskCountsLateral + `
WHERE m.id = $1 AND m.user_id = $2`

type scanner interface{ Scan(dest ...any) error }

func scanMeeting(row scanner, m *mina.Meeting) error {
	c := &m.TaskCounts
	if err := row.Scan(&m.ID, &m.UserID, &m.Title, &m.Description, &m.StartsAt, &m.DurationMinutes, &m.CreatedAt, &m.UpdatedAt,
		&c.Pending, &c.InProgress, &c.Done, &c.Total); err != nil {
		return err
	}
	m.StartsAt, m.CreatedAt, m.UpdatedAt = utc(m.StartsAt), utc(m.CreatedAt), utc(m.UpdatedAt)
	return nil
}

// listMeetings returns one page of the user's meetings, newest first (starts_at, then id),
// with their task counts and the user's total, from one REPEATABLE READ snapshot so that the
// total and the page agree.
func (db *DB) listMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	page, perPage, offset, err := mina.PageBounds(p)
	if err != nil {
		return nil, err
	}
	t, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer t.Rollback()
	list := &mina.MeetingList{Meetings: []mina.Meeting{}, Page: page, PerPage: perPage}
	if err := t.QueryRowContext(ctx, queryMeetingCount, userID).Scan(&list.Total); err != nil {
		return nil, fmt.Errorf("postgres: count meetings: %w", err)
	}
	if offset >= int64(list.Total) {
		return list, nil
	}
	rows, err := t.QueryContext(ctx, queryMeetingPage, userID, perPage, offset)
	if err != nil {
		return nil, fmt.Errorf("postgres: list meetings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mina.Meeting
		if err := scanMeeting(rows, &m); err != nil {
			return nil, fmt.Errorf("postgres: list meetings: %w", err)
		}
		list.Meetings = append(list.Meetings, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: list meetings: %w", err)
	}
	return list, nil
}

// meeting returns one of the user's meetings with its task counts, in one statement; another
// user's meeting is ENOTFOUND.
func (db *DB) meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	return getMeeting(db.db.QueryRowContext(ctx, queryMeeting, id, userID), id)
}

func getMeeting(row *sql.Row, id int64) (*mina.Meeting, error) {
	var m mina.Meeting
	err := scanMeeting(row, &m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: meeting %d: %w", id, err)
	}
	return &m, nil
}

func meetingNotFound(id int64) error {
	return mina.Errorf(mina.ENOTFOUND, "Meeting %d not found.", id)
}

// createMeeting validates m, stores it for m.UserID and fills its ID and times (StartsAt
// truncated to the millisecond, as stored).
func (db *DB) createMeeting(ctx context.Context, m *mina.Meeting) error {
	if err := mina.ValidateMeeting(m); err != nil {
		return err
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	m.CreatedAt = t.now
	if err := insertMeeting(ctx, t, m); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: create meeting: %w", err)
	}
	return nil
}

// insertMeeting inserts a validated m in t and fills its ID and empty task counts. It keeps
// m.CreatedAt (the bulk loader backdates rows) and sets UpdatedAt to it.
func insertMeeting(ctx context.Context, t *tx, m *mina.Meeting) error {
	m.StartsAt = m.StartsAt.UTC().Truncate(timeUnit)
	m.CreatedAt = m.CreatedAt.UTC().Truncate(timeUnit)
	m.UpdatedAt, m.TaskCounts = m.CreatedAt, mina.TaskCounts{}
	err := t.QueryRowContext(ctx, `INSERT INTO meetings
	(user_id, title, description, starts_at, duration_minutes, created_at, updated_at)
	VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		m.UserID, m.Title, m.Description, m.StartsAt, m.DurationMinutes, m.CreatedAt, m.UpdatedAt).Scan(&m.ID)
	if sqlState(err) == pgForeignKeyViolation {
		return mina.Errorf(mina.ENOTFOUND, "User %d not found.", m.UserID)
	} else if err != nil {
		return fmt.Errorf("postgres: create meeting: %w", err)
	}
	return nil
}

// updateMeeting changes the non-nil fields of one of the user's meetings and returns it as
// stored, with its task counts. The row is locked from read to write.
func (db *DB) updateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	t, err := db.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	m, err := getMeeting(t.QueryRowContext(ctx, queryMeeting+` FOR UPDATE OF m`, id, userID), id)
	if err != nil {
		return nil, err
	}
	applyMeetingUpdate(m, u)
	if err := mina.ValidateMeeting(m); err != nil {
		return nil, err
	}
	m.UpdatedAt = t.now
	if _, err := t.ExecContext(ctx, `UPDATE meetings
	SET title = $1, description = $2, starts_at = $3, duration_minutes = $4, updated_at = $5
	WHERE id = $6 AND user_id = $7`,
		m.Title, m.Description, m.StartsAt, m.DurationMinutes, m.UpdatedAt, id, userID); err != nil {
		return nil, fmt.Errorf("postgres: update meeting %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return nil, fmt.Errorf("postgres: update meeting %d: %w", id, err)
	}
	return m, nil
}

// applyMeetingUpdate copies u's non-nil fields into m.
func applyMeetingUpdate(m *mina.Meeting, u mina.MeetingUpdate) {
	if u.Title != nil {
		m.Title = *u.Title
	}
	if u.Description != nil {
		m.Description = *u.Description
	}
	if u.StartsAt != nil {
		m.StartsAt = u.StartsAt.UTC().Truncate(timeUnit)
	}
	if u.DurationMinutes != nil {
		m.DurationMinutes = *u.DurationMinutes
	}
}

// deleteMeeting deletes one of the user's meetings and its tasks in one transaction. It locks
// the meeting first, which waits for any CreateTask holding it and then keeps new tasks out.
func (db *DB) deleteMeeting(ctx context.Context, userID, id int64) error {
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var one int
	err = t.QueryRowContext(ctx, `SELECT 1 FROM meetings WHERE id = $1 AND user_id = $2 FOR UPDATE`, id, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return meetingNotFound(id)
	} else if err != nil {
		return fmt.Errorf("postgres: delete meeting %d: %w", id, err)
	}
	if _, err := t.ExecContext(ctx, `DELETE FROM tasks WHERE meeting_id = $1`, id); err != nil {
		return fmt.Errorf("postgres: delete tasks of meeting %d: %w", id, err)
	}
	if err := expectOneRow(t.ExecContext(ctx, `DELETE FROM meetings WHERE id = $1 AND user_id = $2`, id, userID)); err != nil {
		if errors.Is(err, errNoRow) {
			return meetingNotFound(id)
		}
		return fmt.Errorf("postgres: delete meeting %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: delete meeting %d: %w", id, err)
	}
	return nil
}
