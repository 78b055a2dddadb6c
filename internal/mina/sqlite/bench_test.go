package sqlite_test

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/seed"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
)

// seeded opens a store holding the suite's standard data set: 100 users, 1,000 meetings.
func seeded(b *testing.B) (*sqlite.DB, *seed.Result) {
	b.Helper()
	db, err := sqlite.Open(filepath.Join(b.TempDir(), "bench.db"), sqlite.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	res, err := seed.Seed(b.Context(), db, seed.Options{Users: 100, Meetings: 1000, Now: time.Now()})
	if err != nil {
		b.Fatal(err)
	}
	return db, res
}

// meetingOf returns a meeting of the user with ID userID.
func meetingOf(b *testing.B, db *sqlite.DB, userID int64) int64 {
	b.Helper()
	list, err := db.ListMeetings(b.Context(), userID, mina.Page{Page: 1, PerPage: 1})
	if err != nil || len(list.Meetings) == 0 {
		b.Fatalf("user %d has no meeting: %v", userID, err)
	}
	return list.Meetings[0].ID
}

// BenchmarkMeeting is GET /api/meetings/{id}'s store call, which the cache does not absorb.
// mina's goal of 10,000 reads/s on one core leaves at most 100 µs per request for everything.
func BenchmarkMeeting(b *testing.B) {
	db, res := seeded(b)
	u := res.Users[0]
	id := meetingOf(b, db, u.ID)
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Meeting(ctx, u.ID, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeetingParallel is the same under concurrent readers, through the read pool.
func BenchmarkMeetingParallel(b *testing.B) {
	db, res := seeded(b)
	u := res.Users[0]
	id := meetingOf(b, db, u.ID)
	ctx := b.Context()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.Meeting(ctx, u.ID, id); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkListMeetings is GET /api/meetings?page=1&per_page=20 uncached: the count and a
// page of 20 with task counts, in one read transaction.
func BenchmarkListMeetings(b *testing.B) {
	db, res := seeded(b)
	u := res.Users[0]
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.ListMeetings(ctx, u.ID, mina.Page{Page: 1, PerPage: 20}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUserByToken is the authentication every request makes.
func BenchmarkUserByToken(b *testing.B) {
	db, res := seeded(b)
	token := res.Tokens[0]
	ctx := b.Context()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.UserByToken(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDashboard and BenchmarkTrends are the analytics reads when the cache misses.
func BenchmarkDashboard(b *testing.B) {
	db, res := seeded(b)
	ctx, now := b.Context(), time.Now()
	for b.Loop() {
		if _, err := db.Dashboard(ctx, res.Users[0].ID, 7, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkTrends(b *testing.B) {
	db, res := seeded(b)
	ctx, now := b.Context(), time.Now()
	for b.Loop() {
		if _, err := db.Trends(ctx, res.Users[0].ID, 30, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdateTask is one write transaction through the single writer.
func BenchmarkUpdateTask(b *testing.B) {
	db, res := seeded(b)
	u := res.Users[0]
	ctx := b.Context()
	list, err := db.ListTasks(ctx, u.ID, mina.TaskFilter{})
	if err != nil || len(list.Tasks) == 0 {
		b.Fatalf("no task: %v", err)
	}
	id := list.Tasks[0].ID
	statuses := []string{mina.StatusPending, mina.StatusInProgress, mina.StatusDone}
	i := 0
	for b.Loop() {
		i++
		if _, err := db.UpdateTask(ctx, u.ID, id, mina.TaskUpdate{Status: &statuses[i%3]}); err != nil {
			b.Fatal(err)
		}
	}
}
