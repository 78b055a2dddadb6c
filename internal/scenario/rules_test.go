package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// TestRulesOfK6AndTheFormat holds one row per validation rule beyond TestInvalidFiles: k6's
// executor checks (executor.Validate's, reported at the key) and the format's own. Each row's
// file breaks exactly one rule.
func TestRulesOfK6AndTheFormat(t *testing.T) {
	t.Parallel()
	scen := func(body string) string { return "scenarios:\n  s: { " + body + " }\n" + flowsOK }
	req := func(body string) string {
		return "flows:\n  default:\n    - request: { url: \"http://127.0.0.1:5000/\", " + body + " }\n"
	}
	tests := []struct {
		name string
		src  string
		want want
	}{
		{"vus must be positive", scen("executor: constant-vus, vus: 0, duration: 1m"), want{"2:37", "vus 0: must be between 1 and 1000000"}},
		{"duration at least 1s", scen("executor: constant-vus, duration: 500ms"), want{"2:", "the duration should be at least 1s, but is 500ms"}},
		{"constant-vus needs a duration", scen("executor: constant-vus"), want{"2:", `missing required key "duration"`}},
		{"rate must be positive", scen("executor: constant-arrival-rate, rate: 0, duration: 1m, preAllocatedVUs: 1"), want{"2:47", "rate 0: must be more than 0"}},
		{"timeUnit must be positive", scen("executor: constant-arrival-rate, rate: 1, timeUnit: 0s, duration: 1m, preAllocatedVUs: 1"), want{"2:60", "timeUnit 0s: must be more than 0"}},
		{"startRate not negative", scen("executor: ramping-arrival-rate, startRate: -1, preAllocatedVUs: 1, stages: [{duration: 1m, target: 1}]"), want{"2:51", "startRate -1: must not be negative"}},
		{"stages required", scen("executor: ramping-arrival-rate, preAllocatedVUs: 1"), want{"2:", `missing required key "stages"`}},
		{"at least one stage", scen("executor: ramping-vus, stages: []"), want{"2:39", "stages: none given"}},
		{"stage needs a target", scen("executor: ramping-vus, stages: [{duration: 1m}]"), want{"2:", `missing required key "target"`}},
		{"ramping-vus needs some VUs", scen("executor: ramping-vus, startVUs: 0, stages: [{duration: 1m, target: 0}]"), want{"2:52", "startVUs and every stage target are 0: at least one must be more than 0"}},
		{"startVUs not negative", scen("executor: ramping-vus, startVUs: -1, stages: [{duration: 1m, target: 1}]"), want{"2:41", "startVUs -1: must be between 0 and 1000000"}},
		{"iterations must be positive", scen("executor: per-vu-iterations, iterations: 0"), want{"2:49", "iterations 0: must be more than 0"}},
		{"maxDuration at least 1s", scen("executor: per-vu-iterations, maxDuration: 10ms"), want{"2:", "the maxDuration should be at least 1s"}},
		{"gracefulStop not negative", scen("executor: per-vu-iterations, gracefulStop: -1s"), want{"2:", "gracefulStop can't be negative"}},
		// With no known executor, keys are checked against every executor's (2: the executor too).
		{"unknown key without an executor", scen("executor: nope, startRat: 1"), want{"2:", `unknown key "startRat" (hint: did you mean "startRate"?)`}},
		{"missing executor", scen("vus: 1"), want{"2:", `missing required key "executor"`}},
		{"misspelt executor key", scen("executr: constant-vus"), want{"2:", `unknown key "executr" (hint: did you mean "executor"?)`}},
		{"scenario name", "scenarios:\n  \"a b\": { executor: per-vu-iterations }\n" + flowsOK, want{"2:", "may hold only letters, digits"}},
		{"think backwards", "flows:\n  default:\n    - think: 3s..1s\n", want{"3:14", `think range "3s..1s" runs backwards`}},
		{"think not a duration", "flows:\n  default:\n    - think: soon\n", want{"3:14", `expected a duration or a range such as "1s..3s", got "soon"`}},
		{"negative weight", "flows:\n  default:\n    - pick: [ { weight: -1, think: 1s }, { weight: 1, think: 1s } ]\n", want{"3:", "weight can't be negative"}},
		{"branch without body", "flows:\n  default:\n    - pick: [ { weight: 1 } ]\n", want{"3:", "a pick branch needs steps"}},
		{"empty step", "flows:\n  default:\n    - {}\n", want{"3:", "empty step"}},
		{"unknown step kind", "flows:\n  default:\n    - requests: { url: x }\n", want{"3:7", `unknown key "requests" (hint: did you mean "request"?)`}},
		{"flow with no steps", "flows:\n  default: []\n", want{"2:", "no steps"}},
		{"capture without source", req("capture: [ { as: x } ]"), want{"3:", "a capture needs one of json, header or regex"}},
		{"capture bad regex", req("capture: [ { regex: '(', as: x } ]"), want{"3:", "bad regular expression"}},
		{"capture bad name", req("capture: [ { json: id, as: 'my id' } ]"), want{"3:", `"my id" is not a variable name`}},
		{"capture a built-in", req("capture: [ { json: id, as: __VU } ]"), want{"3:", `"__VU" is a built-in variable`}},
		{"check with two kinds", req("checks: [ { status: 200, body_contains: x } ]"), want{"3:", "a check tests one thing"}},
		{"check without a kind", req("checks: [ { name: x } ]"), want{"3:", "a check needs one of"}},
		{"status out of range", req("expect: 700"), want{"3:", "700 is not an HTTP status"}},
		{"json and body", req("json: {}, body: x"), want{"3:", "a request has json or body, not both"}},
		{"unknown method", req("method: GRT"), want{"3:", `unknown method "GRT" (hint: did you mean "GET"?)`}},
		{"duration check needs below", req("checks: [ { duration: {} } ]"), want{"3:", `missing required key "below"`}},
		{"function outside a request", scen("executor: per-vu-iterations, vus: \"${randomInt(1,2)}\""), want{"2:", "randomInt() is evaluated per request"}},
		{"unknown function argument", req("body: \"${randomInt(1, MAXX)}\""), want{"3:", "randomInt(): undefined variable MAXX"}},
		{"relative URL", "flows:\n  default:\n    - request: { url: /api }\n", want{"3:", `URL "/api" is not an absolute http:// or https:// URL`}},
		{"bad data extension", "data:\n  u: { file: tokens.txt }\n" + flowsOK, want{"2:", "is neither .csv nor .json"}},
		{"data path from a variable", "data:\n  u: { file: \"${TOKENS:-nope.csv}\" }\n" + flowsOK, want{"2:", "the path comes from ${TOKENS:-nope.csv}: set that variable with -e"}},
		{"bad feeder mode", "data:\n  u: { file: tokens.csv, mode: shuffled }\n" + flowsOK, want{"2:", `unknown feeder mode "shuffled"`}},
		{"data file is a directory", "data:\n  u: { file: dir.json }\n" + flowsOK, want{"2:", `data file "dir.json" is a directory`}},
		{"slo metric not a trend", "slo: { metric: http_req_failed }\n" + flowsOK, want{"1:", "p50/p95/p99 targets need a trend"}},
		{"slo error rate above 1", "slo: { error_rate: 5 }\n" + flowsOK, want{"1:", "error_rate is a fraction between 0 and 1"}},
		{"maxBodyBytes positive", "options: { maxBodyBytes: 0 }\n" + flowsOK, want{"1:", "maxBodyBytes must be more than 0"}},
		{"host with a scheme", "options: { hosts: [\"http://x\", \"127.0.0.1:5000\"] }\n" + flowsOK, want{"1:", "is not a host or host:port"}},
		{"tracing: another propagation", "options:\n  tracing: { propagation: b3 }\n" + flowsOK, want{"2:", `propagation "b3": ramp propagates the W3C Trace Context (traceparent) only`}},
		{"tracing: sample rate above 1", "options:\n  tracing:\n    sampleRate: 2\n" + flowsOK, want{"3:", "sampleRate is the share of requests that carry a traceparent"}},
		{"tracing: sample rate 0", "options:\n  tracing: { propagation: w3c, sampleRate: 0 }\n" + flowsOK, want{"2:", "more than 0 and at most 1, got 0"}},
		{"tracing: unknown key", "options:\n  tracing: { sampleRat: 0.1 }\n" + flowsOK, want{"2:", `unknown key "sampleRat" (hint: did you mean "sampleRate"?)`}},
		{"option typo", "options: { timeot: 1s }\n" + flowsOK, want{"1:", `unknown key "timeot" (hint: did you mean "timeout"?)`}},
		{"string where a boolean belongs", "options: { noConnectionReuse: yes please }\n" + flowsOK, want{"1:", "expected true or false"}},
		{"number where a string belongs", "description: 42\n" + flowsOK, want{"1:", "expected a string, got 42"}},
		{"gauge aggregation", "thresholds:\n  vus: [\"p(95)<3\"]\n" + flowsOK, want{"2:", `p(95) is not an aggregation of the gauge metric vus; use value, min or max`}},
		{"threshold object without expression", "thresholds:\n  checks: [ { abortOnFail: true } ]\n" + flowsOK, want{"2:", `missing required key "threshold"`}},
		{"criterion without kind or rule", "criteria: [ { name: x } ]\n" + flowsOK, want{"1:", "a criterion needs a kind or a rule"}},
		{"criterion severity", "criteria: [ { kind: x, severity: fatal } ]\n" + flowsOK, want{"1:", `unknown severity "fatal"`}},
		{"monitor without kind", "monitors: [ { name: x } ]\n" + flowsOK, want{"1:", `missing required key "kind"`}},
		{"two documents", flowsOK + "---\nflows: {}\n", want{"5:", "one YAML document"}},
		{"empty file", "", want{"1:1", "the file is empty"}},
		{"not a mapping", "- a\n- b\n", want{"1:1", "a scenario file is a mapping"}},
		{"no flows", "description: x\n", want{"1:1", `missing required key "flows"`}},
		{"group without name", "flows:\n  default:\n    - group: { steps: [ { think: 1s } ] }\n", want{"3:", `missing required key "name"`}},
		{"exec default missing", "scenarios:\n  s: { executor: per-vu-iterations }\nflows:\n  main: [ { think: 1s } ]\n", want{"2:", `no exec, and no flow named "default"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, tt.src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"})
			// One broken rule, one error: a mistake is not reported twice in other words.
			want := 1
			if tt.name == "unknown key without an executor" {
				want = 2 // the executor is the second broken rule
			}
			if len(errs) != want {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), want, errs)
			}
			for _, e := range errs {
				if strings.HasPrefix(fmt.Sprintf("%d:%d", e.Line, e.Column), tt.want.pos) && strings.Contains(e.Error(), tt.want.frag) {
					return
				}
			}
			t.Errorf("no error at %s containing %q; got:\n%v", tt.want.pos, tt.want.frag, errs)
		})
	}
}
