// Package threshold implements k6's thresholds: the expression grammar (see ParseExpression),
// the check that each expression fits its metric, and the evaluation of compiled thresholds
// against aggregated metrics.
//
// The flow is: the scenario compiler produces plan.Threshold values; Compile validates them
// against the built-in metric table (metrics.Lookup) and returns one Threshold per expression;
// the metrics store tracks the sub-metrics Keys names (an empty list of expressions included:
// k6's way to show a sub-metric in the summary, which judges nothing); while the load runs, the
// engine calls Evaluate on a fresh snapshot every two seconds from the start of the load
// (EvalInterval, k6's cadence) and asks ShouldAbort whether an abortOnFail threshold has failed
// past its delayAbortEval; at the end it calls Evaluate once more for the verdict.
//
// Semantics follow k6 (metrics/thresholds.go, metrics/engine/engine.go):
//
//   - Aggregations by metric type. Counter: count, rate (per second over the elapsed run).
//     Gauge: value (the last), min, max. Rate: rate (share of non-zero samples). Trend: avg,
//     min, max, med, p(N). Values carry no units: time trends are in milliseconds.
//   - "==" and "===" are the same comparison; comparisons are exact float64 comparisons.
//   - A metric with no samples: k6 reads every aggregation as 0 at the end of the test (its
//     empty sinks format as zeros; k6 issue #1346), so "p(95)<800" passes on a sub-metric
//     that saw no request. ramp does not: such a result has HasValue false and Pass false,
//     renderers show "no data", and the run's verdict is inconclusive — no data never counts
//     as met. Counters are the exception: nothing counted is a count of zero, so
//     "http_reqs{status:500}: count<1" holds when no request failed. ShouldAbort ignores
//     results without a value, as k6's periodic evaluation skips empty metrics.
//   - abortOnFail stops the test when the threshold fails, but not before delayAbortEval has
//     passed: k6 aborts when the delay is unset (zero here) or strictly shorter than the
//     elapsed time.
//
// The rules k6 cannot express (windowed conditions, margins, budgets, monitor rules) are the
// criteria package's; it reuses this package's aggregations and comparisons.
//
// Only the standard library is used: the grammar is a dozen tokens, so a hand-written scanner
// gives better messages (column, expected token, hints) than a parser generator would.
package threshold

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/suggest"
)

// EvalInterval is how often k6 evaluates thresholds while a test runs (its thresholdsRate).
const EvalInterval = 2 * time.Second

// Threshold is one compiled rule: a metric key and one expression.
type Threshold struct {
	// Metric is the canonical key (metrics.FormatKey): what Source.Aggregate is asked about.
	Metric string
	// Name is the metric's name, without the tag selector.
	Name string
	// Tags select the sub-metric, sorted by key; nil for the whole metric.
	Tags []metrics.Tag
	// Type and Kind are the built-in metric's, for evaluation and for formatting values.
	Type metrics.Type
	Kind metrics.ValueKind
	// Expr is the parsed expression.
	Expr Expression
	// AbortOnFail stops the test when the threshold fails during the run.
	AbortOnFail bool
	// DelayAbortEval is how long into the run a failure may not yet abort it; zero means from
	// the start.
	DelayAbortEval time.Duration
	// Line is the plan.Threshold's line in the scenario file, for messages.
	Line int
}

// The kinds of compile error; a *CompileError matches one of them with errors.Is.
var (
	// ErrMetricKey: the metric key does not parse (see metrics.ParseKey).
	ErrMetricKey = errors.New("invalid metric key")
	// ErrUnknownMetric: the key names no built-in metric.
	ErrUnknownMetric = errors.New("unknown metric")
	// ErrAggregation: the aggregation does not exist for the metric's type.
	ErrAggregation = errors.New("aggregation does not fit the metric")
	// ErrDelay: delayAbortEval is negative.
	ErrDelay = errors.New("invalid delayAbortEval")
)

// CompileError is one invalid threshold. Its message names the line, the metric and the
// expression; errors.Is matches ErrSyntax, ErrMetricKey, ErrUnknownMetric, ErrAggregation or
// ErrDelay.
type CompileError struct {
	// Line is the plan.Threshold's line; zero when unknown.
	Line int
	// Metric is the key as written.
	Metric string
	// Expression is the expression as written; empty when the metric itself is wrong.
	Expression string
	// Err says what is wrong.
	Err error
}

var _ error = (*CompileError)(nil)

// Error prefixes the cause with the line, when known: `line 12: unknown metric "x"; …`.
func (e *CompileError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("line %d: %v", e.Line, e.Err)
	}
	return e.Err.Error()
}

// Unwrap returns the cause, which matches one of the Err variables.
func (e *CompileError) Unwrap() error { return e.Err }

// kindError gives a detailed message a sentinel to match.
type kindError struct {
	kind error
	msg  string
	err  error // optional underlying error
}

func (e *kindError) Error() string { return e.msg }

func (e *kindError) Unwrap() []error {
	if e.err != nil {
		return []error{e.kind, e.err}
	}
	return []error{e.kind}
}

