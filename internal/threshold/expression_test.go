package threshold

import (
	"errors"
	"strings"
	"testing"
)

func TestParseExpressionValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want Expression // Source is checked separately: it is always the input
	}{
		// Every aggregation.
		{"avg", "avg<200", Expression{Method: "avg", Op: "<", Value: 200}},
		{"min", "min>0", Expression{Method: "min", Op: ">", Value: 0}},
		{"max", "max<2000", Expression{Method: "max", Op: "<", Value: 2000}},
		{"med", "med<100", Expression{Method: "med", Op: "<", Value: 100}},
		{"percentile", "p(95)<800", Expression{Method: "p", Arg: 95, Op: "<", Value: 800}},
		{"rate", "rate<0.0005", Expression{Method: "rate", Op: "<", Value: 0.0005}},
		{"count", "count>0", Expression{Method: "count", Op: ">", Value: 0}},
		{"value", "value<5", Expression{Method: "value", Op: "<", Value: 5}},
		// Every operator.
		{"less", "avg<1", Expression{Method: "avg", Op: "<", Value: 1}},
		{"less or equal", "avg<=1", Expression{Method: "avg", Op: "<=", Value: 1}},
		{"greater", "avg>1", Expression{Method: "avg", Op: ">", Value: 1}},
		{"greater or equal", "rate>=400", Expression{Method: "rate", Op: ">=", Value: 400}},
		{"loose equality", "count==3", Expression{Method: "count", Op: "==", Value: 3}},
		{"strict equality is kept as written", "count===3", Expression{Method: "count", Op: "===", Value: 3}},
		{"not equal", "count!=3", Expression{Method: "count", Op: "!=", Value: 3}},
		// Percentiles: decimals and both ends of the range.
		{"decimal percentile", "p(99.9) <= 1500", Expression{Method: "p", Arg: 99.9, Op: "<=", Value: 1500}},
		{"zeroth percentile", "p(0)>=0", Expression{Method: "p", Arg: 0, Op: ">=", Value: 0}},
		{"hundredth percentile", "p(100)<1", Expression{Method: "p", Arg: 100, Op: "<", Value: 1}},
		// Spaces: around every token, tabs too, as k6 trims them.
		{"spaces around the operator", "p(99) < 1500", Expression{Method: "p", Arg: 99, Op: "<", Value: 1500}},
		{"leading and trailing spaces", "  rate < 0.01  ", Expression{Method: "rate", Op: "<", Value: 0.01}},
		{"tabs", "\tavg\t<\t200\t", Expression{Method: "avg", Op: "<", Value: 200}},
		// Numbers: what strconv.ParseFloat reads in k6 and the grammar allows.
		{"decimal value", "avg<200.5", Expression{Method: "avg", Op: "<", Value: 200.5}},
		{"leading dot", "rate<.5", Expression{Method: "rate", Op: "<", Value: 0.5}},
		{"trailing dot", "avg<5.", Expression{Method: "avg", Op: "<", Value: 5}},
		{"scientific notation", "rate<5e-4", Expression{Method: "rate", Op: "<", Value: 0.0005}},
		{"scientific notation with capital E and sign", "count<1.5E+3", Expression{Method: "count", Op: "<", Value: 1500}},
		{"negative value", "value>-1", Expression{Method: "value", Op: ">", Value: -1}},
		{"explicit plus", "value>+1", Expression{Method: "value", Op: ">", Value: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseExpression(tt.in)
			if err != nil {
				t.Fatalf("ParseExpression(%q): %v", tt.in, err)
			}
			if got.Source != tt.in {
				t.Errorf("Source = %q, want the input %q", got.Source, tt.in)
			}
			got.Source = ""
			if got != tt.want {
				t.Errorf("ParseExpression(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestParseExpressionInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		want   string // a fragment of the message
		column int
	}{
		// k6's habit from other tools: the percentile without parentheses.
		{"percentile without parentheses", "p95<800", `unknown aggregation "p95"; percentiles are written p(N): write p(95)`, 1},
		{"decimal percentile without parentheses", "p99.9<800", "write p(99.9)", 1},
		// Percentile range and shape.
		{"percentile above 100", "p(101)<1", "percentile 101 is out of range; expected 0 ≤ N ≤ 100", 3},
		{"negative percentile", "p(-1)<1", "percentile -1 is out of range", 3},
		{"empty percentile", "p()<1", "p() needs a percentile between 0 and 100", 1},
		{"percentile not a number", "p(abc)<1", "must be a number between 0 and 100", 3},
		{"percentile not closed", "p(99<1", "missing ')' after p(99", 5},
		{"percentile with a space inside", "p( 95)<1", "must be a number", 3},
		{"p alone", "p<1", "a percentile is written p(N)", 1},
		// Missing parts.
		{"missing value", "avg<", `missing value after "<"`, 5},
		{"missing aggregation", "<800", `missing aggregation before "<800"`, 1},
		{"missing operator", "avg 800", `no comparison operator between "avg" and "800"; expected one of < <= > >= == === !=`, 5},
		{"aggregation alone", "avg", `missing operator and value after "avg"`, 4},
		{"empty", "", "empty expression", 1},
		{"only spaces", "   ", "empty expression", 4},
		// Operators.
		{"doubled operator", "rate<<1", `unknown operator "<<"`, 5},
		{"single equals", "avg=1", `write ==`, 4},
		{"bang alone", "count!20", `unknown operator "!"`, 6},
		{"arrow", "avg=>1", `unknown operator "=>"`, 4},
		// Aggregations.
		{"unknown aggregation", "foo<1", `unknown aggregation "foo"; expected avg, min, max, med, p(N), count, rate or value`, 1},
		{"near miss", "cout>1", "did you mean count?", 1},
		{"upper case", "AVG<1", "aggregations are lower case: write avg", 1},
		{"upper case percentile", "P(95)<1", "aggregations are lower case: write p(N)", 1},
		{"mean", "mean<1", "write avg", 1},
		{"not a word", "(avg)<1", `unexpected "(avg)<1"`, 1},
		// Values.
		{"value not a number", "count>abc", `value "abc" is not a number`, 7},
		{"NaN", "avg<NaN", `value "NaN" is not a number`, 5},
		{"infinity", "avg<Inf", `value "Inf" is not a number`, 5},
		{"overflow", "avg<1e999", "value 1e999 is out of range", 5},
		// Trailing garbage.
		{"unit", "p(95)<800ms", `unexpected "ms" after the value: threshold values have no units`, 10},
		{"percent sign", "rate<5%", "have no units", 7},
		{"second expression", "avg<1 max<2", `unexpected "max<2" after the value`, 7},
		{"second operator", "avg<1<2", `unexpected "<2" after the value`, 6},
		{"hex", "avg<0x10", `unexpected "x10" after the value`, 6},
		{"digit separator", "count<1_000", `unexpected "_000" after the value`, 8},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseExpression(tt.in)
			if err == nil {
				t.Fatalf("ParseExpression(%q) = %+v, want an error", tt.in, got)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not contain %q", err, tt.want)
			}
			if !strings.Contains(err.Error(), `"`+tt.in+`"`) && tt.in != "" {
				t.Errorf("error %q does not quote the input %q", err, tt.in)
			}
			if !errors.Is(err, ErrSyntax) {
				t.Errorf("errors.Is(%v, ErrSyntax) = false", err)
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is not a *SyntaxError", err)
			}
			if se.Column != tt.column {
				t.Errorf("column = %d, want %d (%v)", se.Column, tt.column, err)
			}
		})
	}
}

func TestExpressionString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		// Spaces are dropped and the percentile keeps its decimals.
		{"percentile with spaces", "p(99.9) <= 1500", "p(99.9)<=1500"},
		// Scientific notation comes back in the shortest form.
		{"scientific", "rate < 5e-4", "rate<0.0005"},
		// The operator stays as written.
		{"strict equality", "count===0", "count===0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, err := ParseExpression(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := e.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
			again, err := ParseExpression(e.String())
			if err != nil {
				t.Fatalf("canonical form %q does not parse: %v", e.String(), err)
			}
			again.Source, e.Source = "", ""
			if again != e {
				t.Errorf("round trip: %+v, want %+v", again, e)
			}
		})
	}
}

// FuzzParseExpression checks that no input panics or hangs, and that whatever parses
// survives a round trip through its canonical form.
func FuzzParseExpression(f *testing.F) {
	for _, s := range []string{"p(95)<800", "rate<5e-4", "avg 800", "p(", "<", "count===1", "value>-.5E+2"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpression(s)
		if err != nil {
			if !errors.Is(err, ErrSyntax) {
				t.Fatalf("error %v does not match ErrSyntax", err)
			}
			return
		}
		again, err := ParseExpression(e.String())
		if err != nil {
			t.Fatalf("canonical %q of %q does not parse: %v", e.String(), s, err)
		}
		again.Source, e.Source = "", ""
		if again != e {
			t.Fatalf("round trip of %q: %+v, want %+v", s, again, e)
		}
	})
}
