package storetest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// errLog collects the unexpected errors of concurrent workers.
type errLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errLog) add(err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.errs = append(l.errs, err)
}

func (l *errLog) check(t *testing.T) {
	t.Helper()
	for _, err := range l.errs {
		t.Error(err)
	}
}

func testConcurrency(t *testing.T, open Opener) {
	t.Run("updates and deletes of the same rows", func(t *testing.T) {
		t.Parallel()
		testConcurrentTaskWrites(t, open)
	})
	t.Run("creating tasks while their meeting is deleted", func(t *testing.T) {
		t.Parallel()
		testCreateDuringDelete(t, open)
	})
}

// testConcurrentTaskWrites has workers race over the same 40 tasks: two set every task's
// title, two set every task's status, two delete every third task, one creates new tasks.
// Partial updates of different fields must both survive (no lost update), each deleted task
// must be deleted exactly once, and the counts must add up afterwards.
func testConcurrentTaskWrites(t *testing.T, open Opener) {
	f := newFixture(t, open)
	u := f.user("ada")
	var meetings []*mina.Meeting
	var tasks []*mina.Task
	for i := range 4 {
		m := f.meeting(u.ID, fmt.Sprint("m", i), Epoch, 30)
		meetings = append(meetings, m)
		for range 10 {
			tasks = append(tasks, f.task(m, "original", mina.StatusPending))
		}
	}
	doomed := func(tk *mina.Task) bool { return tk.ID%3 == 0 }
	var (
		errs      errLog
		mu        sync.Mutex
		deletions = map[int64]int{} // successful deletes per task
		created   []*mina.Task
	)
	// unexpected records err unless it is ENOTFOUND for a doomed task.
	unexpected := func(op string, tk *mina.Task, err error) {
		if err != nil && !(doomed(tk) && mina.ErrorCode(err) == mina.ENOTFOUND) {
			errs.add(fmt.Errorf("%s task %d: %w", op, tk.ID, err))
		}
	}
	workers := []func(ctx context.Context, order []*mina.Task){
		func(ctx context.Context, order []*mina.Task) { // titles, twice over
			for _, tk := range order {
				_, err := f.st.UpdateTask(ctx, u.ID, tk.ID, mina.TaskUpdate{Title: ptr(fmt.Sprint("title-", tk.ID))})
				unexpected("retitle", tk, err)
			}
		},
		nil, // a copy of the first, filled below
		func(ctx context.Context, order []*mina.Task) { // statuses, twice over
			for _, tk := range order {
				_, err := f.st.UpdateTask(ctx, u.ID, tk.ID, mina.TaskUpdate{Status: ptr(mina.StatusDone)})
				unexpected("complete", tk, err)
			}
		},
		nil,
		func(ctx context.Context, order []*mina.Task) { // deletes, twice over
			for _, tk := range order {
				if !doomed(tk) {
					continue
				}
				err := f.st.DeleteTask(ctx, u.ID, tk.ID)
				if err == nil {
					mu.Lock()
					deletions[tk.ID]++
					mu.Unlock()
				} else if mina.ErrorCode(err) != mina.ENOTFOUND {
					errs.add(fmt.Errorf("delete task %d: %w", tk.ID, err))
				}
			}
		},
		nil,
		func(ctx context.Context, _ []*mina.Task) { // creates
			for i := range 20 {
				tk := &mina.Task{UserID: u.ID, MeetingID: meetings[i%4].ID, Title: "new", Status: mina.StatusInProgress}
				if err := f.st.CreateTask(ctx, tk); err != nil {
					errs.add(fmt.Errorf("create task %d: %w", i, err))
					continue
				}
				mu.Lock()
				created = append(created, tk)
				mu.Unlock()
			}
		},
	}
	workers[1], workers[3], workers[5] = workers[0], workers[2], workers[4]
	var wg sync.WaitGroup
	for i, w := range workers {
		order := append([]*mina.Task(nil), tasks...)
		rand.New(rand.NewPCG(uint64(i), 7)).Shuffle(len(order), func(a, b int) { order[a], order[b] = order[b], order[a] })
		wg.Go(func() { w(f.ctx, order) })
	}
	wg.Wait()
	errs.check(t)

	want := map[int64]mina.TaskCounts{} // per meeting, computed from what the workers did
	for _, tk := range tasks {
		got, err := f.st.Task(f.ctx, u.ID, tk.ID)
		if doomed(tk) {
			wantCode(t, err, mina.ENOTFOUND)
			if deletions[tk.ID] != 1 {
				t.Errorf("task %d deleted %d times", tk.ID, deletions[tk.ID])
			}
			continue
		}
		if err != nil {
			t.Fatalf("task %d: %v", tk.ID, err)
		}
		if got.Title != fmt.Sprint("title-", tk.ID) || got.Status != mina.StatusDone {
			t.Errorf("task %d = %q/%s: a concurrent update was lost", tk.ID, got.Title, got.Status)
		}
		c := want[tk.MeetingID]
		c.Done, c.Total = c.Done+1, c.Total+1
		want[tk.MeetingID] = c
	}
	for _, tk := range created {
		c := want[tk.MeetingID]
		c.InProgress, c.Total = c.InProgress+1, c.Total+1
		want[tk.MeetingID] = c
	}
	total := 0
	for _, m := range meetings {
		if got := f.counts(m); got != want[m.ID] {
			t.Errorf("meeting %d counts = %+v, want %+v", m.ID, got, want[m.ID])
		}
		total += want[m.ID].Total
	}
	list, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{Page: mina.Page{Page: 1, PerPage: mina.MaxPerPage}})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, tk := range list.Tasks {
		if seen[tk.ID] {
			t.Errorf("task %d listed twice", tk.ID)
		}
		seen[tk.ID] = true
	}
	if list.Total != total || len(list.Tasks) != total || len(created) != 20 {
		t.Errorf("%d tasks listed (total %d), want %d; %d created", len(list.Tasks), list.Total, total, len(created))
	}
}

