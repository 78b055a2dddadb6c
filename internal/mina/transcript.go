package mina

import (
	"context"
	"time"
)

// TranscriptSegment is one final segment of a meeting's live transcript: what the server
// transcribed from a run of audio chunks, broadcast to every listener and stored.
type TranscriptSegment struct {
	ID        int64 `json:"id"`
	MeetingID int64 `json:"meeting_id"`
	// Seq numbers a meeting's segments from 1, in the order they were stored.
	Seq  int64  `json:"seq"`
	Text string `json:"text"`
	// Chunks is how many audio chunks the segment was transcribed from.
	Chunks    int       `json:"chunks"`
	CreatedAt time.Time `json:"created_at"`
}

// TranscriptPage selects segments of a meeting: those with Seq above After, at most Limit
// (1 to MaxTranscriptLimit).
type TranscriptPage struct {
	After int64
	Limit int
}

// MaxTranscriptLimit bounds a page of segments; DefaultTranscriptLimit is the page when none
// is asked for.
const (
	MaxTranscriptLimit     = 1000
	DefaultTranscriptLimit = 100
	// MaxSegmentText bounds a segment's text.
	MaxSegmentText = 4096
)

// Transcript is a page of a meeting's segments, in Seq order.
type Transcript struct {
	MeetingID int64               `json:"meeting_id"`
	Segments  []TranscriptSegment `json:"segments"`
	// Next is the After of the next page; equal to the request's After when there is none.
	Next int64 `json:"next_after"`
}

// TranscriptService stores and reads live-transcript segments. Every method is scoped to
// userID: another user's meeting is ENOTFOUND.
type TranscriptService interface {
	// AddSegment stores a final segment of one of the user's meetings and fills its ID, Seq
	// and CreatedAt. Concurrent calls for one meeting get distinct, increasing Seqs.
	AddSegment(ctx context.Context, userID int64, s *TranscriptSegment) error
	// Transcript returns a page of a meeting's segments in Seq order.
	Transcript(ctx context.Context, userID, meetingID int64, p TranscriptPage) (*Transcript, error)
}

// ValidateSegment checks a segment before it is stored.
func ValidateSegment(s *TranscriptSegment) error {
	switch {
	case s.MeetingID <= 0:
		return Errorf(EINVALID, "A segment needs a meeting.")
	case s.Text == "":
		return Errorf(EINVALID, "A segment's text can't be empty.")
	case len(s.Text) > MaxSegmentText:
		return Errorf(EINVALID, "A segment's text is longer than %d bytes.", MaxSegmentText)
	case s.Chunks < 1:
		return Errorf(EINVALID, "A segment comes from at least one chunk.")
	}
	return nil
}

// TranscriptBounds checks a page and fills its default limit.
func TranscriptBounds(p TranscriptPage) (TranscriptPage, error) {
	if p.After < 0 {
		return p, Errorf(EINVALID, "after must be 0 or more.")
	}
	if p.Limit == 0 {
		p.Limit = DefaultTranscriptLimit
	}
	if p.Limit < 1 || p.Limit > MaxTranscriptLimit {
		return p, Errorf(EINVALID, "limit must be between 1 and %d.", MaxTranscriptLimit)
	}
	return p, nil
}
