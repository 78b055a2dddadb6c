package criteria

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// t0 is the synthetic runs' start: the registry's clock and the load's start.
var t0 = time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)

// second describes one second of a synthetic run: how many requests start in it and how long
// each takes.
type second struct {
	reqs    int
	latency time.Duration
	also    []time.Duration // further requests in the same second, one per latency
}

// steady returns n seconds of the same traffic.
func steady(n, reqs int, latency time.Duration) []second {
	out := make([]second, n)
	for i := range out {
		out[i] = second{reqs: reqs, latency: latency}
	}
	return out
}

// concat joins runs of seconds.
func concat(parts ...[]second) []second {
	var out []second
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// run records the seconds into a real registry whose clock is fixed at t0, tagging every
// request type:api_read, then one request in a trailing second (the interval a snapshot
// taken mid-second would still be filling), and returns the snapshot as a SeriesSource.
func run(t *testing.T, secs []second) SnapshotSource {
	t.Helper()
	reg, err := metrics.NewRegistry(metrics.Config{
		Now:        func() time.Time { return t0 },
		Submetrics: []string{"http_req_duration{type:api_read}", "http_reqs{type:api_read}"},
	})
	if err != nil {
		t.Fatalf("NewRegistry: %v", err)
	}
	rec := reg.Recorder()
	tags := metrics.NewTags(map[string]string{"type": "api_read", "name": "list"})
	add := func(at time.Time, d time.Duration) {
		rec.HTTP(&metrics.HTTPSample{Time: at, Tags: tags, Status: 200, Expected: true,
			Waiting: d, Duration: d, Sent: 100, Received: 1000})
	}
	for i, s := range secs {
		for j := range s.reqs {
			add(t0.Add(time.Duration(i)*time.Second+time.Duration(j)*time.Millisecond), s.latency)
		}
		for j, d := range s.also {
			add(t0.Add(time.Duration(i)*time.Second+time.Duration(500+j)*time.Millisecond), d)
		}
	}
	if len(secs) > 0 {
		add(t0.Add(time.Duration(len(secs))*time.Second+time.Millisecond), 10*time.Millisecond)
	}
	rec.Flush()
	return SnapshotSource{Snapshot: reg.Snapshot(), LoadStart: t0}
}

// mustCompile compiles one criterion written as its Spec, or fails the test.
func mustCompile(t *testing.T, severity string, specs ...map[string]any) []Criterion {
	t.Helper()
	var pcs []Raw
	for i, s := range specs {
		pcs = append(pcs, Raw{Name: "c", Severity: severity, Spec: s, Line: i + 1})
	}
	cs, err := compileRaw(pcs)
	if err != nil {
		t.Fatalf("CompileCriteria: %v", err)
	}
	return cs
}

// want is the part of an Outcome a table row checks; brokenAt < 0 means "not broken".
type want struct {
	result   string
	observed float64
	brokenAt time.Duration
	unit     string
}

// check compares an outcome with a row's expectation.
func check(t *testing.T, o Outcome, w want) {
	t.Helper()
	if o.Result != w.result {
		t.Errorf("Result = %q, want %q (outcome %+v)", o.Result, w.result, o)
	}
	// Trend windows are read from histograms of 1% resolution (metrics.WindowValue).
	tolerance := 1e-9 * math.Max(1, math.Abs(w.observed))
	if w.unit == "ms" {
		tolerance = w.observed / 100
	}
	if math.Abs(o.Observed-w.observed) > tolerance {
		t.Errorf("Observed = %v, want %v (outcome %+v)", o.Observed, w.observed, o)
	}
	if w.brokenAt < 0 {
		if o.Broken {
			t.Errorf("Broken at %v, want not broken (outcome %+v)", o.FirstBrokenAt, o)
		}
	} else if !o.Broken || o.FirstBrokenAt != w.brokenAt {
		t.Errorf("Broken = %v at %v, want broken at %v (outcome %+v)", o.Broken, o.FirstBrokenAt, w.brokenAt, o)
	}
	if w.unit != "" && o.Unit != w.unit {
		t.Errorf("Unit = %q, want %q", o.Unit, w.unit)
	}
	if !o.HasValue {
		t.Errorf("HasValue = false, want a value (outcome %+v)", o)
	}
}

func TestEvaluateCriteriaWindowed(t *testing.T) {
	t.Parallel()
	throughput := map[string]any{"rule": "windowed", "metric": "http_reqs", "aggregate": "rate",
		"window": "1s", "condition": ">=10", "for": "3s"}
	p95 := map[string]any{"rule": "windowed", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(95)", "window": "2s", "condition": "<800"}
	fast, slow := 50*time.Millisecond, 1200*time.Millisecond
	tests := []struct {
		name     string
		spec     map[string]any
		severity string
		secs     []second
		want     want
	}{
		// Every second at 12 RPS: held; no breach, so Observed is the longest breach, 0 s.
		{"held", throughput, "fail", steady(10, 12, fast), want{ResultPass, 0, -1, "s"}},
		// 3 s at 4 RPS: broken, but not for more than 3 s.
		{"broken briefly", throughput, "fail",
			concat(steady(4, 12, fast), steady(3, 4, fast), steady(4, 12, fast)),
			want{ResultPass, 3, 4 * time.Second, "s"}},
		// 5 s at 4 RPS from second 4: fails once the breach outlasts 3 s, at 4 s + 3 s.
		{"broken longer than for", throughput, "fail",
			concat(steady(4, 12, fast), steady(5, 4, fast), steady(2, 12, fast)),
			want{ResultFail, 5, 7 * time.Second, "s"}},
		// Two breaches of 3 s with a good second between do not add up.
		{"breaches not consecutive", throughput, "fail",
			concat(steady(3, 4, fast), steady(1, 12, fast), steady(3, 4, fast)),
			want{ResultPass, 3, 0, "s"}},
		// The same failure, severity warn: warns.
		{"severity warn downgrades", throughput, "warn",
			concat(steady(2, 12, fast), steady(6, 0, fast), steady(2, 12, fast)),
			want{ResultWarn, 6, 5 * time.Second, "s"}},
		// p95 per 2 s window, no for: one slow window (seconds 4–5) fails; Observed is its p95.
		{"latency window broken", p95, "fail",
			concat(steady(4, 20, fast), steady(2, 20, slow), steady(4, 20, fast)),
			want{ResultFail, 1200, 4 * time.Second, "ms"}},
		// A slow second inside a fast window is under 5% of it: p95 holds.
		{"latency held", p95, "fail",
			concat(steady(4, 20, fast), steady(1, 1, slow), steady(5, 20, fast)),
			want{ResultPass, 50, -1, "ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, tt.severity, tt.spec)
			o := Evaluate(cs, run(t, tt.secs))[0]
			check(t, o, tt.want)
		})
	}
}

func TestEvaluateCriteriaMargin(t *testing.T) {
	t.Parallel()
	spec := map[string]any{"rule": "margin", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(95)", "slo": int64(800), "margin": "20%"}
	tests := []struct {
		name    string
		latency time.Duration
		want    want
	}{
		// Under the SLO.
		{"within the SLO", 700 * time.Millisecond, want{ResultPass, 700, -1, "ms"}},
		// Above 800 but not above 960: the warn band.
		{"warn band", 900 * time.Millisecond, want{ResultWarn, 900, 0, "ms"}},
		// Exactly at slo×1.2 is still the warn band: the rule is "more than 20%".
		{"at the margin", 960 * time.Millisecond, want{ResultWarn, 960, 0, "ms"}},
		// Above 960: fails.
		{"beyond the margin", 1010 * time.Millisecond, want{ResultFail, 1010, 0, "ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, "fail", spec)
			o := Evaluate(cs, run(t, steady(5, 10, tt.latency)))[0]
			check(t, o, tt.want)
		})
	}
}

func TestEvaluateCriteriaViolations(t *testing.T) {
	t.Parallel()
	windowsSpec := map[string]any{"rule": "violations", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(99)", "window": "1s", "condition": "<1500", "max": int64(2)}
	requestsSpec := map[string]any{"rule": "violations", "metric": "http_req_duration",
		"per": "request", "condition": "<1500", "max": int64(5)}
	fast, slow := 100*time.Millisecond, 2*time.Second
	tests := []struct {
		name string
		spec map[string]any
		secs []second
		want want
	}{
		// Two slow seconds: exactly the budget, passes (but was broken, at second 3).
		{"windows at the budget", windowsSpec,
			concat(steady(3, 10, fast), steady(2, 10, slow), steady(3, 10, fast)),
			want{ResultPass, 2, 3 * time.Second, "windows"}},
		// Three slow seconds: one over the budget.
		{"windows over the budget", windowsSpec,
			concat(steady(3, 10, fast), steady(3, 10, slow), steady(3, 10, fast)),
			want{ResultFail, 3, 3 * time.Second, "windows"}},
		// None slow.
		{"no violation", windowsSpec, steady(5, 10, fast), want{ResultPass, 0, -1, "windows"}},
		// Five slow requests in second 2: the budget exactly.
		{"requests at the budget", requestsSpec,
			concat(steady(2, 10, fast), steady(1, 5, slow), steady(2, 10, fast)),
			want{ResultPass, 5, 2 * time.Second, "requests"}},
		// Six: one over.
		{"requests over the budget", requestsSpec,
			concat(steady(2, 10, fast), steady(1, 6, slow), steady(2, 10, fast)),
			want{ResultFail, 6, 2 * time.Second, "requests"}},
		// 6 slow among 90 fast in one second: counted from the histogram's share above 1.5 s.
		{"requests mixed in a second", requestsSpec,
			concat(steady(2, 10, fast), []second{{reqs: 90, latency: fast, also: []time.Duration{slow, slow, slow, slow, slow, slow}}}),
			want{ResultFail, 6, 2 * time.Second, "requests"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, "fail", tt.spec)
			check(t, Evaluate(cs, run(t, tt.secs))[0], tt.want)
		})
	}
}

// monitors is a SeriesSource of fixed monitor series, starting at t0.
type monitors map[string][]float64

var _ Source = monitors(nil)

func (m monitors) MetricSeries(string) (*metrics.Series, bool) { return nil, false }

func (m monitors) MonitorSeries(name string) ([]MonitorPoint, string, bool) {
	vs, ok := m[name]
	if !ok {
		return nil, "", false
	}
	pts := make([]MonitorPoint, len(vs))
	for i, v := range vs {
		pts[i] = MonitorPoint{Time: t0.Add(time.Duration(i) * 10 * time.Second), Value: v}
	}
	unit := ""
	if strings.HasSuffix(name, "_bytes") {
		unit = "bytes"
	}
	return pts, unit, true
}

func (m monitors) Start() time.Time { return t0 }

// Unconfigured says the series of the monitor "off" have no source in this run.
func (m monitors) Unconfigured(series string) (string, bool) {
	if strings.HasPrefix(series, "off.") {
		return "monitor off has no url", true
	}
	return "", false
}

func TestEvaluateCriteriaMonitors(t *testing.T) {
	t.Parallel()
	growth := map[string]any{"rule": "growth", "series": "target.rss_bytes", "warn": "500MB", "fail": "1GB"}
	const mb = 1e6
	tests := []struct {
		name     string
		spec     map[string]any
		severity string
		data     monitors
		want     want
	}{
		// Grows 300 MB: under the warn band.
		{"growth pass", growth, "fail", monitors{"target.rss_bytes": {100 * mb, 250 * mb, 400 * mb}},
			want{ResultPass, 300 * mb, -1, "bytes"}},
		// Grows 600 MB: warns, first above 500 MB at the third sample (20 s).
		{"growth warn band", growth, "fail", monitors{"target.rss_bytes": {100 * mb, 500 * mb, 700 * mb}},
			want{ResultWarn, 600 * mb, 20 * time.Second, "bytes"}},
		// Grows 1.1 GB: fails at the second sample.
		{"growth fail", growth, "fail", monitors{"target.rss_bytes": {100 * mb, 1300 * mb, 1200 * mb}},
			want{ResultFail, 1100 * mb, 10 * time.Second, "bytes"}},
		// last − first is small, max − first is not.
		{"growth of max", map[string]any{"rule": "growth", "series": "target.rss_bytes", "of": "max", "fail": "1GB"},
			"fail", monitors{"target.rss_bytes": {100 * mb, 1300 * mb, 150 * mb}},
			want{ResultFail, 1200 * mb, 10 * time.Second, "bytes"}},
		// Peak usage 0.95 > 0.9.
		{"max fail", map[string]any{"rule": "max", "series": "db.connection_usage", "fail": 0.9},
			"fail", monitors{"db.connection_usage": {0.5, 0.95, 0.7}},
			want{ResultFail, 0.95, 10 * time.Second, ""}},
		// Peak usage 0.85 with a 90% limit written as a percentage.
		{"max pass", map[string]any{"rule": "max", "series": "db.connection_usage", "fail": "90%"},
			"fail", monitors{"db.connection_usage": {0.5, 0.85, 0.7}},
			want{ResultPass, 0.85, -1, ""}},
		// Final hit rate 0.4 below 0.5, severity warn: warns at the last sample.
		{"final below", map[string]any{"rule": "final", "series": "cache.hit_rate_total", "below": 0.5},
			"warn", monitors{"cache.hit_rate_total": {0.9, 0.6, 0.4}},
			want{ResultWarn, 0.4, 20 * time.Second, ""}},
		// 96 of 100 connections at the second sample.
		{"ratio fail", map[string]any{"rule": "ratio", "series": "db.connections", "over": "db.max_connections", "fail": 0.95},
			"fail", monitors{"db.connections": {10, 96, 50}, "db.max_connections": {100, 100, 100}},
			want{ResultFail, 0.96, 10 * time.Second, "fraction"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, tt.severity, tt.spec)
			check(t, Evaluate(cs, tt.data)[0], tt.want)
		})
	}
}

func TestEvaluateCriteriaNoData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		spec   map[string]any
		src    Source
		detail string
	}{
		// The monitor never produced the series.
		{"monitor unavailable", map[string]any{"rule": "growth", "series": "target.rss_bytes", "fail": "1GB"},
			monitors{}, "monitor series target.rss_bytes unavailable"},
		// The divisor of a ratio is missing.
		{"ratio divisor unavailable", map[string]any{"rule": "ratio", "series": "a", "over": "b", "fail": 1},
			monitors{"a": {1}}, "monitor series b unavailable"},
		// A sub-metric the registry was not told to track.
		{"metric not tracked", map[string]any{"rule": "windowed", "metric": "http_reqs{name:other}", "condition": ">1"},
			run(t, steady(3, 5, time.Millisecond)), "not tracked"},
		// A tracked metric without samples: a latency rule must not pass on no requests.
		{"metric without samples", map[string]any{"rule": "margin", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "slo": 800, "margin": 0.2}, run(t, nil), "no samples"},
		// No source at all.
		{"nil source", map[string]any{"rule": "max", "series": "x", "fail": 1}, nil, "no data source"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, "fail", tt.spec)
			o := Evaluate(cs, tt.src)[0]
			if o.Result != ResultNoData || o.HasValue || !strings.Contains(o.Detail, tt.detail) {
				t.Errorf("outcome %+v, want no data without value, detail containing %q", o, tt.detail)
			}
			if abort, _ := ShouldAbort([]Outcome{o}); abort {
				t.Errorf("no data must not abort the run")
			}
		})
	}
}

