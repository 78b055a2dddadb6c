package storetest

import (
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// counts returns the task counts of meeting m, as Meeting and ListMeetings report them, and
// fails if the two disagree.
func (f *fixture) counts(m *mina.Meeting) mina.TaskCounts {
	f.t.Helper()
	got, err := f.st.Meeting(f.ctx, m.UserID, m.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	list, err := f.st.ListMeetings(f.ctx, m.UserID, mina.Page{Page: 1, PerPage: mina.MaxPerPage})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, lm := range list.Meetings {
		if lm.ID == m.ID && lm.TaskCounts != got.TaskCounts {
			f.t.Fatalf("meeting %d: ListMeetings counts %+v, Meeting counts %+v", m.ID, lm.TaskCounts, got.TaskCounts)
		}
	}
	return got.TaskCounts
}

func testTaskCounts(t *testing.T, open Opener) {
	f := newFixture(t, open)
	u := f.user("ada")
	m := f.meeting(u.ID, "Standup", Epoch, 15)
	other := f.meeting(u.ID, "Other", Epoch, 15)
	f.task(other, "noise", mina.StatusDone) // another meeting's task never counts
	steps := []struct {
		name string
		do   func() *mina.Task
		want mina.TaskCounts
	}{
		{"none", func() *mina.Task { return nil }, mina.TaskCounts{}},
		{"one pending", func() *mina.Task { return f.task(m, "a", mina.StatusPending) }, mina.TaskCounts{Pending: 1, Total: 1}},
		{"one in progress", func() *mina.Task { return f.task(m, "b", mina.StatusInProgress) }, mina.TaskCounts{Pending: 1, InProgress: 1, Total: 2}},
		{"one done", func() *mina.Task { return f.task(m, "c", mina.StatusDone) }, mina.TaskCounts{Pending: 1, InProgress: 1, Done: 1, Total: 3}},
		{"another pending", func() *mina.Task { return f.task(m, "d", mina.StatusPending) }, mina.TaskCounts{Pending: 2, InProgress: 1, Done: 1, Total: 4}},
	}
	var made []*mina.Task
	for _, s := range steps {
		if tk := s.do(); tk != nil {
			made = append(made, tk)
		}
		if got := f.counts(m); got != s.want {
			t.Fatalf("after %s: counts = %+v, want %+v", s.name, got, s.want)
		}
	}
	// made: a pending, b in progress, c done, d pending.
	f.setStatus(made[0], mina.StatusDone)
	if got, want := f.counts(m), (mina.TaskCounts{Pending: 1, InProgress: 1, Done: 2, Total: 4}); got != want {
		t.Fatalf("after a pending task became done: %+v, want %+v", got, want)
	}
	if err := f.st.DeleteTask(f.ctx, u.ID, made[1].ID); err != nil {
		t.Fatal(err)
	}
	if got, want := f.counts(m), (mina.TaskCounts{Pending: 1, Done: 2, Total: 3}); got != want {
		t.Fatalf("after deleting the in-progress task: %+v, want %+v", got, want)
	}
	if got, want := f.counts(other), (mina.TaskCounts{Done: 1, Total: 1}); got != want {
		t.Fatalf("the other meeting: %+v, want %+v", got, want)
	}
}

func testTasks(t *testing.T, open Opener) {
	t.Run("create then get", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "m", Epoch, 30)
		due := Epoch.Add(72*time.Hour + 123456789)
		tk := &mina.Task{UserID: u.ID, MeetingID: m.ID, Title: "Write it up", DueAt: &due}
		if err := f.st.CreateTask(f.ctx, tk); err != nil {
			t.Fatal(err)
		}
		if tk.ID <= 0 || tk.Status != mina.StatusPending || !tk.CreatedAt.Equal(Epoch) || !tk.UpdatedAt.Equal(Epoch) ||
			!tk.DueAt.Equal(due.Truncate(time.Millisecond)) {
			t.Fatalf("created task = %+v (due %v)", tk, tk.DueAt)
		}
		got, err := f.st.Task(f.ctx, u.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tk.ID || got.UserID != u.ID || got.MeetingID != m.ID || got.Title != tk.Title ||
			got.Status != tk.Status || got.DueAt == nil || !got.DueAt.Equal(*tk.DueAt) ||
			!got.CreatedAt.Equal(tk.CreatedAt) || !got.UpdatedAt.Equal(tk.UpdatedAt) {
			t.Fatalf("Task = %+v\nwant   %+v", got, tk)
		}
		noDue := f.task(m, "no due date", mina.StatusInProgress)
		if got, err := f.st.Task(f.ctx, u.ID, noDue.ID); err != nil || got.DueAt != nil || got.Status != mina.StatusInProgress {
			t.Fatalf("task without a due date = %+v, %v", got, err)
		}
	})
	t.Run("only into the user's own meeting", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		owner, other := f.user("owner"), f.user("other")
		m := f.meeting(owner.ID, "m", Epoch, 30)
		err := f.st.CreateTask(f.ctx, &mina.Task{UserID: other.ID, MeetingID: m.ID, Title: "sneaky"})
		wantCode(t, err, mina.ENOTFOUND)
		err = f.st.CreateTask(f.ctx, &mina.Task{UserID: owner.ID, MeetingID: m.ID + 1000, Title: "nowhere"})
		wantCode(t, err, mina.ENOTFOUND)
		if got := f.counts(m); got.Total != 0 {
			t.Fatalf("a rejected task was stored: %+v", got)
		}
	})
	t.Run("partial update", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "m", Epoch, 30)
		tk := f.task(m, "Before", mina.StatusPending)
		f.clock.Advance(time.Minute)
		got, err := f.st.UpdateTask(f.ctx, u.ID, tk.ID, mina.TaskUpdate{Title: ptr("After")})
		if err != nil {
			t.Fatal(err)
		}
		if got.Title != "After" || got.Status != mina.StatusPending || got.DueAt != nil ||
			!got.CreatedAt.Equal(Epoch) || !got.UpdatedAt.Equal(Epoch.Add(time.Minute)) {
			t.Fatalf("after a title update: %+v", got)
		}
		due := Epoch.Add(24 * time.Hour)
		got, err = f.st.UpdateTask(f.ctx, u.ID, tk.ID, mina.TaskUpdate{Status: ptr(mina.StatusDone), DueAt: &due})
		if err != nil {
			t.Fatal(err)
		}
		stored, err := f.st.Task(f.ctx, u.ID, tk.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Title != "After" || stored.Status != mina.StatusDone || stored.DueAt == nil || !stored.DueAt.Equal(due) ||
			got.Status != stored.Status {
			t.Fatalf("after a status and due update: %+v", stored)
		}
	})
	t.Run("invalid tasks", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "m", Epoch, 30)
		tk := f.task(m, "ok", mina.StatusPending)
		tests := []struct {
			name  string
			task  mina.Task
			field string
		}{
			{"empty title", mina.Task{Title: ""}, "title"},                                                                  // required
			{"long title", mina.Task{Title: strings.Repeat("t", 201)}, "title"},                                             // over 200
			{"unknown status", mina.Task{Title: "x", Status: "finished"}, "status"},                                         // not one of the three
			{"status case", mina.Task{Title: "x", Status: "Done"}, "status"},                                                // statuses are lower case
			{"due before 1970", mina.Task{Title: "x", DueAt: ptr(time.Date(1969, 12, 31, 0, 0, 0, 0, time.UTC))}, "due_at"}, // out of range
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				bad := tt.task
				bad.UserID, bad.MeetingID = u.ID, m.ID
				wantInvalid(t, f.st.CreateTask(f.ctx, &bad), tt.field)
			})
		}
		_, err := f.st.UpdateTask(f.ctx, u.ID, tk.ID, mina.TaskUpdate{Status: ptr("archived")})
		wantInvalid(t, err, "status")
		_, err = f.st.UpdateTask(f.ctx, u.ID, tk.ID, mina.TaskUpdate{Title: ptr(" ")})
		wantInvalid(t, err, "title")
		if got, err := f.st.Task(f.ctx, u.ID, tk.ID); err != nil || got.Title != "ok" || got.Status != mina.StatusPending {
			t.Fatalf("a rejected update changed the task: %+v, %v", got, err)
		}
	})
	t.Run("another user's task is not found", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		owner, other := f.user("owner"), f.user("other")
		tk := f.task(f.meeting(owner.ID, "m", Epoch, 30), "mine", mina.StatusPending)
		_, err := f.st.Task(f.ctx, other.ID, tk.ID)
		wantCode(t, err, mina.ENOTFOUND)
		_, err = f.st.UpdateTask(f.ctx, other.ID, tk.ID, mina.TaskUpdate{Status: ptr(mina.StatusDone)})
		wantCode(t, err, mina.ENOTFOUND)
		wantCode(t, f.st.DeleteTask(f.ctx, other.ID, tk.ID), mina.ENOTFOUND)
		if got, err := f.st.Task(f.ctx, owner.ID, tk.ID); err != nil || got.Status != mina.StatusPending {
			t.Fatalf("the owner's task changed: %+v, %v", got, err)
		}
	})
	t.Run("delete", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		tk := f.task(f.meeting(u.ID, "m", Epoch, 30), "gone", mina.StatusPending)
		if err := f.st.DeleteTask(f.ctx, u.ID, tk.ID); err != nil {
			t.Fatal(err)
		}
		_, err := f.st.Task(f.ctx, u.ID, tk.ID)
		wantCode(t, err, mina.ENOTFOUND)
		wantCode(t, f.st.DeleteTask(f.ctx, u.ID, tk.ID), mina.ENOTFOUND)
		_, err = f.st.UpdateTask(f.ctx, u.ID, tk.ID, mina.TaskUpdate{Title: ptr("zombie")})
		wantCode(t, err, mina.ENOTFOUND)
	})
}

