package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/mina"
)

// AddSegment stores a final segment of one of the user's meetings with the meeting's next
// seq. It locks the meeting's row first (FOR SHARE would let two writers read the same last
// seq), so concurrent segments of one meeting are numbered one after the other, and a meeting
// deleted meanwhile is ENOTFOUND rather than a foreign-key error.
func (db *DB) AddSegment(ctx context.Context, userID int64, s *mina.TranscriptSegment) error {
	if err := mina.ValidateSegment(s); err != nil {
		return err
	}
	t, err := db.begin(ctx)
	if err != nil {
		return err
	}
	defer t.Rollback()
	var one int
	err = t.QueryRowContext(ctx, `SELECT 1 FROM meetings WHERE id = $1 AND user_id = $2 FOR UPDATE`, s.MeetingID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return meetingNotFound(s.MeetingID)
	} else if err != nil {
		return fmt.Errorf("postgres: add segment: %w", err)
	}
	s.CreatedAt = t.now
	err = t.QueryRowContext(ctx, `INSERT INTO transcript_segments (meeting_id, seq, text, chunks, created_at)
	VALUES ($1, (SELECT coalesce(max(seq), 0) + 1 FROM transcript_segments WHERE meeting_id = $1), $2, $3, $4)
	RETURNING id, seq`, s.MeetingID, s.Text, s.Chunks, s.CreatedAt).Scan(&s.ID, &s.Seq)
	if err != nil {
		return fmt.Errorf("postgres: add segment: %w", err)
	}
	if err := t.Commit(); err != nil {
		return fmt.Errorf("postgres: add segment: %w", err)
	}
	return nil
}

// Transcript returns a page of one of the user's meetings' segments, in seq order, from one
// REPEATABLE READ snapshot (the ownership check and the page agree).
func (db *DB) Transcript(ctx context.Context, userID, meetingID int64, p mina.TranscriptPage) (*mina.Transcript, error) {
	p, err := mina.TranscriptBounds(p)
	if err != nil {
		return nil, err
	}
	sqlTx, err := db.db.BeginTx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("postgres: begin: %w", err)
	}
	defer sqlTx.Rollback()
	var one int
	err = sqlTx.QueryRowContext(ctx, `SELECT 1 FROM meetings WHERE id = $1 AND user_id = $2`, meetingID, userID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, meetingNotFound(meetingID)
	} else if err != nil {
		return nil, fmt.Errorf("postgres: transcript: %w", err)
	}
	rows, err := sqlTx.QueryContext(ctx, `SELECT id, seq, text, chunks, created_at FROM transcript_segments
	WHERE meeting_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`, meetingID, p.After, p.Limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: transcript: %w", err)
	}
	defer rows.Close()
	tr := &mina.Transcript{MeetingID: meetingID, Segments: []mina.TranscriptSegment{}, Next: p.After}
	for rows.Next() {
		s := mina.TranscriptSegment{MeetingID: meetingID}
		if err := rows.Scan(&s.ID, &s.Seq, &s.Text, &s.Chunks, &s.CreatedAt); err != nil {
			return nil, fmt.Errorf("postgres: transcript: %w", err)
		}
		s.CreatedAt = utc(s.CreatedAt)
		tr.Segments = append(tr.Segments, s)
		tr.Next = s.Seq
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("postgres: transcript: %w", err)
	}
	return tr, nil
}
