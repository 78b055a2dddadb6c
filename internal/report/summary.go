// Package report renders a finished run (an engine.Result): the JSON summary (the seed's
// schema, exactly, extended with the verdict, every threshold, criterion, stage and metric),
// the k6-style text summary, and — for suites — the HTML report, JUnit XML and the Markdown PR
// comment. It decides nothing: the verdict, every outcome and the SLO compliance come from the
// Result, and no expression is parsed again. It knows nothing of executors, HTTP or YAML.
package report

import (
	"math"
	"sort"
	"time"

	"github.com/ramp-dev/ramp/internal/chaos"
	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Summary is one test's result. The first five fields are the seed's JSON schema exactly
// ("JSON Results Schema" in the strategy); the rest are ramp's extensions. Pass is true only
// for the verdict pass; Verdict says which of pass, fail, inconclusive or interrupted.
type Summary struct {
	Timestamp       string  `json:"timestamp"`
	TestType        string  `json:"test_type"`
	DurationSeconds float64 `json:"duration_seconds"`
	Metrics         Metrics `json:"metrics"`
	Pass            bool    `json:"pass"`

	// Verdict is the run's one answer (engine.Result.Verdict), VerdictReasons why.
	Verdict        string           `json:"verdict"`
	VerdictReasons []verdict.Reason `json:"verdict_reasons"`

	File       string            `json:"file,omitempty"`
	Thresholds []ThresholdResult `json:"thresholds"`
	Criteria   []CriterionResult `json:"criteria"`
	SLO        SLOTargets        `json:"slo"`
	Stages     []StageResult     `json:"stages,omitempty"`
	// Segments and Regions are a distributed run's parts, each on its own (ramp merge).
	Segments     []PartResult                  `json:"segments,omitempty"`
	Regions      []PartResult                  `json:"regions,omitempty"`
	MetricValues map[string]map[string]float64 `json:"metric_values"`
	Generator    Generator                     `json:"generator"`
	Load         Load                          `json:"load"`
	// Interrupted is true when the user stopped the run (exit code 3).
	Interrupted bool `json:"interrupted"`
	// Aborted names why a threshold with abortOnFail ended the run early; empty otherwise.
	Aborted string `json:"aborted,omitempty"`
	// Setup and teardown outcome; empty when the test has none or they passed.
	SetupError    string `json:"setup_error,omitempty"`
	TeardownError string `json:"teardown_error,omitempty"`
	// Notes are the verdict's warnings to show beside it (load not delivered, generator
	// overloaded, no data, interrupted): its reasons other than failures.
	Notes []string `json:"notes"`
	// ErrorCodes counts failed requests by k6 error_code ("1050") or, for error statuses,
	// by "status 503".
	ErrorCodes map[string]int64 `json:"error_codes,omitempty"`
	// Series are the per-interval figures the HTML report charts; Distribution is the
	// latency histogram of the SLO metric.
	Series       *Series  `json:"series,omitempty"`
	Distribution []Bucket `json:"latency_distribution,omitempty"`
	// SLOLines are the latency targets to draw on the charts, in ms, by name ("p95").
	SLOLines map[string]float64 `json:"slo_lines,omitempty"`
	// Monitors are the target-side series (memory, DB connections, cache hit rate…).
	Monitors []MonitorSeries `json:"monitors,omitempty"`
	// Endpoints are the figures of each request name (k6's `name` tag), the busiest first;
	// Checks every check's passes and fails; Phases the timing phases of the requests.
	Endpoints []EndpointResult `json:"endpoints,omitempty"`
	Checks    []CheckResult    `json:"checks,omitempty"`
	Phases    []PhaseResult    `json:"phases,omitempty"`
	// Windows are per-interval statistics by metric, for comparing against a baseline.
	Windows *Windows `json:"windows,omitempty"`
	// Regressions are the test's regression budgets as "metric: expression", for ramp compare.
	Regressions []string `json:"regressions,omitempty"`
	// Comparison is the comparison against a baseline, when one was asked for.
	Comparison *compare.Result `json:"comparison,omitempty"`
	// Traced are the slowest and the failed requests that carried a trace context
	// (options.tracing), each with its trace id: the way from a slow request in this report
	// to the server's log line and metric exemplar of that request.
	Traced *TracedRequests `json:"traced_requests,omitempty"`
	// Outputs are what the live outputs (--out prometheus-rw=URL) delivered and dropped;
	// the CLI fills them once they have closed.
	Outputs []OutputResult `json:"outputs,omitempty"`
	// Faults are the chaos timeline's faults as they happened, which every time chart shades.
	Faults []FaultWindow `json:"faults,omitempty"`
}

// TracedRequests are the traced requests a run kept, durations in ms.
type TracedRequests struct {
	Slowest []TracedRequest `json:"slowest"`
	Failed  []TracedRequest `json:"failed"`
}

// TracedRequest is one request that carried a traceparent.
type TracedRequest struct {
	TraceID    string  `json:"trace_id"`
	Time       string  `json:"time"`
	DurationMs float64 `json:"duration_ms"`
	Status     int     `json:"status"`
	ErrorCode  int     `json:"error_code,omitempty"`
	Name       string  `json:"name,omitempty"`
	Method     string  `json:"method,omitempty"`
	URL        string  `json:"url,omitempty"`
}

// tracedRequests converts the engine's lists; nil when the run traced nothing.
func tracedRequests(t metrics.Traced) *TracedRequests {
	if len(t.Slowest) == 0 && len(t.Failed) == 0 {
		return nil
	}
	conv := func(in []metrics.TracedRequest) []TracedRequest {
		out := make([]TracedRequest, len(in))
		for i, r := range in {
			out[i] = TracedRequest{TraceID: r.TraceID, Time: r.Time.UTC().Format(time.RFC3339Nano),
				DurationMs: float64(r.Duration) / 1e6, Status: r.Status, ErrorCode: r.ErrorCode,
				Name: r.Name, Method: r.Method, URL: r.URL}
		}
		return out
	}
	return &TracedRequests{Slowest: conv(t.Slowest), Failed: conv(t.Failed)}
}

// OutputResult is one live output's account: samples sent and samples dropped because the
// receiver was slow, down or refused them (the load never waits for it).
type OutputResult struct {
	Output string `json:"output"` // "prometheus-rw"
	Target string `json:"target"` // the receiver's URL
	// Requests were posted, Failed of them refused or unanswered.
	Requests int64 `json:"requests"`
	Failed   int64 `json:"failed_requests"`
	// SamplesSent reached the receiver; SamplesDropped did not.
	SamplesSent    int64  `json:"samples_sent"`
	SamplesDropped int64  `json:"samples_dropped"`
	LastError      string `json:"last_error,omitempty"`
	// TrendsAsGauges is true when the receiver refused native histograms, so trends went
	// as p50…max gauges from then on.
	TrendsAsGauges bool `json:"trends_as_gauges,omitempty"`
}

// FaultWindow is one fault of the chaos timeline, in seconds on the charts' time axis (since
// the start of the run). A fault never applied has no start and end, and says why in Error.
type FaultWindow struct {
	Name    string   `json:"name"`
	Adapter string   `json:"adapter"`
	Fault   string   `json:"fault"` // its settings, as JSON
	Start   *float64 `json:"start_seconds,omitempty"`
	End     *float64 `json:"end_seconds,omitempty"`
	Error   string   `json:"error,omitempty"`
}

// Series holds one value per interval for each charted figure, aligned on T (seconds since
// the start of the run). Missing values are null in JSON (NaN is not JSON): nil entries.
type Series struct {
	IntervalSeconds float64   `json:"interval_seconds"`
	T               []float64 `json:"t"`
	RPS             []float64 `json:"rps"`
	// TargetRPS is the intended arrival rate in iterations per second (the arrival-rate
	// scenarios together), IterationsPS what those scenarios completed per second: both nil
	// where no arrival-rate scenario runs. (The name is the schema's first: it is iterations,
	// not requests — an iteration may send several requests.)
	TargetRPS    []*float64 `json:"target_rps"`
	IterationsPS []*float64 `json:"iterations_per_second,omitempty"`
	P50          []*float64 `json:"p50"`
	P95          []*float64 `json:"p95"`
	P99          []*float64 `json:"p99"`
	Errors       []float64  `json:"errors"` // failed requests per interval
	VUs          []float64  `json:"vus"`
}

// Bucket is one bar of a latency distribution: Count samples in [FromMs, ToMs).
type Bucket struct {
	FromMs float64 `json:"from_ms"`
	ToMs   float64 `json:"to_ms"`
	Count  int64   `json:"count"`
}

// MonitorSeries is one watched figure of the target over time.
type MonitorSeries struct {
	Name  string     `json:"name"` // "target.rss_bytes", "db.connections"
	Unit  string     `json:"unit"` // "bytes", "count", "ratio", "percent"
	T     []float64  `json:"t"`    // seconds since the start of the run
	V     []*float64 `json:"v"`
	Error string     `json:"error,omitempty"` // why the monitor could not read its source
	// Skipped says why the monitor was not configured for this run.
	Skipped string `json:"skipped,omitempty"`
}

// Metrics is the seed schema's "metrics" object.
type Metrics struct {
	RequestsTotal     int64         `json:"requests_total"`
	RequestsPerSecond float64       `json:"requests_per_second"`
	ErrorRate         float64       `json:"error_rate"`
	ResponseTimes     ResponseTimes `json:"response_times"`
	SLOCompliance     SLOCompliance `json:"slo_compliance"`
}

// ResponseTimes are in milliseconds, of the test's SLO metric (http_req_duration by default).
type ResponseTimes struct {
	Avg float64 `json:"avg"`
	Min float64 `json:"min"`
	Max float64 `json:"max"`
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
}

// SLOCompliance says whether each headline target was met: null for a target the test does
// not state, false for one without data (no data is never met).
type SLOCompliance struct {
	P50Met       *bool `json:"p50_met"`
	P95Met       *bool `json:"p95_met"`
	P99Met       *bool `json:"p99_met"`
	ErrorRateMet *bool `json:"error_rate_met"`
}

// SLOTargets are the headline targets themselves (null when not stated): the metric the
// latency targets apply to, latency limits in ms, the error rate as a fraction.
type SLOTargets struct {
	Metric    string   `json:"metric"`
	P50Ms     *float64 `json:"p50_ms"`
	P95Ms     *float64 `json:"p95_ms"`
	P99Ms     *float64 `json:"p99_ms"`
	ErrorRate *float64 `json:"error_rate"`
}

// ThresholdResult is one threshold expression's outcome, with its parts for renderers.
type ThresholdResult struct {
	Metric     string   `json:"metric"`
	Expression string   `json:"expression"`
	Observed   *float64 `json:"observed"` // null when the metric had no data
	Pass       bool     `json:"pass"`
	// Status is "pass", "fail" or "no data".
	Status string `json:"status"`
	// Aggregation ("p(95)", "rate"), Op ("<") and Limit (800) are the parsed expression;
	// Unit is how Observed and Limit read: "ms", "bytes", "%" (a rate metric's share), "/s"
	// (a counter's rate) or "" (a plain number).
	Aggregation string  `json:"aggregation"`
	Op          string  `json:"op"`
	Limit       float64 `json:"limit"`
	Unit        string  `json:"unit"`
}

// CriterionResult is one SLO criterion's outcome (rules k6 cannot express).
type CriterionResult struct {
	Name          string   `json:"name"`
	Rule          string   `json:"rule"`
	Observed      *float64 `json:"observed"`
	Result        string   `json:"result"` // pass, warn, fail, "no data" or skipped
	Severity      string   `json:"severity,omitempty"`
	Unit          string   `json:"unit,omitempty"`
	FirstBrokenAt *float64 `json:"first_broken_at"`
	Detail        string   `json:"detail,omitempty"`
}

// StageResult is one stage of a scenario and what ran in it.
type StageResult struct {
	Scenario     string   `json:"scenario"`
	Index        int      `json:"index"`
	StartSeconds float64  `json:"start_seconds"` // from the load's start
	EndSeconds   float64  `json:"end_seconds"`
	Target       float64  `json:"target"`
	TargetUnit   string   `json:"target_unit"` // "VUs" or "iterations/s"
	Requests     int64    `json:"requests"`
	RPS          float64  `json:"requests_per_second"`
	ErrorRate    float64  `json:"error_rate"`
	P50          *float64 `json:"p50"` // ms; null without requests
	P95          *float64 `json:"p95"`
	P99          *float64 `json:"p99"`
}

// PartResult is one part of a distributed run — a segment, or a region's segments together.
type PartResult struct {
	Name        string   `json:"name"`
	Requests    int64    `json:"requests"`
	RPS         float64  `json:"requests_per_second"`
	ErrorRate   float64  `json:"error_rate"`
	P50         *float64 `json:"p50"` // ms; null without requests
	P95         *float64 `json:"p95"`
	P99         *float64 `json:"p99"`
	Dropped     int64    `json:"iterations_dropped"`
	LateSeconds float64  `json:"late_seconds"` // how long after the shared start its load began
}

// Generator is the load generator's self-check.
type Generator struct {
	Overloaded       bool     `json:"overloaded"`
	ScheduleLagP99Ms float64  `json:"schedule_lag_p99_ms"`
	ScheduleLagMaxMs float64  `json:"schedule_lag_max_ms"`
	CPUMaxPercent    float64  `json:"cpu_max_percent"`
	Reasons          []string `json:"reasons,omitempty"`
}

// Load says whether the intended load was delivered.
type Load struct {
	// Scheduled counts arrival-rate iterations that were due (started + dropped).
	IterationsScheduled int64   `json:"iterations_scheduled"`
	IterationsDropped   int64   `json:"iterations_dropped"`
	DroppedShare        float64 `json:"dropped_share"`
	// Tolerance is the share that may be dropped (options.loadTolerance); Delivered says
	// whether no more was.
	Tolerance float64 `json:"tolerance"`
	Delivered bool    `json:"delivered"`
}

// Build renders a finished run as its summary. It decides nothing: the verdict, the
// threshold and criteria outcomes and the SLO compliance are the Result's.
func Build(res *engine.Result) *Summary {
	snap := res.Snapshot
	v := res.Verdict
	s := &Summary{
		Timestamp:       res.Started.UTC().Format(time.RFC3339),
		TestType:        res.Plan.TestType,
		DurationSeconds: round(snap.Elapsed.Seconds(), 3),
		Pass:            v.Passed(),
		Verdict:         string(v.Status),
		VerdictReasons:  v.Reasons,
		File:            res.Plan.File,
		Thresholds:      []ThresholdResult{},
		Criteria:        []CriterionResult{},
		MetricValues:    MetricValues(snap),
		Interrupted:     res.Interrupted,
		Aborted:         res.Aborted,
		SetupError:      res.SetupError,
		TeardownError:   res.TeardownError,
		Notes:           []string{},
		Monitors:        renderMonitors(res.Monitors),
		Traced:          tracedRequests(res.Traced),
	}
	for _, r := range v.Reasons {
		if r.Status != verdict.Fail {
			s.Notes = append(s.Notes, r.Text)
		}
	}
	count, _ := snap.Aggregate(metrics.HTTPReqs, "count", 0)
	s.Metrics.RequestsTotal = int64(count)
	s.Metrics.RequestsPerSecond, _ = snap.Aggregate(metrics.HTTPReqs, "rate", 0)
	s.Metrics.RequestsPerSecond = round(s.Metrics.RequestsPerSecond, 2)
	s.Metrics.ErrorRate, _ = snap.Aggregate(metrics.HTTPReqFailed, "rate", 0)

	slo := res.SLO
	key := slo.Metric
	rt := &s.Metrics.ResponseTimes
	rt.Avg = agg(snap, key, "avg", 0)
	rt.Min = agg(snap, key, "min", 0)
	rt.Max = agg(snap, key, "max", 0)
	rt.P50 = agg(snap, key, "p", 50)
	rt.P95 = agg(snap, key, "p", 95)
	rt.P99 = agg(snap, key, "p", 99)
	c := &s.Metrics.SLOCompliance
	c.P50Met, c.P95Met, c.P99Met, c.ErrorRateMet = met(slo.P50), met(slo.P95), met(slo.P99), met(slo.ErrorRate)
	s.SLO = SLOTargets{Metric: key, P50Ms: limit(slo.P50), P95Ms: limit(slo.P95), P99Ms: limit(slo.P99), ErrorRate: limit(slo.ErrorRate)}

	for _, r := range res.Thresholds {
		s.Thresholds = append(s.Thresholds, thresholdResult(r))
	}
	for _, o := range res.Criteria {
		s.Criteria = append(s.Criteria, criterionResult(o))
	}
	for _, st := range res.Stages {
		s.Stages = append(s.Stages, stageResult(st))
	}
	for _, p := range res.Segments {
		s.Segments = append(s.Segments, partResult(p))
	}
	for _, p := range res.Regions {
		s.Regions = append(s.Regions, partResult(p))
	}

	s.Series = buildSeries(snap, key, res.TargetRate)
	s.Faults = faultWindows(res.Faults, snap.Time.Add(-snap.Elapsed))
	s.Distribution = buildDistribution(snap, key)
	s.SLOLines = sloLines(s.SLO, s.Thresholds)
	s.ErrorCodes = errorCodes(snap)
	s.Endpoints = buildEndpoints(snap)
	s.Checks = buildChecks(snap)
	s.Phases = buildPhases(snap)
	s.Windows = BuildWindows(snap, WindowKeys(res.Plan))
	if res.Plan != nil {
		for _, r := range res.Plan.Regressions {
			s.Regressions = append(s.Regressions, r.Metric+": "+r.Expression)
		}
	}

	sc := res.SelfCheck
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	s.Generator = Generator{
		Overloaded:       sc.Overloaded,
		ScheduleLagP99Ms: round(ms(sc.LagP99), 3),
		ScheduleLagMaxMs: round(ms(sc.LagMax), 3),
		CPUMaxPercent:    round(sc.CPUMaxPercent, 1),
		Reasons:          sc.Reasons,
	}
	l := res.Load
	s.Load = Load{IterationsScheduled: l.Scheduled, IterationsDropped: l.Dropped,
		DroppedShare: round(l.DroppedShare(), 6), Tolerance: l.Tolerance, Delivered: l.Delivered()}
	return s
}

// met shows a target's compliance: nil when not stated.
func met(t engine.Target) *bool {
	if !t.Stated {
		return nil
	}
	return &t.Met
}

// limit shows a target's limit: nil when not stated.
func limit(t engine.Target) *float64 {
	if !t.Stated {
		return nil
	}
	return fp(t.Limit)
}

// thresholdResult renders one threshold's outcome with its expression's parts.
func thresholdResult(r threshold.Result) ThresholdResult {
	tr := ThresholdResult{Metric: r.Metric, Expression: r.Expression, Pass: r.Pass, Status: r.Status(),
		Aggregation: r.Expr.Aggregation(), Op: r.Expr.Op, Limit: r.Expr.Value, Unit: r.Unit()}
	if r.HasValue {
		tr.Observed = fp(round(r.Observed, 4))
	}
	return tr
}

// criterionResult renders one criterion's outcome.
func criterionResult(o criteria.Outcome) CriterionResult {
	r := CriterionResult{Name: o.Name, Rule: o.Rule, Result: o.Result, Severity: o.Severity, Unit: o.Unit, Detail: o.Detail}
	if o.HasValue {
		r.Observed = fp(o.Observed)
	}
	if o.Broken {
		r.FirstBrokenAt = fp(o.FirstBrokenAt.Seconds())
	}
	return r
}

// stageResult renders one stage's figures.
func stageResult(st engine.Stage) StageResult {
	r := StageResult{Scenario: st.Scenario, Index: st.Index, StartSeconds: round(st.Start.Seconds(), 3),
		EndSeconds: round(st.End.Seconds(), 3), Target: round(st.Target, 3), TargetUnit: st.Unit,
		Requests: st.Requests, RPS: round(st.RPS, 2), ErrorRate: round(st.ErrorRate, 6)}
	if st.HasLatency {
		r.P50, r.P95, r.P99 = fp(round(st.P50, 3)), fp(round(st.P95, 3)), fp(round(st.P99, 3))
	}
	return r
}

// partResult renders one part of a distributed run.
func partResult(p engine.Part) PartResult {
	r := PartResult{Name: p.Name, Requests: p.Requests, RPS: round(p.RPS, 2), ErrorRate: round(p.ErrorRate, 6),
		Dropped: p.Dropped, LateSeconds: round(p.Late.Seconds(), 3)}
	if p.HasLatency {
		r.P50, r.P95, r.P99 = fp(round(p.P50, 3)), fp(round(p.P95, 3)), fp(round(p.P99, 3))
	}
	return r
}

// renderMonitors renders the monitors' series, times in seconds.
func renderMonitors(in []engine.MonitorSeries) []MonitorSeries {
	var out []MonitorSeries
	for _, m := range in {
		ms := MonitorSeries{Name: m.Name, Unit: m.Unit, Error: m.Error, Skipped: m.Skipped}
		for _, p := range m.Points {
			ms.T = append(ms.T, round(p.Offset.Seconds(), 3))
			ms.V = append(ms.V, fp(p.Value))
		}
		out = append(out, ms)
	}
	return out
}

// MetricValues lists every metric and sub-metric of a snapshot by its k6 key with the
// aggregations k6's summary shows for its type.
func MetricValues(snap *metrics.Snapshot) map[string]map[string]float64 {
	out := map[string]map[string]float64{}
	for _, m := range snap.Metrics() {
		v := map[string]float64{}
		set := func(name, method string, arg float64) {
			if x, ok := snap.Aggregate(m.Key, method, arg); ok && !math.IsNaN(x) && !math.IsInf(x, 0) {
				v[name] = round(x, 4)
			}
		}
		switch m.Type {
		case metrics.Trend:
			set("avg", "avg", 0)
			set("min", "min", 0)
			set("med", "med", 0)
			set("max", "max", 0)
			set("p(90)", "p", 90)
			set("p(95)", "p", 95)
			set("p(99)", "p", 99)
			v["count"] = m.Count
		case metrics.Counter:
			set("count", "count", 0)
			set("rate", "rate", 0)
		case metrics.Rate:
			set("rate", "rate", 0)
			v["passes"] = float64(m.Passes)
			v["fails"] = float64(m.Fails)
		case metrics.Gauge:
			set("value", "value", 0)
			set("min", "min", 0)
			set("max", "max", 0)
		}
		out[m.Key] = v
	}
	return out
}

func agg(snap *metrics.Snapshot, key, method string, arg float64) float64 {
	v, ok := snap.Aggregate(key, method, arg)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return round(v, 3)
}

func round(f float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(f*p) / p
}

// SortedKeys returns m's keys in order.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// faultWindows places the run's faults on the charts' time axis, whose origin is start.
func faultWindows(ws []chaos.Window, start time.Time) []FaultWindow {
	var out []FaultWindow
	for _, w := range ws {
		f := FaultWindow{Name: w.Name, Adapter: w.Adapter, Fault: w.Fault, Error: w.Error}
		if w.Applied() {
			f.Start, f.End = fp(round(w.Start.Sub(start).Seconds(), 3)), fp(round(w.End.Sub(start).Seconds(), 3))
		}
		out = append(out, f)
	}
	return out
}
