package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

func testMeetings(t *testing.T, open Opener) {
	t.Run("create then get", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		starts := time.Date(2026, 3, 20, 9, 30, 0, 123_456_789, time.FixedZone("CET", 3600))
		m := &mina.Meeting{UserID: u.ID, Title: "Planning", Description: "Q2 plan", StartsAt: starts, DurationMinutes: 45}
		if err := f.st.CreateMeeting(f.ctx, m); err != nil {
			t.Fatal(err)
		}
		// Stored times are UTC, truncated to the millisecond.
		wantStarts := starts.UTC().Truncate(time.Millisecond)
		if m.ID <= 0 || !m.StartsAt.Equal(wantStarts) || m.StartsAt.Location() != time.UTC ||
			!m.CreatedAt.Equal(Epoch) || !m.UpdatedAt.Equal(Epoch) {
			t.Fatalf("created meeting = %+v", m)
		}
		got, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if *got != *m {
			t.Fatalf("Meeting = %+v\nwant      %+v", got, m)
		}
	})
	t.Run("client times are ignored", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := &mina.Meeting{UserID: u.ID, Title: "x", StartsAt: Epoch, DurationMinutes: 1,
			CreatedAt: Epoch.AddDate(-1, 0, 0), TaskCounts: mina.TaskCounts{Total: 9}}
		if err := f.st.CreateMeeting(f.ctx, m); err != nil {
			t.Fatal(err)
		}
		got, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.CreatedAt.Equal(Epoch) || got.TaskCounts.Total != 0 {
			t.Fatalf("the store kept client-supplied fields: %+v", got)
		}
	})
	t.Run("partial update", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Before", Epoch, 30)
		f.clock.Advance(time.Hour)
		got, err := f.st.UpdateMeeting(f.ctx, u.ID, m.ID, mina.MeetingUpdate{Title: ptr("After")})
		if err != nil {
			t.Fatal(err)
		}
		want := *m
		want.Title, want.UpdatedAt = "After", Epoch.Add(time.Hour)
		if *got != want {
			t.Fatalf("UpdateMeeting = %+v\nwant            %+v", got, want)
		}
		stored, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		if err != nil || *stored != want {
			t.Fatalf("Meeting after update = %+v, %v", stored, err)
		}
		// Every field at once.
		starts := Epoch.Add(48 * time.Hour)
		got, err = f.st.UpdateMeeting(f.ctx, u.ID, m.ID, mina.MeetingUpdate{
			Title: ptr("T"), Description: ptr("D"), StartsAt: &starts, DurationMinutes: ptr(1440)})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "T" || got.Description != "D" || !got.StartsAt.Equal(starts) || got.DurationMinutes != 1440 {
			t.Fatalf("full update = %+v", got)
		}
	})
	t.Run("invalid update changes nothing", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Keep", Epoch, 30)
		_, err := f.st.UpdateMeeting(f.ctx, u.ID, m.ID, mina.MeetingUpdate{Title: ptr("New"), DurationMinutes: ptr(0)})
		wantInvalid(t, err, "duration_minutes")
		got, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		if err != nil || *got != *m {
			t.Fatalf("after a rejected update: %+v, %v; want %+v", got, err, m)
		}
	})
	t.Run("delete takes the tasks along", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "Doomed", Epoch, 30)
		keep := f.meeting(u.ID, "Kept", Epoch, 30)
		doomed := f.task(m, "a", mina.StatusPending)
		f.task(m, "b", mina.StatusDone)
		kept := f.task(keep, "c", mina.StatusPending)
		if err := f.st.DeleteMeeting(f.ctx, u.ID, m.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		wantCode(t, err, mina.ENOTFOUND)
		_, err = f.st.Task(f.ctx, u.ID, doomed.ID)
		wantCode(t, err, mina.ENOTFOUND)
		if _, err := f.st.Task(f.ctx, u.ID, kept.ID); err != nil {
			t.Fatalf("a task of another meeting went too: %v", err)
		}
		list, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{})
		if err != nil || list.Total != 1 {
			t.Fatalf("tasks left = %+v, %v; want only %d", list, err, kept.ID)
		}
		wantCode(t, f.st.DeleteMeeting(f.ctx, u.ID, m.ID), mina.ENOTFOUND) // twice
	})
	t.Run("another user's meeting is not found", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		owner, other := f.user("owner"), f.user("other")
		m := f.meeting(owner.ID, "Private", Epoch, 30)
		f.task(m, "t", mina.StatusPending)
		_, err := f.st.Meeting(f.ctx, other.ID, m.ID)
		wantCode(t, err, mina.ENOTFOUND)
		_, err = f.st.UpdateMeeting(f.ctx, other.ID, m.ID, mina.MeetingUpdate{Title: ptr("hijacked")})
		wantCode(t, err, mina.ENOTFOUND)
		wantCode(t, f.st.DeleteMeeting(f.ctx, other.ID, m.ID), mina.ENOTFOUND)
		got, err := f.st.Meeting(f.ctx, owner.ID, m.ID)
		if err != nil || got.Title != "Private" || got.TaskCounts.Total != 1 {
			t.Fatalf("the owner's meeting changed: %+v, %v", got, err)
		}
		_, err = f.st.Meeting(f.ctx, owner.ID, m.ID+1000)
		wantCode(t, err, mina.ENOTFOUND)
	})
	t.Run("invalid meetings", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		valid := func() mina.Meeting {
			return mina.Meeting{UserID: u.ID, Title: "ok", StartsAt: Epoch, DurationMinutes: 30}
		}
		tests := []struct {
			name  string
			edit  func(m *mina.Meeting)
			field string
		}{
			{"empty title", func(m *mina.Meeting) { m.Title = "" }, "title"},                                                 // required
			{"blank title", func(m *mina.Meeting) { m.Title = " \t" }, "title"},                                              // blank is empty
			{"long title", func(m *mina.Meeting) { m.Title = strings.Repeat("é", 201) }, "title"},                            // counted in characters
			{"bad utf-8 title", func(m *mina.Meeting) { m.Title = "a\xffb" }, "title"},                                       // not text
			{"NUL in title", func(m *mina.Meeting) { m.Title = "a\x00b" }, "title"},                                          // breaks C strings downstream
			{"long description", func(m *mina.Meeting) { m.Description = strings.Repeat("d", 10001) }, "description"},        // over 10,000
			{"zero duration", func(m *mina.Meeting) { m.DurationMinutes = 0 }, "duration_minutes"},                           // below 1
			{"negative duration", func(m *mina.Meeting) { m.DurationMinutes = -5 }, "duration_minutes"},                      // below 1
			{"over a day", func(m *mina.Meeting) { m.DurationMinutes = 1441 }, "duration_minutes"},                           // above 1440
			{"no start", func(m *mina.Meeting) { m.StartsAt = time.Time{} }, "starts_at"},                                    // zero time
			{"year 10000", func(m *mina.Meeting) { m.StartsAt = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }, "starts_at"}, // out of range
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				m := valid()
				tt.edit(&m)
				wantInvalid(t, f.st.CreateMeeting(f.ctx, &m), tt.field)
			})
		}
		// The boundaries themselves are valid.
		for _, d := range []int{1, 1440} {
			m := valid()
			m.DurationMinutes, m.Title = d, strings.Repeat("é", 200)
			if err := f.st.CreateMeeting(f.ctx, &m); err != nil {
				t.Fatalf("duration %d, 200-character title: %v", d, err)
			}
		}
		list, err := f.st.ListMeetings(f.ctx, u.ID, mina.Page{})
		if err != nil || list.Total != 2 {
			t.Fatalf("rejected meetings were stored: %+v, %v", list, err)
		}
	})
}

