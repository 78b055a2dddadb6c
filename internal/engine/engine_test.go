package engine

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// okServer answers every request with 200 and counts them.
func okServer(t *testing.T, n *atomic.Int64) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n != nil {
			n.Add(1)
		}
		w.Write([]byte("ok\n"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// constantPlan is rate iterations per second for d, one GET of url each, with thresholds.
func constantPlan(url string, rate int64, d time.Duration, ths ...plan.Threshold) *plan.Plan {
	return &plan.Plan{
		File: "test.yaml", TestType: "test",
		Scenarios: []plan.Scenario{{Name: "constant", Executor: plan.ConstantArrivalRate, Exec: "default",
			Rate: rate, TimeUnit: time.Second, Duration: d, PreAllocatedVUs: 5, MaxVUs: 20, GracefulStop: time.Second}},
		Flows: map[string]*plan.Flow{"default": {Name: "default", Steps: []plan.Step{{Kind: plan.StepRequest,
			Request: &plan.Request{Name: "root", Method: "GET", URL: plan.Template(url + "/")}}}}},
		Thresholds: ths,
		Options:    plan.Options{BaseURL: url, Hosts: []string{strings.TrimPrefix(url, "http://")}, Timeout: 5 * time.Second, LoadTolerance: verdict.DefaultLoadTolerance},
		SLO:        plan.SLO{ErrorRate: -1},
	}
}

func rule(metric, expr string) plan.Threshold {
	return plan.Threshold{Metric: metric, Rules: []plan.ThresholdRule{{Expression: expr}}}
}

// Run is data end to end: a real server, the requests counted on both sides, the thresholds
// judged, the verdict decided once, the SLO derived from the thresholds, stage figures.
func TestRunResult(t *testing.T) {
	var served atomic.Int64
	srv := okServer(t, &served)
	p := constantPlan(srv.URL, 50, 2*time.Second,
		rule("http_req_duration", "p(95)<1000"), rule("http_req_failed", "rate<0.01"), rule("http_req_duration{name:root}", "p(99)<1000"))
	var calls atomic.Int64
	res, err := Run(context.Background(), p, Options{Observer: ObserverFunc(func(pr Progress) {
		calls.Add(1)
		if len(pr.Scenarios) != 1 || pr.Snapshot == nil {
			t.Errorf("progress %+v: want one scenario and a snapshot", pr)
		}
	})})
	if err != nil {
		t.Fatal(err)
	}
	reqs, _ := res.Snapshot.Aggregate(metrics.HTTPReqs, "count", 0)
	if int64(reqs) != 100 || served.Load() != 100 {
		t.Errorf("requests: ramp counted %v, the server %d; want 100", reqs, served.Load())
	}
	if res.Verdict.Status != verdict.Pass {
		t.Errorf("verdict %+v, want pass", res.Verdict)
	}
	for _, r := range res.Thresholds {
		if !r.HasValue || !r.Pass {
			t.Errorf("threshold %+v: want judged and held", r)
		}
	}
	if !res.SLO.ErrorRate.Stated || !res.SLO.ErrorRate.Met || !res.SLO.P95.Stated || res.SLO.P50.Stated {
		t.Errorf("SLO %+v: want error rate and p95 stated and met, p50 not stated", res.SLO)
	}
	if res.Load.Scheduled != 100 || res.Load.Dropped != 0 {
		t.Errorf("load %+v: want 100 scheduled, none dropped", res.Load)
	}
	if len(res.Stages) != 1 || res.Stages[0].Target != 50 || res.Stages[0].Requests != 100 {
		t.Errorf("stages %+v: want one stage of 50/s holding every request", res.Stages)
	}
	// Beside the intended rate, each interval says how many iterations the arrival-rate
	// scenarios completed: over the run, every one of the 100.
	var iterations float64
	iv := time.Second.Seconds()
	if s, ok := res.Snapshot.Series(metrics.HTTPReqs); ok {
		iv = s.Interval().Seconds()
	}
	for _, rp := range res.TargetRate {
		iterations += rp.Iterations * iv
		if rp.Set && rp.Rate != 50 {
			t.Errorf("target rate %+v: want 50/s", rp)
		}
	}
	if iterations < 99.5 || iterations > 100.5 {
		t.Errorf("%.1f iterations in the achieved rate, want 100", iterations)
	}
	if calls.Load() == 0 {
		t.Error("the observer was never told")
	}
}

// When ramp itself starts iterations late, the lateness shows in the corrected latency and
// not in http_req_duration, the self-check says the generator was overloaded, and the run
// cannot vouch for its figures: inconclusive.
func TestRunLateSchedulerIsInconclusive(t *testing.T) {
	srv := okServer(t, nil)
	p := constantPlan(srv.URL, 50, 2*time.Second, rule("http_req_failed", "rate<0.01"))
	var calls atomic.Int64
	res, err := Run(context.Background(), p, Options{BeforeDispatch: func() {
		if calls.Add(1)%10 == 0 {
			time.Sleep(200 * time.Millisecond) // every tenth dispatch is 200 ms late
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	d, _ := res.Snapshot.Aggregate(metrics.HTTPReqDuration, "p", 99)
	c, _ := res.Snapshot.Aggregate(metrics.HTTPReqDurationCorrected, "p", 99)
	if d > 100 {
		t.Errorf("http_req_duration p99 = %vms: the generator's lateness leaked into it", d)
	}
	if c < 100 {
		t.Errorf("http_req_duration_corrected p99 = %vms: the lateness does not show", c)
	}
	if !res.SelfCheck.Overloaded {
		t.Errorf("self-check %+v: want overloaded", res.SelfCheck)
	}
	if res.Verdict.Status != verdict.Inconclusive || !strings.Contains(res.Verdict.Why(), "generator overloaded") {
		t.Errorf("verdict %+v: want inconclusive, generator overloaded", res.Verdict)
	}
}

// A threshold on a request the run never made has no data: never met.
func TestRunThresholdWithoutDataIsInconclusive(t *testing.T) {
	srv := okServer(t, nil)
	p := constantPlan(srv.URL, 20, time.Second, rule("http_req_failed", "rate<0.01"), rule("http_req_duration{group:::never}", "p(95)<800"))
	res, err := Run(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Thresholds[1].Status(); got != threshold.StatusNoData {
		t.Errorf("threshold on nothing: %s, want no data", got)
	}
	if res.Verdict.Status != verdict.Inconclusive {
		t.Errorf("verdict %+v, want inconclusive", res.Verdict)
	}
}

// What Validate refuses, Run refuses the same way, with nothing sent.
func TestValidateAndRunAgree(t *testing.T) {
	var served atomic.Int64
	srv := okServer(t, &served)
	bad := []struct {
		name string
		edit func(*plan.Plan)
	}{
		{"no scenario", func(p *plan.Plan) { p.Scenarios = nil }},
		{"zero rate", func(p *plan.Plan) { p.Scenarios[0].Rate = 0 }},
		{"too many VUs", func(p *plan.Plan) { p.Scenarios[0].MaxVUs = 2_000_000 }},
		{"unknown metric", func(p *plan.Plan) { p.Thresholds = []plan.Threshold{rule("http_req_durations", "p(95)<1")} }},
		{"bad aggregation", func(p *plan.Plan) { p.Thresholds = []plan.Threshold{rule("http_reqs", "p(95)<1")} }},
		{"unknown monitor kind", func(p *plan.Plan) { p.Monitors = []plan.Monitor{{Name: "m", Kind: "mysql"}} }},
		{"missing flow", func(p *plan.Plan) { p.Scenarios[0].Exec = "nope" }},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			p := constantPlan(srv.URL, 10, time.Second)
			tt.edit(p)
			verr := Validate(p, Options{})
			_, rerr := Run(context.Background(), p, Options{})
			var vce, rce *ConfigError
			if !errors.As(verr, &vce) || !errors.As(rerr, &rce) {
				t.Fatalf("Validate: %v; Run: %v; want a *ConfigError from both", verr, rerr)
			}
		})
	}
	if served.Load() != 0 {
		t.Errorf("%d requests were sent for configurations that do not build", served.Load())
	}
}
