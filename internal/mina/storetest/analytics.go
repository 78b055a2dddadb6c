package storetest

import (
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// day returns a time on 2026-03-dd, UTC.
func day(dd, hh, mm int) time.Time { return time.Date(2026, 3, dd, hh, mm, 0, 0, time.UTC) }

// analyticsFixture makes the data that the Dashboard and Trends tests compute by hand. With
// now = Epoch (2026-03-14 15:09 UTC) and 7 days, the window is 03-08 00:00 to 03-15 00:00.
//
//	meetings (starts_at, minutes)          in the window?
//	  03-14 09:00   30                     yes
//	  03-14 22:00   60                     yes (later today still counts)
//	  03-10 12:00   45                     yes
//	  03-08 00:00   15                     yes (first instant)
//	  03-07 23:59:59.999  90               no
//	  03-15 00:00  120                     no (window end is exclusive)
//	  other user's 03-12  500              no
//
//	tasks (created, history)                             status now   completed
//	  t1  03-09 10:00 pending                            pending      -
//	  t2  03-09 11:00 done; title edited 03-14 12:00     done         03-09
//	  t3  03-12 08:00 in_progress; done 03-13 09:00;
//	      done again 03-14 13:00                         done         03-13
//	  t4  03-14 14:00 done; pending 03-14 15:00          pending      -
//	  t5  03-01 09:00 pending; done 03-11 16:00          done         03-11 (created outside)
//	  other user's task 03-12, done                      -            -
func analyticsFixture(t *testing.T, open Opener) (*fixture, *mina.User) {
	f := newFixture(t, open)
	u, other := f.user("ada"), f.user("other")
	in := f.meeting(u.ID, "today", day(14, 9, 0), 30)
	f.meeting(u.ID, "tonight", day(14, 22, 0), 60)
	f.meeting(u.ID, "tuesday", day(10, 12, 0), 45)
	f.meeting(u.ID, "first instant", day(8, 0, 0), 15)
	f.meeting(u.ID, "just before", day(8, 0, 0).Add(-time.Millisecond), 90)
	f.meeting(u.ID, "tomorrow", day(15, 0, 0), 120)
	theirs := f.meeting(other.ID, "theirs", day(12, 10, 0), 500)

	at := func(when time.Time) { f.clock.Set(when) }
	at(day(9, 10, 0))
	f.task(in, "t1", mina.StatusPending)
	at(day(9, 11, 0))
	t2 := f.task(in, "t2", mina.StatusDone)
	at(day(12, 8, 0))
	t3 := f.task(in, "t3", mina.StatusInProgress)
	at(day(13, 9, 0))
	f.setStatus(t3, mina.StatusDone)
	at(day(14, 12, 0))
	if _, err := f.st.UpdateTask(f.ctx, u.ID, t2.ID, mina.TaskUpdate{Title: ptr("t2, reworded")}); err != nil {
		t.Fatal(err)
	}
	at(day(14, 13, 0))
	f.setStatus(t3, mina.StatusDone)
	at(day(14, 14, 0))
	t4 := f.task(in, "t4", mina.StatusDone)
	at(day(14, 15, 0))
	f.setStatus(t4, mina.StatusPending)
	at(day(1, 9, 0))
	t5 := f.task(in, "t5", mina.StatusPending)
	at(day(11, 16, 0))
	f.setStatus(t5, mina.StatusDone)
	at(day(12, 10, 0))
	f.task(theirs, "theirs", mina.StatusDone)
	at(Epoch)
	return f, u
}

func testDashboard(t *testing.T, open Opener) {
	t.Run("hand-computed figures", func(t *testing.T) {
		t.Parallel()
		f, u := analyticsFixture(t, open)
		tests := []struct {
			name string
			days int
			now  time.Time
			want mina.Dashboard
		}{
			// The fixture's worked example: 4 meetings, 150 minutes; t1-t4 created in the window.
			{"7 days", 7, Epoch, mina.Dashboard{Days: 7, Meetings: 4, TotalMinutes: 150,
				Tasks: mina.TaskCounts{Pending: 2, Done: 2, Total: 4}, CompletionRate: 0.5}},
			// The same instant seen from UTC+14 is still 03-14 in UTC.
			{"now in another zone", 7, Epoch.In(time.FixedZone("LINT", 14*3600)), mina.Dashboard{Days: 7, Meetings: 4, TotalMinutes: 150,
				Tasks: mina.TaskCounts{Pending: 2, Done: 2, Total: 4}, CompletionRate: 0.5}},
			// Today only: the two meetings of 03-14 and t4 (pending).
			{"1 day", 1, Epoch, mina.Dashboard{Days: 1, Meetings: 2, TotalMinutes: 90,
				Tasks: mina.TaskCounts{Pending: 1, Total: 1}}},
			// 14 days reach back to 03-01: the 03-07 meeting and t5 join.
			{"14 days", 14, Epoch, mina.Dashboard{Days: 14, Meetings: 5, TotalMinutes: 240,
				Tasks: mina.TaskCounts{Pending: 2, Done: 3, Total: 5}, CompletionRate: 0.6}},
			// From 03-15, 1 day: the midnight meeting, no tasks, so a completion rate of 0.
			{"tomorrow", 1, day(15, 8, 0), mina.Dashboard{Days: 1, Meetings: 1, TotalMinutes: 120}},
			// Long before any data: all zeros.
			{"a year earlier", 365, Epoch.AddDate(-2, 0, 0), mina.Dashboard{Days: 365}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got, err := f.st.Dashboard(f.ctx, u.ID, tt.days, tt.now)
				if err != nil {
					t.Fatal(err)
				}
				if *got != tt.want {
					t.Fatalf("Dashboard = %+v\nwant        %+v", *got, tt.want)
				}
			})
		}
	})
	t.Run("invalid days", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		for _, days := range []int{0, -1, 366} {
			_, err := f.st.Dashboard(f.ctx, u.ID, days, Epoch)
			wantInvalid(t, err, "days")
		}
	})
}