func testListTasks(t *testing.T, open Opener) {
	f := newFixture(t, open)
	u, other := f.user("ada"), f.user("other")
	m1 := f.meeting(u.ID, "m1", Epoch, 30)
	m2 := f.meeting(u.ID, "m2", Epoch, 30)
	foreign := f.meeting(other.ID, "theirs", Epoch, 30)
	f.task(foreign, "not mine", mina.StatusPending)
	// 12 tasks, one minute apart, statuses cycling; m1 gets even ones, m2 odd ones. The last
	// two share a created_at, so id breaks the tie.
	statuses := []string{mina.StatusPending, mina.StatusInProgress, mina.StatusDone}
	var all []*mina.Task
	for i := range 12 {
		m := m1
		if i%2 == 1 {
			m = m2
		}
		all = append(all, f.task(m, "t", statuses[i%3]))
		if i != 10 {
			f.clock.Advance(time.Minute)
		}
	}
	// newestFirst lists the IDs of the tasks that keep, newest first (all were created in
	// ascending time, ties in ascending id, so newest first is simply reverse order).
	newestFirst := func(keep func(i int, tk *mina.Task) bool) []int64 {
		var ids []int64
		for i := len(all) - 1; i >= 0; i-- {
			if keep(i, all[i]) {
				ids = append(ids, all[i].ID)
			}
		}
		return ids
	}
	tests := []struct {
		name   string
		filter mina.TaskFilter
		want   []int64 // all matching, newest first
	}{
		{"all", mina.TaskFilter{}, newestFirst(func(int, *mina.Task) bool { return true })},
		{"pending", mina.TaskFilter{Status: mina.StatusPending}, newestFirst(func(i int, _ *mina.Task) bool { return i%3 == 0 })},
		{"done", mina.TaskFilter{Status: mina.StatusDone}, newestFirst(func(i int, _ *mina.Task) bool { return i%3 == 2 })},
		{"meeting 1", mina.TaskFilter{MeetingID: m1.ID}, newestFirst(func(i int, _ *mina.Task) bool { return i%2 == 0 })},
		{"meeting 2 in progress", mina.TaskFilter{MeetingID: m2.ID, Status: mina.StatusInProgress}, newestFirst(func(i int, _ *mina.Task) bool { return i%2 == 1 && i%3 == 1 })},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// Every page size from 1 to 13 must reassemble the same list.
			for perPage := 1; perPage <= 13; perPage++ {
				var got []int64
				for page := 1; ; page++ {
					tt.filter.Page = mina.Page{Page: page, PerPage: perPage}
					list, err := f.st.ListTasks(f.ctx, u.ID, tt.filter)
					if err != nil {
						t.Fatal(err)
					}
					if list.Total != len(tt.want) {
						t.Fatalf("per_page %d page %d: total %d, want %d", perPage, page, list.Total, len(tt.want))
					}
					if len(list.Tasks) == 0 {
						break
					}
					if len(list.Tasks) > perPage {
						t.Fatalf("per_page %d: a page of %d", perPage, len(list.Tasks))
					}
					got = append(got, taskIDs(list.Tasks)...)
				}
				if !equalIDs(got, tt.want) {
					t.Fatalf("per_page %d: ids %v, want %v", perPage, got, tt.want)
				}
			}
		})
	}
	t.Run("another user's meeting", func(t *testing.T) {
		_, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{MeetingID: foreign.ID})
		wantCode(t, err, mina.ENOTFOUND)
	})
	t.Run("an empty meeting of one's own", func(t *testing.T) {
		empty := f.meeting(u.ID, "empty", Epoch, 30)
		list, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{MeetingID: empty.ID})
		if err != nil || list.Total != 0 || list.Tasks == nil {
			t.Fatalf("ListTasks(empty meeting) = %+v, %v", list, err)
		}
	})
	t.Run("invalid filters", func(t *testing.T) {
		_, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{Status: "open"})
		wantInvalid(t, err, "status")
		_, err = f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{Page: mina.Page{Page: 1, PerPage: 101}})
		wantInvalid(t, err, "per_page")
	})
}
