package app_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// TestAdminFaults drives the admin fault API of a real server: each kind of fault does what
// it says from a client's point of view, and clearing it restores normal service.
func TestAdminFaults(t *testing.T) {
	t.Parallel()
	off := newMain(t, nil)
	client{t, off.URL(), "secret"}.want(404, "GET", "/admin/faults", "") // no --admin-token: no API

	m := newMain(t, func(m *app.Main) { m.AdminToken = "secret" })
	admin := client{t, m.URL(), "secret"}
	alice := client{t, m.URL(), user(t, m, "alice@example.com")}
	alice.want(401, "GET", "/admin/faults", "") // a user's token is not the admin token
	client{t, m.URL(), ""}.want(401, "PUT", "/admin/faults/x", `{"latency":"1s"}`)

	for _, bad := range []struct{ body, want string }{
		{`{}`, "injects nothing"},
		{`{"latency":"soon"}`, `soon`},
		{`{"error_rate":2}`, "error_rate 2"},
		{`{"db_connection_loss":true}`, "not supported"}, // SQLite has no server sessions
		{`{"latency":"1s","colour":"red"}`, "colour"},
	} {
		if r := admin.want(400, "PUT", "/admin/faults/bad", bad.body); !strings.Contains(string(r.body), bad.want) {
			t.Fatalf("PUT %s: %s lacks %q", bad.body, r.body, bad.want)
		}
	}

	timed := func(c client, path string) (result, time.Duration) {
		start := time.Now()
		r := c.do("GET", path, "")
		return r, time.Since(start)
	}

	// Latency on a route prefix only.
	admin.want(200, "PUT", "/admin/faults/slow", `{"latency":"300ms","route":"/api/meetings"}`)
	if _, d := timed(alice, "/api/meetings"); d < 300*time.Millisecond {
		t.Fatalf("/api/meetings took %v with a 300ms latency fault", d)
	}
	if _, d := timed(alice, "/api/tasks"); d >= 300*time.Millisecond {
		t.Fatalf("/api/tasks took %v: the fault's route is /api/meetings", d)
	}
	if r := admin.want(200, "GET", "/admin/faults", ""); !strings.Contains(string(r.body), `"name":"slow"`) {
		t.Fatalf("GET /admin/faults: %s", r.body)
	}
	admin.want(204, "DELETE", "/admin/faults/slow", "")
	admin.want(404, "DELETE", "/admin/faults/slow", "")
	if _, d := timed(alice, "/api/meetings"); d >= 300*time.Millisecond {
		t.Fatalf("/api/meetings took %v after the fault was cleared", d)
	}

	// Errors: 503 with Retry-After; /health and /metrics are not faulted... /metrics never is.
	admin.want(200, "PUT", "/admin/faults/errors", `{"error_rate":1}`)
	if r := alice.want(503, "GET", "/api/meetings", ""); r.header.Get("Retry-After") == "" || r.header.Get("X-Fault-Injected") != "error" {
		t.Fatalf("injected 503 headers: %v", r.header)
	}
	alice.want(200, "GET", "/metrics", "")
	admin.want(200, "GET", "/admin/faults", "")
	admin.want(204, "DELETE", "/admin/faults", "")
	alice.want(200, "GET", "/api/meetings", "")

	// A slow database: every store call waits.
	admin.want(200, "PUT", "/admin/faults/db", `{"db_latency":"250ms"}`)
	if _, d := timed(alice, "/api/tasks?status=done"); d < 250*time.Millisecond {
		t.Fatalf("a read took %v with a 250ms db_latency", d)
	}
	admin.want(204, "DELETE", "/admin/faults/db", "")

	// A cache outage: reads bypass the cache, and an update made during it is never served
	// stale afterwards.
	id := decode[meeting](t, alice.want(201, "POST", "/api/meetings", `{"title":"before","starts_at":"2026-03-01T10:00:00Z","duration_minutes":30}`)).ID
	path := "/api/meetings/" + itoa(id)
	alice.want(200, "GET", path, "")
	xcache(t, alice.want(200, "GET", path, ""), "HIT")
	admin.want(200, "PUT", "/admin/faults/cache", `{"cache_outage":true}`)
	alice.want(200, "PUT", path, `{"title":"after"}`)
	r := alice.want(200, "GET", path, "")
	xcache(t, r, "MISS")
	admin.want(204, "DELETE", "/admin/faults/cache", "")
	for range 3 {
		if got := decode[meeting](t, alice.want(200, "GET", path, "")); got.Title != "after" {
			t.Fatalf("after the cache outage the meeting reads %q, want \"after\"", got.Title)
		}
	}
}

