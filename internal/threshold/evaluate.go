package threshold

import (
	"math"
	"time"
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
	// Expression is the expression as written.
	Expression string
	// Observed is the aggregation's value; 0 when HasValue is false.
	Observed float64
	// HasValue is false when the metric had no samples. Following k6, such a threshold is
	// still judged at the end of the test with the aggregation read as 0 ("count<10" passes,
	// "count>0" fails), but it never aborts a running test: k6 skips metrics without samples
	// in its periodic evaluation, and so does ShouldAbort.
	HasValue bool
	// Pass is whether the expression held.
	Pass bool
	// AbortOnFail is the threshold's abortOnFail.
	AbortOnFail bool
}

// Evaluate judges every threshold against src. results[i] is the outcome of ts[i].
//
// A NaN from the source fails the threshold whatever the operator: no comparison with NaN
// can say that a service level was met.
func Evaluate(ts []Threshold, src Source) []Result {
	results := make([]Result, len(ts))
	for i, t := range ts {
		r := Result{Metric: t.Metric, Expression: t.Expr.Source, AbortOnFail: t.AbortOnFail}
		if src != nil {
			r.Observed, r.HasValue = src.Aggregate(t.Metric, t.Expr.Method, t.Expr.Arg)
		}
		if !r.HasValue {
			r.Observed = 0
		}
		r.Pass = !math.IsNaN(r.Observed) && compare(r.Observed, t.Expr.Op, t.Expr.Value)
		results[i] = r
	}
	return results
}

// compare applies op as "observed op limit". An unknown operator never holds: Compile lets
// none through, and a hand-built Threshold with a bad one must not pass silently.
func compare(observed float64, op string, limit float64) bool {
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
