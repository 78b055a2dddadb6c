package scenario

import (
	"fmt"
	"strings"
	"testing"
)

// TestExecutorRulesAtTheKey: the executor's own checks (executor.Validate) are reported at the
// key they are about, once, and not at all for an option the compiler already found wrong.
func TestExecutorRulesAtTheKey(t *testing.T) {
	t.Parallel()
	scen := func(lines string) string { return "scenarios:\n  s:\n" + lines + flowsOK }
	tests := []struct {
		name string
		src  string
		want []want // every error, in order
	}{
		{
			// Stages that last 0s in all: nothing would run, and the executor refuses them.
			name: "ramping-vus stages of 0s",
			src:  scen("    executor: ramping-vus\n    stages:\n      - { duration: 0s, target: 10 }\n"),
			want: []want{{"5:7", "stages: they last 0s in all"}},
		},
		{
			name: "ramping-arrival-rate stages of 0s",
			src:  scen("    executor: ramping-arrival-rate\n    preAllocatedVUs: 1\n    stages: [{ duration: 0, target: 10 }, { duration: 0s, target: 0 }]\n"),
			want: []want{{"5:13", "stages: they last 0s in all"}},
		},
		{
			// A VU count beyond executor.MaxVUs is a typo, not a test.
			name: "two million VUs",
			src:  scen("    executor: constant-vus\n    vus: 2000000\n    duration: 1m\n"),
			want: []want{{"4:10", "vus 2000000: must be between 1 and 1000000"}},
		},
		{
			name: "ramping-vus target beyond MaxVUs",
			src:  scen("    executor: ramping-vus\n    stages:\n      - { duration: 1m, target: 10 }\n      - { duration: 1m, target: 2000000 }\n"),
			want: []want{{"6:33", "stage 2: target 2000000 VUs: must be between 0 and 1000000"}},
		},
		{
			// k6: maxVUs can't be less than preAllocatedVUs.
			name: "maxVUs below preAllocatedVUs",
			src:  scen("    executor: constant-arrival-rate\n    rate: 10\n    duration: 1m\n    preAllocatedVUs: 50\n    maxVUs: 10\n"),
			want: []want{{"7:13", "maxVUs 10: can't be less than preAllocatedVUs (50)"}},
		},
		{
			// An explicit 0 is not "unset": k6 refuses maxVUs: 0 and timeUnit: 0s.
			name: "explicit maxVUs 0",
			src:  scen("    executor: constant-arrival-rate\n    rate: 10\n    duration: 1m\n    preAllocatedVUs: 5\n    maxVUs: 0\n"),
			want: []want{{"7:13", "maxVUs 0: must be between 1 and 1000000"}},
		},
		{
			// maxVUs left out is preAllocatedVUs: one mistake, one error, at preAllocatedVUs.
			name: "huge pool without maxVUs",
			src:  scen("    executor: constant-arrival-rate\n    rate: 10\n    duration: 1m\n    preAllocatedVUs: 2000000\n"),
			want: []want{{"6:22", "preAllocatedVUs 2000000: must be between 0 and 1000000"}},
		},
		{
			// An empty pool with no maxVUs has no VU to run: said at the scenario, with why.
			name: "empty pool without maxVUs",
			src:  scen("    executor: constant-arrival-rate\n    rate: 10\n    duration: 1m\n    preAllocatedVUs: 0\n"),
			want: []want{{"3:5", "maxVUs 0: must be between 1 and 1000000 (hint: maxVUs is not set, so it is preAllocatedVUs)"}},
		},
		{
			// A default that breaks a rule: iterations is 1, below vus.
			name: "shared-iterations without iterations",
			src:  scen("    executor: shared-iterations\n    vus: 10\n"),
			want: []want{{"3:5", "iterations 1: can't be less than vus (10) (hint: raise iterations or lower vus; iterations is not set, so it is 1)"}},
		},
		{
			// Longer than a time.Duration holds: the executor's window would wrap around.
			name: "scenario too long",
			src:  scen("    executor: constant-vus\n    startTime: 1000000h\n    duration: 2000000h\n"),
			want: []want{{"3:5", "the scenario lasts too long"}},
		},
		{
			// A misspelt stage key is one error: not also "0s in all" from the missing duration.
			name: "misspelt stage key",
			src:  scen("    executor: ramping-vus\n    stages:\n      - { duraton: 1m, target: 10 }\n"),
			want: []want{{"5:11", `unknown key "duraton" (hint: did you mean "duration"?)`}},
		},
		{
			// A stage duration of the wrong type is one error, whatever the executor makes of 0.
			name: "stage duration not a duration",
			src:  scen("    executor: ramping-arrival-rate\n    preAllocatedVUs: 1\n    stages: [{ duration: soon, target: 10 }]\n"),
			want: []want{{"5:26", `expected a duration, got "soon"`}},
		},
		{
			// A misspelt preAllocatedVUs is one error, not also one about the maxVUs it implies.
			name: "misspelt pool key",
			src:  scen("    executor: constant-arrival-rate\n    rate: 10\n    duration: 1m\n    preAlocatedVUs: 5\n"),
			want: []want{{"6:5", `unknown key "preAlocatedVUs"`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, tt.src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"})
			if len(errs) != len(tt.want) {
				t.Fatalf("got %d errors, want %d:\n%v", len(errs), len(tt.want), errs)
			}
			for i, w := range tt.want {
				e := errs[i]
				if got := fmt.Sprintf("%d:%d", e.Line, e.Column); got != w.pos || !strings.Contains(e.Error(), w.frag) {
					t.Errorf("error %d = %s, want at %s containing %q", i, e, w.pos, w.frag)
				}
			}
		})
	}
}
