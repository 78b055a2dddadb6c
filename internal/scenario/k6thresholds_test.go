package scenario

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/threshold"
)

// k6's threshold grammar, name and expressions, as k6's own tests judge them: a file is
// accepted exactly when k6 accepts the threshold. The last rows are the four cases where ramp
// once disagreed with k6.
func TestK6ThresholdNamesAndExpressions(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		key   string // the metric key as written in the file
		exprs string // the YAML list of expressions
		rules int    // the expressions judged
		err   string // a fragment of the error; "" when k6 accepts it
	}{
		{"whole metric", "http_req_duration", `["p(95)<800"]`, 1, ""},
		{"two expressions", "http_req_duration", `["p(95)<800", "avg<200"]`, 2, ""},
		{"percentile with decimals", "http_req_duration", `["p(99.9)<=1500"]`, 1, ""},
		{"spaces around the operator", "http_req_duration", `["p(95) < 800"]`, 1, ""},
		{"=== is ==", "http_req_failed", `["rate===0"]`, 1, ""},
		{"counter count", "http_reqs", `["count>=10"]`, 1, ""},
		{"counter rate", "http_reqs", `["rate>10"]`, 1, ""},
		{"object form with abortOnFail", "http_req_failed", `[{threshold: "rate<0.01", abortOnFail: true, delayAbortEval: 10s}]`, 1, ""},
		{"sub-metric by status", "http_req_duration{status:200}", `["p(95)<800"]`, 1, ""},
		{"sub-metric with a quoted value", `http_req_duration{status:"200"}`, `["max<1000"]`, 1, ""},
		{"two tags", "http_req_duration{status:200,method:GET}", `["max<1000"]`, 1, ""},
		{"spaces in the selector", "http_req_duration{ status : 200 }", `["max<1000"]`, 1, ""},
		{"no aggregation", "http_req_duration", `["<800"]`, 0, "aggregation"},
		{"unknown aggregation", "http_req_duration", `["p95<800"]`, 0, "p95"},
		{"rate of a trend", "http_req_duration", `["rate<0.1"]`, 0, "not an aggregation"},
		{"unknown metric", "http_req_duraton", `["p(95)<800"]`, 0, `did you mean "http_req_duration"`},
		{"empty selector", "http_req_duration{}", `["p(95)<800"]`, 0, "empty tag selector"},
		{"tag without colon", "http_req_duration{status}", `["p(95)<800"]`, 0, "not key:value"},
		{"unclosed selector", "http_req_duration{status:200", `["p(95)<800"]`, 0, "must end with '}'"},
		{"no limit", "http_req_duration", `["p(95)<"]`, 0, ""},
		// The four cases of issue 14. k6 accepts an empty list: the idiom that shows a
		// (sub-)metric in the summary. It judges nothing.
		{"empty list on a sub-metric", "http_reqs{tag:xyz}", `[]`, 0, ""},
		{"empty list on a metric", "http_req_failed", `[]`, 0, ""},
		// k6 refuses a tag without a value.
		{"unquoted empty tag value", "http_req_duration{easyas:}", `["p(95)<800"]`, 0, `tag "easyas" has no value`},
		{"unquoted empty value after another tag", "http_req_duration{abc:123,easyas:}", `["p(95)<800"]`, 0, `tag "easyas" has no value`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := fmt.Sprintf("thresholds:\n  %q: %s\n%s", tt.key, tt.exprs, flowsOK)
			p, err := Compile("k6.yaml", []byte(src), map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, env(nil))
			if tt.name == "no limit" { // an error, whatever its words
				if err == nil {
					t.Fatal("accepted an expression without a limit")
				}
				return
			}
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("want an error with %q, got %v", tt.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("k6 accepts %s: %s; got %v", tt.key, tt.exprs, err)
			}
			ths, err := threshold.Compile(p.Thresholds)
			if err != nil {
				t.Fatal(err)
			}
			if len(ths) != tt.rules {
				t.Errorf("%d expressions judged, want %d", len(ths), tt.rules)
			}
			// Every sub-metric a threshold names is tracked, and so shown in the summary —
			// with an empty list too.
			if strings.Contains(tt.key, "{") && len(threshold.Keys(p.Thresholds)) != 1 {
				t.Errorf("sub-metric of %s not tracked: %v", tt.key, threshold.Keys(p.Thresholds))
			}
			if tt.rules == 0 && slices.ContainsFunc(ths, func(th threshold.Threshold) bool { return th.Metric == tt.key }) {
				t.Errorf("an empty list judged something")
			}
		})
	}
}
