// Package report turns a finished run into its results: the JSON summary (the seed's schema,
// exactly, extended with every threshold, criterion and metric), the k6-style text summary,
// and — for suites — the HTML report, JUnit XML and the Markdown PR comment. It reads a
// metrics snapshot and evaluated results; it knows nothing of executors, HTTP or YAML.
package report

import (
	"math"
	"sort"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// Summary is one test's result. The first six fields are the seed's JSON schema exactly
// ("JSON Results Schema" in the strategy); the rest are ramp's extensions.
type Summary struct {
	Timestamp       string  `json:"timestamp"`
	TestType        string  `json:"test_type"`
	DurationSeconds float64 `json:"duration_seconds"`
	Metrics         Metrics `json:"metrics"`
	Pass            bool    `json:"pass"`

	File         string                        `json:"file,omitempty"`
	Thresholds   []ThresholdResult             `json:"thresholds"`
	Criteria     []CriterionResult             `json:"criteria"`
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
	// Notes are warnings to show beside the verdict (untrustworthy generator, load not delivered).
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
}

// Series holds one value per interval for each charted figure, aligned on T (seconds since
// the start of the load). Missing values are null in JSON (NaN is not JSON): nil entries.
type Series struct {
	IntervalSeconds float64    `json:"interval_seconds"`
	T               []float64  `json:"t"`
	RPS             []float64  `json:"rps"`
	TargetRPS       []*float64 `json:"target_rps"`
	P50             []*float64 `json:"p50"`
	P95             []*float64 `json:"p95"`
	P99             []*float64 `json:"p99"`
	Errors          []float64  `json:"errors"` // failed requests per interval
	VUs             []float64  `json:"vus"`
}

// Bucket is one bar of a latency distribution: Count samples in [FromMs, ToMs).
type Bucket struct {
	FromMs float64 `json:"from_ms"`
	ToMs   float64 `json:"to_ms"`
	Count  int64   `json:"count"`
}

// MonitorSeries is one watched figure of the target over time.
type MonitorSeries struct {
	Name  string     `json:"name"` // "mina.rss_bytes", "postgres.connections"
	Unit  string     `json:"unit"` // "bytes", "count", "ratio", "percent"
	T     []float64  `json:"t"`    // seconds since the start of the load
	V     []*float64 `json:"v"`
	Error string     `json:"error,omitempty"` // why the monitor could not read its source
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

// SLOCompliance says whether each headline target was met. A target the test does not set is
// met.
type SLOCompliance struct {
	P50Met       bool `json:"p50_met"`
	P95Met       bool `json:"p95_met"`
	P99Met       bool `json:"p99_met"`
	ErrorRateMet bool `json:"error_rate_met"`
}

// ThresholdResult is one threshold expression's outcome.
type ThresholdResult struct {
	Metric     string   `json:"metric"`
	Expression string   `json:"expression"`
	Observed   *float64 `json:"observed"` // null when the metric had no data
	Pass       bool     `json:"pass"`
}

// CriterionResult is one SLO criterion's outcome (rules k6 cannot express).
type CriterionResult struct {
	Name          string   `json:"name"`
	Rule          string   `json:"rule"`
	Observed      *float64 `json:"observed"`
	Result        string   `json:"result"` // pass, warn or fail
	Unit          string   `json:"unit,omitempty"`
	FirstBrokenAt *float64 `json:"first_broken_at"`
	Detail        string   `json:"detail,omitempty"`
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
	Delivered           bool    `json:"delivered"`
}

// MaxDroppedShare is the share of dropped iterations above which a run says it did not
// deliver its intended load.
const MaxDroppedShare = 0.001

// Input is everything Build needs about a finished run.
type Input struct {
	Plan       *plan.Plan
	Snapshot   *metrics.Snapshot
	Thresholds []threshold.Result
	Criteria   []CriterionResult
	SelfCheck  selfcheck.Report
	// Started is when the load began; Elapsed how long the run lasted.
	Started time.Time
	// ArrivalIterations counts iterations started by arrival-rate executors (the scheduled
	// ones that were not dropped).
	ArrivalIterations int64
	// TargetRate is the intended iteration rate at an offset from the start, false when no
	// arrival-rate scenario runs then; nil when unknown.
	TargetRate    func(time.Duration) (float64, bool)
	Interrupted   bool
	Aborted       string
	SetupError    string
	TeardownError string
	// Monitors are the target-side series recorded beside the load.
	Monitors []MonitorSeries
}

// Build computes the summary of a run.
func Build(in Input) *Summary {
	snap := in.Snapshot
	s := &Summary{
		Timestamp:       in.Started.UTC().Format(time.RFC3339),
		TestType:        in.Plan.TestType,
		DurationSeconds: round(snap.Elapsed.Seconds(), 3),
		File:            in.Plan.File,
		Thresholds:      []ThresholdResult{},
		Criteria:        append([]CriterionResult{}, in.Criteria...),
		MetricValues:    MetricValues(snap),
		Interrupted:     in.Interrupted,
		Aborted:         in.Aborted,
		SetupError:      in.SetupError,
		TeardownError:   in.TeardownError,
		Notes:           []string{},
		Monitors:        in.Monitors,
	}
	count, _ := snap.Aggregate(metrics.HTTPReqs, "count", 0)
	s.Metrics.RequestsTotal = int64(count)
	s.Metrics.RequestsPerSecond, _ = snap.Aggregate(metrics.HTTPReqs, "rate", 0)
	s.Metrics.RequestsPerSecond = round(s.Metrics.RequestsPerSecond, 2)
	s.Metrics.ErrorRate, _ = snap.Aggregate(metrics.HTTPReqFailed, "rate", 0)

	slo := targets(in.Plan)
	key := slo.Metric
	rt := &s.Metrics.ResponseTimes
	rt.Avg = agg(snap, key, "avg", 0)
	rt.Min = agg(snap, key, "min", 0)
	rt.Max = agg(snap, key, "max", 0)
	rt.P50 = agg(snap, key, "p", 50)
	rt.P95 = agg(snap, key, "p", 95)
	rt.P99 = agg(snap, key, "p", 99)
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	c := &s.Metrics.SLOCompliance
	c.P50Met = slo.P50 <= 0 || rt.P50 < ms(slo.P50)
	c.P95Met = slo.P95 <= 0 || rt.P95 < ms(slo.P95)
	c.P99Met = slo.P99 <= 0 || rt.P99 < ms(slo.P99)
	c.ErrorRateMet = slo.ErrorRate < 0 || s.Metrics.ErrorRate < slo.ErrorRate

	s.Pass = in.SetupError == "" && in.TeardownError == "" && in.Aborted == ""
	for _, r := range in.Thresholds {
		tr := ThresholdResult{Metric: r.Metric, Expression: r.Expression, Pass: r.Pass}
		if r.HasValue {
			v := round(r.Observed, 4)
			tr.Observed = &v
		}
		s.Thresholds = append(s.Thresholds, tr)
		s.Pass = s.Pass && r.Pass
	}
	for _, cr := range s.Criteria {
		s.Pass = s.Pass && cr.Result != "fail"
	}

	s.Series = buildSeries(snap, key, in.TargetRate)
	s.Distribution = buildDistribution(snap, key)
	s.SLOLines = sloLines(s.Thresholds, key)
	s.ErrorCodes = errorCodes(snap)

	sc := in.SelfCheck
	s.Generator = Generator{
		Overloaded:       sc.Overloaded,
		ScheduleLagP99Ms: round(ms(sc.LagP99), 3),
		ScheduleLagMaxMs: round(ms(sc.LagMax), 3),
		CPUMaxPercent:    round(sc.CPUMaxPercent, 1),
		Reasons:          sc.Reasons,
	}
	if sc.Overloaded {
		s.Notes = append(s.Notes, "generator overloaded — results not trustworthy: "+strings.Join(sc.Reasons, "; "))
	}

	dropped, _ := snap.Aggregate(metrics.DroppedIterations, "count", 0)
	s.Load = Load{IterationsDropped: int64(dropped), IterationsScheduled: in.ArrivalIterations + int64(dropped), Delivered: true}
	if s.Load.IterationsScheduled > 0 {
		s.Load.DroppedShare = round(dropped/float64(s.Load.IterationsScheduled), 6)
	}
	if s.Load.DroppedShare > MaxDroppedShare {
		s.Load.Delivered = false
		s.Notes = append(s.Notes, "intended load not delivered: "+itoa(s.Load.IterationsDropped)+" of "+
			itoa(s.Load.IterationsScheduled)+" scheduled iterations dropped ("+pct(s.Load.DroppedShare)+
			") — no VU was free; raise maxVUs or lower the rate")
	}
	if in.Interrupted {
		s.Notes = append(s.Notes, "interrupted by the user: figures cover only what ran")
	}
	return s
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

// targets returns the test's headline SLO: the plan's `slo` block, else what its thresholds
// on the SLO metric and on http_req_failed say.
func targets(p *plan.Plan) plan.SLO {
	slo := p.SLO
	if slo.Metric == "" {
		slo.Metric = metrics.HTTPReqDuration
	}
	if name, tags, err := metrics.ParseKey(slo.Metric); err == nil {
		slo.Metric = metrics.FormatKey(name, tags)
	}
	explicit := p.SLO.P50 > 0 || p.SLO.P95 > 0 || p.SLO.P99 > 0 || p.SLO.ErrorRate != 0
	if explicit {
		return slo
	}
	slo.ErrorRate = -1
	for _, t := range p.Thresholds {
		name, tags, err := metrics.ParseKey(t.Metric)
		if err != nil {
			continue
		}
		key := metrics.FormatKey(name, tags)
		for _, r := range t.Rules {
			e, err := threshold.ParseExpression(r.Expression)
			if err != nil || (e.Op != "<" && e.Op != "<=") {
				continue
			}
			switch {
			case key == slo.Metric && e.Method == "p" && e.Arg == 50:
				slo.P50 = msDuration(e.Value)
			case key == slo.Metric && e.Method == "med":
				slo.P50 = msDuration(e.Value)
			case key == slo.Metric && e.Method == "p" && e.Arg == 95:
				slo.P95 = msDuration(e.Value)
			case key == slo.Metric && e.Method == "p" && e.Arg == 99:
				slo.P99 = msDuration(e.Value)
			case key == metrics.HTTPReqFailed && e.Method == "rate":
				slo.ErrorRate = e.Value
			}
		}
	}
	return slo
}

func agg(snap *metrics.Snapshot, key, method string, arg float64) float64 {
	v, ok := snap.Aggregate(key, method, arg)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return round(v, 3)
}

func msDuration(ms float64) time.Duration { return time.Duration(ms * float64(time.Millisecond)) }

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
