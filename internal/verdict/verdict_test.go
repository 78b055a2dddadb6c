package verdict

import (
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

func TestDecide(t *testing.T) {
	t.Parallel()
	held := threshold.Result{Metric: "http_req_duration", Expression: "p(95)<800", HasValue: true, Pass: true}
	broken := threshold.Result{Metric: "http_req_failed", Expression: "rate<0.01", HasValue: true}
	empty := threshold.Result{Metric: "http_req_duration{name:never}", Expression: "p(95)<800"}
	crit := func(result, severity string) criteria.Outcome {
		return criteria.Outcome{Name: "c", Result: result, Severity: severity, Detail: "why"}
	}
	delivered := Load{Scheduled: 1000, Dropped: 10, Tolerance: 0.01}
	tests := []struct {
		name string
		in   Input
		want Status
		why  string // a reason of the winning status contains this
	}{
		// Everything judged and held, the load delivered to the tolerance exactly.
		{"pass", Input{Thresholds: []threshold.Result{held}, Load: delivered}, Pass, ""},
		// A threshold that did not hold.
		{"threshold failed", Input{Thresholds: []threshold.Result{held, broken}}, Fail, "http_req_failed rate<0.01 failed"},
		// A threshold whose metric saw nothing: never met.
		{"threshold without data", Input{Thresholds: []threshold.Result{held, empty}}, Inconclusive, "no data"},
		// A failure outranks missing data.
		{"failure beside no data", Input{Thresholds: []threshold.Result{broken, empty}}, Fail, "failed"},
		// 45% of the load never sent: the run shows nothing about the SLOs.
		{"load not delivered", Input{Thresholds: []threshold.Result{held}, Load: Load{Scheduled: 1000, Dropped: 450, Tolerance: 0.01}},
			Inconclusive, "450 of 1000 scheduled iterations dropped (45%, tolerance 1%)"},
		// Just above the tolerance.
		{"load just short", Input{Thresholds: []threshold.Result{held}, Load: Load{Scheduled: 1000, Dropped: 11, Tolerance: 0.01}},
			Inconclusive, "not delivered"},
		// An overloaded generator cannot vouch for its latencies.
		{"generator overloaded", Input{Thresholds: []threshold.Result{held}, Generator: selfcheck.Report{Overloaded: true, Reasons: []string{"schedule lag p99 8.8s"}}},
			Inconclusive, "schedule lag p99 8.8s"},
		// Segments that did not begin together did not make the intended load.
		{"late segment", Input{Thresholds: []threshold.Result{held}, Late: []string{"segment 2/4 began 1.2s after --start-at"}},
			Inconclusive, "not started together: segment 2/4 began 1.2s"},
		// Criteria: a failure fails, no data of a fail-severity rule is inconclusive.
		{"criterion failed", Input{Thresholds: []threshold.Result{held}, Criteria: []criteria.Outcome{crit(criteria.ResultFail, "fail")}}, Fail, `criterion "c" failed`},
		{"criterion without data", Input{Thresholds: []threshold.Result{held}, Criteria: []criteria.Outcome{crit(criteria.ResultNoData, "fail")}}, Inconclusive, `criterion "c"`},
		// A warn-only rule could never fail the run: its missing data is listed, not decisive.
		{"warn criterion without data", Input{Thresholds: []threshold.Result{held}, Criteria: []criteria.Outcome{crit(criteria.ResultNoData, "warn")}}, Pass, ""},
		// Skipped and warned rules count neither way.
		{"skipped and warned", Input{Thresholds: []threshold.Result{held}, Criteria: []criteria.Outcome{crit(criteria.ResultSkipped, "fail"), crit(criteria.ResultWarn, "fail")}}, Pass, ""},
		// Only skipped criteria and no threshold: nothing was judged.
		{"nothing judged", Input{Criteria: []criteria.Outcome{crit(criteria.ResultSkipped, "fail")}}, Inconclusive, "nothing to judge"},
		{"nothing stated", Input{}, Inconclusive, "nothing to judge"},
		// Setup, teardown and abort fail the run.
		{"setup failed", Input{SetupError: "status 500"}, Fail, "setup failed: status 500"},
		{"teardown failed", Input{Thresholds: []threshold.Result{held}, TeardownError: "check lost"}, Fail, "teardown failed"},
		{"aborted", Input{Thresholds: []threshold.Result{held}, Aborted: "threshold x failed with abortOnFail"}, Fail, "aborted"},
		// An interrupted run never passes, whatever held.
		{"interrupted", Input{Thresholds: []threshold.Result{held, broken}, Interrupted: true}, Interrupted, "interrupted by the user"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			v := Decide(tt.in)
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s (reasons %+v)", v.Status, tt.want, v.Reasons)
			}
			if v.Passed() != (tt.want == Pass) {
				t.Errorf("Passed() = %v for %s", v.Passed(), v.Status)
			}
			if tt.want == Pass && len(v.Reasons) != 0 {
				t.Errorf("a pass with reasons %+v", v.Reasons)
			}
			if tt.why != "" && !strings.Contains(v.Why(), tt.why) {
				t.Errorf("Why() = %q, want it to contain %q", v.Why(), tt.why)
			}
		})
	}
}

