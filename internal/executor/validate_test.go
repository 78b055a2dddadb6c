package executor_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// TestValidate holds one row per rule: each scenario breaks one, and Validate must name the
// option at fault (Field) and quote it (Msg). New must refuse the same scenario, so that a
// scenario file checked with Validate never fails when it runs.
func TestValidate(t *testing.T) {
	t.Parallel()
	ramp := func(target int64, d time.Duration) []plan.Stage { return []plan.Stage{{Duration: d, Target: target}} }
	tests := []struct {
		name  string
		sc    plan.Scenario
		field string
		quote string
	}{
		// k6 has no executor of that name.
		{"unknown executor", plan.Scenario{Executor: "constant-vu"}, "executor", `executor "constant-vu": unknown`},
		// A typo must not try to make two million VUs.
		{"vus above MaxVUs", plan.Scenario{Executor: plan.ConstantVUs, VUs: 2_000_000, Duration: time.Minute}, "vus", "vus 2000000: must be between 1 and 1000000"},
		// The same bound on every VU count: startVUs, stage targets of ramping-vus, the pool.
		{"startVUs above MaxVUs", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 2_000_000, Stages: ramp(1, time.Minute)}, "startVUs", "startVUs 2000000"},
		{"ramping-vus target above MaxVUs", plan.Scenario{Executor: plan.RampingVUs, Stages: []plan.Stage{{Duration: time.Minute, Target: 5}, {Duration: time.Minute, Target: 2_000_000}}},
			"stages[1].target", "stage 2: target 2000000 VUs: must be between 0 and 1000000"},
		{"preAllocatedVUs above MaxVUs", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, Duration: time.Minute, PreAllocatedVUs: 2_000_000, MaxVUs: 2_000_000},
			"preAllocatedVUs", "preAllocatedVUs 2000000"},
		// k6: maxVUs can't be less than preAllocatedVUs.
		{"maxVUs below preAllocatedVUs", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: ramp(10, time.Minute), PreAllocatedVUs: 50, MaxVUs: 10},
			"maxVUs", "maxVUs 10: can't be less than preAllocatedVUs (50)"},
		// Stages that last 0s in all schedule nothing; the pacer refuses them.
		{"ramping-arrival-rate stages of 0s", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: []plan.Stage{{Target: 10}, {Target: 0}}, PreAllocatedVUs: 1, MaxVUs: 1},
			"stages", "they last 0s in all"},
		{"ramping-vus stages of 0s", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 1, Stages: ramp(10, 0)}, "stages", "they last 0s in all"},
		// k6: at least one stage.
		{"no stages", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, PreAllocatedVUs: 1, MaxVUs: 1}, "stages", "stages: none given"},
		// A negative stage value points at that stage's key (stages counted from 0).
		{"negative stage duration", plan.Scenario{Executor: plan.RampingVUs, Stages: []plan.Stage{{Duration: time.Minute, Target: 1}, {Duration: -time.Second, Target: 1}}},
			"stages[1].duration", "stage 2: duration -1s: must not be negative"},
		{"negative rate target", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: ramp(-4, time.Minute), PreAllocatedVUs: 1, MaxVUs: 1},
			"stages[0].target", "stage 1: target -4 iterations per timeUnit: must not be negative"},
		// k6: either startVUs or one of the stages' targets must be more than 0.
		{"no VUs at all", plan.Scenario{Executor: plan.RampingVUs, Stages: ramp(0, time.Minute)}, "stages", "at least one must be more than 0"},
		// Stages whose sum overflows a time.Duration: pace refuses them, so must Validate.
		{"stages too long", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 1, Stages: []plan.Stage{{Duration: math.MaxInt64 - 1, Target: 1}, {Duration: 2, Target: 1}}},
			"stages[1].duration", "the stages last too long"},
		// More than 2⁶³−1 iterations in the schedule: only pace's arithmetic knows.
		{"too many iterations", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Nanosecond, Stages: ramp(math.MaxInt64, math.MaxInt64/2), PreAllocatedVUs: 1, MaxVUs: 1},
			"stages", "more than 9223372036854775807 iterations"},
		// startTime + duration + gracefulStop must fit in a time.Duration, or the window wraps.
		{"scenario too long", plan.Scenario{Executor: plan.ConstantVUs, VUs: 1, Duration: math.MaxInt64 - time.Second, GracefulStop: time.Minute},
			"", "the scenario lasts too long"},
		{"gracefulRampDown too long", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 1, Stages: ramp(0, time.Minute), GracefulRampDown: math.MaxInt64},
			"", "the scenario lasts too long"},
		// k6: the rate, timeUnit and durations must be more than 0.
		{"no rate", plan.Scenario{Executor: plan.ConstantArrivalRate, TimeUnit: time.Second, Duration: time.Minute, PreAllocatedVUs: 1, MaxVUs: 1}, "rate", "rate 0: must be more than 0"},
		{"negative timeUnit", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: -time.Second, Duration: time.Minute, PreAllocatedVUs: 1, MaxVUs: 1}, "timeUnit", "timeUnit -1s"},
		{"no duration", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, PreAllocatedVUs: 1, MaxVUs: 1}, "duration", "duration 0s: must be more than 0"},
		{"negative startRate", plan.Scenario{Executor: plan.RampingArrivalRate, StartRate: -1, TimeUnit: time.Second, Stages: ramp(1, time.Minute), PreAllocatedVUs: 1, MaxVUs: 1}, "startRate", "startRate -1"},
		// k6: iterations must be more than 0, and for shared-iterations not below vus.
		{"no iterations", plan.Scenario{Executor: plan.PerVUIterations, VUs: 1, MaxDuration: time.Minute}, "iterations", "iterations 0: must be more than 0"},
		{"iterations below vus", plan.Scenario{Executor: plan.SharedIterations, VUs: 10, Iterations: 5, MaxDuration: time.Minute}, "iterations", "iterations 5: can't be less than vus (10)"},
		// Negative times.
		{"negative startTime", plan.Scenario{Executor: plan.PerVUIterations, VUs: 1, Iterations: 1, MaxDuration: time.Minute, StartTime: -time.Second}, "startTime", "startTime -1s"},
		{"negative gracefulRampDown", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 1, Stages: ramp(1, time.Minute), GracefulRampDown: -time.Second},
			"gracefulRampDown", "gracefulRampDown -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.sc.Name = "s"
			if n := executor.Normalize(tt.sc); !reflect.DeepEqual(n, tt.sc) {
				t.Fatalf("the row leaves a default to Normalize: %+v", tt.sc)
			}
			err := executor.Validate(tt.sc)
			var ps executor.Problems
			if !errors.As(err, &ps) || len(ps) == 0 {
				t.Fatalf("Validate = %v, want Problems", err)
			}
			found := false
			for _, p := range ps {
				found = found || p.Field == tt.field && strings.Contains(p.Msg, tt.quote)
			}
			if !found {
				t.Errorf("Validate = %q, want a problem with field %q containing %q; got %+v", err, tt.field, tt.quote, ps)
			}
			if _, err := executor.New(tt.sc, &fakeSource{}, nil, executor.Options{}); err == nil {
				t.Errorf("New accepted a scenario Validate refuses")
			}
		})
	}
}

