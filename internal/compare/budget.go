package compare

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// Budget is one regression budget: how far a statistic of a metric may move from the
// baseline. It reads like a k6 threshold whose number is a change:
//
//	budget    = ws aggregation ws operator ws change ws
//	change    = [ "+" | "-" ] number "%"
//	operator  = "<" | "<=" | ">" | ">="
//
// "p(95) < +10%" on http_req_duration{name:meetings_list}: the current p95 must stay below
// the baseline's plus 10%. "rate > -5%" on http_reqs: throughput must not fall by 5% or more.
// For a trend or a counter the change is relative to the baseline; for a rate metric (a
// share such as http_req_failed) it is in percentage points, since a relative change from an
// error rate of 0 means nothing: "rate < +1%" allows the error rate to rise by one point.
type Budget struct {
	Metric     string // as written: "http_req_duration{name:meetings_list}"
	Expression string // as written: "p(95) < +10%"
	Stat       string // canonical aggregation: "p(95)", "rate", "avg"
	Op         string // "<", "<=", ">", ">="
	Limit      float64
	Line       int // in the scenario file; 0 from the command line
	// Test limits the budget to one test of a suite (its own file's budgets); "" for all.
	Test string
}

// ErrBudget is matched by every error ParseBudget returns.
var ErrBudget = errors.New("invalid regression budget")

// budgetOps are the operators a budget takes: equality says nothing of a change.
var budgetOps = []string{threshold.OpLess, threshold.OpLessEqual, threshold.OpGreater, threshold.OpGreaterEqual}

// ParseBudget parses one budget expression of metric. The metric must be a known metric (or
// sub-metric) and the aggregation one that compare measures for its type.
func ParseBudget(metric, expr string) (Budget, error) {
	b := Budget{Metric: metric, Expression: expr}
	fail := func(format string, args ...any) (Budget, error) {
		return b, fmt.Errorf("%w %q: %s", ErrBudget, expr, fmt.Sprintf(format, args...))
	}
	body, ok := strings.CutSuffix(strings.TrimSpace(expr), "%")
	if !ok {
		return fail(`the change must be a percentage, e.g. "p(95) < +10%%" or "rate > -5%%"`)
	}
	e, err := threshold.ParseExpression(body)
	if err != nil {
		var se *threshold.SyntaxError
		if errors.As(err, &se) {
			return fail("%s", se.Msg)
		}
		return fail("%v", err)
	}
	if !contains(budgetOps, e.Op) {
		return fail("operator %q: a budget bounds a change with <, <=, > or >=", e.Op)
	}
	b.Stat, b.Op, b.Limit = e.Aggregation(), e.Op, e.Value/100
	name, _, err := metrics.ParseKey(metric)
	if err != nil {
		return fail("metric %q: %v", metric, err)
	}
	bi, known := metrics.Lookup(name)
	if !known {
		return fail("unknown metric %q", name)
	}
	if !contains(statsOf(bi.Type), b.Stat) {
		return fail("%s is a %s: compare measures %s of it", name, bi.Type, strings.Join(statsOf(bi.Type), ", "))
	}
	return b, nil
}

// ParseBudgetFlag parses a command-line budget, written as in the scenario file:
// "http_req_duration{name:meetings_list}: p(95) < +10%". The metric ends at the first colon
// outside braces.
func ParseBudgetFlag(s string) (Budget, error) {
	depth := 0
	for i, r := range s {
		switch r {
		case '{':
			depth++
		case '}':
			depth--
		case ':':
			if depth == 0 {
				return ParseBudget(strings.TrimSpace(s[:i]), strings.TrimSpace(s[i+1:]))
			}
		}
	}
	return Budget{}, fmt.Errorf(`%w %q: write METRIC: EXPRESSION, e.g. "http_reqs: rate > -5%%"`, ErrBudget, s)
}

// holds reports whether a change is within the budget.
func (b Budget) holds(change float64) bool {
	switch b.Op {
	case threshold.OpLess:
		return change < b.Limit
	case threshold.OpLessEqual:
		return change <= b.Limit
	case threshold.OpGreater:
		return change > b.Limit
	}
	return change >= b.Limit
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