// testCreateDuringDelete races task creation into a meeting against that meeting's deletion:
// afterwards no task may point at the deleted meeting, and creation may fail only with
// ENOTFOUND.
func testCreateDuringDelete(t *testing.T, open Opener) {
	f := newFixture(t, open)
	u := f.user("ada")
	for round := range 5 {
		m := f.meeting(u.ID, fmt.Sprint("round ", round), Epoch, 30)
		var errs errLog
		var wg sync.WaitGroup
		start := make(chan struct{})
		for w := range 4 {
			wg.Go(func() {
				<-start
				for i := range 10 {
					tk := &mina.Task{UserID: u.ID, MeetingID: m.ID, Title: fmt.Sprint(w, "-", i)}
					if err := f.st.CreateTask(f.ctx, tk); err != nil && mina.ErrorCode(err) != mina.ENOTFOUND {
						errs.add(fmt.Errorf("create: %w", err))
					}
				}
			})
		}
		wg.Go(func() {
			<-start
			time.Sleep(time.Duration(round) * time.Millisecond) // let some creates in first
			if err := f.st.DeleteMeeting(f.ctx, u.ID, m.ID); err != nil {
				errs.add(fmt.Errorf("delete meeting: %w", err))
			}
		})
		close(start)
		wg.Wait()
		errs.check(t)
		_, err := f.st.Meeting(f.ctx, u.ID, m.ID)
		wantCode(t, err, mina.ENOTFOUND)
		all, err := f.st.ListTasks(f.ctx, u.ID, mina.TaskFilter{Page: mina.Page{Page: 1, PerPage: mina.MaxPerPage}})
		if err != nil {
			t.Fatal(err)
		}
		if all.Total != 0 {
			t.Fatalf("round %d: %d tasks outlived their meeting: %v", round, all.Total, taskIDs(all.Tasks))
		}
	}
}

func testContext(t *testing.T, open Opener) {
	t.Run("a cancelled context fails fast", func(t *testing.T) {
		t.Parallel()
		f := newFixture(t, open)
		u := f.user("ada")
		m := f.meeting(u.ID, "m", Epoch, 30)
		ctx, cancel := context.WithCancel(f.ctx)
		cancel()
		if _, err := f.st.ListMeetings(ctx, u.ID, mina.Page{}); err == nil {
			t.Error("ListMeetings with a cancelled context succeeded")
		}
		if err := f.st.CreateMeeting(ctx, &mina.Meeting{UserID: u.ID, Title: "x", StartsAt: Epoch, DurationMinutes: 1}); err == nil {
			t.Error("CreateMeeting with a cancelled context succeeded")
		}
		if err := f.st.DeleteMeeting(ctx, u.ID, m.ID); err == nil {
			t.Error("DeleteMeeting with a cancelled context succeeded")
		}
		if _, err := f.st.Meeting(f.ctx, u.ID, m.ID); err != nil {
			t.Fatalf("the meeting is gone after a cancelled delete: %v", err)
		}
		if err := f.st.Ping(f.ctx); err != nil {
			t.Fatalf("Ping: %v", err)
		}
	})
}
