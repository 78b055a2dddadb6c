package seed_test

import (
	"bytes"
	"encoding/csv"
	"math/rand/v2"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/seed"
	"github.com/ramp-dev/ramp/internal/mina/sqlite"
)

// Both stores are seeders.
var _ seed.Seeder = (*sqlite.DB)(nil)

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func openDB(tb testing.TB) *sqlite.DB {
	tb.Helper()
	db, err := sqlite.Open(filepath.Join(tb.TempDir(), "seed.db"), sqlite.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

// TestSeedCounts checks that the store holds exactly what was asked for and what Seed
// reports, read back through the store's own API.
func TestSeedCounts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name            string
		users, meetings int
	}{
		{"the suite's size", 100, 1000},      // mina seed --users 100 --meetings 1000
		{"users only", 3, 0},                 // no meetings, no tasks
		{"one user", 1, 25},                  // every meeting is that user's
		{"more users than meetings", 50, 10}, // most users have none
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			db := openDB(t)
			res, err := seed.Seed(ctx, db, seed.Options{Users: tt.users, Meetings: tt.meetings, Now: now, Rand: rand.New(rand.NewPCG(7, 7))})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Users) != tt.users || len(res.Tokens) != tt.users || res.Meetings != tt.meetings {
				t.Fatalf("result: %d users, %d tokens, %d meetings", len(res.Users), len(res.Tokens), res.Meetings)
			}
			var meetings int
			var tasks mina.TaskCounts
			for i, u := range res.Users {
				got, err := db.UserByToken(ctx, res.Tokens[i])
				if err != nil || got.ID != u.ID {
					t.Fatalf("user %d's token: %+v, %v", u.ID, got, err)
				}
				list, err := db.ListMeetings(ctx, u.ID, mina.Page{Page: 1, PerPage: 1})
				if err != nil {
					t.Fatal(err)
				}
				meetings += list.Total
				for _, status := range []string{mina.StatusPending, mina.StatusInProgress, mina.StatusDone} {
					tl, err := db.ListTasks(ctx, u.ID, mina.TaskFilter{Status: status, Page: mina.Page{Page: 1, PerPage: 1}})
					if err != nil {
						t.Fatal(err)
					}
					switch status {
					case mina.StatusPending:
						tasks.Pending += tl.Total
					case mina.StatusInProgress:
						tasks.InProgress += tl.Total
					case mina.StatusDone:
						tasks.Done += tl.Total
					}
					tasks.Total += tl.Total
				}
			}
			if meetings != tt.meetings {
				t.Fatalf("store holds %d meetings, want %d", meetings, tt.meetings)
			}
			if tasks != res.Tasks {
				t.Fatalf("store holds tasks %+v, Seed reported %+v", tasks, res.Tasks)
			}
			if tasks.Total > 5*tt.meetings {
				t.Fatalf("%d tasks for %d meetings: more than 5 each", tasks.Total, tt.meetings)
			}
		})
	}
}

// TestSeedRealistic checks the shape of the data: meetings within the last 90 days, every
// status present, task counts per meeting from 0 to 5.
func TestSeedRealistic(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	db := openDB(t)
	res, err := seed.Seed(ctx, db, seed.Options{Users: 1, Meetings: 300, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	u := res.Users[0]
	perMeeting := map[int]int{}
	titles := map[string]bool{}
	for page := 1; page <= 3; page++ {
		list, err := db.ListMeetings(ctx, u.ID, mina.Page{Page: page, PerPage: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range list.Meetings {
			if m.StartsAt.After(now) || m.StartsAt.Before(now.Add(-seed.Span-24*time.Hour)) {
				t.Fatalf("meeting %d starts at %v, outside the last 90 days before %v", m.ID, m.StartsAt, now)
			}
			if m.CreatedAt.After(m.StartsAt) {
				t.Fatalf("meeting %d was created after it started", m.ID)
			}
			perMeeting[m.TaskCounts.Total]++
			titles[m.Title] = true
		}
	}
	for n := 0; n <= 5; n++ {
		if perMeeting[n] == 0 {
			t.Errorf("no meeting with %d tasks in 300: %v", n, perMeeting)
		}
	}
	if len(perMeeting) != 6 {
		t.Errorf("task counts per meeting: %v, want 0 to 5", perMeeting)
	}
	if len(titles) < 50 {
		t.Errorf("only %d distinct titles in 300 meetings", len(titles))
	}
	if res.Tasks.Pending == 0 || res.Tasks.InProgress == 0 || res.Tasks.Done == 0 {
		t.Errorf("statuses not mixed: %+v", res.Tasks)
	}
	// Trends over the window see the seeded activity.
	tr, err := db.Trends(ctx, u.ID, 90, now)
	if err != nil {
		t.Fatal(err)
	}
	var meetings, completed int
	for _, p := range tr.Points {
		meetings, completed = meetings+p.Meetings, completed+p.TasksCompleted
	}
	if meetings < 290 || completed == 0 {
		t.Errorf("90-day trends show %d meetings and %d completions", meetings, completed)
	}
}

func TestSeedTwiceIntoOneDatabase(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	if _, err := seed.Seed(t.Context(), db, seed.Options{Users: 2, Meetings: 5, Now: now}); err != nil {
		t.Fatal(err)
	}
	if _, err := seed.Seed(t.Context(), db, seed.Options{Users: 2, Meetings: 5, Now: now.Add(time.Second)}); err != nil {
		t.Fatalf("a second seed run clashed with the first: %v", err)
	}
}

func TestSeedBadOptions(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	for _, o := range []seed.Options{
		{Users: 0, Meetings: 10},                   // meetings need an owner
		{Users: -1},                                // nonsense
		{Users: 1, Meetings: -1},                   // nonsense
		{Users: seed.MaxUsers + 1},                 // a typo, not a plan
		{Users: 1, Meetings: seed.MaxMeetings + 1}, // a typo, not a plan
	} {
		if _, err := seed.Seed(t.Context(), db, o); err == nil {
			t.Errorf("Seed(%+v) succeeded", o)
		}
	}
}

func TestWriteTokensCSV(t *testing.T) {
	t.Parallel()
	db := openDB(t)
	res, err := seed.Seed(t.Context(), db, seed.Options{Users: 3, Meetings: 0, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := seed.WriteTokensCSV(&buf, res); err != nil {
		t.Fatal(err)
	}
	records, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(records) != 4 || strings.Join(records[0], ",") != "user_id,email,token" {
		t.Fatalf("CSV = %v", records)
	}
	for i, rec := range records[1:] {
		id, err := strconv.ParseInt(rec[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		u, err := db.UserByToken(t.Context(), rec[2])
		if err != nil || u.ID != id || u.Email != rec[1] || u.ID != res.Users[i].ID {
			t.Fatalf("row %v authenticates as %+v, %v", rec, u, err)
		}
	}
	if err := seed.WriteTokensCSV(&buf, &seed.Result{Users: res.Users}); err == nil {
		t.Fatal("a result without tokens was written")
	}
}

// BenchmarkSeed measures the suite's standard data set, 100 users and 1,000 meetings (with
// about 2,500 tasks), on SQLite: the goal is well under 2 s.
func BenchmarkSeed(b *testing.B) {
	for b.Loop() {
		b.StopTimer()
		db := openDB(b)
		b.StartTimer()
		if _, err := seed.Seed(b.Context(), db, seed.Options{Users: 100, Meetings: 1000, Now: now}); err != nil {
			b.Fatal(err)
		}
	}
}
