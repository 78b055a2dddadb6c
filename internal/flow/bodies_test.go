package flow

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// TestKeepBodyOnlyWhenRead checks the compile-time decision: a request keeps its response
// body exactly when one of its checks or captures reads it.
func TestKeepBodyOnlyWhenRead(t *testing.T) {
	t.Parallel()
	status := plan.Check{Kind: plan.CheckStatus, Statuses: []int{200}}
	tests := []struct {
		name     string
		checks   []plan.Check
		captures []plan.Capture
		want     bool
	}{
		// Nothing looks at the response at all.
		{"bare", nil, nil, false},
		// Status, header and duration checks read no body.
		{"status", []plan.Check{status}, nil, false},
		{"header", []plan.Check{{Kind: plan.CheckHeader, Header: "X-Cache"}}, nil, false},
		{"duration", []plan.Check{{Kind: plan.CheckDuration, Below: time.Second}}, nil, false},
		// A header capture reads no body.
		{"header capture", nil, []plan.Capture{{Var: "etag", Source: plan.CaptureHeader, Expr: "ETag"}}, false},
		// body_contains and json_path checks read it…
		{"body_contains", []plan.Check{status, {Kind: plan.CheckBodyContains, Contains: "ok"}}, nil, true},
		{"json_path", []plan.Check{{Kind: plan.CheckJSONPath, Path: "id"}}, nil, true},
		// …and so do json and regex captures, even next to checks that do not.
		{"json capture", []plan.Check{status}, []plan.Capture{{Var: "id", Source: plan.CaptureJSON, Expr: "id"}}, true},
		{"regex capture", nil, []plan.Capture{{Var: "id", Source: plan.CaptureRegex, Expr: `id=(\d+)`}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := onePlan(req(plan.Request{URL: "http://127.0.0.1:1/", Checks: tc.checks, Capture: tc.captures}))
			s, _ := newShared(t, p)
			prog, err := s.program("s", p.Flows["main"])
			if err != nil {
				t.Fatal(err)
			}
			r := prog.steps[0].req
			if r.keepBody != tc.want {
				t.Errorf("keepBody = %v, want %v", r.keepBody, tc.want)
			}
			v := newVU(t, s, 1)
			if err := v.build(r); err != nil {
				t.Fatal(err)
			}
			if v.req.DiscardBody == tc.want {
				t.Errorf("built request has DiscardBody %v, want %v", v.req.DiscardBody, !tc.want)
			}
		})
	}
}

// TestReadsBodyAgreesWithEval guards readsBody against the evaluators: a check or capture
// said not to read the body gives the same answer with and without one, and one said to read
// it gives a different answer. A new kind that reads the body but is listed as not reading it
// fails here as soon as it has a row.
func TestReadsBodyAgreesWithEval(t *testing.T) {
	t.Parallel()
	withBody := &httpclient.Response{Status: 200, Body: []byte(`{"id":7} id=7`)}
	withBody.Timings.Duration = time.Millisecond
	noBody := &httpclient.Response{Status: withBody.Status, Timings: withBody.Timings}
	checks := []plan.Check{
		{Kind: plan.CheckStatus, Statuses: []int{200}},
		{Kind: plan.CheckHeader, Header: "X-Cache"},
		{Kind: plan.CheckDuration, Below: time.Second},
		{Kind: plan.CheckBodyContains, Contains: "id=7"},
		{Kind: plan.CheckJSONPath, Path: "id"},
		{Kind: plan.CheckJSONPath, Path: "id", Equals: 7, HasEquals: true},
	}
	for _, in := range checks {
		c, err := newCheck(in)
		if err != nil {
			t.Fatal(err)
		}
		if differs := c.eval(withBody) != c.eval(noBody); differs != c.readsBody() {
			t.Errorf("check %s: answer depends on the body: %v; readsBody() = %v", c.auto, differs, c.readsBody())
		}
	}
	captures := []plan.Capture{
		{Var: "h", Source: plan.CaptureHeader, Expr: "ETag"},
		{Var: "j", Source: plan.CaptureJSON, Expr: "id"},
		{Var: "r", Source: plan.CaptureRegex, Expr: `id=(\d+)`},
		{Var: "ra", Source: plan.CaptureRegex, Expr: `id=(\d+)`, All: true},
	}
	for _, in := range captures {
		c, err := newCapture(in)
		if err != nil {
			t.Fatal(err)
		}
		_, okWith := c.find(withBody)
		_, okWithout := c.find(noBody)
		if differs := okWith != okWithout; differs != c.readsBody() {
			t.Errorf("capture %s %q: answer depends on the body: %v; readsBody() = %v", in.Source, in.Expr, differs, c.readsBody())
		}
	}
}

