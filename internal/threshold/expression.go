package threshold

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ramp-dev/ramp/internal/suggest"
)

// The aggregation methods an Expression may name.
const (
	MethodAvg        = "avg"
	MethodMin        = "min"
	MethodMax        = "max"
	MethodMed        = "med"
	MethodPercentile = "p" // p(N); the percentile is in Expression.Arg
	MethodRate       = "rate"
	MethodCount      = "count"
	MethodValue      = "value"
)

// The comparison operators, as k6 spells them. "==" and "===" mean the same: every observed
// value is a float64, so JavaScript's loose and strict equality agree.
const (
	OpLess         = "<"
	OpLessEqual    = "<="
	OpGreater      = ">"
	OpGreaterEqual = ">="
	OpEqual        = "=="
	OpStrictEqual  = "==="
	OpNotEqual     = "!="
)

// methods lists the aggregation names, for messages and suggestions, in the order k6's
// documentation gives them.
var methods = []string{MethodAvg, MethodMin, MethodMax, MethodMed, MethodPercentile, MethodCount, MethodRate, MethodValue}

// Operators lists the comparison operators, for messages.
var Operators = []string{OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpEqual, OpStrictEqual, OpNotEqual}

// Expression is one parsed threshold expression.
type Expression struct {
	// Source is the expression as written, spaces included.
	Source string
	// Method is one of the Method constants: "avg" "min" "max" "med" "p" "rate" "count" "value".
	Method string
	// Arg is the percentile (0–100) when Method is "p", and zero otherwise.
	Arg float64
	// Op is one of the Op constants, as written ("===" stays "===").
	Op string
	// Value is the right-hand side. There are no units: trend values of time metrics are
	// milliseconds, rates are fractions (0.0005 is 0.05%), counter rates are per second.
	Value float64
}

// String returns the expression in canonical form, without spaces: "p(99.9)<=1500".
func (e Expression) String() string {
	return e.Aggregation() + e.Op + strconv.FormatFloat(e.Value, 'g', -1, 64)
}

// Aggregation returns the left-hand side in canonical form: "avg", "p(95)", "p(99.9)".
func (e Expression) Aggregation() string {
	if e.Method == MethodPercentile {
		return "p(" + strconv.FormatFloat(e.Arg, 'g', -1, 64) + ")"
	}
	return e.Method
}

// ErrSyntax is what every SyntaxError matches with errors.Is.
var ErrSyntax = errors.New("invalid threshold expression")

// SyntaxError says where and why an expression does not follow the grammar.
type SyntaxError struct {
	// Input is the expression as written.
	Input string
	// Column is the 1-based column (in runes) of the offending text, so that a scenario
	// compiler can point at it as file:line:column.
	Column int
	// Msg says what is wrong and what is expected.
	Msg string
}

var _ error = (*SyntaxError)(nil)

// Error quotes the input, then says what is wrong at which column.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("threshold %q: column %d: %s", e.Input, e.Column, e.Msg)
}

// Is reports whether target is ErrSyntax.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

// ParseExpression parses one threshold expression, k6's `aggregation operator value`:
//
//	expression  = ws aggregation ws operator ws number ws
//	aggregation = "avg" | "min" | "max" | "med" | "count" | "rate" | "value" | percentile
//	percentile  = "p(" number ")"                       (0 ≤ number ≤ 100)
//	operator    = "<" | "<=" | ">" | ">=" | "==" | "===" | "!="
//	number      = [ "+" | "-" ] mantissa [ exponent ]
//	mantissa    = digits [ "." { digit } ] | "." digits
//	exponent    = ( "e" | "E" ) [ "+" | "-" ] digits
//	digits      = digit { digit }
//	ws          = { " " | "\t" }
//
// This is k6's grammar made explicit. k6 documents plain decimals but reads the value with
// strconv.ParseFloat, so scientific notation (rate<5e-4) works there and works here; NaN, Inf,
// hex floats and digit separators do not. Aggregation names are lower case, as in k6. Which
// aggregation fits which metric is checked by Compile, not here.
//
// Errors are *SyntaxError (matching ErrSyntax): they quote the input, give the column and say
// what was expected.
func ParseExpression(s string) (Expression, error) {
	p := parser{src: s}
	e, err := p.expression()
	if err != nil {
		return Expression{}, err
	}
	e.Source = s
	return e, nil
}

