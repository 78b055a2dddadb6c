package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// meetingColumns are scanned by scanMeeting, in this order: the meeting's own columns, then
// its task counts by status. Each count is a correlated subquery, one seek on
// ix_tasks_meeting_id_status_created_at (covering), evaluated only for the rows returned:
// still one query per page, with no GROUP BY to sort.
const meetingColumns = `m.id, m.user_id, m.title, m.description, m.starts_at, m.duration_minutes, m.created_at, m.updated_at,
	(SELECT count(*) FROM tasks t WHERE t.meeting_id = m.id AND t.status = 'pending'),
	(SELECT count(*) FROM tasks t WHERE t.meeting_id = m.id AND t.status = 'in_progress'),
	(SELECT count(*) FROM tasks t WHERE t.meeting_id = m.id AND t.status = 'done')`

// queryMeetingPage is one page of a user's meetings, newest first, each with its task
// counts, in one query that walks ix_meetings_user_id_starts_at backwards.
const queryMeetingPage = `SELECT ` + meetingColumns + `
FROM meetings m WHERE m.user_id = ?1
ORDER BY m.starts_at DESC, m.id DESC LIMIT ?2 OFFSET ?3`

// queryDeleteMeetingTasks deletes a meeting's tasks through ix_tasks_meeting_id_created_at
// ("+user_id": see taskWhere).
const queryDeleteMeetingTasks = `DELETE FROM tasks WHERE meeting_id = ? AND +user_id = ?`

const queryMeetingCount = `SELECT count(*) FROM meetings WHERE user_id = ?`

const queryMeeting = `SELECT ` + meetingColumns + `
FROM meetings m WHERE m.id = ?1 AND m.user_id = ?2`

type scanner interface{ Scan(dest ...any) error }

func scanMeeting(row scanner, m *mina.Meeting) error {
	var starts, created, updated int64
	c := &m.TaskCounts
	if err := row.Scan(&m.ID, &m.UserID, &m.Title, &m.Description, &starts, &m.DurationMinutes, &created, &updated,
		&c.Pending, &c.InProgress, &c.Done); err != nil {
		return err
	}
	c.Total = c.Pending + c.InProgress + c.Done
	m.StartsAt, m.CreatedAt, m.UpdatedAt = fromMS(starts), fromMS(created), fromMS(updated)
	return nil
}

// ListMeetings returns one page of the user's meetings, newest first (starts_at, then id),
// with their task counts and the user's total, from one read snapshot.
func (db *DB) ListMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	page, perPage, offset, err := mina.PageBounds(p)
	if err != nil {
		return nil, err
	}
	t, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	list := &mina.MeetingList{Meetings: []mina.Meeting{}, Page: page, PerPage: perPage}
	count, err := db.inTx(ctx, t, false, queryMeetingCount)
	if err != nil {
		return nil, err
	}
	if err := count.QueryRowContext(ctx, userID).Scan(&list.Total); err != nil {
		return nil, fmt.Errorf("sqlite: count meetings: %w", err)
	}
	if offset >= int64(list.Total) {
		return list, nil
	}
	q, err := db.inTx(ctx, t, false, queryMeetingPage)
	if err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, userID, perPage, offset)
	if err != nil {
		return nil, fmt.Errorf("sqlite: list meetings: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m mina.Meeting
		if err := scanMeeting(rows, &m); err != nil {
			return nil, fmt.Errorf("sqlite: list meetings: %w", err)
		}
		list.Meetings = append(list.Meetings, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: list meetings: %w", err)
	}
	return list, nil
}

// Meeting returns one of the user's meetings with its task counts, in one prepared
// statement; another user's meeting is ENOTFOUND.
func (db *DB) Meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	s, err := db.readStmt(ctx, queryMeeting)
	if err != nil {
		return nil, err
	}
	return getMeeting(ctx, s, userID, id)
}

func getMeeting(ctx context.Context, s stmt, userID, id int64) (*mina.Meeting, error) {
	var m mina.Meeting
	err := scanMeeting(s.QueryRowContext(ctx, id, userID), &m)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingNotFound(id)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: meeting %d: %w", id, err)
	}
	return &m, nil
}

