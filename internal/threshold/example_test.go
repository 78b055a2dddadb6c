package threshold_test

import (
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// snapshot stands in for *metrics.Snapshot: aggregations by "key method arg".
type snapshot map[string]float64

func (s snapshot) Aggregate(key, method string, arg float64) (float64, bool) {
	v, ok := s[fmt.Sprintf("%s %s %g", key, method, arg)]
	return v, ok
}

// Compile a scenario's thresholds, evaluate them against what was measured, and ask whether
// the run must stop.
func Example() {
	ts, err := threshold.Compile([]plan.Threshold{
		{Metric: "http_req_duration{name:meetings_list}", Rules: []plan.ThresholdRule{
			{Expression: "p(95)<800"}, {Expression: "p(99)<1500"},
		}},
		{Metric: "http_req_failed", Rules: []plan.ThresholdRule{
			{Expression: "rate<0.0005", AbortOnFail: true, DelayAbortEval: 10 * time.Second},
		}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("track:", threshold.SubmetricKeys(ts))

	measured := snapshot{
		"http_req_duration{name:meetings_list} p 95": 612.4,
		"http_req_duration{name:meetings_list} p 99": 1712,
		"http_req_failed rate 0":                     0.002,
	}
	results := threshold.Evaluate(ts, measured)
	for i, r := range results {
		mark := "✓"
		if !r.Pass {
			mark = "✗"
		}
		fmt.Printf("%s %s %s: %s\n", mark, r.Metric, r.Expression, threshold.FormatObserved(ts[i], r.Observed))
	}
	for _, elapsed := range []time.Duration{5 * time.Second, 12 * time.Second} {
		abort, _ := threshold.ShouldAbort(ts, results, elapsed)
		fmt.Printf("abort at %v: %v\n", elapsed, abort)
	}
	// Output:
	// track: [http_req_duration{name:meetings_list}]
	// ✓ http_req_duration{name:meetings_list} p(95)<800: 612.4ms
	// ✗ http_req_duration{name:meetings_list} p(99)<1500: 1.71s
	// ✗ http_req_failed rate<0.0005: 0.2%
	// abort at 5s: false
	// abort at 12s: true
}

func ExampleParseExpression() {
	e, err := threshold.ParseExpression("p(99.9) <= 1500")
	fmt.Println(e.Method, e.Arg, e.Op, e.Value, err)
	_, err = threshold.ParseExpression("p95<800")
	fmt.Println(err)
	// Output:
	// p 99.9 <= 1500 <nil>
	// threshold "p95<800": column 1: unknown aggregation "p95"; percentiles are written p(N): write p(95)
}

// monitorData stands in for the monitors: one series of the target's memory, sampled every
// 10 s from the load's start.
type monitorData struct{ start time.Time }

func (m monitorData) MetricSeries(string) (*metrics.Series, bool) { return nil, false }

func (m monitorData) MonitorSeries(name string) ([]threshold.MonitorPoint, string, bool) {
	if name != "target.rss_bytes" {
		return nil, "", false
	}
	var pts []threshold.MonitorPoint
	for i, mb := range []float64{120, 380, 650, 700} {
		pts = append(pts, threshold.MonitorPoint{Time: m.start.Add(time.Duration(i) * 10 * time.Second), Value: mb * 1e6})
	}
	return pts, "bytes", true
}

func (m monitorData) Start() time.Time { return m.start }

// Compile the seed's memory rules and judge them on a monitor's series: growth of 580 MB is
// in the warn band; a missing series warns rather than passing.
func ExampleEvaluateCriteria() {
	cs, err := threshold.CompileCriteria([]plan.Criterion{
		{Name: "memory growth", Severity: "fail", Line: 40,
			Spec: map[string]any{"rule": "growth", "series": "target.rss_bytes", "warn": "500MB", "fail": "1GB"}},
		{Name: "pool saturation", Severity: "fail", Line: 41,
			Spec: map[string]any{"rule": "ratio", "series": "db.connections", "over": "db.max_connections", "fail": 0.95}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range threshold.EvaluateCriteria(cs, monitorData{start: time.Now()}) {
		fmt.Printf("%s: %s, observed %s", o.Name, o.Result, o.ObservedText())
		if o.Broken {
			fmt.Printf(", broken at +%s", o.FirstBrokenAt)
		}
		fmt.Printf(" (%s)\n", o.Detail)
	}
	// Output:
	// memory growth: warn, observed 580 MB, broken at +20s (580 MB above the warn limit 500 MB)
	// pool saturation: warn, observed no data (no data: monitor series db.connections unavailable)
}
