package criteria

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/suggest"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// spec reads the decoded keys of one criterion (strings, int64, float64, bool as the scenario
// compiler decodes YAML scalars), collecting every error rather than stopping at the first.
type spec struct {
	m    map[string]any
	errs []error
}

// fail records one error of the given kind.
func (sp *spec) fail(kind error, format string, args ...any) {
	sp.errs = append(sp.errs, &kindError{kind: kind, msg: fmt.Sprintf(format, args...)})
}

// unknownKeys reports the keys outside allowed (and "rule"), with the nearest allowed key.
func (sp *spec) unknownKeys(allowed []string) {
	for _, k := range sortedKeys(sp.m) {
		if k == "rule" || contains(allowed, k) {
			continue
		}
		if s, ok := suggest.Closest(k, allowed, max(2, len(k)/3)); ok {
			sp.fail(ErrUnknownKey, "unknown key %q; did you mean %q?", k, s)
		} else if len(allowed) == 0 {
			sp.fail(ErrUnknownKey, "unknown key %q: a short-form rule takes no other keys", k)
		} else {
			sp.fail(ErrUnknownKey, "unknown key %q; this rule takes %s", k, strings.Join(allowed, ", "))
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// str returns a string key, "" when absent; a non-string is an error.
func (sp *spec) str(key string) string {
	v, ok := sp.m[key]
	if !ok || v == nil {
		return ""
	}
	s, ok := v.(string)
	if !ok {
		sp.fail(ErrBadValue, "%s: want a string, got %v", key, v)
		return ""
	}
	return strings.TrimSpace(s)
}

// text returns a scalar key as written, and whether it is present.
func (sp *spec) text(key string) (string, bool) {
	v, ok := sp.m[key]
	if !ok || v == nil {
		return "", false
	}
	switch x := v.(type) {
	case string:
		return strings.TrimSpace(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int:
		return strconv.Itoa(x), true
	case float64:
		return formatFloat(x), true
	}
	sp.fail(ErrBadValue, "%s: want a value, got %v", key, v)
	return "", false
}

// metric reads a metric key and fills c.Metric, Type and Kind; false when it is unusable.
func (sp *spec) metric(c *Criterion, key string) bool {
	k := sp.str(key)
	if k == "" {
		sp.fail(ErrMissingKey, "%s needs %s: a metric key, e.g. http_req_duration{type:api_read}", c.Rule, key)
		return false
	}
	name, tags, err := metrics.ParseKey(k)
	if err != nil {
		sp.errs = append(sp.errs, &kindError{kind: threshold.ErrMetricKey, msg: fmt.Sprintf("%s %q: %v", key, k, err), err: err})
		return false
	}
	b, ok := metrics.Lookup(name)
	if !ok {
		sp.errs = append(sp.errs, &kindError{kind: threshold.ErrUnknownMetric, msg: threshold.UnknownMetric(name)})
		return false
	}
	c.Metric, c.Type, c.Kind = metrics.FormatKey(name, tags), b.Type, b.Kind
	return true
}

// aggregate reads "aggregate" into c.Method and c.Arg, defaulting for counters, rates and
// gauges. A trend's aggregate is required: no single one is the obvious choice.
func (sp *spec) aggregate(c *Criterion, required bool) {
	a := sp.str("aggregate")
	if a == "" {
		switch {
		case required || c.Type == metrics.Trend:
			sp.fail(ErrMissingKey, "%s needs aggregate: one of %s for %s", c.Rule, threshold.Aggregations(c.Type), c.Metric)
		case c.Type == metrics.Gauge:
			c.Method = threshold.MethodValue
		default:
			c.Method = threshold.MethodRate
		}
		return
	}
	e, err := threshold.ParseExpression(a + "<0")
	if err != nil {
		var se *threshold.SyntaxError
		msg := err.Error()
		if errors.As(err, &se) {
			msg = se.Msg
		}
		sp.errs = append(sp.errs, &kindError{kind: threshold.ErrAggregation, msg: fmt.Sprintf("aggregate %q: %s", a, msg), err: err})
		return
	}
	if !threshold.Fits(c.Type, e.Method) {
		sp.fail(threshold.ErrAggregation, "aggregate %q does not fit %s, a %s: use %s", a, c.Metric, c.Type, threshold.Aggregations(c.Type))
		return
	}
	c.Method, c.Arg = e.Method, e.Arg
}

// duration reads a positive Go duration; zero when absent.
func (sp *spec) duration(key string) time.Duration {
	s, ok := sp.text(key)
	if !ok {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		sp.fail(ErrBadValue, "%s: %q is not a positive duration; write e.g. \"30s\" or \"1m\"", key, s)
		return 0
	}
	return d
}

// condition reads "<op> <number>"; values of time metrics may be durations ("1.5s" is 1500).
func (sp *spec) condition(key string, kind metrics.ValueKind, required bool) plan.Condition {
	s, ok := sp.text(key)
	if !ok {
		if required {
			sp.fail(ErrMissingKey, "needs %s: an operator and a number, e.g. \">=400\" or \"<1500\"", key)
		}
		return plan.Condition{}
	}
	c, err := parseCondition(s, kind)
	if err != nil {
		sp.errs = append(sp.errs, &kindError{kind: ErrBadValue, msg: fmt.Sprintf("%s: %v", key, err), err: err})
	}
	return c
}

// parseCondition parses "<op> <number>".
func parseCondition(s string, kind metrics.ValueKind) (plan.Condition, error) {
	t := strings.TrimSpace(s)
	var op string
	for _, o := range []string{threshold.OpStrictEqual, threshold.OpLessEqual, threshold.OpGreaterEqual, threshold.OpEqual, threshold.OpNotEqual, threshold.OpLess, threshold.OpGreater} {
		if strings.HasPrefix(t, o) {
			op = o
			break
		}
	}
	if op == "" {
		return plan.Condition{}, fmt.Errorf("%q does not start with an operator (%s)", s, strings.Join(threshold.Operators, " "))
	}
	v, err := parseNumber(strings.TrimSpace(t[len(op):]), kind)
	if err != nil {
		return plan.Condition{}, fmt.Errorf("%q: %w", s, err)
	}
	if op == threshold.OpStrictEqual {
		op = threshold.OpEqual
	}
	return plan.Condition{Op: op, Value: v}, nil
}

// parseNumber reads a finite number; for time metrics, a duration in ms ("1.5s" is 1500).
func parseNumber(s string, kind metrics.ValueKind) (float64, error) {
	if s == "" {
		return 0, errors.New("no number")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return 0, fmt.Errorf("%q is not a finite number", s)
		}
		return f, nil
	}
	if kind == metrics.Time {
		if d, err := time.ParseDuration(s); err == nil {
			return float64(d) / float64(time.Millisecond), nil
		}
		return 0, fmt.Errorf("%q is neither a number of ms nor a duration like \"1.5s\"", s)
	}
	return 0, fmt.Errorf("%q is not a number", s)
}

// number reads a number key (for time metrics also a duration, in ms).
func (sp *spec) number(key string, kind metrics.ValueKind, required bool) float64 {
	s, ok := sp.text(key)
	if !ok {
		if required {
			sp.fail(ErrMissingKey, "needs %s: a number", key)
		}
		return 0
	}
	f, err := parseNumber(s, kind)
	if err != nil {
		sp.errs = append(sp.errs, &kindError{kind: ErrBadValue, msg: fmt.Sprintf("%s: %v", key, err), err: err})
	}
	return f
}

// percent reads "20%" or a fraction (0.2) that is not negative.
func (sp *spec) percent(key string, required bool) float64 {
	s, ok := sp.text(key)
	if !ok {
		if required {
			sp.fail(ErrMissingKey, "needs %s: a percentage, e.g. \"20%%\"", key)
		}
		return 0
	}
	f, pct, err := parsePercent(s)
	if err == nil && !pct && f > 1 {
		err = fmt.Errorf("%q: a fraction above 1; write \"%s%%\" if you mean a percentage", s, s)
	}
	if err == nil && f < 0 {
		err = fmt.Errorf("%q is negative", s)
	}
	if err != nil {
		sp.errs = append(sp.errs, &kindError{kind: ErrBadValue, msg: fmt.Sprintf("%s: %v", key, err), err: err})
	}
	return f
}

// parsePercent reads "20%" (0.2, true) or a plain number (as is, false).
func parsePercent(s string) (float64, bool, error) {
	num, pct := strings.CutSuffix(strings.TrimSpace(s), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false, fmt.Errorf("%q is not a percentage like \"20%%\" or a fraction like 0.2", s)
	}
	if pct {
		f /= 100
	}
	return f, pct, nil
}

// count reads a non-negative integer.
func (sp *spec) count(key string, required bool) int64 {
	v, ok := sp.m[key]
	if !ok || v == nil {
		if required {
			sp.fail(ErrMissingKey, "needs %s: a whole number", key)
		}
		return 0
	}
	n, ok := v.(int64)
	if i, isInt := v.(int); isInt {
		n, ok = int64(i), true
	}
	if !ok || n < 0 {
		sp.fail(ErrBadValue, "%s: %v is not a whole number ≥ 0", key, v)
		return 0
	}
	return n
}

// limit reads a monitor limit: a number, a size ("500MB") or a percentage ("90%").
func (sp *spec) limit(key string) plan.Limit {
	s, ok := sp.text(key)
	if !ok {
		return plan.Limit{}
	}
	if strings.HasSuffix(s, "%") {
		f, _, err := parsePercent(s)
		if err != nil {
			sp.errs = append(sp.errs, &kindError{kind: ErrBadValue, msg: fmt.Sprintf("%s: %v", key, err), err: err})
		}
		return plan.Limit{Value: f, Percent: true, Set: true, Text: s}
	}
	f, err := ParseSize(s)
	if err != nil {
		sp.errs = append(sp.errs, &kindError{kind: ErrBadValue, msg: fmt.Sprintf("%s: %v", key, err), err: err})
	}
	return plan.Limit{Value: f, Set: true, Text: s}
}

// sizeUnits are the byte suffixes ParseSize knows, longest first so that "MiB" wins over "B".
var sizeUnits = []struct {
	suffix string
	factor float64
}{
	{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"TiB", 1 << 40},
	{"kB", 1e3}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}, {"TB", 1e12}, {"B", 1},
}

// ParseSize reads a number with an optional byte unit: "500MB" is 5e8 (SI, as k6 prints
// sizes), "1GiB" is 2^30, "1024" is 1024. Spaces between number and unit are allowed.
func ParseSize(s string) (float64, error) {
	t := strings.TrimSpace(s)
	factor := 1.0
	for _, u := range sizeUnits {
		if num, ok := strings.CutSuffix(t, u.suffix); ok {
			t, factor = strings.TrimSpace(num), u.factor
			break
		}
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, fmt.Errorf("%q is not a number or a size like \"500MB\" or \"1GiB\"", s)
	}
	return f * factor, nil
}

// formatFloat prints a number in its shortest exact form.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
