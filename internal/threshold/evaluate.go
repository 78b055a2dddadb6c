package threshold

import (
	"math"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Source answers aggregations of the metrics recorded so far; *metrics.Snapshot satisfies it.
//
// Contract: key is a canonical metric key (metrics.FormatKey), method is one of the Method
// constants, and arg is the percentile (0–100) for MethodPercentile and zero otherwise.
// Aggregate returns the aggregation and true, or false when the metric (or sub-metric) has no
// samples yet. A Counter's "rate" is per second over the elapsed run. Time values are in
// milliseconds. Aggregate must not be called concurrently with recording unless the
// implementation says it is safe.
type Source interface {
	Aggregate(key, method string, arg float64) (float64, bool)
}

// Result is the outcome of one threshold.
type Result struct {
	// Metric is the threshold's canonical key.
	Metric string
	// Expression is the expression as written; Expr the parsed one, for renderers (the
	// aggregation, operator and limit) so that nothing parses it again.
	Expression string
	Expr       Expression
	// Type and Kind are the metric's type and value kind, for formatting Observed and the
	// limit (see Unit).
	Type metrics.Type
	Kind metrics.ValueKind
	// Observed is the aggregation's value; 0 when HasValue is false.
	Observed float64
	// HasValue is false when the metric had no samples. Unlike k6, which judges such a
	// threshold with the aggregation read as 0, ramp does not judge it: no data never counts
	// as met, and the run's verdict is inconclusive (see package verdict). A counter is the
	// exception: a run that counted nothing counted zero (http_reqs{status:500} count<1
	// holds when no request failed), so its aggregations are 0 with HasValue true.
	HasValue bool
	// Pass is whether the expression held; false without a value.
	Pass bool
	// AbortOnFail is the threshold's abortOnFail.
	AbortOnFail bool
}

// Status is "pass", "fail" or "no data": what renderers show.
func (r Result) Status() string {
	switch {
	case !r.HasValue:
		return StatusNoData
	case r.Pass:
		return StatusPass
	}
	return StatusFail
}

// Unit is how Observed and the limit read: "%" (a rate metric's share), "/s" (a counter's
// rate), "ms", "bytes", or "" (a plain number, a count).
func (r Result) Unit() string {
	switch {
	case r.Expr.Method == MethodRate && r.Type == metrics.Rate:
		return "%"
	case r.Expr.Method == MethodRate:
		return "/s"
	case r.Expr.Method == MethodCount:
		return ""
	case r.Kind == metrics.Time:
		return "ms"
	case r.Kind == metrics.Data:
		return "bytes"
	}
	return ""
}

// The statuses of a threshold result.
const (
	StatusPass   = "pass"
	StatusFail   = "fail"
	StatusNoData = "no data"
)

// Evaluate judges every threshold against src. results[i] is the outcome of ts[i].
//
// A NaN from the source fails the threshold whatever the operator: no comparison with NaN
// can say that a service level was met.
func Evaluate(ts []Threshold, src Source) []Result {
	results := make([]Result, len(ts))
	for i, t := range ts {
		r := Result{Metric: t.Metric, Expression: t.Expr.Source, Expr: t.Expr, Type: t.Type, Kind: t.Kind, AbortOnFail: t.AbortOnFail}
		if src != nil {
			r.Observed, r.HasValue = src.Aggregate(t.Metric, t.Expr.Method, t.Expr.Arg)
		}
		if !r.HasValue {
			r.Observed = 0
			r.HasValue = src != nil && t.Type == metrics.Counter
		}
		r.Pass = r.HasValue && !math.IsNaN(r.Observed) && Compare(r.Observed, t.Expr.Op, t.Expr.Value)
		results[i] = r
	}
	return results
}

// Compare applies op as "observed op limit". An unknown operator never holds: Compile lets
// none through, and a hand-built Threshold with a bad one must not pass silently.
func Compare(observed float64, op string, limit float64) bool {
	switch op {
	case OpLess:
		return observed < limit
	case OpLessEqual:
		return observed <= limit
	case OpGreater:
		return observed > limit
	case OpGreaterEqual:
		return observed >= limit
	case OpEqual, OpStrictEqual:
		return observed == limit
	case OpNotEqual:
		return observed != limit
	}
	return false
}

// ShouldAbort reports the failed abortOnFail thresholds whose delay has passed at elapsed
// (the time since the test started): abort is true when there is at least one. results must
// be Evaluate(ts, …): results[i] belongs to ts[i]; a result whose metric or expression does not
// match its threshold, or that has no counterpart, is ignored rather than guessed at.
//
// As in k6, a threshold may abort when its DelayAbortEval is zero or strictly shorter than
// elapsed, and a metric without samples never aborts.
func ShouldAbort(ts []Threshold, results []Result, elapsed time.Duration) (bool, []Result) {
	var failed []Result
	for i := range min(len(ts), len(results)) {
		t, r := ts[i], results[i]
		if r.Metric != t.Metric || r.Expression != t.Expr.Source {
			continue
		}
		if r.Pass || !r.HasValue || !t.AbortOnFail {
			continue
		}
		if t.DelayAbortEval > 0 && elapsed <= t.DelayAbortEval {
			continue
		}
		failed = append(failed, r)
	}
	return len(failed) > 0, failed
}
