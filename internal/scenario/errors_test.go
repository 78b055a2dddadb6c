package scenario

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// env returns a lookupEnv over a map, so tests never read the real environment.
func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := m[k]
		return v, ok
	}
}

// compileErrors compiles src and returns its errors, failing the test if it compiled.
func compileErrors(t *testing.T, src string, vars map[string]string) Errors {
	t.Helper()
	p, err := Compile("testdata/bad.yaml", []byte(src), vars, env(nil))
	if err == nil {
		t.Fatalf("compiled an invalid file into %+v", p)
	}
	var errs *Errors
	if !errors.As(err, &errs) {
		t.Fatalf("error is %T, want *Errors: %v", err, err)
	}
	return *errs
}

// want is one expected error: its position and a fragment of its text.
type want struct {
	pos  string // "line:column"
	frag string
}

// flowsOK is a valid flows section for rows that test something else.
const flowsOK = `
flows:
  default:
    - request: { url: "http://127.0.0.1:5000/" }
`

func TestInvalidFiles(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{
			// A typo in a scenario option is caught with the closest k6 name.
			name: "unknown key with did-you-mean",
			src: `scenarios:
  read:
    executor: ramping-arrival-rate
    preAlocatedVUs: 5
    stages: [{ duration: 1m, target: 10 }]
` + flowsOK,
			// Reported once, as a typo, not again as a missing preAllocatedVUs.
			want: []want{{"4:5", `unknown key "preAlocatedVUs" (hint: did you mean "preAllocatedVUs"?)`}},
		},
		{
			// A typo at the top level is caught too.
			name: "unknown top-level key",
			src:  "thresold: {}\n" + flowsOK,
			want: []want{{"1:1", `unknown key "thresold" (hint: did you mean "thresholds"?)`}},
		},
		{
			// A word where an integer belongs.
			name: "wrong type",
			src: `scenarios:
  read:
    executor: constant-arrival-rate
    rate: 10
    duration: 1m
    preAllocatedVUs: 5
    maxVUs: lots
` + flowsOK,
			want: []want{{"7:13", `scenarios.read.maxVUs: expected an integer, got "lots"`}},
		},
		{
			// "5 minutes" is not a duration in Go's or k6's syntax.
			name: "bad duration",
			src: `scenarios:
  s:
    executor: constant-vus
    duration: 5 minutes
` + flowsOK,
			want: []want{{"4:15", `expected a duration, got "5 minutes"`}},
		},
		{
			// An executor name k6 does not have.
			name: "unknown executor",
			src: `scenarios:
  s:
    executor: constant-vu
    duration: 1m
` + flowsOK,
			want: []want{{"3:15", `unknown executor "constant-vu" (hint: did you mean "constant-vus"?)`}},
		},
		{
			// k6 rejects rate on constant-vus; so do we, naming who takes it.
			name: "option not for that executor",
			src: `scenarios:
  s:
    executor: constant-vus
    duration: 1m
    rate: 100
` + flowsOK,
			want: []want{{"5:5", `option "rate" does not apply to executor constant-vus`}},
		},
		{
			// A request must say where it goes.
			name: "missing url",
			src: `flows:
  default:
    - request: { method: GET }
`,
			want: []want{{"3:16", `flows.default[0].request.url: missing required key "url"`}},
		},
		{
			// An aggregation that does not exist, pointing at its column.
			name: "bad threshold expression",
			src:  "thresholds:\n  http_req_duration: [\"p95<800\"]\n" + flowsOK,
			want: []want{{"2:24", `threshold "p95<800": column 1: unknown aggregation "p95"`}},
		},
		{
			// A metric ramp does not produce.
			name: "bad threshold metric",
			src:  "thresholds:\n  http_req_duraton: [\"p(95)<800\"]\n" + flowsOK,
			want: []want{{"2:3", `unknown metric "http_req_duraton" (hint: did you mean "http_req_duration"?)`}},
		},
		{
			// rate is not an aggregation of a trend.
			name: "threshold aggregation does not fit the metric",
			src:  "thresholds:\n  http_req_duration: [\"rate<0.1\"]\n" + flowsOK,
			want: []want{{"2:23", `rate is not an aggregation of the trend metric http_req_duration; use avg, min, max, med or p(N)`}},
		},
		{
			// exec names a flow that is not there.
			name: "exec naming a missing flow",
			src: `scenarios:
  s: { executor: constant-vus, duration: 1m, exec: brows }
flows:
  browse:
    - request: { url: "http://127.0.0.1:5000/" }
`,
			want: []want{{"2:52", `no flow named "brows" (hint: did you mean "browse"?)`}},
		},
		{
			// A pick that can never choose anything.
			name: "pick with zero weights",
			src: `flows:
  default:
    - pick:
        - { weight: 0, think: 1s }
        - { weight: 0, think: 2s }
`,
			want: []want{{"4:9", "pick has no branch with a positive weight"}},
		},
		{
			// A variable with no value and no default.
			name: "undefined variable",
			src: `scenarios:
  s: { executor: constant-arrival-rate, rate: "${RATE}", duration: 1m, preAllocatedVUs: 1 }
` + flowsOK,
			want: []want{{"2:48", "undefined variable RATE (hint: set it with -e RATE=… or give a default ${RATE:-…})"}},
		},
		{
			// A near-miss of a captured variable gets a did-you-mean.
			name: "undefined variable with did-you-mean",
			src: `flows:
  default:
    - request: { url: "http://127.0.0.1:5000/", capture: [ { json: id, as: meeting_id } ] }
    - request: { url: "http://127.0.0.1:5000/m/${meting_id}" }
`,
			want: []want{{"4:48", `undefined variable meting_id (hint: did you mean "meeting_id"?`}},
		},
		{
			// A captured value cannot shape the load.
			name: "run-time variable in a compile-time place",
			src: `scenarios:
  s: { executor: constant-vus, vus: "${__VU}", duration: 1m }
` + flowsOK,
			want: []want{{"2:38", "__VU is known only at run time"}},
		},
		{
			// Negative targets, maxVUs below preAllocatedVUs and a bad stage are all reported.
			name: "several errors in one file reported together",
			src: `scenarios:
  read:
    executor: ramping-arrival-rate
    preAllocatedVUs: 50
    maxVUs: 10
    stages:
      - { duration: 1m, target: -5 }
      - { duration: 1x, target: 5 }
` + flowsOK,
			want: []want{
				{"5:13", "maxVUs 10: can't be less than preAllocatedVUs (50)"},
				{"7:33", "stage 1: target -5 iterations per timeUnit: must not be negative"},
				{"8:21", `expected a duration, got "1x"`},
			},
		},
		{
			// The same key twice is ambiguous in YAML; we refuse it.
			name: "duplicate key",
			src: `scenarios:
  s: { executor: constant-vus, duration: 1m, duration: 2m }
` + flowsOK,
			want: []want{{"2:46", `duplicate key "duration" (first at line 2)`}},
		},
		{
			// A literal URL to a host that is not the base URL's is refused before any traffic.
			name: "host not allowed",
			src: `flows:
  default:
    - request: { url: "http://example.com/api" }
`,
			want: []want{{"3:23", `host "example.com:80" is not allowed (allowed: 127.0.0.1:5000)`}},
		},
		{
			// Arrival-rate executors need their pool size, as in k6.
			name: "missing required executor option",
			src: `scenarios:
  s: { executor: constant-arrival-rate, rate: 10, duration: 1m }
` + flowsOK,
			want: []want{{"2:6", `missing required key "preAllocatedVUs"`}},
		},
		{
			// A step with two kinds is ambiguous.
			name: "step with two kinds",
			src: `flows:
  default:
    - { think: 1s, request: { url: "http://127.0.0.1:5000/" } }
`,
			want: []want{{"3:20", "a step holds exactly one of request, think, group, pick or ws"}},
		},
		{
			// A data file that does not exist.
			name: "missing data file",
			src:  "data:\n  users: { file: nope.csv }\n" + flowsOK,
			want: []want{{"2:18", `data file "nope.csv"`}},
		},
		{
			// shared-iterations cannot give every VU an iteration.
			name: "shared iterations below vus",
			src: `scenarios:
  s: { executor: shared-iterations, vus: 10, iterations: 5 }
` + flowsOK,
			want: []want{{"2:58", "iterations 5: can't be less than vus (10)"}},
		},
		{
			// Bad YAML is reported with its line, not as a panic.
			name: "yaml syntax error",
			src:  "flows:\n  default: [\n",
			want: []want{{"2:1", "YAML syntax error"}},
		},
		{
			// An unquoted reference in a flow mapping is a YAML error; the hint says to quote it.
			name: "unquoted reference in braces",
			src: `scenarios:
  s:
    executor: ramping-vus
    stages:
      - { duration: ${RAMP:-5s}, target: 1 }
` + flowsOK,
			want: []want{{"5:21", `hint: quote values that hold ${…} inside { } or [ ]`}},
		},
		{
			// A bad template is reported at the reference.
			name: "template syntax error",
			src: `flows:
  default:
    - request: { url: "http://127.0.0.1:5000/${a b}" }
`,
			want: []want{{"3:49", "bad reference"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, tt.src, vars)
			for _, w := range tt.want {
				found := false
				for _, e := range errs {
					if fmt.Sprintf("%d:%d", e.Line, e.Column) == w.pos && strings.Contains(e.Error(), w.frag) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error at %s containing %q; got:\n%v", w.pos, w.frag, errs)
				}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), len(tt.want), errs)
			}
		})
	}
}

func TestErrorFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		// Every part present.
		{"full", &Error{File: "a.yaml", Line: 12, Column: 5, Path: "scenarios.read.maxVUs", Msg: `expected an integer, got "lots"`, Hint: "use a number"},
			`a.yaml:12:5: scenarios.read.maxVUs: expected an integer, got "lots" (hint: use a number)`},
		// A problem with the whole file has no position, path or hint.
		{"bare", &Error{File: "a.yaml", Msg: "cannot read"}, "a.yaml: cannot read"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := tt.err.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestErrorsSortedAndOnePerLine(t *testing.T) {
	t.Parallel()
	src := `scenarios:
  b: { executor: nope }
  a: { executor: constant-vus, duration: soon }
` + flowsOK
	errs := compileErrors(t, src, nil)
	for i := 1; i < len(errs); i++ {
		if errs[i-1].Line > errs[i].Line || errs[i-1].Line == errs[i].Line && errs[i-1].Column > errs[i].Column {
			t.Errorf("errors out of order: %v before %v", errs[i-1], errs[i])
		}
	}
	if lines := strings.Count(errs.Error(), "\n") + 1; lines != len(errs) {
		t.Errorf("Error() has %d lines for %d errors", lines, len(errs))
	}
}

func TestLoadMissingFile(t *testing.T) {
	t.Parallel()
	_, err := Load("testdata/does-not-exist.yaml", nil, env(nil))
	var errs Errors
	if !errors.As(err, &errs) || len(errs) != 1 || !strings.Contains(errs[0].Msg, "cannot read") {
		t.Fatalf("got %v, want one 'cannot read' error", err)
	}
}

func TestErrorsAs(t *testing.T) {
	t.Parallel()
	_, err := Compile("x.yaml", []byte("flows: 3\n"), nil, env(nil))
	wrapped := fmt.Errorf("validate: %w", err)
	var ptr *Errors
	if !errors.As(wrapped, &ptr) || len(*ptr) != 1 {
		t.Errorf("errors.As(*Errors) failed on %v", wrapped)
	}
	var val Errors
	if !errors.As(wrapped, &val) || len(val) != 1 {
		t.Errorf("errors.As(Errors) failed on %v", wrapped)
	}
}
