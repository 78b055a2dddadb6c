package threshold

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/suggest"
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
)

// The results of a criterion.
const (
	ResultPass = "pass"
	ResultWarn = "warn"
	ResultFail = "fail"
)

// ruleKeys lists, per rule, the Spec keys it accepts (besides "rule"), for did-you-mean.
var ruleKeys = map[string][]string{
	RuleWindowed:   {"metric", "aggregate", "window", "condition", "for"},
	RuleMargin:     {"metric", "aggregate", "window", "slo", "margin"},
	RuleViolations: {"metric", "aggregate", "window", "condition", "max", "per"},
	RuleGrowth:     {"series", "of", "warn", "fail"},
	RuleMax:        {"series", "warn", "fail"},
	RuleFinal:      {"series", "warn", "fail", "below"},
	RuleRatio:      {"series", "over", "warn", "fail"},
}

// ruleKinds lists the rule kinds in documentation order, for messages.
var ruleKinds = []string{RuleWindowed, RuleMargin, RuleViolations, RuleGrowth, RuleMax, RuleFinal, RuleRatio}

// The kinds of criterion compile error, beside ErrMetricKey, ErrUnknownMetric and
// ErrAggregation; a *CriterionError matches one of them with errors.Is.
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

// Condition is "observed Op Value" that must hold.
type Condition struct {
	Op    string  // one of the Op constants
	Value float64 // in the metric's unit (ms for time metrics)
}

// Holds reports whether v satisfies the condition; NaN never does.
func (c Condition) Holds(v float64) bool { return v == v && compare(v, c.Op, c.Value) }

// String is the canonical form: ">=400".
func (c Condition) String() string { return c.Op + formatFloat(c.Value) }

// Limit is a monitor value from a criterion: a plain number, or a percentage, which means a
// fraction unless the series' unit is "percent" (then 90% is 90).
type Limit struct {
	Value   float64
	Percent bool   // written with %: Value is the fraction
	Set     bool   // the key was written
	Text    string // as written, for Criterion.Text: "500MB"
}

// in returns the limit in the series' unit.
func (l Limit) in(unit string) float64 {
	if l.Percent && (unit == "percent" || unit == "%") {
		return l.Value * 100
	}
	return l.Value
}

// Criterion is one compiled criterion. Fields a rule does not use are zero.
type Criterion struct {
	// Name is the criterion's name, or its rule text when unnamed.
	Name string
	// Rule is one of the Rule constants.
	Rule string
	// Severity is "fail" or "warn": a broken rule of severity warn yields "warn".
	Severity string
	// AbortOnFail stops the run when the criterion fails during it.
	AbortOnFail bool
	// Line is the criterion's line in the scenario file.
	Line int

	// Metric is the canonical metric key (windowed, margin, violations); Type and Kind are
	// its built-in's.
	Metric string
	Type   metrics.Type
	Kind   metrics.ValueKind
	// Method and Arg are the aggregation (Method constants; Arg the percentile of "p").
	Method string
	Arg    float64
	// Window is the aggregation window; zero means the series interval (windowed,
	// violations) or the whole run (margin).
	Window time.Duration
	// Cond must hold (windowed, violations).
	Cond Condition
	// For is how long the windowed condition may stay broken.
	For time.Duration
	// SLO and Margin (a fraction) of a margin rule.
	SLO, Margin float64
	// Max is the violation budget; PerRequest counts requests rather than windows.
	Max        int64
	PerRequest bool

	// Series is the monitor series (growth, max, final, ratio); Over the ratio's divisor.
	Series, Over string
	// OfMax measures growth as max − first rather than last − first.
	OfMax bool
	// Warn and Fail are upper limits; Below a lower limit that fails (final).
	Warn, Fail, Below Limit
}

