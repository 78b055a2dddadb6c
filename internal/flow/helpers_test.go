package flow

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// recSink records what VUs report, for assertions on exact samples. Tests that check
// aggregates use a real metrics.Registry instead.
type recSink struct {
	mu     sync.Mutex
	http   []metrics.HTTPSample
	checks []checkRec
	iters  []iterRec
	groups []groupRec
}

type checkRec struct {
	tags *metrics.TagSet
	name string
	ok   bool
}

type iterRec struct {
	tags *metrics.TagSet
	d    time.Duration
	ok   bool
}

type groupRec struct {
	group string
	d     time.Duration
}

var _ Sink = (*recSink)(nil)

func (r *recSink) HTTP(s *metrics.HTTPSample) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.http = append(r.http, *s)
}

func (r *recSink) CheckAt(_ time.Time, tags *metrics.TagSet, name string, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.checks = append(r.checks, checkRec{tags, name, ok})
}

func (r *recSink) IterationAt(_ time.Time, tags *metrics.TagSet, d time.Duration, ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.iters = append(r.iters, iterRec{tags, d, ok})
}

func (r *recSink) GroupAt(_ time.Time, tags *metrics.TagSet, d time.Duration) {
	g, _ := tags.Get("group")
	r.mu.Lock()
	defer r.mu.Unlock()
	r.groups = append(r.groups, groupRec{g, d})
}

func (r *recSink) Flush() {}

func (r *recSink) WSConnected(*metrics.TagSet, time.Duration)     {}
func (r *recSink) WSSessionEnd(*metrics.TagSet, time.Duration)    {}
func (r *recSink) WSMessages(*metrics.TagSet, bool, int64, int64) {}
func (r *recSink) WSPing(*metrics.TagSet, time.Duration)          {}
func (r *recSink) WSLatency(*metrics.TagSet, time.Duration)       {}

// checksByName returns the outcomes recorded for each check name, in order.
func (r *recSink) checksByName() map[string][]bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := map[string][]bool{}
	for _, c := range r.checks {
		out[c.name] = append(out[c.name], c.ok)
	}
	return out
}

// newShared builds a Shared for p whose VUs all record into the returned recSink, with a
// fixed seed.
func newShared(t testing.TB, p *plan.Plan) (*Shared, *recSink) {
	t.Helper()
	s, err := NewShared(p, nil)
	if err != nil {
		t.Fatalf("NewShared: %v", err)
	}
	rec := &recSink{}
	s.newSink = func() Sink { return rec }
	s.Seed(42)
	return s, rec
}

// newVU returns VU id of s, closed at the end of the test.
func newVU(t testing.TB, s *Shared, id int) *VU {
	t.Helper()
	v, err := s.NewVU(id)
	if err != nil {
		t.Fatalf("NewVU(%d): %v", id, err)
	}
	t.Cleanup(func() { _ = v.Close() })
	return v
}

// onePlan is a plan with one scenario "s" running flow "main" made of steps.
func onePlan(steps ...plan.Step) *plan.Plan {
	return &plan.Plan{
		Scenarios: []plan.Scenario{{Name: "s", Exec: "main", Tags: map[string]string{"test": "unit"}}},
		Flows:     map[string]*plan.Flow{"main": {Name: "main", Steps: steps, Cookies: true}},
		Options:   plan.Options{Timeout: 5 * time.Second, MaxRedirects: 10, MaxBodyBytes: 1 << 20},
	}
}

// req is a request step.
func req(r plan.Request) plan.Step {
	if r.Method == "" {
		r.Method = "GET"
	}
	return plan.Step{Kind: plan.StepRequest, Request: &r}
}

// run runs flow "main" of s's plan once on v as iteration n of scenario "s". It passes the
// test's context, as an executor passes one context for a VU's life (requests are bounded by
// the plan's 5s timeout).
func run(t testing.TB, v *VU, n int64) bool {
	t.Helper()
	return v.Run(t.Context(), v.shared.plan.Flows["main"], Iteration{Scenario: "s", Number: n, VUIter: n})
}

// server starts an httptest server closed at the end of the test.
func server(t testing.TB, h http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// writeFile writes a data file into the test's temporary directory and returns its path.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
