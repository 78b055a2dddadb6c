package api_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/mock"
)

// fixedNow is the clock of every test server.
var fixedNow = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

// goodToken authenticates as user 1; every other token is rejected.
const goodToken = "tok-1"

// newStore returns a mock store that knows goodToken and answers empty reads, recording the
// arguments of the last list call.
func newStore() (*mock.Store, *calls) {
	c := &calls{}
	s := &mock.Store{
		UserByTokenFn: func(_ context.Context, token string) (*mina.User, error) {
			if token != goodToken {
				return nil, mina.Errorf(mina.EUNAUTHORIZED, "invalid API token")
			}
			return &mina.User{ID: 1, Email: "ada@example.com"}, nil
		},
		ListMeetingsFn: func(_ context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
			c.set(func() { c.page = p })
			return &mina.MeetingList{Page: p.Page, PerPage: p.PerPage}, nil
		},
		ListTasksFn: func(_ context.Context, userID int64, f mina.TaskFilter) (*mina.TaskList, error) {
			c.set(func() { c.filter = f })
			return &mina.TaskList{Page: f.Page.Page, PerPage: f.PerPage}, nil
		},
		MeetingFn: func(_ context.Context, userID, id int64) (*mina.Meeting, error) {
			if id != 7 {
				return nil, mina.Errorf(mina.ENOTFOUND, "meeting %d not found", id)
			}
			return &mina.Meeting{ID: 7, UserID: userID, Title: "standup"}, nil
		},
		CreateMeetingFn: func(_ context.Context, m *mina.Meeting) error {
			c.set(func() { c.meeting = *m })
			m.ID = 99
			return nil
		},
		CreateTaskFn: func(_ context.Context, t *mina.Task) error {
			c.set(func() { c.task = *t })
			t.ID = 5
			return nil
		},
		DashboardFn: func(_ context.Context, userID int64, days int, now time.Time) (*mina.Dashboard, error) {
			c.set(func() { c.days = days })
			return &mina.Dashboard{Days: days}, nil
		},
		TrendsFn: func(_ context.Context, userID int64, days int, now time.Time) (*mina.Trends, error) {
			c.set(func() { c.days = days })
			return &mina.Trends{Days: days}, nil
		},
	}
	return s, c
}

// calls records what the handlers passed to the store.
type calls struct {
	mu      sync.Mutex
	page    mina.Page
	filter  mina.TaskFilter
	meeting mina.Meeting
	task    mina.Task
	days    int
}

func (c *calls) set(f func()) { c.mu.Lock(); f(); c.mu.Unlock() }

// newServer starts the handler over store on a real listener.
func newServer(t *testing.T, store mina.Store, edit func(*api.Config)) *httptest.Server {
	t.Helper()
	cfg := api.Config{Users: store, Meetings: store, Tasks: store, Analytics: store,
		Now: func() time.Time { return fixedNow }}
	if edit != nil {
		edit(&cfg)
	}
	h, err := api.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// response is what do returns.
type response struct {
	status int
	header http.Header
	body   string
}

// do sends one request; token "" sends no Authorization header.
func do(t *testing.T, srv *httptest.Server, method, path, token, body string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{status: res.StatusCode, header: res.Header, body: string(b)}
}

// apiError decodes an error body, failing the test when it is not one.
func apiError(t *testing.T, r response) api.ErrorDetail {
	t.Helper()
	if ct := r.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type %q, want application/json; body %s", ct, r.body)
	}
	var e api.ErrorBody
	if err := json.Unmarshal([]byte(r.body), &e); err != nil || e.Error.Code == "" {
		t.Fatalf("not a JSON error body: %s (%v)", r.body, err)
	}
	return e.Error
}

