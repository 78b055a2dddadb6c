package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// queryOwnsMeeting checks that a meeting is the user's (the primary key, then user_id).
const queryOwnsMeeting = `SELECT 1 FROM meetings WHERE id = ? AND user_id = ?`

// AddSegment stores a final segment of one of the user's meetings with the meeting's next
// seq. SQLite has one writer, so reading the last seq and inserting the next cannot race.
func (db *DB) AddSegment(ctx context.Context, userID int64, s *mina.TranscriptSegment) error {
	if err := mina.ValidateSegment(s); err != nil {
		return err
	}
	t, err := db.beginWrite(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var one int
	err = t.QueryRowContext(ctx, queryOwnsMeeting, s.MeetingID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return meetingNotFound(s.MeetingID)
	} else if err != nil {
		return fmt.Errorf("sqlite: add segment: %w", err)
	}
	s.CreatedAt = t.now
	err = t.QueryRowContext(ctx, `INSERT INTO transcript_segments (meeting_id, seq, text, chunks, created_at)
	VALUES (?1, (SELECT coalesce(max(seq), 0) + 1 FROM transcript_segments WHERE meeting_id = ?1), ?2, ?3, ?4)
	RETURNING id, seq`, s.MeetingID, s.Text, s.Chunks, ms(s.CreatedAt)).Scan(&s.ID, &s.Seq)
	if err != nil {
		return fmt.Errorf("sqlite: add segment: %w", err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("sqlite: add segment: %w", err)
	}
	return nil
}

// Transcript returns a page of one of the user's meetings' segments, in seq order, from one
// read snapshot.
func (db *DB) Transcript(ctx context.Context, userID, meetingID int64, p mina.TranscriptPage) (*mina.Transcript, error) {
	p, err := mina.TranscriptBounds(p)
	if err != nil {
		return nil, err
	}
	t, err := db.beginRead(ctx)
	if err != nil {
		return nil, err
	}
	defer t.Rollback()
	var one int
	err = t.QueryRowContext(ctx, queryOwnsMeeting, meetingID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingNotFound(meetingID)
	} else if err != nil {
		return nil, fmt.Errorf("sqlite: transcript: %w", err)
	}
	rows, err := t.QueryContext(ctx, `SELECT id, seq, text, chunks, created_at FROM transcript_segments
	WHERE meeting_id = ? AND seq > ? ORDER BY seq LIMIT ?`, meetingID, p.After, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("sqlite: transcript: %w", err)
	}
	defer rows.Close()
	tr := &mina.Transcript{MeetingID: meetingID, Segments: []mina.TranscriptSegment{}, Next: p.After}
	for rows.Next() {
		s := mina.TranscriptSegment{MeetingID: meetingID}
		var created int64
		if err := rows.Scan(&s.ID, &s.Seq, &s.Text, &s.Chunks, &created); err != nil {
			return nil, fmt.Errorf("sqlite: transcript: %w", err)
		}
		s.CreatedAt = fromMS(created)
		tr.Segments = append(tr.Segments, s)
		tr.Next = s.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite: transcript: %w", err)
	}
	return tr, nil
}