// Criteria are the seed's pass/fail rules that k6's whole-run thresholds cannot express:
// conditions judged per time window and how long they may stay broken, margins over an SLO,
// budgets of violations, and rules on the target's own series (from the monitors).
//
// A criterion arrives from the scenario compiler as a plan.Criterion: name, kind, severity and
// abortOnFail are its own fields; the rule is Kind, or the "rule" key of Spec when kind is not
// written; every other key stays in Spec as decoded. The YAML forms (one line per rule, the
// keys a rule accepts; [brackets] are optional, values in <angles>):
//
//	rule: windowed    metric: <key>  [aggregate: <agg>]  [window: <dur>]  condition: <cond>  [for: <dur>]
//	rule: margin      metric: <key>  aggregate: <agg>  [window: <dur>]  slo: <num>  margin: <pct>
//	rule: violations  metric: <key>  aggregate: <agg>  [window: <dur>]  condition: <cond>  max: <int>
//	rule: violations  metric: <trend key>  per: request  condition: <"<" or "<=" num>  max: <int>
//	rule: growth      series: <monitor series>  [of: last|max]  [warn: <num>]  fail: <num>
//	rule: max         series: <monitor series>  [warn: <num>]  fail: <num>
//	rule: final       series: <monitor series>  ([warn: <num>]  fail: <num> | below: <num>)
//	rule: ratio       series: <monitor series>  over: <monitor series>  [warn: <num>]  fail: <num>
//
//	<key>   a metric key as in thresholds: http_reqs, http_req_duration{type:api_read}
//	<agg>   rate, count (counter, rate); value, min, max (gauge); avg, min, max, med, p(N) (trend)
//	        default: rate for counters and rates, value for gauges; trends must name one
//	<cond>  <op> <number>, op one of < <= > >= == !=; time metrics take ms or a duration ("1.5s")
//	<dur>   a Go duration: "1s", "30s", "2m"
//	<pct>   "20%" or a fraction (0.2)
//	<num>   a number, a size ("500MB", "1GiB": SI and binary prefixes) or a percentage ("90%")
//
// A shorthand rule is also accepted, as in the bundled scenario 01: a rule string that names
// the breach rather than the rule kind,
//
//	rule: "<key> <agg> <op> <number> [per <dur>] [for <dur>]"
//
// e.g. "http_reqs rate < 400 for 30s": a windowed rule broken when the condition holds.
//
// What each rule judges (Outcome.Observed):
//
//	windowed    the condition must hold in every window; with for: D the rule fails when it is
//	            broken in consecutive windows for longer than D. Observed: the longest breach in
//	            seconds (for: given) or the worst window's value (for: absent, any breach fails).
//	margin      the aggregate over the run (or the worst window): above slo×(1+margin) fails,
//	            above slo warns, else passes. Observed: that value.
//	violations  the windows that break the condition (per: request: the requests above the
//	            value, read from the merged histograms); more than max fails. Observed: the count.
//	growth      last − first (of: max: max − first) of a monitor series. Observed: the growth.
//	max         the largest value of a monitor series.
//	final       the last value of a monitor series; below: fails when it is below.
//	ratio       series ÷ over at each sample (over's latest sample at or before it); the largest.
//
// Windows are cut from the first series interval that begins at or after the load's start,
// a window rounded up to a multiple of the series interval; a counter's last interval, still
// being filled, is left out of its rates and counts. A window without samples (no requests
// for a latency rule) neither breaks nor holds a condition: it ends a run of broken windows.
//
// For the monitor rules, warn: and fail: are upper limits: above fail fails, above warn warns.
// A criterion with severity warn never fails: a broken rule warns. A criterion with no data (a
// metric never recorded, a monitor unavailable) warns, with a Detail that says so: it never
// passes silently.
//
// CompileCriteria validates the plan's criteria and compiles them, in order. It reports every
// invalid criterion, not just the first: the error is an errors.Join of *CriterionError, each
// naming the line and the criterion, with the nearest rule or key for a misspelt one.
func CompileCriteria(cs []plan.Criterion) ([]Criterion, error) {
	out := make([]Criterion, 0, len(cs))
	var errs []error
	for _, pc := range cs {
		c, cerrs := compileCriterion(pc)
		for _, err := range cerrs {
			errs = append(errs, &CriterionError{Line: pc.Line, Name: pc.Name, Err: err})
		}
		out = append(out, c)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// compileCriterion compiles one criterion, returning every problem found.
func compileCriterion(pc plan.Criterion) (Criterion, []error) {
	c := Criterion{Name: pc.Name, Severity: pc.Severity, AbortOnFail: pc.AbortOnFail, Line: pc.Line}
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
				sp.fail(ErrAggregation, "per: request counts requests above a value of a trend metric; %s is a %s", c.Metric, c.Type)
			} else if c.Cond.Op != OpLess && c.Cond.Op != OpLessEqual && c.Cond.Op != "" {
				sp.fail(ErrBadValue, "per: request takes a condition < or <= (the requests above it are counted), not %q", c.Cond.String())
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
		c.Cond = Condition{Op: negate(cond.Op), Value: cond.Value}
		c.Window = sub.duration("window")
		c.For = sub.duration("for")
	}
	sp.errs = append(sp.errs, sub.errs...)
}

// isOperatorOnly reports whether s is a comparison operator alone.
func isOperatorOnly(s string) bool {
	for _, op := range operators {
		if s == op {
			return true
		}
	}
	return false
}

// negate returns the operator that holds exactly when op does not.
func negate(op string) string {
	switch op {
	case OpLess:
		return OpGreaterEqual
	case OpLessEqual:
		return OpGreater
	case OpGreater:
		return OpLessEqual
	case OpGreaterEqual:
		return OpLess
	case OpEqual, OpStrictEqual:
		return OpNotEqual
	case OpNotEqual:
		return OpEqual
	}
	return op
}

// CriteriaMetricKeys lists the canonical keys of the sub-metrics the criteria need tracked
// (for metrics.Config.Submetrics), each once, in order. Whole metrics are always tracked and
// are not listed; monitor series are not metrics.
func CriteriaMetricKeys(cs []Criterion) []string {
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

// Text is the rule in words, for reports: "http_reqs rate per 1s >=400, broken for at most 30s".
func (c Criterion) Text() string {
	agg := c.Method
	if c.Method == MethodPercentile {
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
		s := c.Metric + " " + agg + per + " " + c.Cond.String()
		if c.For > 0 {
			s += ", broken for at most " + c.For.String()
		}
		return s
	case RuleMargin:
		return fmt.Sprintf("%s %s%s within %s of the SLO %s", c.Metric, agg, per,
			FormatPercent(c.Margin), formatFloat(c.SLO))
	case RuleViolations:
		if c.PerRequest {
			return fmt.Sprintf("at most %d requests of %s above %s", c.Max, c.Metric, formatFloat(c.Cond.Value))
		}
		return fmt.Sprintf("at most %d windows of %s %s%s breaking %s", c.Max, c.Metric, agg, per, c.Cond.String())
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
	}
	return c.Rule
}

// limitsText shows the limits of a monitor rule: " warn above 500000000, fail above 1e+09".
func (c Criterion) limitsText() string {
	var parts []string
	show := func(l Limit) string {
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
