package plan

import "time"

// Criterion is one rule beyond k6's thresholds, compiled: the seed's windowed conditions,
// margins over an SLO, budgets of violations and rules on the target's monitor series. Rule
// selects which fields apply; fields a rule does not use are zero. The YAML grammar and what
// each rule judges are documented in the criteria package, which parses and evaluates them.
type Criterion struct {
	// Name is the criterion's name, or its rule in words when unnamed.
	Name string
	// Rule is one of windowed, margin, violations, growth, max, final, ratio, recovery,
	// during_faults, nothing_lost.
	Rule string
	// Severity is "fail" or "warn": a broken rule of severity warn only warns.
	Severity string
	// AbortOnFail stops the run when the criterion fails during it.
	AbortOnFail bool
	// Line and Column locate the criterion in the scenario file.
	Line, Column int

	// Metric is the canonical metric key (windowed, margin, violations).
	Metric string
	// Method and Arg are the aggregation: a threshold method ("rate", "p", …) and, for "p",
	// the percentile.
	Method string
	Arg    float64
	// Window is the aggregation window; zero means the series interval (windowed,
	// violations) or the whole run (margin).
	Window time.Duration
	// Cond must hold (windowed, violations).
	Cond Condition
	// For is how long a windowed condition may stay broken.
	For time.Duration
	// SLO and Margin (a fraction) of a margin rule.
	SLO, Margin float64
	// Within is how soon after a fault ends the condition must hold again (recovery).
	Within time.Duration
	// Check restricts nothing_lost to the teardown checks of that name.
	Check string
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

// Condition is "observed Op Value", which must hold.
type Condition struct {
	Op    string  // a threshold comparison operator: < <= > >= == !=
	Value float64 // in the metric's unit (ms for time metrics)
}

// Limit is a monitor value of a criterion: a plain number, or a percentage, which means a
// fraction unless the series' unit is "percent" (then 90% is 90).
type Limit struct {
	Value   float64
	Percent bool   // written with %: Value is the fraction
	Set     bool   // the key was written
	Text    string // as written, for reports: "500MB"
}
