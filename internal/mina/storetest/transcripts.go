package storetest

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

func testTranscripts(t *testing.T, open Opener) {
	t.Run("add then read in order", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Standup", Epoch, 15)
		for i, text := range []string{"hello", "world", "again"} {
			s := &mina.TranscriptSegment{MeetingID: m.ID, Text: text, Chunks: i + 1}
			if err := f.st.AddSegment(f.ctx, u.ID, s); err != nil {
				t.Fatal(err)
			}
			if s.ID <= 0 || s.Seq != int64(i+1) || !s.CreatedAt.Equal(Epoch.Add(time.Duration(i)*time.Second)) {
				t.Fatalf("segment %d = %+v", i, s)
			}
			f.clock.Advance(time.Second)
		}
		tr, err := f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{})
		if err != nil {
			t.Fatal(err)
		}
		var texts []string
		for _, s := range tr.Segments {
			texts = append(texts, s.Text)
			if s.MeetingID != m.ID || s.CreatedAt.Location() != time.UTC {
				t.Fatalf("segment read back = %+v", s)
			}
		}
		if strings.Join(texts, " ") != "hello world again" || tr.Next != 3 || tr.Segments[1].Chunks != 2 {
			t.Fatalf("Transcript = %+v", tr)
		}
	})
	t.Run("pages by seq", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Standup", Epoch, 15)
		for range 5 {
			if err := f.st.AddSegment(f.ctx, u.ID, &mina.TranscriptSegment{MeetingID: m.ID, Text: "x", Chunks: 1}); err != nil {
				t.Fatal(err)
			}
		}
		tr, err := f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{After: 2, Limit: 2})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Segments) != 2 || tr.Segments[0].Seq != 3 || tr.Next != 4 {
			t.Fatalf("page after 2 = %+v", tr)
		}
		tr, err = f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{After: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Segments) != 0 || tr.Next != 5 || tr.Segments == nil {
			t.Fatalf("page after the last = %+v (want an empty, non-nil list)", tr)
		}
		_, err = f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{Limit: mina.MaxTranscriptLimit + 1})
		wantCode(t, err, mina.EINVALID)
		_, err = f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{After: -1})
		wantCode(t, err, mina.EINVALID)
	})
	t.Run("another user's meeting is not found", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		ada, bob := f.user("ada"), f.user("bob")
		m := f.meeting(ada.ID, "Private", Epoch, 15)
		err := f.st.AddSegment(f.ctx, bob.ID, &mina.TranscriptSegment{MeetingID: m.ID, Text: "x", Chunks: 1})
		wantCode(t, err, mina.ENOTFOUND)
		_, err = f.st.Transcript(f.ctx, bob.ID, m.ID, mina.TranscriptPage{})
		wantCode(t, err, mina.ENOTFOUND)
		err = f.st.AddSegment(f.ctx, ada.ID, &mina.TranscriptSegment{MeetingID: m.ID + 1000, Text: "x", Chunks: 1})
		wantCode(t, err, mina.ENOTFOUND)
	})
	t.Run("invalid segments", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Standup", Epoch, 15)
		for _, s := range []mina.TranscriptSegment{
			{MeetingID: m.ID, Text: "", Chunks: 1},                                         // no text
			{MeetingID: m.ID, Text: strings.Repeat("x", mina.MaxSegmentText+1), Chunks: 1}, // too long
			{MeetingID: m.ID, Text: "x", Chunks: 0},                                        // from no audio
		} {
			wantCode(t, f.st.AddSegment(f.ctx, u.ID, &s), mina.EINVALID)
		}
	})
	t.Run("deleting the meeting deletes its transcript", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Standup", Epoch, 15)
		if err := f.st.AddSegment(f.ctx, u.ID, &mina.TranscriptSegment{MeetingID: m.ID, Text: "x", Chunks: 1}); err != nil {
			t.Fatal(err)
		}
		if err := f.st.DeleteMeeting(f.ctx, u.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{})
		wantCode(t, err, mina.ENOTFOUND)
	})
	t.Run("concurrent segments get distinct seqs", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Standup", Epoch, 15)
		const n = 20
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Go(func() {
				errs <- f.st.AddSegment(f.ctx, u.ID, &mina.TranscriptSegment{MeetingID: m.ID, Text: "x", Chunks: 1})
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		tr, err := f.st.Transcript(f.ctx, u.ID, m.ID, mina.TranscriptPage{})
		if err != nil {
			t.Fatal(err)
		}
		if len(tr.Segments) != n {
			t.Fatalf("%d segments stored, want %d", len(tr.Segments), n)
		}
		for i, s := range tr.Segments {
			if s.Seq != int64(i+1) {
				t.Fatalf("segment %d has seq %d: seqs must run 1..%d without gaps", i, s.Seq, n)
			}
		}
	})
}