func TestCombine(t *testing.T) {
	t.Parallel()
	pass := Verdict{Status: Pass}
	inc := Verdict{Status: Inconclusive, Reasons: []Reason{{Status: Inconclusive, Text: "no data"}}}
	fail := Verdict{Status: Fail, Reasons: []Reason{{Status: Fail, Text: "p95"}}}
	tests := []struct {
		name string
		vs   []Verdict
		want Status
	}{
		{"all pass", []Verdict{pass, pass}, Pass},
		{"one inconclusive", []Verdict{pass, inc}, Inconclusive},
		{"fail outranks", []Verdict{inc, fail, pass}, Fail},
		{"none", nil, Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			names := []string{"01", "02", "03"}
			v := Combine(names[:len(tt.vs)], tt.vs)
			if v.Status != tt.want {
				t.Fatalf("status %s, want %s", v.Status, tt.want)
			}
			for _, r := range v.Reasons {
				if len(tt.vs) > 0 && !strings.HasPrefix(r.Text, "0") {
					t.Errorf("reason %q does not name its test", r.Text)
				}
			}
		})
	}
}

func TestDecideComparison(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   Comparison
		want Status
	}{
		// Budgets judged, none broken.
		{"held", Comparison{Judged: 3}, Pass},
		// One broken budget fails, whatever else.
		{"regression", Comparison{Judged: 3, Regressions: []Finding{{Text: "p95 +40%"}}, Unjudged: []Finding{{Text: "x"}}}, Fail},
		// A budget that could not be judged is not a pass.
		{"unjudged", Comparison{Judged: 3, Unjudged: []Finding{{Text: "no windows"}}}, Inconclusive},
		// Nothing judged at all: never a pass.
		{"nothing", Comparison{}, Inconclusive},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if v := DecideComparison(tt.in); v.Status != tt.want || v.Reasons == nil {
				t.Fatalf("%+v: %s %v, want %s", tt.in, v.Status, v.Reasons, tt.want)
			}
		})
	}
}

// Each reason says which kind of check it came from, so that outputs listing the checks apart
// leave them out by kind, never by the wording of their text.
func TestReasonKinds(t *testing.T) {
	v := Decide(Input{
		Thresholds: []threshold.Result{{Metric: "http_req_failed", Expression: "rate<0.01", HasValue: true}},
		Criteria:   []criteria.Outcome{{Name: "c", Result: criteria.ResultFail, Severity: criteria.ResultFail, Detail: "why"}},
		Load:       Load{Scheduled: 100, Dropped: 50, Tolerance: 0.01},
	})
	kinds := map[string]string{}
	for _, r := range v.Reasons {
		kinds[r.Kind] = r.Text
	}
	for _, k := range []string{KindThreshold, KindCriterion, ""} { // "": the load not delivered
		if _, ok := kinds[k]; !ok {
			t.Errorf("no reason of kind %q in %+v", k, v.Reasons)
		}
	}
	if strings.HasPrefix(kinds[""], "threshold") || strings.HasPrefix(kinds[""], "criterion") {
		t.Errorf("a check's reason has no kind: %q", kinds[""])
	}
}

// The generator's own doubt is a reason of its kind, which no output takes for a check's.
func TestGeneratorReasonKind(t *testing.T) {
	v := Decide(Input{Thresholds: []threshold.Result{{Metric: "http_reqs", Expression: "rate>1", HasValue: true, Pass: true}},
		Generator: selfcheck.Report{Overloaded: true, Reasons: []string{"schedule lag p99 20ms exceeds 10ms"}}})
	if len(v.Reasons) != 1 || v.Reasons[0].Kind != KindGenerator || v.Reasons[0].IsCheck() || v.Status != Inconclusive {
		t.Errorf("verdict %+v, want inconclusive for one generator reason", v)
	}
}
