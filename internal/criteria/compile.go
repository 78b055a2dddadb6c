package criteria

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/suggest"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// The rule kinds of a criterion.
const (
	RuleWindowed   = "windowed"
	RuleMargin     = "margin"
	RuleViolations = "violations"
	RuleGrowth     = "growth"
	RuleMax        = "max"
	RuleFinal      = "final"
	RuleRatio      = "ratio"
	// The resilience rules (resilience.go).
	RuleRecovery     = "recovery"
	RuleDuringFaults = "during_faults"
	RuleNothingLost  = "nothing_lost"
)

// The results of a criterion.
const (
	ResultPass = "pass"
	ResultWarn = "warn"
	ResultFail = "fail"
	// ResultNoData: the rule's source is configured for this run but delivered nothing to
	// judge (a metric never recorded, a monitor that could not read), or the rule cannot be
	// judged at the run's time scale. It is never met: a fail-severity criterion without data
	// makes the run inconclusive.
	ResultNoData = "no data"
	// ResultSkipped: the rule's source is not configured for this run (a monitor without a
	// source, e.g. PostgreSQL deadlocks when the target runs on SQLite). Listed with why,
	// counted neither way.
	ResultSkipped = "skipped"
)

// ruleKeys lists, per rule, the Spec keys it accepts (besides "rule"), for did-you-mean.
var ruleKeys = map[string][]string{
	RuleWindowed:     {"metric", "aggregate", "window", "condition", "for"},
	RuleMargin:       {"metric", "aggregate", "window", "slo", "margin"},
	RuleViolations:   {"metric", "aggregate", "window", "condition", "max", "per"},
	RuleGrowth:       {"series", "of", "warn", "fail"},
	RuleMax:          {"series", "warn", "fail"},
	RuleFinal:        {"series", "warn", "fail", "below"},
	RuleRatio:        {"series", "over", "warn", "fail"},
	RuleRecovery:     {"metric", "aggregate", "window", "condition", "within"},
	RuleDuringFaults: {"metric", "aggregate", "condition"},
	RuleNothingLost:  {"check"},
}

// ruleKinds lists the rule kinds in documentation order, for messages.
var ruleKinds = []string{RuleWindowed, RuleMargin, RuleViolations, RuleGrowth, RuleMax, RuleFinal, RuleRatio,
	RuleRecovery, RuleDuringFaults, RuleNothingLost}

// The kinds of criterion compile error, beside threshold.ErrMetricKey, threshold.ErrUnknownMetric and
// threshold.ErrAggregation; a *CriterionError matches one of them with errors.Is.
var (
	// ErrUnknownRule: the rule (or kind) is not one of the rule kinds.
	ErrUnknownRule = errors.New("unknown criterion rule")
	// ErrMissingKey: a key the rule needs is absent.
	ErrMissingKey = errors.New("missing criterion key")
	// ErrUnknownKey: a key the rule does not know.
	ErrUnknownKey = errors.New("unknown criterion key")
	// ErrBadValue: a value does not parse (condition, duration, size, percentage, count).
	ErrBadValue = errors.New("invalid criterion value")
)

// CriterionError is one invalid criterion: its message names the line and the criterion.
type CriterionError struct {
	// Line is the plan.Criterion's line; zero when unknown.
	Line int
	// Name is the criterion's name, as written (may be empty).
	Name string
	// Err says what is wrong; it matches one of the Err variables.
	Err error
}

var _ error = (*CriterionError)(nil)

// Error reads `line 12: criterion "throughput": unknown rule "windowd"; did you mean …`.
func (e *CriterionError) Error() string {
	var b strings.Builder
	if e.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", e.Line)
	}
	if e.Name != "" {
		fmt.Fprintf(&b, "criterion %q: ", e.Name)
	} else {
		b.WriteString("criterion: ")
	}
	b.WriteString(e.Err.Error())
	return b.String()
}

// Unwrap returns the cause.
func (e *CriterionError) Unwrap() error { return e.Err }

// holds reports whether v satisfies cond; NaN never does.
func holds(cond plan.Condition, v float64) bool {
	return v == v && threshold.Compare(v, cond.Op, cond.Value)
}

// condText is a condition's canonical form: ">=400".
func condText(cond plan.Condition) string { return cond.Op + formatFloat(cond.Value) }

// limitIn returns the limit in the series' unit.
func limitIn(l plan.Limit, unit string) float64 {
	if l.Percent && (unit == "percent" || unit == "%") {
		return l.Value * 100
	}
	return l.Value
}

