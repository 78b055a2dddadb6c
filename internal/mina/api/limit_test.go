package api_test

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/api"
)

// TestLimitQueuesThenRejects: two slots held by slow requests; two more wait in the queue,
// /metrics shows them, and when no slot frees within the wait they are answered 503 with
// Retry-After.
func TestLimitQueuesThenRejects(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	srv := newServer(t, store, func(c *api.Config) {
		c.Fault = api.Fault{Latency: 600 * time.Millisecond, Route: "/api/"}
		c.Limit = api.Limit{MaxInflight: 2, MaxWait: 300 * time.Millisecond}
	})
	var wg sync.WaitGroup
	results := make([]response, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = do(t, srv, "GET", "/api/meetings", goodToken, "")
		}()
	}
	// While they run, /metrics (outside the limit) shows two in flight and two queued.
	deadline := time.Now().Add(250 * time.Millisecond)
	var m string
	for time.Now().Before(deadline) {
		m = do(t, srv, "GET", "/metrics", "", "").body
		if strings.Contains(m, api.MetricInflight+" 2") && strings.Contains(m, api.MetricInflightQueued+" 2") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(m, api.MetricInflight+" 2") || !strings.Contains(m, api.MetricInflightQueued+" 2") || !strings.Contains(m, api.MetricInflightLimit+" 2") {
		t.Errorf("/metrics while saturated lacks 2 in flight and 2 queued:\n%s", grepLines(m, "mina_inflight"))
	}
	wg.Wait()
	ok, rejected := 0, 0
	for _, r := range results {
		switch r.status {
		case 200:
			ok++
		case 503:
			rejected++
			if r.header.Get("Retry-After") == "" || !strings.Contains(r.body, "over capacity") {
				t.Errorf("503 without Retry-After or reason: %v %s", r.header, r.body)
			}
		}
	}
	if ok != 2 || rejected != 2 {
		t.Fatalf("%d answered, %d rejected; want 2 and 2", ok, rejected)
	}
	m = do(t, srv, "GET", "/metrics", "", "").body
	if !strings.Contains(m, api.MetricInflightRejected+" 2") {
		t.Errorf("rejections not counted:\n%s", grepLines(m, "mina_inflight"))
	}
}

// TestLimitQueueServesInTurn: one slot, three requests, a wait long enough: all answered,
// one after another.
func TestLimitQueueServesInTurn(t *testing.T) {
	t.Parallel()
	const latency = 50 * time.Millisecond
	store, _ := newStore()
	srv := newServer(t, store, func(c *api.Config) {
		c.Fault = api.Fault{Latency: latency, Route: "/api/"}
		c.Limit = api.Limit{MaxInflight: 1, MaxWait: 5 * time.Second}
	})
	start := time.Now()
	var wg sync.WaitGroup
	statuses := make([]int, 3)
	for i := range statuses {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = do(t, srv, "GET", "/api/meetings", goodToken, "").status
		}()
	}
	wg.Wait()
	if took := time.Since(start); took < 3*latency {
		t.Errorf("three requests through one slot took %v, less than three service times", took)
	}
	for _, s := range statuses {
		if s != 200 {
			t.Fatalf("statuses %v, want all 200", statuses)
		}
	}
	if _, err := api.New(api.Config{Users: store, Meetings: store, Tasks: store, Analytics: store, Limit: api.Limit{MaxInflight: -1}}); err == nil {
		t.Error("a negative limit was accepted")
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