// TestEvaluateCriteriaSkippedAndUnjudgeable tells apart a rule whose monitor is not
// configured for the run (skipped, counted neither way) from one that cannot be judged at
// the run's time scale (no data, saying why).
func TestEvaluateCriteriaSkippedAndUnjudgeable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		spec       map[string]any
		resolution time.Duration
		src        Source
		want       string
		detail     string
	}{
		// The series' monitor has no source: skipped, with the monitor's reason.
		{"monitor not configured", map[string]any{"rule": "max", "series": "off.deadlocks", "fail": 0},
			time.Second, monitors{}, ResultSkipped, "monitor off has no url"},
		// Either side of a ratio.
		{"ratio divisor not configured", map[string]any{"rule": "ratio", "series": "a", "over": "off.max", "fail": 1},
			time.Second, monitors{"a": {1}}, ResultSkipped, "monitor off has no url"},
		// A configured monitor that read nothing is no data, not skipped.
		{"configured, no data", map[string]any{"rule": "max", "series": "on.deadlocks", "fail": 0},
			time.Second, monitors{}, ResultNoData, "unavailable"},
		// A 1 s window compressed to 1 ms is finer than the run's 10 ms series.
		{"window below resolution", map[string]any{"rule": "windowed", "metric": "http_reqs", "window": "1ms", "condition": ">=1"},
			10 * time.Millisecond, run(t, steady(3, 5, time.Millisecond)), ResultNoData, "cannot be judged at this time scale: window 1ms"},
		// Likewise an allowance.
		{"for below resolution", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">=1", "for": "5ms"},
			10 * time.Millisecond, run(t, steady(3, 5, time.Millisecond)), ResultNoData, "for 5ms"},
		// At the resolution itself the rule is judged.
		{"window at resolution", map[string]any{"rule": "windowed", "metric": "http_reqs", "window": "1s", "condition": ">=1"},
			time.Second, run(t, steady(3, 5, time.Millisecond)), ResultPass, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			pcs, err := Parse([]Raw{{Name: "c", Severity: "fail", Spec: tt.spec}})
			if err != nil {
				t.Fatal(err)
			}
			cs, err := Compile(pcs, tt.resolution)
			if err != nil {
				t.Fatal(err)
			}
			o := Evaluate(cs, tt.src)[0]
			if o.Result != tt.want || !strings.Contains(o.Detail, tt.detail) {
				t.Errorf("outcome %+v, want %s with detail containing %q", o, tt.want, tt.detail)
			}
		})
	}
}