func meetingNotFound(id int64) error {
	return mina.Errorf(mina.ENOTFOUND, "Meeting %d not found.", id)
}

// CreateMeeting validates m, stores it for m.UserID and fills its ID and times (StartsAt
// truncated to the millisecond, as stored).
func (db *DB) CreateMeeting(ctx context.Context, m *mina.Meeting) error {
	if err := mina.ValidateMeeting(m); err != nil {
		return err
	}
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	m.CreatedAt = t.now
	if err := db.insertMeeting(ctx, t, m); err != nil {
		return err
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: create meeting: %w", err)
	}
	return nil
}

// insertMeeting inserts a validated m in t and fills its ID and empty task counts. It keeps
// m.CreatedAt (the bulk loader backdates rows) and sets UpdatedAt to it.
func (db *DB) insertMeeting(ctx context.Context, t *tx, m *mina.Meeting) error {
	s, err := db.inTx(ctx, t, true, `INSERT INTO meetings
	(user_id, title, description, starts_at, duration_minutes, created_at, updated_at)
	VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return err
	}
	m.StartsAt = m.StartsAt.UTC().Truncate(timeUnit)
	m.CreatedAt = m.CreatedAt.UTC().Truncate(timeUnit)
	m.UpdatedAt, m.TaskCounts = m.CreatedAt, mina.TaskCounts{}
	res, err := s.ExecContext(ctx, m.UserID, m.Title, m.Description, ms(m.StartsAt), m.DurationMinutes, ms(m.CreatedAt), ms(m.UpdatedAt))
	if isForeignKey(err) {
		return mina.Errorf(mina.ENOTFOUND, "User %d not found.", m.UserID)
	} else if err != nil {
		return fmt.Errorf("sqlite: create meeting: %w", err)
	}
	if m.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("sqlite: create meeting: %w", err)
	}
	return nil
}

// UpdateMeeting changes the non-nil fields of one of the user's meetings and returns it as
// stored, with its task counts.
func (db *DB) UpdateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	get, err := db.inTx(ctx, t, true, queryMeeting)
	if err != nil {
		return nil, err
	}
	m, err := getMeeting(ctx, get, userID, id)
	if err != nil {
		return nil, err
	}
	applyMeetingUpdate(m, u)
	if err := mina.ValidateMeeting(m); err != nil {
		return nil, err
	}
	m.UpdatedAt = t.now
	upd, err := db.inTx(ctx, t, true, `UPDATE meetings
	SET title = ?, description = ?, starts_at = ?, duration_minutes = ?, updated_at = ?
	WHERE id = ? AND user_id = ?`)
	if err != nil {
		return nil, err
	}
	if _, err := upd.ExecContext(ctx, m.Title, m.Description, ms(m.StartsAt), m.DurationMinutes, ms(m.UpdatedAt), id, userID); err != nil {
		return nil, fmt.Errorf("sqlite: update meeting %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return nil, fmt.Errorf("sqlite: update meeting %d: %w", id, err)
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

// DeleteMeeting deletes one of the user's meetings and its tasks in one transaction.
func (db *DB) DeleteMeeting(ctx context.Context, userID, id int64) error {
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	delTasks, err := db.inTx(ctx, t, true, queryDeleteMeetingTasks)
	if err != nil {
		return err
	}
	if _, err := delTasks.ExecContext(ctx, id, userID); err != nil {
		return fmt.Errorf("sqlite: delete tasks of meeting %d: %w", id, err)
	}
	del, err := db.inTx(ctx, t, true, `DELETE FROM meetings WHERE id = ? AND user_id = ?`)
	if err != nil {
		return err
	}
	if err := expectOneRow(del.ExecContext(ctx, id, userID)); err != nil {
		if errors.Is(err, errNoRow) {
			return meetingNotFound(id)
		}
		return fmt.Errorf("sqlite: delete meeting %d: %w", id, err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: delete meeting %d: %w", id, err)
	}
	return nil
}