// bodyServer streams size bytes per request, generated as they are written from one 64 KiB
// pattern: "BEGIN", then "0123456789abcdef" repeated. Path /cl sends a Content-Length, any
// other path a chunked body. Halfway it flushes and pauses for pause, so that a client that
// stopped reading early, or timed only the first bytes, shows too short an
// http_req_receiving. It counts the connections it accepts.
func bodyServer(t *testing.T, size int64, pause time.Duration) (*httptest.Server, *atomic.Int64) {
	t.Helper()
	pattern := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	first := append([]byte("BEGIN"), pattern[5:]...)
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/cl" {
			w.Header().Set("Content-Length", strconv.FormatInt(size, 10))
		}
		for n := int64(0); n < size; {
			chunk := pattern
			if n == 0 {
				chunk = first
			}
			chunk = chunk[:min(int64(len(chunk)), size-n)]
			if _, err := w.Write(chunk); err != nil {
				return
			}
			n += int64(len(chunk))
			if n-int64(len(chunk)) < size/2 && n >= size/2 {
				w.(http.Flusher).Flush()
				time.Sleep(pause)
			}
		}
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestLargeBodiesStream sends requests for 64 MiB bodies through a VU and measures what the
// process allocated meanwhile. A body nobody reads must be dropped as it streams — the
// allocations stay far below one body — while data_received counts every byte,
// http_req_receiving covers the whole body and one connection serves every request. A body
// that a check reads is kept, up to maxBodyBytes, so its checks see it and its memory stays
// bounded. Not parallel: runtime.MemStats are process-wide, and the package's parallel tests
// wait until the sequential ones are done.
func TestLargeBodiesStream(t *testing.T) {
	const (
		size     = 64 << 20
		maxBody  = 4 << 20
		requests = 3
		pause    = 20 * time.Millisecond
	)
	begins := plan.Check{Kind: plan.CheckBodyContains, Contains: "BEGIN"} // in the first bytes
	absent := plan.Check{Kind: plan.CheckBodyContains, Contains: "END"}   // nowhere in the body
	status := plan.Check{Kind: plan.CheckStatus, Statuses: []int{200}}
	tests := []struct {
		name       string
		path       string
		discardAll bool // options.discardResponseBodies
		checks     []plan.Check
		captures   []plan.Capture
		wantChecks map[string]float64 // check name → rate
		maxAlloc   int64              // bytes allocated over all the requests
	}{
		// No check reads the body: it is dropped as it streams, with a Content-Length…
		{name: "unread, content-length", path: "/cl", checks: []plan.Check{status},
			wantChecks: map[string]float64{"status is 200": 1}, maxAlloc: 256 << 10},
		// …and chunked; a header capture does not read the body either.
		{name: "unread, chunked", path: "/chunked", checks: []plan.Check{status},
			captures:   []plan.Capture{{Var: "ct", Source: plan.CaptureHeader, Expr: "Content-Type"}},
			wantChecks: map[string]float64{"status is 200": 1, "capture ct": 1}, maxAlloc: 256 << 10},
		// body_contains reads the body: a check that passes and one that fails, each kept
		// body bounded by maxBodyBytes (grown by doubling, so about twice that per request).
		{name: "read, content-length", path: "/cl", checks: []plan.Check{begins, absent},
			wantChecks: map[string]float64{"body contains BEGIN": 1, "body contains END": 0},
			maxAlloc:   requests * 3 * maxBody},
		// The same, chunked, with a regex capture reading the body.
		{name: "read, chunked", path: "/chunked", checks: []plan.Check{begins, absent},
			captures:   []plan.Capture{{Var: "digits", Source: plan.CaptureRegex, Expr: `BEGIN(\d+)`}},
			wantChecks: map[string]float64{"body contains BEGIN": 1, "body contains END": 0, "capture digits": 1},
			maxAlloc:   requests * 3 * maxBody},
		// discardResponseBodies drops every body, even one a check wants (as k6 does).
		{name: "discardResponseBodies", path: "/cl", discardAll: true, checks: []plan.Check{begins},
			wantChecks: map[string]float64{"body contains BEGIN": 0}, maxAlloc: 256 << 10},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, conns := bodyServer(t, size, pause)
			p := onePlan(req(plan.Request{URL: plan.Template(srv.URL + tc.path), Checks: tc.checks, Capture: tc.captures}))
			p.Options.MaxBodyBytes, p.Options.DiscardResponseBodies = maxBody, tc.discardAll
			p.Options.Timeout = 30 * time.Second
			reg, err := metrics.NewRegistry(metrics.Config{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = reg.Close() })
			s, err := NewShared(p, reg)
			if err != nil {
				t.Fatal(err)
			}
			v := newVU(t, s, 1)

			// The first request connects and makes the recorder's histograms: what a run
			// costs once, whatever the bodies. The requests after it are the steady state.
			run(t, v, 0)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			for i := range int64(requests) {
				run(t, v, i+1)
			}
			runtime.ReadMemStats(&after)

			got := int64(after.TotalAlloc - before.TotalAlloc)
			t.Logf("%d requests of %d MiB allocated %.1f KiB", requests, size>>20, float64(got)/(1<<10))
			if limit := tc.maxAlloc * allocSlack; got > limit {
				t.Errorf("%d requests of %d MiB allocated %.1f MiB, want at most %.1f MiB",
					requests, size>>20, float64(got)/(1<<20), float64(limit)/(1<<20))
			}
			if got := conns.Load(); got != 1 {
				t.Errorf("%d connections for %d requests, want 1: the connection was not reused", got, requests+1)
			}
			snap := reg.Snapshot()
			const total = requests + 1
			if got, _ := snap.Aggregate("http_reqs", "count", 0); got != total {
				t.Fatalf("http_reqs = %v, want %d (skipped: %v)", got, total, s.SkipReasons())
			}
			// Headers and chunk framing add a little; a byte short means a body was not
			// read to its end.
			if got, _ := snap.Aggregate("data_received", "count", 0); got < total*size || got > total*size*1.01 {
				t.Errorf("data_received = %.0f, want %d bodies of %d bytes plus headers", got, total, size)
			}
			if got, _ := snap.Aggregate("http_req_receiving", "min", 0); got < float64(pause.Milliseconds()) {
				t.Errorf("http_req_receiving min = %.1f ms, want >= %v: the body's second half was not timed", got, pause)
			}
			for name, want := range tc.wantChecks {
				key := fmt.Sprintf("checks{check:%s}", name)
				if got, ok := snap.Aggregate(key, "rate", 0); !ok || got != want {
					t.Errorf("%s = %v, %v; want %v", key, got, ok, want)
				}
			}
		})
	}
}
