package engine

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Two processes that each ran half of a test at the same time, merged and judged, are judged as
// the whole: a throughput threshold and a windowed throughput criterion that each half alone
// breaks hold on the merged data, and the counts add up exactly.
func TestMergeHalvesIsTheWhole(t *testing.T) {
	var served atomic.Int64
	srv := okServer(t, &served)
	whole := func(rate int64) *plan.Plan {
		p := constantPlan(srv.URL, rate, 3*time.Second, rule("http_reqs", "rate>=40"), rule("http_req_failed", "rate<0.01"))
		p.Criteria = []plan.Criterion{{Name: "throughput", Rule: "windowed", Severity: "fail", Metric: "http_reqs", Method: "rate",
			Window: time.Second, Cond: plan.Condition{Op: ">=", Value: 40}}}
		return p
	}
	half := whole(25)
	var wg sync.WaitGroup
	results := make([]*Result, 2)
	for i := range results {
		wg.Go(func() {
			res, err := Run(context.Background(), half, Options{})
			if err != nil {
				t.Error(err)
				return
			}
			results[i] = res
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, r := range results {
		if r.Verdict.Status != verdict.Fail {
			t.Fatalf("half %d alone: verdict %+v, want fail (25/s is under 40/s)", i, r.Verdict)
		}
	}
	m, err := Merge([]string{"segment 1/2", "segment 2/2"}, []Measurements{results[0].Measured, results[1].Measured})
	if err != nil {
		t.Fatal(err)
	}
	merged, err := Judge(whole(50), m)
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := merged.Snapshot.Aggregate(metrics.HTTPReqs, "count", 0)
	if int64(reqs) != 150 || served.Load() != 150 || merged.Load.Scheduled != 150 {
		t.Errorf("merged: %v requests, %d scheduled; the server saw %d; want 150", reqs, merged.Load.Scheduled, served.Load())
	}
	if merged.Verdict.Status != verdict.Pass {
		t.Errorf("merged verdict %+v, want pass: together the halves send 50/s", merged.Verdict)
	}
	if o := merged.Criteria[0]; o.Result != "pass" {
		t.Errorf("windowed criterion on the summed series: %+v", o)
	}
}

// Merge keeps what made any segment's figures suspect, naming the segment.
func TestMergeKeepsEverySegmentsTrouble(t *testing.T) {
	reg, _ := metrics.NewRegistry(metrics.Config{})
	snap := reg.Snapshot()
	t0 := time.Now()
	a := Measurements{Started: t0, LoadStart: t0, LoadDuration: time.Second, Snapshot: snap, Arrivals: 10, Watched: []string{"target"}}
	b := a
	b.Started, b.LoadStart = t0.Add(-time.Second), t0.Add(-time.Second)
	b.SelfCheck.Overloaded, b.SelfCheck.Reasons = true, []string{"schedule lag p99 20ms"}
	b.TeardownError, b.Interrupted = "status 500", true
	b.Monitors = []MonitorSeries{{Name: "target.rss_bytes", Points: []MonitorPoint{{Offset: time.Second, Value: 1}}}}
	m, err := Merge([]string{"segment 1/2", "segment 2/2"}, []Measurements{a, b})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case m.Arrivals != 20, !m.Started.Equal(b.Started), m.LoadDuration != time.Second:
		t.Errorf("span and counts: %+v", m)
	case !m.SelfCheck.Overloaded || m.SelfCheck.Reasons[0] != "segment 2/2: schedule lag p99 20ms":
		t.Errorf("self-check %+v: want overloaded, the reason named by its segment", m.SelfCheck)
	case m.TeardownError != "segment 2/2: status 500" || !m.Interrupted:
		t.Errorf("teardown %q interrupted %v", m.TeardownError, m.Interrupted)
	case len(m.Monitors) != 1 || m.Monitors[0].Points[0].Offset != time.Second:
		t.Errorf("monitors %+v: want the one series, its offset from the merged start", m.Monitors)
	}
	if _, err := Merge(nil, nil); err == nil {
		t.Error("merging nothing gave no error")
	}
}
