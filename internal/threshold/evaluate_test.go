package threshold

import (
	"fmt"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// fakeSource is the Source contract as a map: "key|method|arg" to value. A missing entry is
// a metric without samples. It records every question so tests can check the keys asked for;
// parallel subtests share one, so the record is guarded.
type fakeSource struct {
	values map[string]float64
	mu     sync.Mutex
	asked  []string
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Aggregate(key, method string, arg float64) (float64, bool) {
	q := fmt.Sprintf("%s|%s|%g", key, method, arg)
	f.mu.Lock()
	f.asked = append(f.asked, q)
	f.mu.Unlock()
	v, ok := f.values[q]
	return v, ok
}

// compile compiles one metric's expressions or fails the test.
func compile(t *testing.T, metric string, exprs ...string) []Threshold {
	t.Helper()
	ts, err := Compile([]plan.Threshold{{Metric: metric, Rules: rules(exprs...)}})
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestEvaluateOperatorsAtTheBoundary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		expr     string
		observed float64
		pass     bool
	}{
		// < is strict.
		{"less, below", "avg<800", 799.999, true},
		{"less, at", "avg<800", 800, false},
		// <= includes the limit.
		{"less or equal, at", "avg<=800", 800, true},
		{"less or equal, above", "avg<=800", 800.001, false},
		// > is strict.
		{"greater, above", "avg>800", 800.001, true},
		{"greater, at", "avg>800", 800, false},
		// >= includes the limit.
		{"greater or equal, at", "avg>=800", 800, true},
		{"greater or equal, below", "avg>=800", 799.999, false},
		// == and === compare exactly.
		{"equal, at", "avg==800", 800, true},
		{"equal, off by a little", "avg==800", 800.0000001, false},
		{"strict equal, at", "avg===800", 800, true},
		{"strict equal, off", "avg===800", 799, false},
		// != is the negation.
		{"not equal, off", "avg!=800", 801, true},
		{"not equal, at", "avg!=800", 800, false},
		// A NaN from the source fails whatever the operator, != included.
		{"NaN with less", "avg<800", math.NaN(), false},
		{"NaN with not equal", "avg!=800", math.NaN(), false},
		// Infinities compare as numbers.
		{"infinity", "avg<800", math.Inf(1), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := compile(t, "http_req_duration", tt.expr)
			src := &fakeSource{values: map[string]float64{"http_req_duration|avg|0": tt.observed}}
			got := Evaluate(ts, src)
			if len(got) != 1 {
				t.Fatalf("Evaluate returned %d results, want 1", len(got))
			}
			r := got[0]
			if r.Pass != tt.pass || !r.HasValue {
				t.Errorf("%s with %v: Pass=%v HasValue=%v, want Pass=%v HasValue=true", tt.expr, tt.observed, r.Pass, r.HasValue, tt.pass)
			}
			if r.Observed != tt.observed && !math.IsNaN(tt.observed) {
				t.Errorf("Observed = %v, want %v", r.Observed, tt.observed)
			}
		})
	}
}

func TestEvaluateAsksForEachAggregation(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		metric string
		expr   string
		query  string // what the source must be asked
	}{
		// Percentiles carry their argument.
		{"percentile", "http_req_duration", "p(99.9)<1500", "http_req_duration|p|99.9"},
		// med is its own method, not p(50): the source decides how to answer it.
		{"median", "http_req_duration", "med<100", "http_req_duration|med|0"},
		{"counter rate", "http_reqs", "rate>=400", "http_reqs|rate|0"},
		{"counter count", "iterations", "count>0", "iterations|count|0"},
		{"rate", "http_req_failed", "rate<0.0005", "http_req_failed|rate|0"},
		{"gauge value", "vus", "value<5", "vus|value|0"},
		{"gauge max", "vus_max", "max<5", "vus_max|max|0"},
		// Sub-metrics are asked for by their canonical key, whatever the spelling.
		{"sub-metric, canonical", "http_req_duration{ status : 200, name:'meetings_list' }", "p(95)<800",
			"http_req_duration{name:meetings_list,status:200}|p|95"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := compile(t, tt.metric, tt.expr)
			src := &fakeSource{values: map[string]float64{tt.query: 1}}
			r := Evaluate(ts, src)[0]
			if !reflect.DeepEqual(src.asked, []string{tt.query}) {
				t.Errorf("source asked %q, want %q", src.asked, tt.query)
			}
			if !r.HasValue || r.Observed != 1 {
				t.Errorf("result %+v: want the value 1 found under %q", r, tt.query)
			}
		})
	}
}

