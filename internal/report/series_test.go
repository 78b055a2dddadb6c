package report

import (
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// fakeClock is the registry's clock, moved by the test.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// quickRun records what a quick run records: 50 ms intervals, 1,000 of them. Each interval
// has one request named "list" (10 ms, passing its check; its host is a name, looked up in
// 2 ms on the first request); every other one also a failed "create" (status 500, 30 ms, to
// an IP). Every fourth interval one iteration completes.
func quickRun(t *testing.T) *metrics.Snapshot {
	t.Helper()
	clock := &fakeClock{t: time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)}
	reg, err := metrics.NewRegistry(metrics.Config{SeriesInterval: 50 * time.Millisecond, Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	list := metrics.NewTags(map[string]string{"name": "list", "scenario": "s"})
	create := metrics.NewTags(map[string]string{"name": "create", "scenario": "s"})
	rec := reg.Recorder()
	for i := range 1000 {
		clock.add(10 * time.Millisecond)
		lookup := time.Duration(0)
		if i == 0 {
			lookup = 2 * time.Millisecond
		}
		rec.HTTP(&metrics.HTTPSample{Time: clock.now(), Tags: list, Status: 200, Expected: true,
			Waiting: 9 * time.Millisecond, Sending: time.Millisecond, Duration: 10 * time.Millisecond,
			LookingUp: lookup, HasLookingUp: true})
		rec.Check(list, "status is 200", true)
		if i%2 == 0 {
			rec.HTTP(&metrics.HTTPSample{Time: clock.now(), Tags: create, Status: 500,
				Waiting: 30 * time.Millisecond, Duration: 30 * time.Millisecond})
			rec.Check(create, "status is 201", false)
		}
		if i%4 == 0 {
			rec.Iteration(list, 40*time.Millisecond, true)
		}
		rec.Flush()
		clock.add(40 * time.Millisecond)
	}
	return reg.Snapshot()
}

// The charted series of a long run of short intervals are merged into at most
// maxChartPoints groups, exactly: no request, error or iteration lost or counted twice.
func TestBuildSeriesMergesIntervals(t *testing.T) {
	t.Parallel()
	snap := quickRun(t)
	reqs, _ := snap.Series(metrics.HTTPReqs)
	target := make([]engine.RatePoint, reqs.Len())
	for i := range target {
		target[i] = engine.RatePoint{Rate: 5, Set: true, Iterations: []float64{20, 0, 0, 0}[i%4]}
	}
	s := buildSeries(snap, metrics.HTTPReqDuration, target)
	if len(s.T) > maxChartPoints || len(s.T) < maxChartPoints/2 {
		t.Fatalf("%d points from %d intervals, want at most %d and not much fewer", len(s.T), reqs.Len(), maxChartPoints)
	}
	var requests, errors float64
	for i := range s.T {
		requests += s.RPS[i] * s.IntervalSeconds
		errors += s.Errors[i]
	}
	// A partial last group is divided by its own span, not the whole group's.
	if requests < 1490 || requests > 1510 {
		t.Errorf("%.1f requests in the merged series, want 1,500", requests)
	}
	if errors != 500 {
		t.Errorf("%.0f errors in the merged series, want 500", errors)
	}
	iterations := 0.0
	for i := range s.T {
		// One iteration every fourth 50 ms interval reads 20/s or 0/s per interval; a group
		// of several intervals reads close to the 5/s intended, never 20 and never 0.
		if s.IterationsPS[i] == nil || *s.IterationsPS[i] <= 0 || *s.IterationsPS[i] >= 20 || *s.TargetRPS[i] != 5 {
			t.Fatalf("point %d: iterations/s %v against target %v, want near 5 and 5", i, *s.IterationsPS[i], *s.TargetRPS[i])
		}
		iterations += *s.IterationsPS[i] * s.IntervalSeconds
		if s.P99[i] == nil || *s.P99[i] < 29 || *s.P99[i] > 31 || *s.P50[i] < 9.9 || *s.P50[i] > 10.1 {
			t.Fatalf("point %d: p50 %v p99 %v, want 10 and 30 ms", i, *s.P50[i], *s.P99[i])
		}
	}
	if iterations < 249.9 || iterations > 250.1 {
		t.Errorf("%.2f iterations in the merged series, want 250", iterations)
	}
}

// The breakdowns read the registry's automatic sub-metrics: per name, per check, per phase.
func TestBreakdowns(t *testing.T) {
	t.Parallel()
	snap := quickRun(t)
	eps := buildEndpoints(snap)
	if len(eps) != 2 || eps[0].Name != "list" || eps[1].Name != "create" {
		t.Fatalf("endpoints %+v, want list then create (the busiest first)", eps)
	}
	if l := eps[0]; l.Requests != 1000 || l.Errors != 0 || l.P50 < 9.9 || l.P50 > 10.1 {
		t.Errorf("list: %+v", l)
	}
	if c := eps[1]; c.Requests != 500 || c.Errors != 500 || c.ErrorRate != 1 || c.P95 < 29.9 || c.P95 > 30.1 {
		t.Errorf("create: %+v", c)
	}
	checks := buildChecks(snap)
	want := []CheckResult{{Name: "status is 200", Passes: 1000}, {Name: "status is 201", Fails: 500}}
	if len(checks) != 2 || checks[0] != want[0] || checks[1] != want[1] {
		t.Errorf("checks %+v, want %+v", checks, want)
	}
	phases := map[string]PhaseResult{}
	var order []string
	for _, p := range buildPhases(snap) {
		phases[p.Phase] = p
		order = append(order, p.Phase)
	}
	// The lookup comes in the order a request goes through it, and only the named host's
	// requests (1,000 of 1,500) count in it.
	wantOrder := []string{"blocked", "looking_up", "connecting", "tls_handshaking", "sending", "waiting", "receiving"}
	if !slices.Equal(order, wantOrder) {
		t.Errorf("phases %v, want %v", order, wantOrder)
	}
	if l := phases["looking_up"]; l.Max < 1.99 || l.Max > 2.01 || l.Avg < 0.00199 || l.Avg > 0.00201 {
		t.Errorf("looking_up phase %+v, want max 2 ms and avg 2 ms / 1,000 requests", l)
	}
	if w := phases["waiting"]; w.Max < 29.9 || w.P50 < 8.9 || w.P50 > 9.1 {
		t.Errorf("waiting phase %+v, want p50 9 ms and max 30 ms", w)
	}
	if _, ok := phases["sending"]; !ok {
		t.Errorf("no sending phase in %+v", phases)
	}
}

// A run that recorded nothing has an empty series, not a panic.
func TestBuildSeriesEmpty(t *testing.T) {
	t.Parallel()
	reg, err := metrics.NewRegistry(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	if s := buildSeries(reg.Snapshot(), metrics.HTTPReqDuration, nil); s != nil && len(s.T) != 0 {
		t.Errorf("series %+v from an empty run", s)
	}
}
