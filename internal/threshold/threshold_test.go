package threshold

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// rules builds plan rules from plain expressions.
func rules(exprs ...string) []plan.ThresholdRule {
	rs := make([]plan.ThresholdRule, len(exprs))
	for i, e := range exprs {
		rs[i] = plan.ThresholdRule{Expression: e}
	}
	return rs
}

func TestCompile(t *testing.T) {
	t.Parallel()
	in := []plan.Threshold{
		{Metric: "http_req_duration{ name : meetings_list }", Rules: rules("p(95)<800", "p(99) < 1500"), Line: 10},
		{Metric: "http_req_failed", Rules: []plan.ThresholdRule{
			{Expression: "rate<0.0005", AbortOnFail: true, DelayAbortEval: 30 * time.Second},
		}, Line: 12},
		{Metric: "http_reqs", Rules: rules("rate>=400", "count>0"), Line: 13},
		{Metric: "vus", Rules: rules("value<=100", "max<=100", "min>=1"), Line: 14},
		{Metric: "http_req_duration{status:200,name:x}", Rules: rules("avg<200", "med<100", "min>0", "max<2000"), Line: 15},
	}
	got, err := Compile(in)
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	type brief struct {
		Metric, Name, Expr string
		Tags               []metrics.Tag
		Type               metrics.Type
		Kind               metrics.ValueKind
		Abort              bool
		Delay              time.Duration
		Line               int
	}
	var have []brief
	for _, th := range got {
		have = append(have, brief{th.Metric, th.Name, th.Expr.Source, th.Tags, th.Type, th.Kind, th.AbortOnFail, th.DelayAbortEval, th.Line})
	}
	sub := []metrics.Tag{{Key: "name", Value: "meetings_list"}}
	two := []metrics.Tag{{Key: "name", Value: "x"}, {Key: "status", Value: "200"}}
	want := []brief{
		// Spaces in the selector are dropped from the canonical key.
		{"http_req_duration{name:meetings_list}", "http_req_duration", "p(95)<800", sub, metrics.Trend, metrics.Time, false, 0, 10},
		{"http_req_duration{name:meetings_list}", "http_req_duration", "p(99) < 1500", sub, metrics.Trend, metrics.Time, false, 0, 10},
		// The object form's options are carried.
		{"http_req_failed", "http_req_failed", "rate<0.0005", nil, metrics.Rate, metrics.Default, true, 30 * time.Second, 12},
		{"http_reqs", "http_reqs", "rate>=400", nil, metrics.Counter, metrics.Default, false, 0, 13},
		{"http_reqs", "http_reqs", "count>0", nil, metrics.Counter, metrics.Default, false, 0, 13},
		{"vus", "vus", "value<=100", nil, metrics.Gauge, metrics.Default, false, 0, 14},
		{"vus", "vus", "max<=100", nil, metrics.Gauge, metrics.Default, false, 0, 14},
		{"vus", "vus", "min>=1", nil, metrics.Gauge, metrics.Default, false, 0, 14},
		// Tags are sorted by key in the canonical key.
		{"http_req_duration{name:x,status:200}", "http_req_duration", "avg<200", two, metrics.Trend, metrics.Time, false, 0, 15},
		{"http_req_duration{name:x,status:200}", "http_req_duration", "med<100", two, metrics.Trend, metrics.Time, false, 0, 15},
		{"http_req_duration{name:x,status:200}", "http_req_duration", "min>0", two, metrics.Trend, metrics.Time, false, 0, 15},
		{"http_req_duration{name:x,status:200}", "http_req_duration", "max<2000", two, metrics.Trend, metrics.Time, false, 0, 15},
	}
	if !reflect.DeepEqual(have, want) {
		t.Errorf("Compile:\n got  %+v\n want %+v", have, want)
	}
}

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		in    plan.Threshold
		kind  error
		wants []string // fragments of the message
	}{
		// A typo gets the nearest built-in name.
		{"unknown metric with suggestion", plan.Threshold{Metric: "http_req_faild", Rules: rules("rate<0.01"), Line: 7},
			ErrUnknownMetric, []string{"line 7:", `unknown metric "http_req_faild"`, `did you mean "http_req_failed"?`}},
		// A plural is a typo too.
		{"plural metric", plan.Threshold{Metric: "http_req_durations{name:x}", Rules: rules("p(95)<1"), Line: 3},
			ErrUnknownMetric, []string{`did you mean "http_req_duration"?`}},
		// Nothing near: the built-ins are listed.
		{"unknown metric without suggestion", plan.Threshold{Metric: "latency", Rules: rules("p(95)<1"), Line: 4},
			ErrUnknownMetric, []string{`unknown metric "latency"; thresholds apply to the built-in metrics: checks,`}},
		// The example of the assignment.
		{"percentile of a rate", plan.Threshold{Metric: "http_req_failed", Rules: rules("p(95)<800"), Line: 9},
			ErrAggregation, []string{"line 9:", `metric "http_req_failed"`, `threshold "p(95)<800"`,
				"p(95) is not an aggregation of the rate metric http_req_failed; use rate"}},
		// Counters have count and rate only.
		{"avg of a counter", plan.Threshold{Metric: "http_reqs", Rules: rules("avg<1"), Line: 2},
			ErrAggregation, []string{"avg is not an aggregation of the counter metric http_reqs; use count or rate"}},
		// Trends have no rate.
		{"rate of a trend", plan.Threshold{Metric: "http_req_duration{name:x}", Rules: rules("rate<1"), Line: 2},
			ErrAggregation, []string{`metric "http_req_duration{name:x}"`, "rate is not an aggregation of the trend metric http_req_duration; use avg, min, max, med or p(N)"}},
		// Gauges have no count.
		{"count of a gauge", plan.Threshold{Metric: "vus", Rules: rules("count<1"), Line: 2},
			ErrAggregation, []string{"use value, min or max"}},
		// Rates have no value.
		{"value of a rate", plan.Threshold{Metric: "checks", Rules: rules("value>0.9"), Line: 2},
			ErrAggregation, []string{"value is not an aggregation of the rate metric checks; use rate"}},
		// The selector must be key:value.
		{"sub-metric tag without value", plan.Threshold{Metric: "http_req_duration{name}", Rules: rules("p(95)<1"), Line: 5},
			ErrMetricKey, []string{"line 5:", `http_req_duration{name}`, `tag "name" is not key:value`}},
		// The selector must be closed.
		{"sub-metric not closed", plan.Threshold{Metric: "http_req_duration{name:x", Rules: rules("p(95)<1"), Line: 5},
			ErrMetricKey, []string{"must end with '}'"}},
		// Empty braces.
		{"empty selector", plan.Threshold{Metric: "http_req_duration{}", Rules: rules("p(95)<1"), Line: 5},
			ErrMetricKey, []string{"empty tag selector"}},
		// No name at all.
		{"empty metric", plan.Threshold{Metric: "", Rules: rules("p(95)<1"), Line: 5},
			ErrMetricKey, []string{"no metric name"}},
		// Syntax errors keep their column and gain the metric and line.
		{"syntax error", plan.Threshold{Metric: "http_req_duration", Rules: rules("p95<800"), Line: 11},
			ErrSyntax, []string{"line 11:", `metric "http_req_duration"`, `threshold "p95<800": column 1`, "write p(95)"}},
		// A negative delay is refused.
		{"negative delay", plan.Threshold{Metric: "http_req_failed", Rules: []plan.ThresholdRule{
			{Expression: "rate<0.1", AbortOnFail: true, DelayAbortEval: -time.Second}}, Line: 6},
			ErrDelay, []string{"line 6:", "delayAbortEval -1s is negative"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Compile([]plan.Threshold{tt.in})
			if err == nil {
				t.Fatalf("Compile = %+v, want an error", got)
			}
			if got != nil {
				t.Errorf("Compile returned thresholds %+v with an error", got)
			}
			for _, w := range tt.wants {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !errors.Is(err, tt.kind) {
				t.Errorf("errors.Is(%v, %v) = false", err, tt.kind)
			}
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("%v is not a *CompileError", err)
			}
			if ce.Line != tt.in.Line || ce.Metric != tt.in.Metric {
				t.Errorf("CompileError line %d metric %q, want %d %q", ce.Line, ce.Metric, tt.in.Line, tt.in.Metric)
			}
		})
	}
}