func testTrends(t *testing.T, open Opener) {
	t.Run("hand-computed points", func(t *testing.T) {
		t.Parallel()
		f, u := analyticsFixture(t, open)
		got, err := f.st.Trends(f.ctx, u.ID, 7, Epoch)
		if err != nil {
			t.Fatal(err)
		}
		want := []mina.TrendPoint{
			{Date: "2026-03-08", Meetings: 1, Minutes: 15},
			{Date: "2026-03-09", TasksCreated: 2, TasksCompleted: 1},
			{Date: "2026-03-10", Meetings: 1, Minutes: 45},
			{Date: "2026-03-11", TasksCompleted: 1},
			{Date: "2026-03-12", TasksCreated: 1},
			{Date: "2026-03-13", TasksCompleted: 1},
			{Date: "2026-03-14", Meetings: 2, Minutes: 90, TasksCreated: 1},
		}
		if got.Days != 7 || len(got.Points) != len(want) {
			t.Fatalf("Trends = %+v", got)
		}
		for i := range want {
			if got.Points[i] != want[i] {
				t.Errorf("point %d = %+v, want %+v", i, got.Points[i], want[i])
			}
		}
		// The points add up to the Dashboard of the same window.
		d, err := f.st.Dashboard(f.ctx, u.ID, 7, Epoch)
		if err != nil {
			t.Fatal(err)
		}
		var meetings, minutes, created int
		for _, p := range got.Points {
			meetings, minutes, created = meetings+p.Meetings, minutes+p.Minutes, created+p.TasksCreated
		}
		if meetings != d.Meetings || minutes != d.TotalMinutes || created != d.Tasks.Total {
			t.Fatalf("points add up to %d meetings, %d minutes, %d tasks; Dashboard says %+v", meetings, minutes, created, d)
		}
	})
	t.Run("every day, zeros included", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		for _, days := range []int{1, 30, 365} {
			got, err := f.st.Trends(f.ctx, u.ID, days, Epoch)
			if err != nil {
				t.Fatal(err)
			}
			if got.Days != days || len(got.Points) != days {
				t.Fatalf("days %d: %d points", days, len(got.Points))
			}
			first := Epoch.Truncate(24*time.Hour).AddDate(0, 0, 1-days)
			for i, p := range got.Points {
				want := mina.TrendPoint{Date: first.AddDate(0, 0, i).Format(time.DateOnly)}
				if p != want {
					t.Fatalf("days %d, point %d = %+v, want %+v", days, i, p, want)
				}
			}
		}
	})
	t.Run("invalid days", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		for _, days := range []int{0, -7, 366, 1 << 40} {
			_, err := f.st.Trends(f.ctx, u.ID, days, Epoch)
			wantInvalid(t, err, "days")
		}
	})
}
