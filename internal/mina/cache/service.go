package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Store is what Service decorates: the services whose reads it caches and whose writes
// invalidate them.
type Store interface {
	mina.MeetingService
	mina.TaskService
	mina.AnalyticsService
}

// Options configures a Service. Zero fields take defaults.
type Options struct {
	// Logger receives the backend's down and recovered transitions; default: discard.
	Logger *slog.Logger
	// RetryAfter is how long a failing backend is left alone before it is tried again;
	// default 1s.
	RetryAfter time.Duration
	// Now is the clock; default time.Now.
	Now func() time.Time
	// NoRecovery turns off the recovery of lost invalidations (see the package doc): a write
	// whose version bump could not reach the backend is then forgotten, and the entries it
	// should have invalidated are served until they expire. Only for showing that bug
	// (mina serve --no-cache-recovery); never in production.
	NoRecovery bool
	// MaxPending bounds how many users' lost invalidations are remembered one by one; beyond
	// it the cache is bypassed for a whole TTL after the backend recovers. Default 10000.
	MaxPending int
	// TTL is how long the backend keeps an entry (what a bypass after an overflow of
	// MaxPending lasts); default DefaultTTL.
	TTL time.Duration
}

// Names of the caches a Service keeps, as Stats reports them.
const (
	NameMeetings  = "meetings"  // meeting list pages
	NameMeeting   = "meeting"   // single meetings
	NameTasks     = "tasks"     // task list pages
	NameDashboard = "dashboard" // analytics dashboards
	NameTrends    = "trends"    // analytics trends
)

// names lists the caches in index order.
var names = [...]string{NameMeetings, NameMeeting, NameTasks, NameDashboard, NameTrends}

// Indexes into names and Service.counts.
const (
	idxMeetings = iota
	idxMeeting
	idxTasks
	idxDashboard
	idxTrends
)

// Service caches the reads of a Store as encoded JSON in a Backend and bumps the user's
// version on every write that may change them. It implements the mina service interfaces and
// their JSON twins (ListMeetingsJSON and so on), which return the cached bytes as they are and
// report whether they were a hit.
type Service struct {
	next       Store
	backend    Backend
	log        *slog.Logger
	retryAfter time.Duration
	now        func() time.Time
	counts     [len(names)]struct{ hits, misses atomic.Uint64 }
	down       atomic.Bool
	retryAt    atomic.Int64 // UnixNano before which the backend is bypassed
	recovery   *recovery    // nil with Options.NoRecovery
}

var (
	_ mina.MeetingService   = (*Service)(nil)
	_ mina.TaskService      = (*Service)(nil)
	_ mina.AnalyticsService = (*Service)(nil)
)