// TestEvaluateNoData pins what a metric without samples gives: no value and no pass — no
// data never counts as met (k6 reads every aggregation as 0 and passes "p(95)<800") — except
// for counters, whose zero is a real count.
func TestEvaluateNoData(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		metric   string
		expr     string
		hasValue bool // a counter counted zero
		pass     bool
	}{
		// An upper bound on a count holds with nothing counted.
		{"count upper bound", "dropped_iterations", "count<10", true, true},
		// A lower bound on a count fails.
		{"count lower bound", "iterations", "count>0", true, false},
		// A counter's rate is zero too.
		{"counter rate", "http_reqs{status:500}", "rate<1", true, true},
		// A latency limit on a sub-metric that saw no request is not met: nothing was measured.
		{"latency limit", "http_req_duration{name:never}", "p(95)<800", false, false},
		// A success rate without checks is not judged.
		{"success rate", "checks", "rate>0.99", false, false},
		// Nor an error rate without requests.
		{"error rate", "http_req_failed", "rate<0.01", false, false},
		// Nor a gauge never set.
		{"gauge equals zero", "vus", "value==0", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts := compile(t, tt.metric, tt.expr)
			r := Evaluate(ts, &fakeSource{})[0]
			if r.HasValue != tt.hasValue || r.Observed != 0 || r.Pass != tt.pass {
				t.Errorf("%+v, want HasValue=%v Observed=0 Pass=%v", r, tt.hasValue, tt.pass)
			}
			want := StatusNoData
			if tt.hasValue {
				want = map[bool]string{true: StatusPass, false: StatusFail}[tt.pass]
			}
			if r.Status() != want {
				t.Errorf("Status() = %q, want %q", r.Status(), want)
			}
			// Without a source nothing is judged, counters included.
			if r := Evaluate(ts, nil)[0]; r.HasValue || r.Pass {
				t.Errorf("nil source: %+v, want no value and no pass", r)
			}
		})
	}
}