// TestCompileReportsEveryError checks that one bad rule does not hide the others, so that
// `ramp validate` can list them all at once.
func TestCompileReportsEveryError(t *testing.T) {
	t.Parallel()
	in := []plan.Threshold{
		{Metric: "http_req_duration", Rules: rules("p(95)<800", "p95<800", "rate<1"), Line: 1},
		{Metric: "nope", Rules: rules("count>0"), Line: 2},
		{Metric: "checks", Rules: rules("rate>0.99"), Line: 3},
	}
	_, err := Compile(in)
	if err == nil {
		t.Fatal("Compile: want an error")
	}
	msg := err.Error()
	for _, w := range []string{`"p95<800"`, `"rate<1"`, `unknown metric "nope"`} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q does not mention %s", msg, w)
		}
	}
	if n := strings.Count(msg, "\n") + 1; n != 3 {
		t.Errorf("error has %d lines, want 3: %q", n, msg)
	}
	for _, kind := range []error{ErrSyntax, ErrAggregation, ErrUnknownMetric} {
		if !errors.Is(err, kind) {
			t.Errorf("errors.Is(err, %v) = false", kind)
		}
	}
}

func TestCompileEmpty(t *testing.T) {
	t.Parallel()
	got, err := Compile(nil)
	if err != nil || len(got) != 0 {
		t.Errorf("Compile(nil) = %v, %v; want nothing", got, err)
	}
}

func TestSubmetricKeys(t *testing.T) {
	t.Parallel()
	ts, err := Compile([]plan.Threshold{
		{Metric: "http_req_duration{name:b}", Rules: rules("p(95)<800", "p(99)<1500")},
		{Metric: "http_req_duration", Rules: rules("p(95)<800")},
		{Metric: "http_req_failed{name:b}", Rules: rules("rate<0.01")},
		// The same selector written differently is one sub-metric.
		{Metric: "http_req_duration{ name: 'b' }", Rules: rules("avg<100")},
		{Metric: "http_req_duration{status:201,name:a}", Rules: rules("avg<100")},
	})
	if err != nil {
		t.Fatal(err)
	}
	got := SubmetricKeys(ts)
	want := []string{"http_req_duration{name:b}", "http_req_failed{name:b}", "http_req_duration{name:a,status:201}"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SubmetricKeys = %q, want %q", got, want)
	}
	if got := SubmetricKeys(nil); len(got) != 0 {
		t.Errorf("SubmetricKeys(nil) = %q, want none", got)
	}
}