func TestShouldAbortCriteria(t *testing.T) {
	t.Parallel()
	pcs := []Raw{
		{Name: "aborts", Severity: "fail", AbortOnFail: true,
			Spec: map[string]any{"rule": "max", "series": "x", "fail": 1}},
		{Name: "only fails", Severity: "fail",
			Spec: map[string]any{"rule": "max", "series": "x", "fail": 1}},
		{Name: "warns", Severity: "warn", AbortOnFail: true,
			Spec: map[string]any{"rule": "max", "series": "x", "fail": 1}},
	}
	cs, err := compileRaw(pcs)
	if err != nil {
		t.Fatal(err)
	}
	abort, failed := ShouldAbort(Evaluate(cs, monitors{"x": {0, 2}}))
	if !abort || len(failed) != 1 || failed[0].Name != "aborts" {
		t.Errorf("ShouldAbortCriteria = %v, %+v; want only \"aborts\"", abort, failed)
	}
	if abort, _ := ShouldAbort(Evaluate(cs, monitors{"x": {0, 0.5}})); abort {
		t.Errorf("aborted though every rule held")
	}
}

func TestCompileCriteriaForms(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		kind  string
		spec  map[string]any
		check func(c Criterion) bool
		text  string
	}{
		// The brief's throughput rule.
		{"windowed", "", map[string]any{"rule": "windowed", "metric": "http_reqs", "aggregate": "rate",
			"window": "1s", "condition": ">=400", "for": "30s"},
			func(c Criterion) bool {
				return c.Cond == plan.Condition{Op: threshold.OpGreaterEqual, Value: 400} && c.For == 30*time.Second && c.Window == time.Second
			},
			"http_reqs rate per 1s >=400 RPS, broken for at most 30s"},
		// kind: rather than rule:, a counter's default aggregate, a duration as the value.
		{"kind and defaults", "windowed", map[string]any{"metric": "http_req_failed", "condition": "<0.01"},
			func(c Criterion) bool { return c.Method == threshold.MethodRate && c.Window == 0 },
			"http_req_failed rate per interval <1%"},
		// Condition values of time metrics may be durations.
		{"duration condition", "", map[string]any{"rule": "violations", "metric": "http_req_duration",
			"aggregate": "p(99)", "window": "10s", "condition": "< 1.5s", "max": 10},
			func(c Criterion) bool {
				return c.Cond == plan.Condition{Op: threshold.OpLess, Value: 1500} && c.Arg == 99 && c.Max == 10
			},
			"at most 10 windows of http_req_duration p(99) per 10s breaking <1.5s"},
		// Scenario 01's short form: breach "rate < 400 for 30s" is the rule "rate >= 400".
		{"short form", "", map[string]any{"rule": "http_reqs rate < 400 for 30s"},
			func(c Criterion) bool {
				return c.Rule == RuleWindowed && c.Cond == plan.Condition{Op: threshold.OpGreaterEqual, Value: 400} && c.For == 30*time.Second
			},
			"http_reqs rate per interval >=400 RPS, broken for at most 30s"},
		// Sizes in SI and binary units.
		{"growth sizes", "", map[string]any{"rule": "growth", "series": "target.rss_bytes", "warn": "500MB", "fail": "1GiB"},
			func(c Criterion) bool { return c.Warn.Value == 5e8 && c.Fail.Value == 1<<30 },
			"target.rss_bytes growth (last − first), warn above 500MB, fail above 1GiB"},
		// A margin as a percentage, and a tag selector canonicalised.
		{"margin", "", map[string]any{"rule": "margin", "metric": "http_req_duration{ type: api_read }",
			"aggregate": "p(95)", "slo": 800, "margin": "20%"},
			func(c Criterion) bool {
				return c.Margin == 0.2 && c.SLO == 800 && c.Metric == "http_req_duration{type:api_read}"
			},
			"http_req_duration{type:api_read} p(95) over the run within 20% of the SLO 800ms"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs, err := compileRaw([]Raw{{Kind: tt.kind, Severity: "fail", Spec: tt.spec, Line: 3}})
			if err != nil {
				t.Fatalf("CompileCriteria: %v", err)
			}
			c := cs[0]
			if !tt.check(c) {
				t.Errorf("compiled %+v", c)
			}
			if got := c.Text(); got != tt.text {
				t.Errorf("Text() = %q, want %q", got, tt.text)
			}
			if c.Name != tt.text && !(tt.kind == "" && strings.Contains(tt.spec["rule"].(string), " ")) {
				t.Errorf("an unnamed criterion is named by its rule text; Name = %q", c.Name)
			}
		})
	}
}

func TestCompileCriteriaErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		spec map[string]any
		kind error
		msg  string
	}{
		// A typo in the rule.
		{"unknown rule", map[string]any{"rule": "windowd"}, ErrUnknownRule, `did you mean "windowed"?`},
		// Nothing near: the list.
		{"unknown rule listed", map[string]any{"rule": "zzz"}, ErrUnknownRule, "the rules are windowed, margin"},
		// No rule at all.
		{"no rule", map[string]any{"metric": "http_reqs"}, ErrMissingKey, "no rule"},
		// The metric key is required.
		{"missing metric", map[string]any{"rule": "windowed", "condition": ">1"}, ErrMissingKey, "windowed needs metric"},
		// An unknown metric gets the threshold's did-you-mean.
		{"unknown metric", map[string]any{"rule": "windowed", "metric": "http_req", "condition": ">1"},
			threshold.ErrUnknownMetric, `did you mean "http_reqs"?`},
		// A condition without an operator.
		{"bad condition", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": "400"},
			ErrBadValue, `"400" does not start with an operator`},
		// A condition with a word for a number.
		{"bad condition value", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">lots"},
			ErrBadValue, `"lots" is not a number`},
		// A size with an unknown unit.
		{"bad size", map[string]any{"rule": "growth", "series": "rss", "fail": "1 GBs"},
			ErrBadValue, `"1 GBs" is not a number or a size`},
		// A percentage that is not one.
		{"bad percent", map[string]any{"rule": "margin", "metric": "http_req_duration", "aggregate": "p(95)",
			"slo": 800, "margin": "twenty%"}, ErrBadValue, `"twenty%" is not a percentage`},
		// A fraction above 1 is almost surely a percentage without its sign.
		{"percent without sign", map[string]any{"rule": "margin", "metric": "http_req_duration", "aggregate": "p(95)",
			"slo": 800, "margin": 20}, ErrBadValue, `write "20%"`},
		// A misspelt key.
		{"did you mean a key", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">1", "windw": "1s"},
			ErrUnknownKey, `unknown key "windw"; did you mean "window"?`},
		// A bad duration.
		{"bad duration", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">1", "for": "30"},
			ErrBadValue, `for: "30" is not a positive duration`},
		// A trend needs its aggregate.
		{"trend without aggregate", map[string]any{"rule": "windowed", "metric": "http_req_duration", "condition": "<1"},
			ErrMissingKey, "needs aggregate: one of avg, min, max, med or p(N)"},
		// An aggregate the metric lacks.
		{"aggregate misfit", map[string]any{"rule": "windowed", "metric": "http_reqs", "aggregate": "p(95)", "condition": "<1"},
			threshold.ErrAggregation, `aggregate "p(95)" does not fit http_reqs`},
		// A negative budget.
		{"negative max", map[string]any{"rule": "violations", "metric": "http_reqs", "condition": ">1", "max": int64(-1)},
			ErrBadValue, "max: -1 is not a whole number"},
		// Counting requests needs an upper bound to count them above.
		{"per request needs <", map[string]any{"rule": "violations", "metric": "http_req_duration", "per": "request",
			"condition": ">1", "max": 1}, ErrBadValue, "per: request takes a condition < or <="},
		// A monitor rule without a limit.
		{"no limit", map[string]any{"rule": "max", "series": "x"}, ErrMissingKey, "max needs fail:"},
		// A short form with trailing words.
		{"bad short form", map[string]any{"rule": "http_reqs rate < 400 during 30s"}, ErrBadValue, `unexpected "during 30s"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := compileRaw([]Raw{{Name: "the rule", Severity: "fail", Spec: tt.spec, Line: 42}})
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("error %q does not match %v", err, tt.kind)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.Contains(err.Error(), `line 42: criterion "the rule": `) {
				t.Errorf("error %q, want line, name and %q", err, tt.msg)
			}
		})
	}
}

// TestCompileCriteriaEveryError checks that every invalid criterion is reported, each with
// its own line.
func TestCompileCriteriaEveryError(t *testing.T) {
	t.Parallel()
	_, err := compileRaw([]Raw{
		{Name: "a", Spec: map[string]any{"rule": "windowd"}, Line: 3},
		{Name: "b", Spec: map[string]any{"rule": "max", "series": "x", "fail": 1}, Line: 4},
		{Name: "c", Severity: "loud", Spec: map[string]any{"rule": "max", "series": "x", "fail": "1XB"}, Line: 5},
	})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{`line 3: criterion "a"`, `line 5: criterion "c": severity "loud"`, `line 5: criterion "c": fail: "1XB"`} {
		if !strings.Contains(msg, want) {
			t.Errorf("error %q lacks %q", msg, want)
		}
	}
	if strings.Contains(msg, "line 4") {
		t.Errorf("error %q blames the valid criterion", msg)
	}
}

func TestMetricKeys(t *testing.T) {
	t.Parallel()
	cs := mustCompile(t, "fail",
		map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">1"},
		map[string]any{"rule": "windowed", "metric": "http_req_duration{type: api_read}", "aggregate": "avg", "condition": "<1"},
		map[string]any{"rule": "margin", "metric": "http_req_duration{type:api_read}", "aggregate": "p(95)", "slo": 1, "margin": 0.1},
		map[string]any{"rule": "max", "series": "db.connections", "fail": 1},
	)
	got := strings.Join(MetricKeys(cs), " ")
	if got != "http_req_duration{type:api_read}" {
		t.Errorf("MetricKeys = %q, want the one sub-metric once", got)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"500MB", 5e8, true},     // SI, as k6 prints sizes
		{"1 GiB", 1 << 30, true}, // binary, with a space
		{"1.5kB", 1500, true},    // fractions
		{"1024", 1024, true},     // a plain number
		{"12B", 12, true},        // bytes
		{"", 0, false},           // empty
		{"MB", 0, false},         // a unit alone
		{"1e999GB", 0, false},    // infinite
		{"5 parsecs", 0, false},  // not a unit
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tt.in)
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("ParseSize(%q) = %v, %v; want %v, ok %v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestOutcomeObservedText(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		o    Outcome
		want string
	}{
		// A latency in ms.
		{"ms", Outcome{Observed: 1010.5, Unit: "ms", HasValue: true}, "1.01s"},
		// A growth in bytes, SI as k6 prints.
		{"bytes", Outcome{Observed: 1.1e9, Unit: "bytes", HasValue: true}, "1.1 GB"},
		// A breach in seconds.
		{"seconds", Outcome{Observed: 35, Unit: "s", HasValue: true}, "35s"},
		// Throughput.
		{"rps", Outcome{Observed: 412.5, Unit: "RPS", HasValue: true}, "412.5 RPS"},
		// A share.
		{"fraction", Outcome{Observed: 0.975, Unit: "fraction", HasValue: true}, "97.5%"},
		// A count.
		{"windows", Outcome{Observed: 3, Unit: "windows", HasValue: true}, "3 windows"},
		// Monitor series' units.
		{"ratio", Outcome{Observed: 0.875, Unit: "ratio", HasValue: true}, "87.5%"},
		{"per second", Outcome{Observed: 12, Unit: "per_second", HasValue: true}, "12/s"},
		{"percent", Outcome{Observed: 45.5, Unit: "percent", HasValue: true}, "45.5%"},
		{"count", Outcome{Observed: 7, Unit: "count", HasValue: true}, "7"},
		// Nothing measured.
		{"no data", Outcome{Unit: "ms"}, "no data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.o.ObservedText(); got != tt.want {
				t.Errorf("ObservedText() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestCriteriaOddInput feeds values of every decoded type to every key of every rule, and
// hand-built criteria to EvaluateCriteria: errors, never panics.
func TestCriteriaOddInput(t *testing.T) {
	t.Parallel()
	odd := []any{nil, true, int64(-3), 1e308, "", " ", "%", ">", "p(", "{", []any{1}, map[string]any{"a": 1}, "1e999", "-1s"}
	for rule, keys := range ruleKeys {
		for _, key := range keys {
			for _, v := range odd {
				spec := map[string]any{"rule": rule, key: v}
				_, _ = compileRaw([]Raw{{Spec: spec}, {Kind: rule, Spec: spec}})
			}
		}
	}
	for _, v := range odd {
		_, _ = compileRaw([]Raw{{Spec: map[string]any{"rule": v}}, {Spec: nil}})
	}
	src := run(t, steady(3, 2, time.Millisecond))
	for _, pc := range []plan.Criterion{
		{},
		{Rule: RuleWindowed, Metric: "http_reqs", Window: -time.Second},
		{Rule: RuleViolations, Metric: "http_req_duration", PerRequest: true},
		{Rule: RuleMargin, Metric: "http_reqs", Method: "nonsense"},
		{Rule: RuleRatio, Series: "a", Over: "b"},
	} {
		c := Criterion{Criterion: pc}
		for _, o := range Evaluate([]Criterion{c}, src) {
			if o.Result == "" {
				t.Errorf("criterion %+v: empty result", c)
			}
		}
	}
}

// BenchmarkEvaluateCriteria measures one evaluation of the seed's windowed rules over an
// hour of 1 s points (the CLI evaluates them every EvalInterval for abortOnFail).
func BenchmarkEvaluateCriteria(b *testing.B) {
	reg, err := metrics.NewRegistry(metrics.Config{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	rec := reg.Recorder()
	tags := metrics.NewTags(map[string]string{"name": "list"})
	for i := range 3600 {
		for j := range 5 {
			d := time.Duration(50+j*40) * time.Millisecond
			rec.HTTP(&metrics.HTTPSample{Time: t0.Add(time.Duration(i)*time.Second + time.Duration(j)*time.Millisecond),
				Tags: tags, Status: 200, Expected: true, Waiting: d, Duration: d})
		}
	}
	rec.Flush()
	src := SnapshotSource{Snapshot: reg.Snapshot(), LoadStart: t0}
	cs, err := compileRaw([]Raw{
		{Spec: map[string]any{"rule": "windowed", "metric": "http_reqs", "window": "1s", "condition": ">=4", "for": "30s"}},
		{Spec: map[string]any{"rule": "margin", "metric": "http_req_duration", "aggregate": "p(95)", "slo": 800, "margin": "20%"}},
		{Spec: map[string]any{"rule": "violations", "metric": "http_req_duration", "aggregate": "p(99)", "window": "10s", "condition": "<1500", "max": 10}},
		{Spec: map[string]any{"rule": "violations", "metric": "http_req_duration", "per": "request", "condition": "<200", "max": 100}},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Evaluate(cs, src)
	}
}

// TestAggregatePointMatchesWindow checks that reading a one-interval window from the point
// (the fast path) gives what Series.Window gives, for every aggregation the point carries.
func TestAggregatePointMatchesWindow(t *testing.T) {
	t.Parallel()
	src := run(t, []second{
		{reqs: 30, latency: 40 * time.Millisecond, also: []time.Duration{900 * time.Millisecond, 2 * time.Second}},
		{reqs: 0},
		{reqs: 7, latency: 300 * time.Millisecond},
	})
	for _, tc := range []struct {
		key, agg string
	}{
		{"http_reqs", "rate"}, {"http_reqs", "count"}, {"http_req_failed", "rate"},
		{"http_req_duration", "avg"}, {"http_req_duration", "min"}, {"http_req_duration", "max"},
		{"http_req_duration", "med"}, {"http_req_duration", "p(90)"}, {"http_req_duration", "p(95)"},
		{"http_req_duration", "p(99)"},
	} {
		t.Run(tc.key+" "+tc.agg, func(t *testing.T) {
			t.Parallel()
			c := mustCompile(t, "fail", map[string]any{"rule": "windowed", "metric": tc.key,
				"aggregate": tc.agg, "condition": ">0"})[0]
			s, ok := src.MetricSeries(c.Metric)
			if !ok || !pointHas(c) {
				t.Fatalf("series %v, point has %s: %v", ok, tc.agg, pointHas(c))
			}
			iv := s.Interval()
			for i := range s.Len() {
				p := s.At(i)
				fv, fok := aggregatePoint(c, s.Type, p, iv)
				wv, wok := aggregateWindow(c, s.Type, s.Window(p.Time, p.Time.Add(iv)))
				if fok != wok || math.Abs(fv-wv) > 1e-9*math.Max(1, math.Abs(wv)) {
					t.Errorf("point %d: point gives %v, %v; window gives %v, %v", i, fv, fok, wv, wok)
				}
			}
		})
	}
}

// TestEvaluateCriteriaDetails checks what the report says beside the figure.
func TestEvaluateCriteriaDetails(t *testing.T) {
	t.Parallel()
	fast, slow := 50*time.Millisecond, 1100*time.Millisecond
	tests := []struct {
		name   string
		spec   map[string]any
		secs   []second
		result string
		at     time.Duration
		detail string
	}{
		// A 2 s dip within a 3 s allowance: passes, and says so.
		{"brief breach", map[string]any{"rule": "windowed", "metric": "http_reqs", "condition": ">=10", "for": "3s"},
			concat(steady(3, 12, fast), steady(2, 3, fast), steady(3, 12, fast)),
			ResultPass, 3 * time.Second, "broken briefly, for 2s at most (worst window 3 RPS)"},
		// Margin judged per 2 s window: the slow window (seconds 4–5) fails, the run's p95 would not.
		{"margin per window", map[string]any{"rule": "margin", "metric": "http_req_duration", "aggregate": "p(95)",
			"window": "2s", "slo": 800, "margin": "20%"},
			concat(steady(4, 20, fast), steady(2, 20, slow), steady(4, 20, fast)),
			ResultFail, 4 * time.Second, "above the SLO 800ms by more than 20% (limit 960ms)"},
		// The violation budget and the total.
		{"violations", map[string]any{"rule": "violations", "metric": "http_req_duration", "per": "request",
			"condition": "<1s", "max": 0},
			concat(steady(2, 10, fast), steady(1, 2, slow)),
			ResultFail, 2 * time.Second, "2 of 23 requests broke <1000 (budget 0)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := Evaluate(mustCompile(t, "fail", tt.spec), run(t, tt.secs))[0]
			if o.Result != tt.result || !o.Broken || o.FirstBrokenAt != tt.at || !strings.Contains(o.Detail, tt.detail) {
				t.Errorf("outcome %+v, want %s broken at %v, detail containing %q", o, tt.result, tt.at, tt.detail)
			}
		})
	}
}

// compileRaw parses and compiles criteria as a run does.
func compileRaw(rs []Raw) ([]Criterion, error) {
	pcs, err := Parse(rs)
	if err != nil {
		return nil, err
	}
	return Compile(pcs, time.Second)
}
