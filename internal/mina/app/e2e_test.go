package app_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// newMain opens the real wiring (SQLite in a temporary directory, the in-process cache unless
// edit sets Redis) on a free loopback port and closes it when the test ends.
func newMain(t *testing.T, edit func(*app.Main)) *app.Main {
	t.Helper()
	m := &app.Main{
		Config: app.Config{
			DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "mina.db"),
			CacheTTL:    time.Minute,
			TokenTTL:    time.Minute,
		},
		Addr:    "127.0.0.1:0",
		Migrate: true,
	}
	if edit != nil {
		edit(m)
	}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// user creates a user in m's store and returns its token.
func user(t *testing.T, m *app.Main, email string) string {
	t.Helper()
	_, token, err := m.DB.CreateUser(context.Background(), email, email)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// client sends requests to one server as one user.
type client struct {
	t     *testing.T
	base  string
	token string
}

// result is one response.
type result struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request with a JSON body (when body is not "").
func (c client) do(method, path, body string) result {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return result{res.StatusCode, res.Header, b}
}

// want checks the status and returns the result.
func (c client) want(status int, method, path, body string) result {
	c.t.Helper()
	r := c.do(method, path, body)
	if r.status != status {
		c.t.Fatalf("%s %s: status %d, want %d: %s", method, path, r.status, status, r.body)
	}
	return r
}

// decode unmarshals a response body.
func decode[T any](t *testing.T, r result) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(r.body, &v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
	return v
}

// The JSON shapes the tests read.
type (
	meeting struct {
		ID         int64  `json:"id"`
		Title      string `json:"title"`
		TaskCounts struct {
			Pending, Done, Total int
		} `json:"task_counts"`
	}
	meetingList struct {
		Meetings []meeting `json:"meetings"`
		Total    int       `json:"total"`
		Page     int       `json:"page"`
		PerPage  int       `json:"per_page"`
	}
	task struct {
		ID        int64  `json:"id"`
		MeetingID int64  `json:"meeting_id"`
		Status    string `json:"status"`
	}
	taskList struct {
		Tasks []task `json:"tasks"`
		Total int    `json:"total"`
	}
	errorBody struct {
		Error struct{ Code, Message, Field string } `json:"error"`
	}
)

// xcache checks a response's X-Cache header.
func xcache(t *testing.T, r result, want string) {
	t.Helper()
	if got := r.header.Get("X-Cache"); got != want {
		t.Fatalf("X-Cache %q, want %q (body %s)", got, want, r.body)
	}
}

// testAPI runs the whole API against a server: every endpoint, auth, ownership, the cache
// and its invalidation.
func testAPI(t *testing.T, m *app.Main) {
	alice := client{t, m.URL(), user(t, m, "alice@example.com")}
	bob := client{t, m.URL(), user(t, m, "bob@example.com")}
	anon := client{t, m.URL(), ""}

	// Authentication.
	anon.want(401, "GET", "/api/meetings", "")
	client{t, m.URL(), "not-a-token"}.want(401, "GET", "/api/meetings", "")

	// An empty list: a miss, then a hit.
	r := alice.want(200, "GET", "/api/meetings", "")
	xcache(t, r, "MISS")
	if l := decode[meetingList](t, r); l.Total != 0 || l.Meetings == nil || l.Page != 1 || l.PerPage != 20 {
		t.Fatalf("empty list %s", r.body)
	}
	xcache(t, alice.want(200, "GET", "/api/meetings", ""), "HIT")

	// Create: 201 with Location; the list is invalidated and shows it.
	r = alice.want(201, "POST", "/api/meetings", `{"title":"Planning","description":"Q3","starts_at":"2026-03-02T09:00:00Z","duration_minutes":45}`)
	mt := decode[meeting](t, r)
	if mt.ID == 0 || mt.Title != "Planning" || r.header.Get("Location") != fmt.Sprintf("/api/meetings/%d", mt.ID) {
		t.Fatalf("create: %v %s", r.header, r.body)
	}
	r = alice.want(200, "GET", "/api/meetings", "")
	xcache(t, r, "MISS")
	if l := decode[meetingList](t, r); l.Total != 1 || l.Meetings[0].ID != mt.ID {
		t.Fatalf("list after create %s", r.body)
	}
	xcache(t, alice.want(200, "GET", "/api/meetings", ""), "HIT")
	item := fmt.Sprintf("/api/meetings/%d", mt.ID)

	// Another user's meeting does not exist for them, whatever the method; their list is empty.
	bob.want(404, "GET", item, "")
	bob.want(404, "PUT", item, `{"title":"mine now"}`)
	bob.want(404, "DELETE", item, "")
	if l := decode[meetingList](t, bob.want(200, "GET", "/api/meetings", "")); l.Total != 0 {
		t.Fatalf("bob sees %d meetings", l.Total)
	}

	// Get and update.
	xcache(t, alice.want(200, "GET", item, ""), "MISS")
	xcache(t, alice.want(200, "GET", item, ""), "HIT")
	if got := decode[meeting](t, alice.want(200, "PUT", item, `{"title":"Planning v2"}`)); got.Title != "Planning v2" {
		t.Fatalf("update returned %+v", got)
	}
	r = alice.want(200, "GET", item, "")
	xcache(t, r, "MISS")
	if got := decode[meeting](t, r); got.Title != "Planning v2" {
		t.Fatalf("get after update %s", r.body)
	}

	// Tasks: create in one's own meeting only; list by status; update; the meeting's counts follow.
	bob.want(404, "POST", "/api/tasks", fmt.Sprintf(`{"meeting_id":%d,"title":"sneak"}`, mt.ID))
	r = alice.want(201, "POST", "/api/tasks", fmt.Sprintf(`{"meeting_id":%d,"title":"Send notes"}`, mt.ID))
	tk := decode[task](t, r)
	if tk.Status != "pending" || tk.MeetingID != mt.ID {
		t.Fatalf("task %s", r.body)
	}
	taskPath := fmt.Sprintf("/api/tasks/%d", tk.ID)
	if got := decode[meeting](t, alice.want(200, "GET", item, "")); got.TaskCounts.Pending != 1 || got.TaskCounts.Total != 1 {
		t.Fatalf("meeting counts after task create: %+v", got.TaskCounts)
	}
	if l := decode[taskList](t, alice.want(200, "GET", "/api/tasks?status=pending", "")); l.Total != 1 || l.Tasks[0].ID != tk.ID {
		t.Fatalf("pending tasks %+v", l)
	}
	bob.want(404, "GET", taskPath, "")
	alice.want(200, "GET", taskPath, "")
	if got := decode[task](t, alice.want(200, "PUT", taskPath, `{"status":"done"}`)); got.Status != "done" {
		t.Fatalf("task update %+v", got)
	}
	if l := decode[taskList](t, alice.want(200, "GET", "/api/tasks?status=pending", "")); l.Total != 0 {
		t.Fatalf("pending after done: %+v", l)
	}
	if l := decode[taskList](t, alice.want(200, fmt.Sprintf("GET"), fmt.Sprintf("/api/tasks?status=done&meeting_id=%d", mt.ID), "")); l.Total != 1 {
		t.Fatalf("done tasks %+v", l)
	}

	// Analytics: cached, and invalidated by a write.
	xcache(t, alice.want(200, "GET", "/api/analytics/dashboard?days=7", ""), "MISS")
	xcache(t, alice.want(200, "GET", "/api/analytics/dashboard?days=7", ""), "HIT")
	r = alice.want(200, "GET", "/api/analytics/trends?days=30", "")
	if tr := decode[struct {
		Days   int   `json:"days"`
		Points []any `json:"points"`
	}](t, r); tr.Days != 30 || len(tr.Points) != 30 {
		t.Fatalf("trends: %s", r.body)
	}
	alice.want(204, "DELETE", taskPath, "")
	alice.want(404, "GET", taskPath, "")
	xcache(t, alice.want(200, "GET", "/api/analytics/dashboard?days=7", ""), "MISS")

	// Errors, each naming its field where there is one.
	for _, tt := range []struct {
		method, path, body string
		status             int
		field              string
	}{
		{"GET", "/api/meetings?per_page=101", "", 400, "per_page"},
		{"GET", "/api/meetings?page=0", "", 400, "page"},
		{"GET", "/api/tasks?status=someday", "", 400, "status"},
		{"GET", "/api/analytics/dashboard?days=400", "", 400, "days"},
		{"POST", "/api/meetings", `{"title":""}`, 400, "title"},
		{"POST", "/api/meetings", `{"title":"x","starts_at":"2026-03-02T09:00:00Z","duration_minutes":30,"room":1}`, 400, "room"},
		{"POST", "/api/meetings", `{"title":`, 400, ""},
		{"POST", "/api/meetings", `{"title":"` + strings.Repeat("a", 100<<10) + `"}`, 413, ""},
		{"PUT", item, `{"duration_minutes":-5}`, 400, "duration_minutes"},
		{"GET", "/api/meetings/999999", "", 404, ""},
		{"DELETE", "/api/meetings", "", 405, ""},
	} {
		r := alice.want(tt.status, tt.method, tt.path, tt.body)
		if e := decode[errorBody](t, r); e.Error.Field != tt.field || e.Error.Message == "" {
			t.Fatalf("%s %s: error %s, want field %q", tt.method, tt.path, r.body, tt.field)
		}
	}

	// Delete: 204, then gone from the list (invalidated) and from the store.
	alice.want(204, "DELETE", item, "")
	alice.want(404, "GET", item, "")
	r = alice.want(200, "GET", "/api/meetings", "")
	xcache(t, r, "MISS")
	if l := decode[meetingList](t, r); l.Total != 0 {
		t.Fatalf("list after delete %s", r.body)
	}

	// Pages and health.
	for _, p := range []string{"/", "/dashboard", "/settings"} {
		if r := anon.want(200, "GET", p, ""); !strings.Contains(r.header.Get("Content-Type"), "text/html") || !strings.Contains(string(r.body), "</html>") {
			t.Fatalf("%s: %v %.100s", p, r.header, r.body)
		}
	}
	anon.want(200, "GET", "/static/app.css", "")
	if r := anon.want(200, "GET", "/health", ""); !strings.Contains(string(r.body), `"status":"ok"`) {
		t.Fatalf("health %s", r.body)
	}
}

func TestAPISQLite(t *testing.T) {
	t.Parallel()
	testAPI(t, newMain(t, nil))
}

// testRedisURL returns the test Redis or skips.
func testRedisURL(t *testing.T) string {
	u := os.Getenv("MINA_TEST_REDIS_URL")
	if u == "" {
		t.Skip("MINA_TEST_REDIS_URL not set")
	}
	return u
}

func TestAPISQLiteRedis(t *testing.T) {
	t.Parallel()
	u := testRedisURL(t)
	b := make([]byte, 8)
	rand.Read(b)
	prefix := "minatest:" + hex.EncodeToString(b) + ":"
	t.Cleanup(func() {
		opts, _ := redis.ParseURL(u)
		c := redis.NewClient(opts)
		defer c.Close()
		ctx := context.Background()
		iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
		n := 0
		for iter.Next(ctx) {
			c.Del(ctx, iter.Val())
			n++
		}
		if n == 0 {
			t.Error("no key with the test's prefix in Redis: the cache did not use it")
		}
	})
	testAPI(t, newMain(t, func(m *app.Main) { m.Config.RedisURL, m.Config.RedisPrefix = u, prefix }))
}

func TestHealthStoreClosed(t *testing.T) {
	t.Parallel()
	m := newMain(t, nil)
	c := client{t, m.URL(), ""}
	c.want(200, "GET", "/health", "")
	m.DB.Close()
	r := c.want(503, "GET", "/health", "")
	if !strings.Contains(string(r.body), `"down":["database"]`) || !strings.Contains(string(r.body), `"cache":"ok"`) {
		t.Fatalf("health %s", r.body)
	}
}

func TestRedisUnreachable(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1: the cache is down from the start.
	m := newMain(t, func(m *app.Main) { m.Config.RedisURL = "redis://127.0.0.1:1/0" })
	c := client{t, m.URL(), user(t, m, "carol@example.com")}
	r := c.want(503, "GET", "/health", "")
	if !strings.Contains(string(r.body), `"down":["cache"]`) || !strings.Contains(string(r.body), `"database":"ok"`) {
		t.Fatalf("health %s", r.body)
	}
	// Reads and writes still work, from the store.
	for range 3 {
		xcache(t, c.want(200, "GET", "/api/meetings", ""), "MISS")
	}
	c.want(201, "POST", "/api/meetings", `{"title":"t","starts_at":"2026-03-02T09:00:00Z","duration_minutes":5}`)
	if l := decode[meetingList](t, c.want(200, "GET", "/api/meetings", "")); l.Total != 1 {
		t.Fatalf("list %+v", l)
	}
}

func TestMetricsEndToEnd(t *testing.T) {
	t.Parallel()
	m := newMain(t, nil)
	c := client{t, m.URL(), user(t, m, "dan@example.com")}
	c.want(200, "GET", "/api/meetings", "")
	c.want(200, "GET", "/api/meetings", "")
	body := string(c.want(200, "GET", "/metrics", "").body)
	for _, want := range []string{
		`mina_http_request_duration_seconds_bucket{route="GET /api/meetings",status="200",le="+Inf"} 2`,
		"mina_db_pool_open_connections ",
		"mina_db_pool_in_use_connections ",
		"mina_db_pool_idle_connections ",
		"mina_db_pool_wait_count_total ",
		"mina_db_pool_wait_duration_seconds_total ",
		`mina_cache_hits_total{cache="meetings"} 1`,
		`mina_cache_misses_total{cache="meetings"} 1`,
		`mina_cache_hits_total{cache="tokens"} 1`,
		"go_memstats_heap_alloc_bytes ",
		"process_cpu_seconds_total ",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func TestGracefulClose(t *testing.T) {
	t.Parallel()
	// Every request to /api/analytics takes 300ms: Close must wait for one in flight.
	m := newMain(t, func(m *app.Main) {
		m.Fault.Latency, m.Fault.Route = 300*time.Millisecond, "/api/analytics"
	})
	c := client{t, m.URL(), user(t, m, "erin@example.com")}
	done := make(chan result, 1)
	go func() {
		// Not c.want: t.Fatal must not run outside the test's goroutine.
		req, _ := http.NewRequest("GET", m.URL()+"/api/analytics/dashboard", nil)
		req.Header.Set("Authorization", "Bearer "+c.token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			done <- result{status: -1, body: []byte(err.Error())}
			return
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		done <- result{status: res.StatusCode, body: b}
	}()
	time.Sleep(100 * time.Millisecond) // the request is now sleeping in the fault
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.status != 200 || !strings.Contains(string(r.body), `"days":7`) {
		t.Fatalf("in-flight request during Close: %d %s", r.status, r.body)
	}
	if _, err := http.Get(m.URL() + "/health"); err == nil {
		t.Fatal("server still accepts connections after Close")
	}
}
