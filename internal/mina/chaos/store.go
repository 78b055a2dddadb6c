package chaos

import (
	"context"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Store decorates a mina.Store with the faults' db_latency: every call waits that long
// first (cut short, with the context's error, when the request goes away), as a database
// that answers slowly does. Close is passed through.
type Store struct {
	mina.Store
	faults *Faults
}

var _ mina.Store = (*Store)(nil)

// SlowStore returns next behind the faults' db_latency.
func SlowStore(next mina.Store, fs *Faults) *Store { return &Store{Store: next, faults: fs} }

// wait sleeps the current db_latency, or until ctx ends.
func (s *Store) wait(ctx context.Context) error {
	d := s.faults.DBLatency()
	if d <= 0 {
		return nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// UserByToken waits the db_latency, then calls the store.
func (s *Store) UserByToken(ctx context.Context, token string) (*mina.User, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.UserByToken(ctx, token)
}

// CreateUser waits the db_latency, then calls the store.
func (s *Store) CreateUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	if err := s.wait(ctx); err != nil {
		return nil, "", err
	}
	return s.Store.CreateUser(ctx, email, name)
}

// ListMeetings waits the db_latency, then calls the store.
func (s *Store) ListMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListMeetings(ctx, userID, p)
}

// Meeting waits the db_latency, then calls the store.
func (s *Store) Meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Meeting(ctx, userID, id)
}

// CreateMeeting waits the db_latency, then calls the store.
func (s *Store) CreateMeeting(ctx context.Context, m *mina.Meeting) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.CreateMeeting(ctx, m)
}

// UpdateMeeting waits the db_latency, then calls the store.
func (s *Store) UpdateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.UpdateMeeting(ctx, userID, id, u)
}

// DeleteMeeting waits the db_latency, then calls the store.
func (s *Store) DeleteMeeting(ctx context.Context, userID, id int64) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.DeleteMeeting(ctx, userID, id)
}

// ListTasks waits the db_latency, then calls the store.
func (s *Store) ListTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.ListTasks(ctx, userID, f)
}

// Task waits the db_latency, then calls the store.
func (s *Store) Task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Task(ctx, userID, id)
}

// CreateTask waits the db_latency, then calls the store.
func (s *Store) CreateTask(ctx context.Context, t *mina.Task) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.CreateTask(ctx, t)
}

// UpdateTask waits the db_latency, then calls the store.
func (s *Store) UpdateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.UpdateTask(ctx, userID, id, u)
}

// DeleteTask waits the db_latency, then calls the store.
func (s *Store) DeleteTask(ctx context.Context, userID, id int64) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.DeleteTask(ctx, userID, id)
}

// Dashboard waits the db_latency, then calls the store.
func (s *Store) Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Dashboard(ctx, userID, days, now)
}

// Trends waits the db_latency, then calls the store.
func (s *Store) Trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	if err := s.wait(ctx); err != nil {
		return nil, err
	}
	return s.Store.Trends(ctx, userID, days, now)
}

// Ping waits the db_latency, then calls the store.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.wait(ctx); err != nil {
		return err
	}
	return s.Store.Ping(ctx)
}