func TestAuth(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	srv := newServer(t, store, nil)
	tests := []struct {
		name, header string
		want         int
	}{
		{"NoHeader", "", 401},                           // no credentials at all
		{"WrongScheme", "Basic dXNlcjpwYXNz", 401},      // not a bearer token
		{"EmptyToken", "Bearer ", 401},                  // scheme without a token
		{"UnknownToken", "Bearer nope", 401},            // the store does not know it
		{"Good", "Bearer " + goodToken, 200},            // the store's user
		{"LowercaseScheme", "bearer " + goodToken, 200}, // schemes are case-insensitive (RFC 7235)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequest("GET", srv.URL+"/api/meetings", nil)
			if tt.header != "" {
				req.Header.Set("Authorization", tt.header)
			}
			res, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.want {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tt.want, b)
			}
			if tt.want == 401 {
				e := apiError(t, response{status: res.StatusCode, header: res.Header, body: string(b)})
				if e.Code != mina.EUNAUTHORIZED || res.Header.Get("WWW-Authenticate") == "" {
					t.Fatalf("401 without code unauthorized and WWW-Authenticate: %s %v", b, res.Header)
				}
			}
		})
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, query string
		want        mina.Page // zero: expect a 400
		field       string
	}{
		{"Defaults", "", mina.Page{Page: 1, PerPage: 20}, ""},                    // page 1, 20 per page
		{"Explicit", "?page=3&per_page=50", mina.Page{Page: 3, PerPage: 50}, ""}, // as asked
		{"MaxPerPage", "?per_page=100", mina.Page{Page: 1, PerPage: 100}, ""},    // the upper bound itself
		{"PerPageTooLarge", "?per_page=101", mina.Page{}, "per_page"},            // above the bound
		{"PerPageZero", "?per_page=0", mina.Page{}, "per_page"},                  // below 1
		{"PageZero", "?page=0", mina.Page{}, "page"},                             // pages count from 1
		{"PageNegative", "?page=-2", mina.Page{}, "page"},                        // negative
		{"PageNotANumber", "?page=two", mina.Page{}, "page"},                     // not an integer
		{"PerPageFloat", "?per_page=2.5", mina.Page{}, "per_page"},               // not an integer
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, c := newStore()
			srv := newServer(t, store, nil)
			for _, path := range []string{"/api/meetings", "/api/tasks"} {
				r := do(t, srv, "GET", path+tt.query, goodToken, "")
				if tt.field != "" {
					if e := apiError(t, r); r.status != 400 || e.Field != tt.field {
						t.Fatalf("%s: status %d field %q, want 400 naming %q: %s", path, r.status, e.Field, tt.field, r.body)
					}
					continue
				}
				if r.status != 200 {
					t.Fatalf("%s: status %d: %s", path, r.status, r.body)
				}
			}
			if tt.field == "" && (c.page != tt.want || c.filter.Page != tt.want) {
				t.Fatalf("store got pages %+v and %+v, want %+v", c.page, c.filter.Page, tt.want)
			}
		})
	}
}

func TestListBodies(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	srv := newServer(t, store, nil)
	// A store's nil slice is an empty JSON array, never null: clients iterate over it.
	r := do(t, srv, "GET", "/api/meetings", goodToken, "")
	if r.body != `{"meetings":[],"page":1,"per_page":20,"total":0}` {
		t.Fatalf("body %s", r.body)
	}
	r = do(t, srv, "GET", "/api/tasks", goodToken, "")
	if r.body != `{"tasks":[],"page":1,"per_page":20,"total":0}` {
		t.Fatalf("body %s", r.body)
	}
}