// TestValidateZeros: the zero TimeUnit, MaxVUs and MaxDuration that New's Normalize takes for
// "unset" are refused as they are, as k6 refuses an explicit timeUnit: 0s, maxVUs: 0 or
// maxDuration: 0s; Validate(Normalize(sc)) asks what New asks, and accepts them.
func TestValidateZeros(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		sc    plan.Scenario
		field string
	}{
		{"timeUnit 0", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 1, Duration: time.Minute, PreAllocatedVUs: 1, MaxVUs: 1}, "timeUnit"},
		{"maxVUs 0", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: []plan.Stage{{Duration: time.Minute, Target: 1}}, PreAllocatedVUs: 5}, "maxVUs"},
		{"maxDuration 0", plan.Scenario{Executor: plan.SharedIterations, VUs: 1, Iterations: 1}, "maxDuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var ps executor.Problems
			if err := executor.Validate(tt.sc); !errors.As(err, &ps) || len(ps) != 1 || ps[0].Field != tt.field {
				t.Errorf("Validate = %v, want one problem with %s", err, tt.field)
			}
			if err := executor.Validate(executor.Normalize(tt.sc)); err != nil {
				t.Errorf("Validate(Normalize) = %v", err)
			}
			if _, err := executor.New(tt.sc, &fakeSource{}, nil, executor.Options{}); err != nil {
				t.Errorf("New = %v", err)
			}
		})
	}
}

// TestValidateAccepts lists edge scenarios that are valid: Validate and New both accept them.
func TestValidateAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sc   plan.Scenario
	}{
		// The smallest closed-model test: one VU, one iteration.
		{"one VU one iteration", plan.Scenario{Executor: plan.PerVUIterations, VUs: 1, Iterations: 1, MaxDuration: time.Minute}},
		// Exactly MaxVUs is allowed.
		{"MaxVUs", plan.Scenario{Executor: plan.ConstantVUs, VUs: executor.MaxVUs, Duration: time.Second}},
		// A 0s stage among others jumps at once; only 0s in all is refused.
		{"a 0s stage", plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: []plan.Stage{{Target: 10}, {Duration: time.Second, Target: 10}}, PreAllocatedVUs: 1, MaxVUs: 1}},
		// No VUs before the test: the pool grows to maxVUs as iterations need them.
		{"empty pool", plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, Duration: time.Second, MaxVUs: 5}},
		// A ramp to 0 VUs ends the scenario early: still valid.
		{"ramp down to 0", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 5, Stages: []plan.Stage{{Duration: time.Second, Target: 0}}}},
		// Sub-second durations are the executor's to run (--time-scale makes them); k6's 1s
		// minimum is the scenario file's rule.
		{"sub-second duration", plan.Scenario{Executor: plan.ConstantVUs, VUs: 1, Duration: time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.sc.Name = "s"
			if err := executor.Validate(tt.sc); err != nil {
				t.Errorf("Validate = %v", err)
			}
			if _, err := executor.New(tt.sc, &fakeSource{}, nil, executor.Options{}); err != nil {
				t.Errorf("New = %v", err)
			}
		})
	}
}
