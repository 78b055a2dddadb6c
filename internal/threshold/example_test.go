package threshold_test

import (
	"fmt"
	"time"

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