// Compile validates and compiles the plan's thresholds: one Threshold per rule, in file
// order. It reports every invalid threshold, not just the first: the error is an errors.Join
// of *CompileError, each naming the line, the metric and the expression.
func Compile(ts []plan.Threshold) ([]Threshold, error) {
	var out []Threshold
	var errs []error
	for _, pt := range ts {
		compiled, perr := compileOne(pt)
		out = append(out, compiled...)
		errs = append(errs, perr...)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// compileOne compiles the rules of one metric key.
func compileOne(pt plan.Threshold) ([]Threshold, []error) {
	fail := func(expr string, err error) []error {
		return []error{&CompileError{Line: pt.Line, Metric: pt.Metric, Expression: expr, Err: err}}
	}
	name, tags, err := metrics.ParseKey(pt.Metric)
	if err != nil {
		return nil, fail("", &kindError{kind: ErrMetricKey, msg: err.Error(), err: err})
	}
	b, ok := metrics.Lookup(name)
	if !ok {
		return nil, fail("", &kindError{kind: ErrUnknownMetric, msg: UnknownMetric(name)})
	}
	key := metrics.FormatKey(name, tags)
	var out []Threshold
	var errs []error
	for _, r := range pt.Rules {
		expr, err := ParseExpression(r.Expression)
		if err != nil {
			errs = append(errs, fail(r.Expression, fmt.Errorf("metric %q: %w", pt.Metric, err))...)
			continue
		}
		if !Fits(b.Type, expr.Method) {
			msg := fmt.Sprintf("metric %q: threshold %q: %s is not an aggregation of the %s metric %s; use %s",
				pt.Metric, r.Expression, expr.Aggregation(), b.Type, b.Name, Aggregations(b.Type))
			errs = append(errs, fail(r.Expression, &kindError{kind: ErrAggregation, msg: msg})...)
			continue
		}
		if r.DelayAbortEval < 0 {
			msg := fmt.Sprintf("metric %q: threshold %q: delayAbortEval %v is negative; use 0 to allow an abort from the start",
				pt.Metric, r.Expression, r.DelayAbortEval)
			errs = append(errs, fail(r.Expression, &kindError{kind: ErrDelay, msg: msg})...)
			continue
		}
		out = append(out, Threshold{
			Metric: key, Name: name, Tags: tags, Type: b.Type, Kind: b.Kind, Expr: expr,
			AbortOnFail: r.AbortOnFail, DelayAbortEval: r.DelayAbortEval, Line: pt.Line,
		})
	}
	return out, errs
}

// Fits reports whether method is an aggregation of metrics of type t (the table in the
// package doc).
func Fits(t metrics.Type, method string) bool {
	switch t {
	case metrics.Counter:
		return method == MethodCount || method == MethodRate
	case metrics.Gauge:
		return method == MethodValue || method == MethodMin || method == MethodMax
	case metrics.Rate:
		return method == MethodRate
	case metrics.Trend:
		switch method {
		case MethodAvg, MethodMin, MethodMax, MethodMed, MethodPercentile:
			return true
		}
	}
	return false
}

// Aggregations lists the aggregations of a type, for messages.
func Aggregations(t metrics.Type) string {
	switch t {
	case metrics.Counter:
		return "count or rate"
	case metrics.Gauge:
		return "value, min or max"
	case metrics.Rate:
		return "rate"
	case metrics.Trend:
		return "avg, min, max, med or p(N)"
	}
	return "nothing: the metric has no known type"
}

// UnknownMetric explains an unknown name with the nearest built-in, or the whole list when
// nothing is near.
func UnknownMetric(name string) string {
	all := metrics.Builtins()
	names := make([]string, len(all))
	for i, b := range all {
		names[i] = b.Name
	}
	// A third of the name's length catches typos and dropped words ("http_req_fail")
	// without suggesting unrelated names for short ones.
	if s, ok := suggest.Closest(name, names, max(2, len(name)/3)); ok {
		return fmt.Sprintf("unknown metric %q; did you mean %q?", name, s)
	}
	return fmt.Sprintf("unknown metric %q; thresholds apply to the built-in metrics: %s",
		name, strings.Join(names, ", "))
}

// Keys lists the canonical keys of the sub-metrics every threshold names — those with an
// empty list of expressions too, which k6 users write to have a sub-metric shown in the
// summary ("http_reqs{tag:xyz}: []"): tracked and shown, judged by nothing — each once, in
// file order. Keys that do not parse are left out (Compile reports them).
func Keys(ts []plan.Threshold) []string {
	var keys []string
	seen := map[string]bool{}
	for _, pt := range ts {
		name, tags, err := metrics.ParseKey(pt.Metric)
		if err != nil || len(tags) == 0 {
			continue
		}
		if key := metrics.FormatKey(name, tags); !seen[key] {
			seen[key] = true
			keys = append(keys, key)
		}
	}
	return keys
}

// SubmetricKeys lists the canonical keys of the sub-metrics the thresholds need tracked (for
// metrics.Config.Submetrics), each once, in the order the thresholds name them. Whole
// metrics are always tracked and are not listed.
func SubmetricKeys(ts []Threshold) []string {
	var keys []string
	seen := map[string]bool{}
	for _, t := range ts {
		if len(t.Tags) == 0 || seen[t.Metric] {
			continue
		}
		seen[t.Metric] = true
		keys = append(keys, t.Metric)
	}
	return keys
}