// parser reads one expression left to right; pos is a byte offset into src.
type parser struct {
	src string
	pos int
}

func (p *parser) fail(at int, format string, args ...any) error {
	return &SyntaxError{Input: p.src, Column: utf8.RuneCountInString(p.src[:at]) + 1, Msg: fmt.Sprintf(format, args...)}
}

func (p *parser) expression() (Expression, error) {
	var e Expression
	p.skipSpace()
	if p.pos == len(p.src) {
		return e, p.fail(p.pos, "empty expression; expected `aggregation operator value`, e.g. p(95)<800")
	}
	var err error
	if e.Method, e.Arg, err = p.aggregation(); err != nil {
		return e, err
	}
	p.skipSpace()
	if e.Op, err = p.operator(e.Aggregation()); err != nil {
		return e, err
	}
	p.skipSpace()
	if e.Value, err = p.value(e.Op); err != nil {
		return e, err
	}
	p.skipSpace()
	if p.pos < len(p.src) {
		return e, p.trailing()
	}
	return e, nil
}

func (p *parser) aggregation() (string, float64, error) {
	start := p.pos
	for p.pos < len(p.src) && isWordByte(p.src[p.pos]) {
		p.pos++
	}
	word := p.src[start:p.pos]
	if word == "" {
		if p.pos < len(p.src) && isOperatorByte(p.src[p.pos]) {
			return "", 0, p.fail(start, "missing aggregation before %q; expected e.g. p(95)<800", p.src[p.pos:])
		}
		return "", 0, p.fail(start, "unexpected %q; expected an aggregation: %s", p.src[start:], methodList())
	}
	switch word {
	case MethodAvg, MethodMin, MethodMax, MethodMed, MethodRate, MethodCount, MethodValue:
		return word, 0, nil
	case MethodPercentile:
		arg, err := p.percentile(start)
		return MethodPercentile, arg, err
	}
	return "", 0, p.fail(start, "unknown aggregation %q; %s", word, aggregationHint(word))
}

// percentile reads "(N)" after a "p" that started at start.
func (p *parser) percentile(start int) (float64, error) {
	if p.pos == len(p.src) || p.src[p.pos] != '(' {
		return 0, p.fail(start, "a percentile is written p(N) with 0 ≤ N ≤ 100, e.g. p(95)")
	}
	p.pos++
	numStart := p.pos
	text := p.number()
	if text == "" {
		if p.pos < len(p.src) && p.src[p.pos] == ')' {
			return 0, p.fail(start, "p() needs a percentile between 0 and 100, e.g. p(95)")
		}
		return 0, p.fail(numStart, "the percentile in p(...) must be a number between 0 and 100, e.g. p(99.9)")
	}
	if p.pos == len(p.src) || p.src[p.pos] != ')' {
		return 0, p.fail(p.pos, "missing ')' after p(%s", text)
	}
	p.pos++
	arg, err := strconv.ParseFloat(text, 64)
	if err != nil || arg < 0 || arg > 100 {
		return 0, p.fail(numStart, "percentile %s is out of range; expected 0 ≤ N ≤ 100", text)
	}
	return arg, nil
}

func (p *parser) operator(lhs string) (string, error) {
	start := p.pos
	for p.pos < len(p.src) && isOperatorByte(p.src[p.pos]) {
		p.pos++
	}
	op := p.src[start:p.pos]
	switch op {
	case OpLess, OpLessEqual, OpGreater, OpGreaterEqual, OpEqual, OpStrictEqual, OpNotEqual:
		return op, nil
	case "":
		if p.pos == len(p.src) {
			return "", p.fail(start, "missing operator and value after %q; expected e.g. %s<800", lhs, lhs)
		}
		return "", p.fail(start, "no comparison operator between %q and %q; expected one of %s",
			lhs, p.src[start:], strings.Join(Operators, " "))
	case "=":
		return "", p.fail(start, "unknown operator \"=\"; to compare for equality write ==")
	}
	return "", p.fail(start, "unknown operator %q; expected one of %s", op, strings.Join(Operators, " "))
}