func TestEvaluateResultFields(t *testing.T) {
	t.Parallel()
	ts, err := Compile([]plan.Threshold{
		{Metric: "http_req_failed", Rules: []plan.ThresholdRule{{Expression: " rate < 0.01 ", AbortOnFail: true}}},
		{Metric: "http_req_duration{name:x}", Rules: rules("p(95)<800")},
	})
	if err != nil {
		t.Fatal(err)
	}
	src := &fakeSource{values: map[string]float64{
		"http_req_failed|rate|0":         0.02,
		"http_req_duration{name:x}|p|95": 500,
		"http_req_duration|p|95":         9999, // the parent metric must not be read
	}}
	got := Evaluate(ts, src)
	want := []Result{
		{Metric: "http_req_failed", Expression: " rate < 0.01 ", Expr: ts[0].Expr, Type: metrics.Rate, Kind: metrics.Default, Observed: 0.02, HasValue: true, Pass: false, AbortOnFail: true},
		{Metric: "http_req_duration{name:x}", Expression: "p(95)<800", Expr: ts[1].Expr, Type: metrics.Trend, Kind: metrics.Time, Observed: 500, HasValue: true, Pass: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Evaluate:\n got  %+v\n want %+v", got, want)
	}
	for i, want := range []string{"%", "ms"} {
		if u := got[i].Unit(); u != want {
			t.Errorf("%s %s: Unit() = %q, want %q", got[i].Metric, got[i].Expression, u, want)
		}
	}
	if got := Evaluate(nil, src); len(got) != 0 {
		t.Errorf("Evaluate(nil) = %+v, want none", got)
	}
}

func TestShouldAbort(t *testing.T) {
	t.Parallel()
	ts, err := Compile([]plan.Threshold{
		{Metric: "http_req_failed", Rules: []plan.ThresholdRule{
			{Expression: "rate<0.01", AbortOnFail: true, DelayAbortEval: 10 * time.Second},
		}},
		{Metric: "http_req_duration", Rules: []plan.ThresholdRule{
			{Expression: "p(95)<800", AbortOnFail: true}, // no delay: may abort from the start
			{Expression: "p(99)<900"},                    // no abortOnFail: never aborts
		}},
		{Metric: "checks", Rules: []plan.ThresholdRule{
			{Expression: "rate>0.99", AbortOnFail: true}, // fed no samples below
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	failing := &fakeSource{values: map[string]float64{
		"http_req_failed|rate|0": 0.5, "http_req_duration|p|95": 1000, "http_req_duration|p|99": 1000,
	}}
	passing := &fakeSource{values: map[string]float64{
		"http_req_failed|rate|0": 0, "http_req_duration|p|95": 1, "http_req_duration|p|99": 1, "checks|rate|0": 1,
	}}
	tests := []struct {
		name    string
		src     Source
		elapsed time.Duration
		want    []string // expressions that abort
	}{
		// Before the delay only the threshold without one aborts.
		{"before the delay", failing, 5 * time.Second, []string{"p(95)<800"}},
		// k6 compares strictly: at exactly the delay it does not abort yet.
		{"at the delay", failing, 10 * time.Second, []string{"p(95)<800"}},
		// Past the delay both abort, in threshold order.
		{"after the delay", failing, 10*time.Second + time.Nanosecond, []string{"rate<0.01", "p(95)<800"}},
		// At the very start a zero delay already allows an abort.
		{"at the start", failing, 0, []string{"p(95)<800"}},
		// Nothing failed, nothing aborts.
		{"all pass", passing, time.Minute, nil},
		// No samples at all: nothing aborts, although checks' rate>0.99 reads as failed.
		{"no data", &fakeSource{}, time.Minute, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			abort, failed := ShouldAbort(ts, Evaluate(ts, tt.src), tt.elapsed)
			var got []string
			for _, r := range failed {
				if r.Pass || !r.AbortOnFail {
					t.Errorf("ShouldAbort returned %+v, which passed or has no abortOnFail", r)
				}
				got = append(got, r.Expression)
			}
			if !reflect.DeepEqual(got, tt.want) || abort != (len(tt.want) > 0) {
				t.Errorf("ShouldAbort = %v %q, want %v %q", abort, got, len(tt.want) > 0, tt.want)
			}
		})
	}
}

// TestShouldAbortMismatchedResults checks that results not made from the thresholds are
// ignored rather than matched by guesswork, and that different lengths do not panic.
func TestShouldAbortMismatchedResults(t *testing.T) {
	t.Parallel()
	ts := []Threshold{{Metric: "http_req_failed", Expr: Expression{Source: "rate<0.01"}, AbortOnFail: true}}
	failed := Result{Metric: "http_req_failed", Expression: "rate<0.01", HasValue: true, AbortOnFail: true}
	tests := []struct {
		name    string
		results []Result
		want    bool
	}{
		// The matching result aborts.
		{"matching", []Result{failed}, true},
		// Another threshold's result in that place does not.
		{"other metric", []Result{{Metric: "checks", Expression: "rate<0.01", HasValue: true, AbortOnFail: true}}, false},
		// Extra results have no threshold and are ignored.
		{"more results than thresholds", []Result{failed, failed}, true},
		// Missing results are not invented.
		{"no results", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got, _ := ShouldAbort(ts, tt.results, time.Hour); got != tt.want {
				t.Errorf("ShouldAbort = %v, want %v", got, tt.want)
			}
		})
	}
	if got, _ := ShouldAbort(nil, []Result{failed}, time.Hour); got {
		t.Error("ShouldAbort without thresholds = true, want false")
	}
}

func TestResultUnit(t *testing.T) {
	t.Parallel()
	tests := []struct{ metric, expr, want string }{
		{"http_req_failed", "rate<0.01", "%"},    // a rate metric's share
		{"http_reqs", "rate>=400", "/s"},         // a counter's rate
		{"http_reqs", "count>10", ""},            // a count
		{"http_req_duration", "p(95)<800", "ms"}, // a time trend
		{"data_received", "count<1e9", ""},       // a data counter counted
		{"vus", "value<10", ""},                  // a plain gauge
	}
	for _, tt := range tests {
		r := Evaluate(compile(t, tt.metric, tt.expr), &fakeSource{})[0]
		if got := r.Unit(); got != tt.want {
			t.Errorf("%s %s: Unit() = %q, want %q", tt.metric, tt.expr, got, tt.want)
		}
	}
}