func TestCreateMeetingValidation(t *testing.T) {
	t.Parallel()
	big := `{"title":"` + strings.Repeat("x", 70<<10) + `"}`
	tests := []struct {
		name, body string
		status     int
		field      string
	}{
		{"Valid", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, 201, ""},                                         // every field right
		{"DurationAsString", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":"45"}`, 201, ""},                            // templated bodies send strings
		{"MissingTitle", `{"starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, 400, "title"},                                         // required
		{"BlankTitle", `{"title":"  ","starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, 400, "title"},                              // whitespace only
		{"LongTitle", `{"title":"` + strings.Repeat("é", 201) + `","starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, 400, "title"}, // 201 characters
		{"TitleNumber", `{"title":5,"starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, 400, "title"},                                // wrong JSON type
		{"MissingStartsAt", `{"title":"t","duration_minutes":30}`, 400, "starts_at"},                                                         // required
		{"BadStartsAt", `{"title":"t","starts_at":"tomorrow","duration_minutes":30}`, 400, "starts_at"},                                      // not RFC 3339
		{"DurationZero", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":0}`, 400, "duration_minutes"},                   // below 1
		{"DurationTooLong", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":1441}`, 400, "duration_minutes"},             // above a day
		{"DurationWord", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":"long"}`, 400, "duration_minutes"},              // not a number
		{"DurationFraction", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":1.5}`, 400, "duration_minutes"},             // not an integer
		{"UnknownField", `{"title":"t","color":"red"}`, 400, "color"},                                                                        // unknown fields are errors
		{"Malformed", `{"title":`, 400, ""}, // truncated JSON
		{"Garbage", `title=t`, 400, ""},     // not JSON at all
		{"Empty", ``, 400, ""},              // no body
		{"Array", `[1,2]`, 400, ""},         // not an object
		{"Trailing", `{"title":"t","starts_at":"2026-03-01T09:00:00Z","duration_minutes":30} {}`, 400, ""}, // two values
		{"TooLarge", big, 413, ""}, // above 64 KiB
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, c := newStore()
			srv := newServer(t, store, nil)
			r := do(t, srv, "POST", "/api/meetings", goodToken, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status == 201 {
				if r.header.Get("Location") != "/api/meetings/99" || !strings.Contains(r.body, `"id":99`) {
					t.Fatalf("201 without Location or id: %v %s", r.header, r.body)
				}
				if c.meeting.UserID != 1 || c.meeting.Title != "t" || !c.meeting.StartsAt.Equal(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)) {
					t.Fatalf("store got %+v", c.meeting)
				}
				return
			}
			e := apiError(t, r)
			if e.Field != tt.field || e.Message == "" {
				t.Fatalf("field %q, want %q: %s", e.Field, tt.field, r.body)
			}
		})
	}
}

func TestTasksValidation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, method, path, body string
		status                   int
		field                    string
	}{
		{"ListByStatus", "GET", "/api/tasks?status=pending&meeting_id=3", "", 200, ""},                        // both filters
		{"ListBadStatus", "GET", "/api/tasks?status=later", "", 400, "status"},                                // not a status
		{"ListBadMeeting", "GET", "/api/tasks?meeting_id=x", "", 400, "meeting_id"},                           // not an id
		{"Create", "POST", "/api/tasks", `{"meeting_id":3,"title":"write notes"}`, 201, ""},                   // status defaults to pending
		{"CreateIDAsString", "POST", "/api/tasks", `{"meeting_id":"3","title":"x"}`, 201, ""},                 // templated bodies send strings
		{"CreateNoMeeting", "POST", "/api/tasks", `{"title":"x"}`, 400, "meeting_id"},                         // required
		{"CreateBadStatus", "POST", "/api/tasks", `{"meeting_id":3,"title":"x","status":"?"}`, 400, "status"}, // not a status
		{"CreateBadDue", "POST", "/api/tasks", `{"meeting_id":3,"title":"x","due_at":"soon"}`, 400, "due_at"}, // not RFC 3339
		{"UpdateMovesMeeting", "PUT", "/api/tasks/5", `{"meeting_id":4}`, 400, "meeting_id"},                  // tasks do not move
		{"UpdateBadStatus", "PUT", "/api/tasks/5", `{"status":"finished"}`, 400, "status"},                    // not a status
		{"BadID", "GET", "/api/tasks/abc", "", 400, "id"},                                                     // ids are integers
		{"ZeroID", "DELETE", "/api/tasks/0", "", 400, "id"},                                                   // ids start at 1
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, c := newStore()
			srv := newServer(t, store, nil)
			r := do(t, srv, tt.method, tt.path, goodToken, tt.body)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status >= 400 {
				if e := apiError(t, r); e.Field != tt.field {
					t.Fatalf("field %q, want %q: %s", e.Field, tt.field, r.body)
				}
				return
			}
			switch tt.name {
			case "ListByStatus":
				if c.filter.Status != "pending" || c.filter.MeetingID != 3 {
					t.Fatalf("store got filter %+v", c.filter)
				}
			case "Create":
				if c.task.Status != mina.StatusPending || c.task.MeetingID != 3 || c.task.UserID != 1 {
					t.Fatalf("store got task %+v", c.task)
				}
				if r.header.Get("Location") != "/api/tasks/5" {
					t.Fatalf("Location %q", r.header.Get("Location"))
				}
			}
		})
	}
}

func TestAnalyticsDays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path string
		want       int // 0: expect 400 naming days
	}{
		{"DashboardDefault", "/api/analytics/dashboard", 7},        // the seed's default week
		{"DashboardMax", "/api/analytics/dashboard?days=365", 365}, // a year
		{"DashboardZero", "/api/analytics/dashboard?days=0", 0},    // below 1
		{"DashboardTooMany", "/api/analytics/dashboard?days=366", 0},
		{"TrendsDefault", "/api/analytics/trends", 30}, // the seed's default month
		{"TrendsOne", "/api/analytics/trends?days=1", 1},
		{"TrendsWord", "/api/analytics/trends?days=week", 0}, // not a number
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, c := newStore()
			srv := newServer(t, store, nil)
			r := do(t, srv, "GET", tt.path, goodToken, "")
			if tt.want == 0 {
				if e := apiError(t, r); r.status != 400 || e.Field != "days" {
					t.Fatalf("status %d field %q: %s", r.status, e.Field, r.body)
				}
				return
			}
			if r.status != 200 || c.days != tt.want {
				t.Fatalf("status %d, store days %d, want %d: %s", r.status, c.days, tt.want, r.body)
			}
		})
	}
}