// Criterion is one criterion ready to judge: the plan's, with its metric's type and kind.
type Criterion struct {
	plan.Criterion
	// Type and Kind are the metric's (windowed, margin, violations): they decide how windows
	// aggregate and in which unit values show.
	Type metrics.Type
	Kind metrics.ValueKind
	// unjudgeable says why the criterion cannot be judged in this run; empty when it can.
	unjudgeable string
}

// Raw is a criterion as the scenario compiler reads it: its own fields, and the rule's keys
// decoded (strings, int64, float64, bool as YAML scalars decode) in Spec. The rule is Kind, or
// the "rule" key of Spec when Kind is empty.
type Raw struct {
	Name, Kind, Severity string
	AbortOnFail          bool
	Spec                 map[string]any
	Line, Column         int
}

// Parse validates criteria as written and compiles them to plan values, in order. It reports
// every invalid criterion, not just the first: the error is an errors.Join of
// *CriterionError, each naming the line and the criterion, with the nearest rule or key for a
// misspelt one. The scenario compiler calls it, so `ramp validate` and a run judge the same
// rules.
func Parse(rs []Raw) ([]plan.Criterion, error) {
	out := make([]plan.Criterion, 0, len(rs))
	var errs []error
	for _, r := range rs {
		c, cerrs := compileCriterion(r)
		for _, err := range cerrs {
			errs = append(errs, &CriterionError{Line: r.Line, Name: r.Name, Err: err})
		}
		c.Column = r.Column
		out = append(out, c.Criterion)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Compile readies parsed criteria for evaluation: each with its metric's type and kind. It
// fails only for a criterion Parse would have rejected (a metric key that names no built-in
// metric, an aggregation that does not fit it), so a plan from the scenario compiler always
// compiles.
//
// resolution is the run's time-series interval (plan.SeriesInterval): a window or
// for-duration shorter than it cannot be judged, and Evaluate says so.
func Compile(cs []plan.Criterion, resolution time.Duration) ([]Criterion, error) {
	out := make([]Criterion, len(cs))
	var errs []error
	for i, pc := range cs {
		out[i].Criterion = pc
		for _, d := range []struct {
			key string
			v   time.Duration
		}{{"window", pc.Window}, {"for", pc.For}, {"within", pc.Within}} {
			if d.v > 0 && d.v < resolution && out[i].unjudgeable == "" {
				out[i].unjudgeable = fmt.Sprintf("cannot be judged at this time scale: %s %s is shorter than the series resolution %s; run with a larger --time-scale",
					d.key, d.v, resolution)
			}
		}
		if pc.Metric == "" {
			continue
		}
		name, _, err := metrics.ParseKey(pc.Metric)
		b, ok := metrics.Lookup(name)
		switch {
		case err != nil:
			errs = append(errs, &CriterionError{Line: pc.Line, Name: pc.Name, Err: err})
		case !ok:
			errs = append(errs, &CriterionError{Line: pc.Line, Name: pc.Name,
				Err: &kindError{kind: threshold.ErrUnknownMetric, msg: threshold.UnknownMetric(name)}})
		case !pc.PerRequest && !threshold.Fits(b.Type, pc.Method):
			errs = append(errs, &CriterionError{Line: pc.Line, Name: pc.Name,
				Err: &kindError{kind: threshold.ErrAggregation, msg: fmt.Sprintf("aggregate %q does not fit %s, a %s", pc.Method, pc.Metric, b.Type)}})
		}
		out[i].Type, out[i].Kind = b.Type, b.Kind
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// compileCriterion compiles one criterion, returning every problem found.
func compileCriterion(pc Raw) (Criterion, []error) {
	c := Criterion{Criterion: plan.Criterion{Name: pc.Name, Severity: pc.Severity, AbortOnFail: pc.AbortOnFail, Line: pc.Line}}
	if c.Severity == "" {
		c.Severity = ResultFail
	}
	sp := &spec{m: pc.Spec}
	if c.Severity != ResultFail && c.Severity != ResultWarn {
		sp.fail(ErrBadValue, "severity %q: want fail or warn", c.Severity)
	}
	rule := pc.Kind
	if rule == "" {
		r, ok := pc.Spec["rule"].(string)
		if !ok {
			sp.fail(ErrMissingKey, "no rule: write rule: one of %s", strings.Join(ruleKinds, ", "))
			return c, sp.errs
		}
		rule = r
	}
	rule = strings.TrimSpace(rule)
	if strings.ContainsAny(rule, " \t") {
		compileShorthand(&c, sp, rule)
		if c.Name == "" {
			c.Name = rule
		}
		sp.unknownKeys(nil)
		return c, sp.errs
	}
	keys, ok := ruleKeys[rule]
	if !ok {
		msg := fmt.Sprintf("unknown rule %q", rule)
		if s, near := suggest.Closest(rule, ruleKinds, max(2, len(rule)/3)); near {
			msg += fmt.Sprintf("; did you mean %q?", s)
		} else {
			msg += "; the rules are " + strings.Join(ruleKinds, ", ")
		}
		sp.errs = append(sp.errs, &kindError{kind: ErrUnknownRule, msg: msg})
		return c, sp.errs
	}
	c.Rule = rule
	sp.unknownKeys(keys)
	switch rule {
	case RuleWindowed, RuleMargin, RuleViolations:
		compileMetricRule(&c, sp)
	case RuleRecovery, RuleDuringFaults, RuleNothingLost:
		compileResilienceRule(&c, sp)
	default:
		compileMonitorRule(&c, sp)
	}
	if c.Name == "" {
		c.Name = c.Text()
	}
	return c, sp.errs
}

// compileMetricRule reads the keys of the windowed, margin and violations rules.
func compileMetricRule(c *Criterion, sp *spec) {
	if !sp.metric(c, "metric") {
		return
	}
	c.PerRequest = sp.str("per") == "request"
	if p := sp.str("per"); p != "" && p != "request" && p != "window" {
		sp.fail(ErrBadValue, "per: %q: want request or window", p)
	}
	if !c.PerRequest {
		sp.aggregate(c, c.Rule != RuleWindowed)
	}
	c.Window = sp.duration("window")
	switch c.Rule {
	case RuleWindowed:
		c.Cond = sp.condition("condition", c.Kind, true)
		c.For = sp.duration("for")
	case RuleMargin:
		c.SLO = sp.number("slo", c.Kind, true)
		c.Margin = sp.percent("margin", true)
	case RuleViolations:
		c.Cond = sp.condition("condition", c.Kind, true)
		c.Max = sp.count("max", true)
		if c.PerRequest {
			if c.Type != metrics.Trend {
				sp.fail(threshold.ErrAggregation, "per: request counts requests above a value of a trend metric; %s is a %s", c.Metric, c.Type)
			} else if c.Cond.Op != threshold.OpLess && c.Cond.Op != threshold.OpLessEqual && c.Cond.Op != "" {
				sp.fail(ErrBadValue, "per: request takes a condition < or <= (the requests above it are counted), not %q", condText(c.Cond))
			}
		}
	}
}

// compileMonitorRule reads the keys of the growth, max, final and ratio rules.
func compileMonitorRule(c *Criterion, sp *spec) {
	c.Series = sp.str("series")
	if c.Series == "" {
		sp.fail(ErrMissingKey, "%s needs series: the monitor series to judge, e.g. target.rss_bytes", c.Rule)
	}
	if c.Rule == RuleRatio {
		if c.Over = sp.str("over"); c.Over == "" {
			sp.fail(ErrMissingKey, "ratio needs over: the divisor series, e.g. db.max_connections")
		}
	}
	if c.Rule == RuleGrowth {
		switch of := sp.str("of"); of {
		case "", "last":
		case "max":
			c.OfMax = true
		default:
			sp.fail(ErrBadValue, "of: %q: want last or max", of)
		}
	}
	c.Warn, c.Fail = sp.limit("warn"), sp.limit("fail")
	if c.Rule == RuleFinal {
		c.Below = sp.limit("below")
	}
	if !c.Fail.Set && !c.Below.Set && !c.Warn.Set {
		sp.fail(ErrMissingKey, "%s needs fail: (and optionally warn:), the limit above which it breaks", c.Rule)
	}
}

// compileShorthand reads "<key> <agg> <op> <number> [per <dur>] [for <dur>]", a windowed rule
// broken when the condition holds.
func compileShorthand(c *Criterion, sp *spec, rule string) {
	c.Rule = RuleWindowed
	f := strings.Fields(rule)
	bad := func(why string) {
		sp.fail(ErrBadValue, "rule %q: %s; the short form is \"<metric> <aggregate> <op> <number> [per <duration>] [for <duration>]\", e.g. \"http_reqs rate < 400 for 30s\"", rule, why)
	}
	if len(f) < 3 {
		bad("too few words")
		return
	}
	sub := &spec{m: map[string]any{"metric": f[0], "aggregate": f[1]}}
	rest := f[2:]
	// The operator and number may be written apart ("< 400") or together ("<400").
	condText := rest[0]
	rest = rest[1:]
	if isOperatorOnly(condText) && len(rest) > 0 {
		condText += rest[0]
		rest = rest[1:]
	}
	sub.m["condition"] = condText
	for len(rest) > 0 {
		if len(rest) < 2 || (rest[0] != "for" && rest[0] != "per") {
			bad(fmt.Sprintf("unexpected %q", strings.Join(rest, " ")))
			return
		}
		key := rest[0]
		if key == "per" {
			key = "window"
		}
		sub.m[key] = rest[1]
		rest = rest[2:]
	}
	if sub.metric(c, "metric") {
		sub.aggregate(c, false)
		cond := sub.condition("condition", c.Kind, true)
		c.Cond = plan.Condition{Op: negate(cond.Op), Value: cond.Value}
		c.Window = sub.duration("window")
		c.For = sub.duration("for")
	}
	sp.errs = append(sp.errs, sub.errs...)
}

// isOperatorOnly reports whether s is a comparison operator alone.
func isOperatorOnly(s string) bool {
	for _, op := range threshold.Operators {
		if s == op {
			return true
		}
	}
	return false
}

// negate returns the operator that holds exactly when op does not.
func negate(op string) string {
	switch op {
	case threshold.OpLess:
		return threshold.OpGreaterEqual
	case threshold.OpLessEqual:
		return threshold.OpGreater
	case threshold.OpGreater:
		return threshold.OpLessEqual
	case threshold.OpGreaterEqual:
		return threshold.OpLess
	case threshold.OpEqual, threshold.OpStrictEqual:
		return threshold.OpNotEqual
	case threshold.OpNotEqual:
		return threshold.OpEqual
	}
	return op
}

// MetricKeys lists the canonical keys of the sub-metrics the criteria need tracked
// (for metrics.Config.Submetrics), each once, in order. Whole metrics are always tracked and
// are not listed; monitor series are not metrics.
func MetricKeys(cs []Criterion) []string {
	var keys []string
	seen := map[string]bool{}
	for _, c := range cs {
		if c.Metric == "" || !strings.Contains(c.Metric, "{") || seen[c.Metric] {
			continue
		}
		seen[c.Metric] = true
		keys = append(keys, c.Metric)
	}
	return keys
}

// Text is the rule in words, for reports, its values in their units: "http_reqs rate per 1s
// >=400 RPS, broken for at most 30s", "… within 20% of the SLO 800ms".
func (c Criterion) Text() string {
	agg := c.Method
	if c.Method == threshold.MethodPercentile {
		agg = "p(" + formatFloat(c.Arg) + ")"
	}
	per := " over the run"
	if c.Window > 0 {
		per = " per " + c.Window.String()
	} else if c.Rule != RuleMargin {
		per = " per interval"
	}
	switch c.Rule {
	case RuleWindowed:
		s := c.Metric + " " + agg + per + " " + c.condText()
		if c.For > 0 {
			s += ", broken for at most " + c.For.String()
		}
		return s
	case RuleMargin:
		return fmt.Sprintf("%s %s%s within %s of the SLO %s", c.Metric, agg, per,
			threshold.FormatPercent(c.Margin), FormatUnit(c.SLO, c.unit()))
	case RuleViolations:
		if c.PerRequest {
			return fmt.Sprintf("at most %d requests of %s above %s", c.Max, c.Metric, FormatUnit(c.Cond.Value, c.unit()))
		}
		return fmt.Sprintf("at most %d windows of %s %s%s breaking %s", c.Max, c.Metric, agg, per, c.condText())
	case RuleGrowth:
		from := "last"
		if c.OfMax {
			from = "max"
		}
		return fmt.Sprintf("%s growth (%s − first)%s", c.Series, from, c.limitsText())
	case RuleMax:
		return "max of " + c.Series + c.limitsText()
	case RuleFinal:
		return "final " + c.Series + c.limitsText()
	case RuleRatio:
		return fmt.Sprintf("max of %s / %s%s", c.Series, c.Over, c.limitsText())
	case RuleRecovery, RuleDuringFaults, RuleNothingLost:
		return c.resilienceText(agg)
	}
	return c.Rule
}

// condText is the rule's condition with its value in the metric's unit: "<1.5s", ">=400 RPS".
func (c Criterion) condText() string { return c.Cond.Op + FormatUnit(c.Cond.Value, c.unit()) }

// limitsText shows the limits of a monitor rule: " warn above 500000000, fail above 1e+09".
func (c Criterion) limitsText() string {
	var parts []string
	show := func(l plan.Limit) string {
		if l.Text != "" {
			return l.Text
		}
		return formatFloat(l.Value)
	}
	if c.Warn.Set {
		parts = append(parts, "warn above "+show(c.Warn))
	}
	if c.Fail.Set {
		parts = append(parts, "fail above "+show(c.Fail))
	}
	if c.Below.Set {
		parts = append(parts, "fail below "+show(c.Below))
	}
	if len(parts) == 0 {
		return ""
	}
	return ", " + strings.Join(parts, ", ")
}

// sortedKeys returns m's keys in order, for deterministic messages.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

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