func testListMeetings(t *testing.T, open Opener) {
	// 25 meetings: starts_at one hour apart, except that 3 share one start (ties break by id,
	// newest id first), created in an order unrelated to starts_at.
	setup := func(t *testing.T) (*fixture, *mina.User, []int64) {
		f := newFixture(t, open)
		u := f.user("ada")
		other := f.user("other")
		f.meeting(other.ID, "not mine", Epoch.Add(1000*time.Hour), 10)
		type made struct {
			id     int64
			starts time.Time
		}
		var all []made
		for i := range 25 {
			starts := Epoch.Add(time.Duration((i*7)%25) * time.Hour) // a permutation of 0..24 h
			if i >= 22 {
				starts = Epoch.Add(100 * time.Hour) // the three ties, latest of all
			}
			m := f.meeting(u.ID, "m", starts, 10)
			all = append(all, made{m.ID, m.StartsAt})
		}
		// Expected order, computed independently: starts_at DESC, then id DESC.
		want := make([]int64, 0, len(all))
		for len(all) > 0 {
			best := 0
			for i, m := range all {
				b := all[best]
				if m.starts.After(b.starts) || (m.starts.Equal(b.starts) && m.id > b.id) {
					best = i
				}
			}
			want = append(want, all[best].id)
			all = append(all[:best], all[best+1:]...)
		}
		return f, u, want
	}
	t.Run("pages", func(t *testing.T) {
		t.Parallel()
		f, u, want := setup(t)
		tests := []struct {
			name      string
			page      mina.Page
			from, to  int // slice of want
			wantPage  int
			wantPerPg int
		}{
			{"first page", mina.Page{Page: 1, PerPage: 10}, 0, 10, 1, 10},                // full
			{"second page", mina.Page{Page: 2, PerPage: 10}, 10, 20, 2, 10},              // full
			{"last page", mina.Page{Page: 3, PerPage: 10}, 20, 25, 3, 10},                // partial
			{"beyond the end", mina.Page{Page: 4, PerPage: 10}, 25, 25, 4, 10},           // empty, total still 25
			{"far beyond", mina.Page{Page: 1 << 40, PerPage: 100}, 25, 25, 1 << 40, 100}, // no overflow
			{"max per page", mina.Page{Page: 1, PerPage: 100}, 0, 25, 1, 100},            // everything
			{"defaults", mina.Page{}, 0, 20, 1, 20},                                      // page 1, 20 per page
			{"one per page", mina.Page{Page: 25, PerPage: 1}, 24, 25, 25, 1},             // the oldest
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				list, err := f.st.ListMeetings(f.ctx, u.ID, tt.page)
				if err != nil {
					t.Fatal(err)
				}
				if list.Total != 25 || list.Page != tt.wantPage || list.PerPage != tt.wantPerPg {
					t.Fatalf("total/page/per_page = %d/%d/%d", list.Total, list.Page, list.PerPage)
				}
				if list.Meetings == nil {
					t.Fatal("Meetings is nil; an empty page must be an empty list (JSON [])")
				}
				if got := meetingIDs(list.Meetings); !equalIDs(got, want[tt.from:tt.to]) {
					t.Fatalf("ids = %v, want %v", got, want[tt.from:tt.to])
				}
			})
		}
	})
	t.Run("invalid pages", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		for _, tt := range []struct {
			name  string
			page  mina.Page
			field string
		}{
			{"negative page", mina.Page{Page: -1, PerPage: 10}, "page"},         // pages count from 1
			{"per page over 100", mina.Page{Page: 1, PerPage: 101}, "per_page"}, // MaxPerPage
			{"negative per page", mina.Page{Page: 1, PerPage: -1}, "per_page"},  // at least 1
		} {
			t.Run(tt.name, func(t *testing.T) {
				_, err := f.st.ListMeetings(f.ctx, u.ID, tt.page)
				wantInvalid(t, err, tt.field)
			})
		}
	})
	t.Run("a user without meetings", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		list, err := f.st.ListMeetings(f.ctx, u.ID, mina.Page{Page: 1, PerPage: 10})
		if err != nil || list.Total != 0 || list.Meetings == nil || len(list.Meetings) != 0 {
			t.Fatalf("ListMeetings = %+v, %v", list, err)
		}
	})
}
