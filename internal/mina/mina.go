// Package mina is the domain of the reference Mina API: meetings, their tasks, and analytics
// over them, owned by users who authenticate with API tokens. It holds the types, the service
// interfaces that the stores implement and the cache decorates, and the one application error
// type that the HTTP layer maps to statuses. It imports no database, cache or HTTP package:
// adapters live in sub-packages (sqlite, postgres, cache, api), as in benbjohnson/wtf.
package mina

import (
	"context"
	"time"
)

// User owns meetings and tasks.
type User struct {
	ID        int64     `json:"id"`
	Email     string    `json:"email"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Meeting is one meeting of a user. TaskCounts is filled by list and get queries in the same
// query as the meeting (no N+1).
type Meeting struct {
	ID              int64      `json:"id"`
	UserID          int64      `json:"user_id"`
	Title           string     `json:"title"`
	Description     string     `json:"description"`
	StartsAt        time.Time  `json:"starts_at"`
	DurationMinutes int        `json:"duration_minutes"`
	CreatedAt       time.Time  `json:"created_at"`
	UpdatedAt       time.Time  `json:"updated_at"`
	TaskCounts      TaskCounts `json:"task_counts"`
}

// TaskCounts counts a meeting's (or a user's) tasks by status.
type TaskCounts struct {
	Pending    int `json:"pending"`
	InProgress int `json:"in_progress"`
	Done       int `json:"done"`
	Total      int `json:"total"`
}

// Task statuses.
const (
	StatusPending    = "pending"
	StatusInProgress = "in_progress"
	StatusDone       = "done"
)

// ValidStatus reports whether s is a task status.
func ValidStatus(s string) bool {
	return s == StatusPending || s == StatusInProgress || s == StatusDone
}

// Task belongs to a meeting of its user.
type Task struct {
	ID        int64      `json:"id"`
	UserID    int64      `json:"user_id"`
	MeetingID int64      `json:"meeting_id"`
	Title     string     `json:"title"`
	Status    string     `json:"status"`
	DueAt     *time.Time `json:"due_at,omitempty"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// Page selects one page of a list: Page from 1, PerPage from 1 to MaxPerPage.
type Page struct {
	Page, PerPage int
}

// MaxPerPage bounds a page's size.
const MaxPerPage = 100

// MeetingList is one page of meetings, newest first.
type MeetingList struct {
	Meetings []Meeting `json:"meetings"`
	Page     int       `json:"page"`
	PerPage  int       `json:"per_page"`
	Total    int       `json:"total"`
}

// TaskList is one page of tasks.
type TaskList struct {
	Tasks   []Task `json:"tasks"`
	Page    int    `json:"page"`
	PerPage int    `json:"per_page"`
	Total   int    `json:"total"`
}

// MeetingUpdate holds the fields of a PUT; nil fields are left unchanged.
type MeetingUpdate struct {
	Title           *string
	Description     *string
	StartsAt        *time.Time
	DurationMinutes *int
}

// TaskUpdate holds the fields of a PUT; nil fields are left unchanged.
type TaskUpdate struct {
	Title  *string
	Status *string
	DueAt  *time.Time
}

// TaskFilter selects tasks: by status when Status is not empty, by meeting when MeetingID > 0.
type TaskFilter struct {
	Status    string
	MeetingID int64
	Page
}

// Dashboard is a user's activity over the last Days days.
type Dashboard struct {
	Days           int        `json:"days"`
	Meetings       int        `json:"meetings"`
	TotalMinutes   int        `json:"total_minutes"`
	Tasks          TaskCounts `json:"tasks"`
	CompletionRate float64    `json:"completion_rate"`
}

// TrendPoint is one day of a user's activity.
type TrendPoint struct {
	Date           string `json:"date"` // YYYY-MM-DD, UTC
	Meetings       int    `json:"meetings"`
	Minutes        int    `json:"minutes"`
	TasksCreated   int    `json:"tasks_created"`
	TasksCompleted int    `json:"tasks_completed"`
}

// Trends is a per-day series, oldest first, one point per day (zeros included).
type Trends struct {
	Days   int          `json:"days"`
	Points []TrendPoint `json:"points"`
}

// UserService authenticates and creates users.
type UserService interface {
	// UserByToken returns the user owning an API token, or an EUNAUTHORIZED error.
	UserByToken(ctx context.Context, token string) (*User, error)
	// CreateUser creates a user with a new API token and returns both.
	CreateUser(ctx context.Context, email, name string) (*User, string, error)
}

// MeetingService reads and writes a user's meetings. Every method is scoped to userID: another
// user's meeting is ENOTFOUND.
type MeetingService interface {
	ListMeetings(ctx context.Context, userID int64, p Page) (*MeetingList, error)
	Meeting(ctx context.Context, userID, id int64) (*Meeting, error)
	CreateMeeting(ctx context.Context, m *Meeting) error
	UpdateMeeting(ctx context.Context, userID, id int64, u MeetingUpdate) (*Meeting, error)
	// DeleteMeeting deletes a meeting and its tasks.
	DeleteMeeting(ctx context.Context, userID, id int64) error
}

// TaskService reads and writes a user's tasks.
type TaskService interface {
	ListTasks(ctx context.Context, userID int64, f TaskFilter) (*TaskList, error)
	Task(ctx context.Context, userID, id int64) (*Task, error)
	// CreateTask creates a task in one of the user's meetings (ENOTFOUND if it is not).
	CreateTask(ctx context.Context, t *Task) error
	UpdateTask(ctx context.Context, userID, id int64, u TaskUpdate) (*Task, error)
	DeleteTask(ctx context.Context, userID, id int64) error
}

// AnalyticsService computes a user's figures.
type AnalyticsService interface {
	Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*Dashboard, error)
	Trends(ctx context.Context, userID int64, days int, now time.Time) (*Trends, error)
}

// Store is everything a storage adapter provides.
type Store interface {
	UserService
	MeetingService
	TaskService
	AnalyticsService
	TranscriptService
	// Ping checks the database, for /health.
	Ping(ctx context.Context) error
	Close() error
}