func TestNotFoundAndMethods(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	store.DeleteMeetingFn = func(context.Context, int64, int64) error { return nil }
	srv := newServer(t, store, nil)
	tests := []struct {
		name, method, path string
		status             int
		allow              string
	}{
		{"MeetingFound", "GET", "/api/meetings/7", 200, ""},                    // the store has it
		{"MeetingMissing", "GET", "/api/meetings/8", 404, ""},                  // the store says not found
		{"Delete", "DELETE", "/api/meetings/7", 204, ""},                       // no content
		{"UnknownPath", "GET", "/api/nothing", 404, ""},                        // no such route
		{"ListWrongMethod", "DELETE", "/api/meetings", 405, "GET, HEAD, POST"}, // method not allowed
		{"ItemWrongMethod", "POST", "/api/meetings/7", 405, "DELETE, GET, HEAD, PUT"},
		{"HealthWrongMethod", "POST", "/health", 405, "GET, HEAD"},
		{"IndexWrongMethod", "DELETE", "/", 405, "GET, HEAD"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := do(t, srv, tt.method, tt.path, goodToken, "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			if tt.status >= 400 {
				apiError(t, r)
			}
			if r.header.Get("Allow") != tt.allow {
				t.Fatalf("Allow %q, want %q", r.header.Get("Allow"), tt.allow)
			}
		})
	}
}

func TestInternalErrorHidden(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	store.ListMeetingsFn = func(context.Context, int64, mina.Page) (*mina.MeetingList, error) {
		return nil, errors.New("pq: password authentication failed for user secret")
	}
	srv := newServer(t, store, nil)
	r := do(t, srv, "GET", "/api/meetings", goodToken, "")
	if e := apiError(t, r); r.status != 500 || e.Code != mina.EINTERNAL || strings.Contains(r.body, "secret") {
		t.Fatalf("status %d: %s", r.status, r.body)
	}
}

func TestHealth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		cacheErr error
		status   int
		body     []string
	}{
		{"AllUp", nil, 200, []string{`"status":"ok"`, `"database":"ok"`, `"cache":"ok"`}},
		{"CacheDown", errors.New("connection refused"), 503, []string{`"status":"unavailable"`, `"down":["cache"]`, `connection refused`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore()
			srv := newServer(t, store, func(c *api.Config) {
				c.Checks = []api.Check{
					{Name: "database", Ping: store.Ping},
					{Name: "cache", Ping: func(context.Context) error { return tt.cacheErr }},
				}
			})
			r := do(t, srv, "GET", "/health", "", "")
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			for _, s := range tt.body {
				if !strings.Contains(r.body, s) {
					t.Fatalf("body lacks %s: %s", s, r.body)
				}
			}
		})
	}
}

func TestPages(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	srv := newServer(t, store, nil)
	tests := []struct{ path, contentType, contains string }{
		{"/", "text/html; charset=utf-8", "<html"},
		{"/dashboard", "text/html; charset=utf-8", "<h1>Dashboard</h1>"},
		{"/settings", "text/html; charset=utf-8", "<h1>Settings</h1>"},
		{"/static/app.css", "text/css; charset=utf-8", "body {"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			r := do(t, srv, "GET", tt.path, "", "")
			if r.status != 200 || r.header.Get("Content-Type") != tt.contentType || !strings.Contains(r.body, tt.contains) {
				t.Fatalf("status %d type %q body %.200s", r.status, r.header.Get("Content-Type"), r.body)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	srv := newServer(t, store, func(c *api.Config) {
		c.PoolStats = func() api.PoolStats { return api.PoolStats{Open: 3, InUse: 1, Idle: 2, WaitCount: 4} }
		c.CacheStats = func() []api.CacheStat { return []api.CacheStat{{Name: "meetings", Hits: 5, Misses: 6}} }
	})
	do(t, srv, "GET", "/api/meetings", goodToken, "")
	do(t, srv, "GET", "/api/meetings/8", goodToken, "")
	do(t, srv, "GET", "/nowhere", "", "")
	r := do(t, srv, "GET", "/metrics", "", "")
	if r.status != 200 {
		t.Fatalf("status %d", r.status)
	}
	for _, want := range []string{
		`mina_http_request_duration_seconds_count{route="GET /api/meetings",status="200"} 1`,
		`mina_http_request_duration_seconds_count{route="GET /api/meetings/{id}",status="404"} 1`,
		`mina_http_request_duration_seconds_count{route="/",status="404"} 1`,
		"mina_db_pool_open_connections 3",
		"mina_db_pool_in_use_connections 1",
		"mina_db_pool_idle_connections 2",
		"mina_db_pool_wait_count_total 4",
		"mina_db_pool_wait_duration_seconds_total 0",
		`mina_cache_hits_total{cache="meetings"} 5`,
		`mina_cache_misses_total{cache="meetings"} 6`,
		"go_goroutines",
		"process_resident_memory_bytes",
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
