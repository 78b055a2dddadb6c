// Package mock provides a mina.Store whose every method is a function field, in the style of
// benbjohnson/wtf's mock package: a test sets only the functions its code path calls. A method
// whose function is not set returns an EINTERNAL error naming it (it never panics), so a test
// that reaches an unexpected method fails with a clear message rather than a nil dereference.
package mock

import (
	"context"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Store is a mina.Store made of function fields. It is safe for concurrent use when the
// functions it holds are.
type Store struct {
	UserByTokenFn func(ctx context.Context, token string) (*mina.User, error)
	CreateUserFn  func(ctx context.Context, email, name string) (*mina.User, string, error)

	ListMeetingsFn  func(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error)
	MeetingFn       func(ctx context.Context, userID, id int64) (*mina.Meeting, error)
	CreateMeetingFn func(ctx context.Context, m *mina.Meeting) error
	UpdateMeetingFn func(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error)
	DeleteMeetingFn func(ctx context.Context, userID, id int64) error

	ListTasksFn  func(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error)
	TaskFn       func(ctx context.Context, userID, id int64) (*mina.Task, error)
	CreateTaskFn func(ctx context.Context, t *mina.Task) error
	UpdateTaskFn func(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error)
	DeleteTaskFn func(ctx context.Context, userID, id int64) error

	DashboardFn func(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error)
	TrendsFn    func(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error)

	AddSegmentFn func(ctx context.Context, userID int64, seg *mina.TranscriptSegment) error
	TranscriptFn func(ctx context.Context, userID, meetingID int64, p mina.TranscriptPage) (*mina.Transcript, error)

	PingFn  func(ctx context.Context) error
	CloseFn func() error
}

var _ mina.Store = (*Store)(nil)

// unset is the error of a method whose function field is nil.
func unset(method string) error {
	return mina.Errorf(mina.EINTERNAL, "mock: %s not set", method)
}

// AddSegment calls AddSegmentFn.
func (s *Store) AddSegment(ctx context.Context, userID int64, seg *mina.TranscriptSegment) error {
	if s.AddSegmentFn == nil {
		return unset("AddSegment")
	}
	return s.AddSegmentFn(ctx, userID, seg)
}

// Transcript calls TranscriptFn.
func (s *Store) Transcript(ctx context.Context, userID, meetingID int64, p mina.TranscriptPage) (*mina.Transcript, error) {
	if s.TranscriptFn == nil {
		return nil, unset("Transcript")
	}
	return s.TranscriptFn(ctx, userID, meetingID, p)
}

// UserByToken calls UserByTokenFn.
func (s *Store) UserByToken(ctx context.Context, token string) (*mina.User, error) {
	if s.UserByTokenFn == nil {
		return nil, unset("UserByToken")
	}
	return s.UserByTokenFn(ctx, token)
}

// CreateUser calls CreateUserFn.
func (s *Store) CreateUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	if s.CreateUserFn == nil {
		return nil, "", unset("CreateUser")
	}
	return s.CreateUserFn(ctx, email, name)
}

// ListMeetings calls ListMeetingsFn.
func (s *Store) ListMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	if s.ListMeetingsFn == nil {
		return nil, unset("ListMeetings")
	}
	return s.ListMeetingsFn(ctx, userID, p)
}

// Meeting calls MeetingFn.
func (s *Store) Meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	if s.MeetingFn == nil {
		return nil, unset("Meeting")
	}
	return s.MeetingFn(ctx, userID, id)
}

// CreateMeeting calls CreateMeetingFn.
func (s *Store) CreateMeeting(ctx context.Context, m *mina.Meeting) error {
	if s.CreateMeetingFn == nil {
		return unset("CreateMeeting")
	}
	return s.CreateMeetingFn(ctx, m)
}

// UpdateMeeting calls UpdateMeetingFn.
func (s *Store) UpdateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	if s.UpdateMeetingFn == nil {
		return nil, unset("UpdateMeeting")
	}
	return s.UpdateMeetingFn(ctx, userID, id, u)
}

// DeleteMeeting calls DeleteMeetingFn.
func (s *Store) DeleteMeeting(ctx context.Context, userID, id int64) error {
	if s.DeleteMeetingFn == nil {
		return unset("DeleteMeeting")
	}
	return s.DeleteMeetingFn(ctx, userID, id)
}

// ListTasks calls ListTasksFn.
func (s *Store) ListTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
	if s.ListTasksFn == nil {
		return nil, unset("ListTasks")
	}
	return s.ListTasksFn(ctx, userID, f)
}

// Task calls TaskFn.
func (s *Store) Task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	if s.TaskFn == nil {
		return nil, unset("Task")
	}
	return s.TaskFn(ctx, userID, id)
}

// CreateTask calls CreateTaskFn.
func (s *Store) CreateTask(ctx context.Context, t *mina.Task) error {
	if s.CreateTaskFn == nil {
		return unset("CreateTask")
	}
	return s.CreateTaskFn(ctx, t)
}

// UpdateTask calls UpdateTaskFn.
func (s *Store) UpdateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	if s.UpdateTaskFn == nil {
		return nil, unset("UpdateTask")
	}
	return s.UpdateTaskFn(ctx, userID, id, u)
}

// DeleteTask calls DeleteTaskFn.
func (s *Store) DeleteTask(ctx context.Context, userID, id int64) error {
	if s.DeleteTaskFn == nil {
		return unset("DeleteTask")
	}
	return s.DeleteTaskFn(ctx, userID, id)
}

// Dashboard calls DashboardFn.
func (s *Store) Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	if s.DashboardFn == nil {
		return nil, unset("Dashboard")
	}
	return s.DashboardFn(ctx, userID, days, now)
}

// Trends calls TrendsFn.
func (s *Store) Trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	if s.TrendsFn == nil {
		return nil, unset("Trends")
	}
	return s.TrendsFn(ctx, userID, days, now)
}

// Ping calls PingFn; an unset PingFn reports a healthy store, since most tests do not care.
func (s *Store) Ping(ctx context.Context) error {
	if s.PingFn == nil {
		return nil
	}
	return s.PingFn(ctx)
}

// Close calls CloseFn; an unset CloseFn succeeds.
func (s *Store) Close() error {
	if s.CloseFn == nil {
		return nil
	}
	return s.CloseFn()
}
