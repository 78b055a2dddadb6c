package postgres_test

import (
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/seed"
)

// BenchmarkSeed measures the suite's standard data set, 100 users and 1,000 meetings, on
// PostgreSQL: one round trip per row, one transaction per batch.
func BenchmarkSeed(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db := MustOpenDB(b, time.Now)
		b.StartTimer()
		if _, err := seed.Seed(b.Context(), db, seed.Options{Users: 100, Meetings: 1000}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMeeting is GET /api/meetings/{id}'s store call on a seeded database.
func BenchmarkMeeting(b *testing.B) {
	db := MustOpenDB(b, time.Now)
	res, err := seed.Seed(b.Context(), db, seed.Options{Users: 10, Meetings: 200})
	if err != nil {
		b.Fatal(err)
	}
	u := res.Users[0]
	list, err := db.ListMeetings(b.Context(), u.ID, mina.Page{Page: 1, PerPage: 1})
	if err != nil || len(list.Meetings) == 0 {
		b.Fatalf("no meeting: %v", err)
	}
	id := list.Meetings[0].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := db.Meeting(b.Context(), u.ID, id); err != nil {
			b.Fatal(err)
		}
	}
}
