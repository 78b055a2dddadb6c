// Package storetest is the one conformance suite that every mina store passes: the SQLite
// store runs it always, the PostgreSQL store whenever a test database is configured. It
// drives a store only through mina.Store, so a behaviour that differs between stores is a
// bug in one of them, found here.
//
// Each subtest opens its own empty store with its own clock, so subtests run in parallel and
// never see each other's rows. Times stamped by the store (created_at, updated_at,
// completed_at) come from that clock, which is what lets the analytics tests compare with
// figures computed by hand.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Opener returns a new, empty, migrated store whose Now is now. It registers the store's
// Close (and any cleanup of its database) with t.Cleanup.
type Opener func(t *testing.T, now func() time.Time) mina.Store

// Run runs the whole suite against the stores that open makes.
func Run(t *testing.T, open Opener) {
	suites := []struct {
		name string
		run  func(t *testing.T, open Opener)
	}{
		{"Users", testUsers},
		{"Meetings", testMeetings},
		{"ListMeetings", testListMeetings},
		{"TaskCounts", testTaskCounts},
		{"Tasks", testTasks},
		{"ListTasks", testListTasks},
		{"Dashboard", testDashboard},
		{"Trends", testTrends},
		{"Concurrency", testConcurrency},
		{"Context", testContext},
		{"Transcripts", testTranscripts},
	}
	for _, s := range suites {
		t.Run(s.name, func(t *testing.T) {
			t.Parallel()
			s.run(t, open)
		})
	}
}

// Epoch is the suite's "now": a fixed instant, mid-afternoon UTC, so that a few hours either
// way stay on the same day.
var Epoch = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// Clock is a settable clock for a store's Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock reading t.
func NewClock(t time.Time) *Clock { return &Clock{now: t} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

// Advance moves the clock forward by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// fixture is one store with its clock and a context bound to the test.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	clock *Clock
	st    mina.Store
}

func newFixture(t *testing.T, open Opener) *fixture {
	t.Helper()
	clock := NewClock(Epoch)
	return &fixture{t: t, ctx: t.Context(), clock: clock, st: open(t, clock.Now)}
}

// user creates a user with a unique email and returns it.
func (f *fixture) user(name string) *mina.User {
	f.t.Helper()
	u, _, err := f.st.CreateUser(f.ctx, name+"@example.com", name)
	if err != nil {
		f.t.Fatalf("CreateUser(%q): %v", name, err)
	}
	return u
}

// meeting creates a meeting for userID starting at starts, lasting minutes.
func (f *fixture) meeting(userID int64, title string, starts time.Time, minutes int) *mina.Meeting {
	f.t.Helper()
	m := &mina.Meeting{UserID: userID, Title: title, StartsAt: starts, DurationMinutes: minutes}
	if err := f.st.CreateMeeting(f.ctx, m); err != nil {
		f.t.Fatalf("CreateMeeting(%q): %v", title, err)
	}
	return m
}

// task creates a task with a status in meeting m.
func (f *fixture) task(m *mina.Meeting, title, status string) *mina.Task {
	f.t.Helper()
	tk := &mina.Task{UserID: m.UserID, MeetingID: m.ID, Title: title, Status: status}
	if err := f.st.CreateTask(f.ctx, tk); err != nil {
		f.t.Fatalf("CreateTask(%q): %v", title, err)
	}
	return tk
}

// setStatus updates a task's status.
func (f *fixture) setStatus(tk *mina.Task, status string) *mina.Task {
	f.t.Helper()
	got, err := f.st.UpdateTask(f.ctx, tk.UserID, tk.ID, mina.TaskUpdate{Status: &status})
	if err != nil {
		f.t.Fatalf("UpdateTask(%d, status=%s): %v", tk.ID, status, err)
	}
	return got
}

// wantCode fails unless err is an application error with code (for "", unless err is nil).
func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := mina.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// wantInvalid fails unless err is EINVALID naming field.
func wantInvalid(t *testing.T, err error, field string) {
	t.Helper()
	var e *mina.Error
	if !errors.As(err, &e) || e.Code != mina.EINVALID || e.Field != field {
		t.Fatalf("error = %v, want EINVALID on field %q", err, field)
	}
}

func ptr[T any](v T) *T { return &v }

// ids lists the IDs of meetings, in order, for readable failures.
func meetingIDs(ms []mina.Meeting) []int64 {
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.ID
	}
	return ids
}

func taskIDs(ts []mina.Task) []int64 {
	ids := make([]int64, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids
}

func equalIDs(a, b []int64) bool {
	return fmt.Sprint(a) == fmt.Sprint(b)
}