func (p *parser) value(op string) (float64, error) {
	start := p.pos
	text := p.number()
	if text == "" {
		if p.pos == len(p.src) {
			return 0, p.fail(start, "missing value after %q; expected a number, e.g. %s800", op, op)
		}
		end := p.pos
		for end < len(p.src) && p.src[end] != ' ' && p.src[end] != '\t' {
			end++
		}
		return 0, p.fail(start, "value %q is not a number", p.src[start:end])
	}
	v, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return 0, p.fail(start, "value %s is out of range of a float64", text)
	}
	return v, nil
}

// trailing explains text left after a complete expression.
func (p *parser) trailing() error {
	rest := strings.TrimSpace(p.src[p.pos:])
	if isUnit(rest) {
		return p.fail(p.pos, "unexpected %q after the value: threshold values have no units "+
			"(trend values of time metrics are milliseconds, data is bytes)", rest)
	}
	return p.fail(p.pos, "unexpected %q after the value; an expression is one `aggregation operator value`", rest)
}

// number consumes the longest prefix matching the grammar's number and returns it; it
// consumes nothing and returns "" when there is none.
func (p *parser) number() string {
	start, i := p.pos, p.pos
	if i < len(p.src) && (p.src[i] == '+' || p.src[i] == '-') {
		i++
	}
	intDigits := countDigits(p.src[i:])
	i += intDigits
	fracDigits := 0
	if i < len(p.src) && p.src[i] == '.' {
		fracDigits = countDigits(p.src[i+1:])
		if intDigits > 0 || fracDigits > 0 {
			i += 1 + fracDigits
		}
	}
	if intDigits == 0 && fracDigits == 0 {
		return ""
	}
	if i < len(p.src) && (p.src[i] == 'e' || p.src[i] == 'E') {
		j := i + 1
		if j < len(p.src) && (p.src[j] == '+' || p.src[j] == '-') {
			j++
		}
		if n := countDigits(p.src[j:]); n > 0 {
			i = j + n
		}
	}
	p.pos = i
	return p.src[start:i]
}

func (p *parser) skipSpace() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t') {
		p.pos++
	}
}

func countDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

// isWordByte accepts the bytes of an aggregation name, and also digits and '.' so that a
// mistaken "p99.9" is read whole and gets a precise hint.
func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.'
}

func isOperatorByte(c byte) bool {
	return c == '<' || c == '>' || c == '=' || c == '!'
}

// isUnit recognises the units people append to values out of habit.
func isUnit(s string) bool {
	switch strings.ToLower(s) {
	case "ns", "us", "µs", "ms", "s", "m", "h", "%", "b", "kb", "mb", "gb", "rps", "/s":
		return true
	}
	return false
}

func methodList() string {
	return "avg, min, max, med, p(N), count, rate or value"
}

// aggregationHint says what the writer of an unknown aggregation word probably meant.
func aggregationHint(word string) string {
	lower := strings.ToLower(word)
	if lower != word {
		for _, m := range methods {
			if m == lower {
				if m == MethodPercentile {
					m = "p(N)"
				}
				return fmt.Sprintf("aggregations are lower case: write %s", m)
			}
		}
	}
	if len(lower) > 1 && lower[0] == 'p' && countDigits(lower[1:]) > 0 {
		return fmt.Sprintf("percentiles are written p(N): write p(%s)", word[1:])
	}
	switch lower {
	case "mean", "average":
		return "write avg"
	case "median":
		return "write med or p(50)"
	}
	if m, ok := suggest.Closest(lower, methods, 1); ok && m != MethodPercentile {
		return fmt.Sprintf("did you mean %s? expected %s", m, methodList())
	}
	return "expected " + methodList()
}
