package postgres

import (
	"context"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// UserByToken implements mina.UserService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) UserByToken(ctx context.Context, token string) (*mina.User, error) {
	return retryOnce(ctx, func() (*mina.User, error) { return db.userByToken(ctx, token) })
}

// CreateUser implements mina.UserService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) CreateUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	type out struct {
		a *mina.User
		b string
	}
	o, err := retryOnce(ctx, func() (out, error) {
		a, b, err := db.createUser(ctx, email, name)
		return out{a, b}, err
	})
	return o.a, o.b, err
}

// ListMeetings implements mina.MeetingService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) ListMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	return retryOnce(ctx, func() (*mina.MeetingList, error) { return db.listMeetings(ctx, userID, p) })
}

// Meeting implements mina.MeetingService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) Meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	return retryOnce(ctx, func() (*mina.Meeting, error) { return db.meeting(ctx, userID, id) })
}

// CreateMeeting implements mina.MeetingService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) CreateMeeting(ctx context.Context, m *mina.Meeting) error {
	return retryOnceErr(ctx, func() error { return db.createMeeting(ctx, m) })
}

// UpdateMeeting implements mina.MeetingService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) UpdateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	return retryOnce(ctx, func() (*mina.Meeting, error) { return db.updateMeeting(ctx, userID, id, u) })
}

// DeleteMeeting implements mina.MeetingService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) DeleteMeeting(ctx context.Context, userID, id int64) error {
	return retryOnceErr(ctx, func() error { return db.deleteMeeting(ctx, userID, id) })
}

// ListTasks implements mina.TaskService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) ListTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
	return retryOnce(ctx, func() (*mina.TaskList, error) { return db.listTasks(ctx, userID, f) })
}

// Task implements mina.TaskService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) Task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	return retryOnce(ctx, func() (*mina.Task, error) { return db.task(ctx, userID, id) })
}

// CreateTask implements mina.TaskService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) CreateTask(ctx context.Context, task *mina.Task) error {
	return retryOnceErr(ctx, func() error { return db.createTask(ctx, task) })
}

// UpdateTask implements mina.TaskService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) UpdateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	return retryOnce(ctx, func() (*mina.Task, error) { return db.updateTask(ctx, userID, id, u) })
}

// DeleteTask implements mina.TaskService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) DeleteTask(ctx context.Context, userID, id int64) error {
	return retryOnceErr(ctx, func() error { return db.deleteTask(ctx, userID, id) })
}

// Dashboard implements mina.AnalyticsService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	return retryOnce(ctx, func() (*mina.Dashboard, error) { return db.dashboard(ctx, userID, days, now) })
}

// Trends implements mina.AnalyticsService, retrying once a connection lost before
// anything could have run (see retry.go).
func (db *DB) Trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	return retryOnce(ctx, func() (*mina.Trends, error) { return db.trends(ctx, userID, days, now) })
}