// TestAdminCacheOutageNoRecovery shows the stale-cache bug that --no-cache-recovery keeps:
// the same steps as above read the old title as a hit.
func TestAdminCacheOutageNoRecovery(t *testing.T) {
	t.Parallel()
	m := newMain(t, func(m *app.Main) { m.AdminToken, m.NoCacheRecovery = "secret", true })
	admin := client{t, m.URL(), "secret"}
	alice := client{t, m.URL(), user(t, m, "alice@example.com")}
	id := decode[meeting](t, alice.want(201, "POST", "/api/meetings", `{"title":"before","starts_at":"2026-03-01T10:00:00Z","duration_minutes":30}`)).ID
	path := "/api/meetings/" + itoa(id)
	alice.want(200, "GET", path, "")
	admin.want(200, "PUT", "/admin/faults/cache", `{"cache_outage":true}`)
	alice.want(200, "PUT", path, `{"title":"after"}`)
	admin.want(204, "DELETE", "/admin/faults/cache", "")
	r := alice.want(200, "GET", path, "")
	if got := decode[meeting](t, r); got.Title != "before" || r.header.Get("X-Cache") != "HIT" {
		t.Fatalf("without recovery the read is %q (X-Cache %s); the bug this flag keeps is a stale HIT", got.Title, r.header.Get("X-Cache"))
	}
}

// TestAdminDBConnectionLoss sets the connection-loss fault on a PostgreSQL mina and checks
// that its sessions really end on the server while requests keep answering without a 500.
func TestAdminDBConnectionLoss(t *testing.T) {
	dbURL, appName, adminDB := pgSchemaURL(t)
	m := newMain(t, func(m *app.Main) { m.Config.DatabaseURL, m.Config.PoolSize, m.AdminToken = dbURL, 4, "secret" })
	admin := client{t, m.URL(), "secret"}
	alice := client{t, m.URL(), user(t, m, "alice@example.com")}
	alice.want(200, "GET", "/api/tasks", "")
	pids := func() map[int]bool {
		rows, err := adminDB.QueryContext(context.Background(), `SELECT pid FROM pg_stat_activity WHERE application_name = $1`, appName)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		out := map[int]bool{}
		for rows.Next() {
			var p int
			rows.Scan(&p)
			out[p] = true
		}
		return out
	}
	before := pids()
	if len(before) == 0 {
		t.Fatal("mina has no session to lose")
	}
	admin.want(200, "PUT", "/admin/faults/db", `{"db_connection_loss":true,"db_loss_every":"100ms"}`)
	statuses := map[int]int{}
	for i := 0; i < 60; i++ {
		statuses[alice.do("GET", "/api/tasks?status=pending&page="+itoa(int64(1+i%3)), "").status]++
		time.Sleep(10 * time.Millisecond)
	}
	admin.want(204, "DELETE", "/admin/faults/db", "")
	for p := range pids() {
		if before[p] {
			t.Fatalf("session %d of mina survived the connection-loss fault", p)
		}
	}
	if statuses[500] > 0 || statuses[200] == 0 {
		t.Fatalf("statuses during the connection loss: %v (want no 500, some 200)", statuses)
	}
	t.Logf("statuses during the connection loss: %v", statuses)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