// New returns a Service caching next's reads in backend.
func New(next Store, backend Backend, o Options) *Service {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.MaxPending <= 0 {
		o.MaxPending = 10_000
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	s := &Service{next: next, backend: backend, log: o.Logger, retryAfter: o.RetryAfter, now: o.Now}
	if !o.NoRecovery {
		s.recovery = &recovery{pending: map[int64]struct{}{}, max: o.MaxPending, ttl: o.TTL}
	}
	return s
}

// Ping reports whether the backend can serve, for /health.
func (s *Service) Ping(ctx context.Context) error { return s.backend.Ping(ctx) }

// Stats returns the hits and misses of each cache since New.
func (s *Service) Stats() []Stat {
	out := make([]Stat, len(names))
	for i, n := range names {
		out[i] = Stat{Name: n, Hits: s.counts[i].hits.Load(), Misses: s.counts[i].misses.Load()}
	}
	return out
}

// ListMeetingsJSON returns a page of meetings as JSON and whether it came from the cache.
func (s *Service) ListMeetingsJSON(ctx context.Context, userID int64, p mina.Page) ([]byte, bool, error) {
	params := strconv.Itoa(p.Page) + ":" + strconv.Itoa(p.PerPage)
	return s.cached(ctx, idxMeetings, userID, params, func() (any, error) {
		l, err := s.next.ListMeetings(ctx, userID, p)
		if err == nil && l.Meetings == nil {
			l.Meetings = []mina.Meeting{}
		}
		return l, err
	})
}

// MeetingJSON returns a meeting as JSON and whether it came from the cache.
func (s *Service) MeetingJSON(ctx context.Context, userID, id int64) ([]byte, bool, error) {
	return s.cached(ctx, idxMeeting, userID, strconv.FormatInt(id, 10), func() (any, error) {
		return s.next.Meeting(ctx, userID, id)
	})
}

// ListTasksJSON returns a page of tasks as JSON and whether it came from the cache.
func (s *Service) ListTasksJSON(ctx context.Context, userID int64, f mina.TaskFilter) ([]byte, bool, error) {
	params := f.Status + ":" + strconv.FormatInt(f.MeetingID, 10) + ":" +
		strconv.Itoa(f.Page.Page) + ":" + strconv.Itoa(f.PerPage)
	return s.cached(ctx, idxTasks, userID, params, func() (any, error) {
		l, err := s.next.ListTasks(ctx, userID, f)
		if err == nil && l.Tasks == nil {
			l.Tasks = []mina.Task{}
		}
		return l, err
	})
}

// DashboardJSON returns a dashboard as JSON and whether it came from the cache. The key holds
// now's UTC date, so a cached dashboard is at most one TTL old and never from another day.
func (s *Service) DashboardJSON(ctx context.Context, userID int64, days int, now time.Time) ([]byte, bool, error) {
	params := strconv.Itoa(days) + ":" + now.UTC().Format(time.DateOnly)
	return s.cached(ctx, idxDashboard, userID, params, func() (any, error) {
		return s.next.Dashboard(ctx, userID, days, now)
	})
}

// TrendsJSON returns trends as JSON and whether they came from the cache (keyed as dashboards).
func (s *Service) TrendsJSON(ctx context.Context, userID int64, days int, now time.Time) ([]byte, bool, error) {
	params := strconv.Itoa(days) + ":" + now.UTC().Format(time.DateOnly)
	return s.cached(ctx, idxTrends, userID, params, func() (any, error) {
		t, err := s.next.Trends(ctx, userID, days, now)
		if err == nil && t.Points == nil {
			t.Points = []mina.TrendPoint{}
		}
		return t, err
	})
}

// cached returns the entry of cache idx for the user and params, loading and storing it on a
// miss. The version is read before load runs, so an entry can only be stored under a version
// that no later write has replaced when load started (see the package doc).
func (s *Service) cached(ctx context.Context, idx int, userID int64, params string, load func() (any, error)) ([]byte, bool, error) {
	key := ""
	if s.usable() && s.recovered(ctx) {
		scope := strconv.FormatInt(userID, 10)
		v, err := s.backend.Version(ctx, scope)
		if err == nil {
			key = names[idx] + ":" + scope + ":" + strconv.FormatUint(v, 10) + ":" + params
			var val []byte
			var ok bool
			if val, ok, err = s.backend.Get(ctx, key); err == nil && ok {
				s.succeeded()
				s.counts[idx].hits.Add(1)
				return val, true, nil
			}
		}
		if err != nil {
			s.failed(ctx, err)
			key = ""
		}
	}
	s.counts[idx].misses.Add(1)
	obj, err := load()
	if err != nil {
		return nil, false, err
	}
	val, err := json.Marshal(obj)
	if err != nil {
		return nil, false, fmt.Errorf("cache: encode %s: %w", names[idx], err)
	}
	if key != "" {
		if err := s.backend.Set(ctx, key, val); err != nil {
			s.failed(ctx, err)
		} else {
			s.succeeded()
		}
	}
	return val, false, nil
}

// RetryNow lets the next request try the backend at once instead of after RetryAfter: the
// backend is known to be back (mina's fault API cleared an injected outage).
func (s *Service) RetryNow() { s.retryAt.Store(0) }

// usable reports whether the backend should be asked: it has not failed within RetryAfter.
func (s *Service) usable() bool {
	return !s.down.Load() || s.now().UnixNano() >= s.retryAt.Load()
}

// failed records a backend error: the first one after a success is logged, and the backend is
// bypassed for RetryAfter. An error caused by the request's own cancellation says nothing
// about the backend and is ignored.
func (s *Service) failed(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	s.retryAt.Store(s.now().Add(s.retryAfter).UnixNano())
	if !s.down.Swap(true) {
		s.log.Warn("cache unavailable, serving from the store", "err", err, "retry_after", s.retryAfter)
	}
}

// succeeded records a backend success, logging the recovery after a failure.
func (s *Service) succeeded() {
	if s.down.Load() && s.down.Swap(false) {
		s.log.Info("cache available again")
	}
}

// invalidate bumps the user's version after a write. err is the write's result: a write that
// failed as invalid, not found or unauthorized changed nothing, so it keeps the cache warm.
func (s *Service) invalidate(ctx context.Context, userID int64, err error) {
	switch mina.ErrorCode(err) {
	case mina.EINVALID, mina.ENOTFOUND, mina.EUNAUTHORIZED:
		return
	}
	if !s.usable() {
		s.lost(userID)
		return
	}
	if berr := s.backend.Bump(ctx, strconv.FormatInt(userID, 10)); berr != nil {
		s.failed(ctx, berr)
		s.lost(userID)
		return
	}
	s.succeeded()
}

// decode unmarshals cached JSON into a new T, for the callers of the plain interfaces.
func decode[T any](b []byte, _ bool, err error) (*T, error) {
	if err != nil {
		return nil, err
	}
	v := new(T)
	if err := json.Unmarshal(b, v); err != nil {
		return nil, fmt.Errorf("cache: decode %T: %w", v, err)
	}
	return v, nil
}

// ListMeetings implements mina.MeetingService through the cache.
func (s *Service) ListMeetings(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
	return decode[mina.MeetingList](s.ListMeetingsJSON(ctx, userID, p))
}

// Meeting implements mina.MeetingService through the cache.
func (s *Service) Meeting(ctx context.Context, userID, id int64) (*mina.Meeting, error) {
	return decode[mina.Meeting](s.MeetingJSON(ctx, userID, id))
}

// CreateMeeting implements mina.MeetingService and invalidates the user's entries.
func (s *Service) CreateMeeting(ctx context.Context, m *mina.Meeting) error {
	err := s.next.CreateMeeting(ctx, m)
	s.invalidate(ctx, m.UserID, err)
	return err
}

// UpdateMeeting implements mina.MeetingService and invalidates the user's entries.
func (s *Service) UpdateMeeting(ctx context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
	m, err := s.next.UpdateMeeting(ctx, userID, id, u)
	s.invalidate(ctx, userID, err)
	return m, err
}

// DeleteMeeting implements mina.MeetingService and invalidates the user's entries.
func (s *Service) DeleteMeeting(ctx context.Context, userID, id int64) error {
	err := s.next.DeleteMeeting(ctx, userID, id)
	s.invalidate(ctx, userID, err)
	return err
}

// ListTasks implements mina.TaskService through the cache.
func (s *Service) ListTasks(ctx context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
	return decode[mina.TaskList](s.ListTasksJSON(ctx, userID, f))
}

// Task implements mina.TaskService; single tasks are not cached.
func (s *Service) Task(ctx context.Context, userID, id int64) (*mina.Task, error) {
	return s.next.Task(ctx, userID, id)
}

// CreateTask implements mina.TaskService and invalidates the user's entries (a meeting's task
// counts and the analytics change too).
func (s *Service) CreateTask(ctx context.Context, t *mina.Task) error {
	err := s.next.CreateTask(ctx, t)
	s.invalidate(ctx, t.UserID, err)
	return err
}

// UpdateTask implements mina.TaskService and invalidates the user's entries.
func (s *Service) UpdateTask(ctx context.Context, userID, id int64, u mina.TaskUpdate) (*mina.Task, error) {
	t, err := s.next.UpdateTask(ctx, userID, id, u)
	s.invalidate(ctx, userID, err)
	return t, err
}

// DeleteTask implements mina.TaskService and invalidates the user's entries.
func (s *Service) DeleteTask(ctx context.Context, userID, id int64) error {
	err := s.next.DeleteTask(ctx, userID, id)
	s.invalidate(ctx, userID, err)
	return err
}

// Dashboard implements mina.AnalyticsService through the cache.
func (s *Service) Dashboard(ctx context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
	return decode[mina.Dashboard](s.DashboardJSON(ctx, userID, days, now))
}

// Trends implements mina.AnalyticsService through the cache.
func (s *Service) Trends(ctx context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
	return decode[mina.Trends](s.TrendsJSON(ctx, userID, days, now))
}
