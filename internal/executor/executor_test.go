package executor_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

func TestNewRejectsInvalid(t *testing.T) {
	t.Parallel()
	good := map[string]plan.Scenario{
		plan.ConstantVUs:         {Executor: plan.ConstantVUs, VUs: 1, Duration: time.Second},
		plan.RampingVUs:          {Executor: plan.RampingVUs, StartVUs: 1, Stages: []plan.Stage{{Duration: time.Second, Target: 2}}},
		plan.ConstantArrivalRate: {Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 1, MaxVUs: 1},
		plan.RampingArrivalRate:  {Executor: plan.RampingArrivalRate, TimeUnit: time.Second, Stages: []plan.Stage{{Duration: time.Second, Target: 2}}, PreAllocatedVUs: 1, MaxVUs: 1},
		plan.PerVUIterations:     {Executor: plan.PerVUIterations, VUs: 1, Iterations: 1, MaxDuration: time.Second},
		plan.SharedIterations:    {Executor: plan.SharedIterations, VUs: 1, Iterations: 1, MaxDuration: time.Second},
	}
	tests := []struct {
		name     string
		executor string
		change   func(*plan.Scenario)
		quote    string // what the error must say
	}{
		{"unknown executor", plan.ConstantVUs, func(s *plan.Scenario) { s.Executor = "constant-vu" }, `executor "constant-vu": unknown`},
		{"negative startTime", plan.ConstantVUs, func(s *plan.Scenario) { s.StartTime = -time.Second }, "startTime -1s"},
		{"negative gracefulStop", plan.SharedIterations, func(s *plan.Scenario) { s.GracefulStop = -time.Second }, "gracefulStop -1s"},
		{"no VUs", plan.ConstantVUs, func(s *plan.Scenario) { s.VUs = 0 }, "vus 0"},
		{"absurd VUs", plan.ConstantVUs, func(s *plan.Scenario) { s.VUs = 5_000_000 }, "vus 5000000"},
		{"no duration", plan.ConstantVUs, func(s *plan.Scenario) { s.Duration = 0 }, "duration 0s"},
		{"no iterations", plan.PerVUIterations, func(s *plan.Scenario) { s.Iterations = 0 }, "iterations 0"},
		{"fewer iterations than VUs", plan.SharedIterations, func(s *plan.Scenario) { s.VUs = 3; s.Iterations = 2 }, "iterations 2: can't be less than vus (3)"},
		{"negative maxDuration", plan.PerVUIterations, func(s *plan.Scenario) { s.MaxDuration = -time.Second }, "maxDuration -1s"},
		{"negative startVUs", plan.RampingVUs, func(s *plan.Scenario) { s.StartVUs = -1 }, "startVUs -1"},
		{"no stages", plan.RampingVUs, func(s *plan.Scenario) { s.Stages = nil }, "stages: none given"},
		{"all zero targets", plan.RampingVUs, func(s *plan.Scenario) { s.StartVUs = 0; s.Stages[0].Target = 0 }, "at least one must be more than 0"},
		{"negative stage duration", plan.RampingVUs, func(s *plan.Scenario) { s.Stages[0].Duration = -time.Second }, "stage 1: duration -1s"},
		{"negative target", plan.RampingArrivalRate, func(s *plan.Scenario) { s.Stages[0].Target = -4 }, "stage 1: target -4"},
		{"stages of 0s", plan.RampingArrivalRate, func(s *plan.Scenario) { s.Stages[0].Duration = 0 }, "last 0s"},
		{"negative gracefulRampDown", plan.RampingVUs, func(s *plan.Scenario) { s.GracefulRampDown = -time.Second }, "gracefulRampDown -1s"},
		{"no rate", plan.ConstantArrivalRate, func(s *plan.Scenario) { s.Rate = 0 }, "rate 0"},
		{"negative startRate", plan.RampingArrivalRate, func(s *plan.Scenario) { s.StartRate = -1 }, "startRate -1"},
		{"negative timeUnit", plan.ConstantArrivalRate, func(s *plan.Scenario) { s.TimeUnit = -time.Second }, "timeUnit -1s"},
		{"maxVUs below preAllocated", plan.ConstantArrivalRate, func(s *plan.Scenario) { s.PreAllocatedVUs = 5; s.MaxVUs = 2 }, "maxVUs 2: can't be less than preAllocatedVUs (5)"},
		{"no maxVUs", plan.RampingArrivalRate, func(s *plan.Scenario) { s.PreAllocatedVUs = 0; s.MaxVUs = 0 }, "maxVUs 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sc := good[tt.executor]
			sc.Name = "bad"
			sc.Stages = append([]plan.Stage(nil), sc.Stages...)
			tt.change(&sc)
			_, err := executor.New(sc, &fakeSource{}, nil, executor.Options{})
			if err == nil || !strings.Contains(err.Error(), tt.quote) || !strings.Contains(err.Error(), `scenario "bad"`) {
				t.Fatalf("New error = %v, want one naming the scenario and containing %q", err, tt.quote)
			}
		})
	}
	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		for name, sc := range good {
			if _, err := executor.New(sc, &fakeSource{}, nil, executor.Options{}); err != nil {
				t.Errorf("%s: New: %v", name, err)
			}
		}
	})
	t.Run("no source", func(t *testing.T) {
		t.Parallel()
		if _, err := executor.New(good[plan.ConstantVUs], nil, nil, executor.Options{}); err == nil {
			t.Errorf("New without a VU source: no error")
		}
	})
	t.Run("zero scenario", func(t *testing.T) {
		t.Parallel()
		if _, err := executor.New(plan.Scenario{}, &fakeSource{}, nil, executor.Options{}); err == nil {
			t.Errorf("New(zero scenario): no error")
		}
	})
}

func TestNormalize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   plan.Scenario
		want plan.Scenario
	}{
		// k6's defaults for an arrival-rate executor: timeUnit 1s, maxVUs = preAllocatedVUs.
		{"arrival-rate", plan.Scenario{Executor: plan.ConstantArrivalRate, PreAllocatedVUs: 7},
			plan.Scenario{Executor: plan.ConstantArrivalRate, PreAllocatedVUs: 7, MaxVUs: 7, TimeUnit: time.Second}},
		// Values given are kept.
		{"kept", plan.Scenario{Executor: plan.RampingArrivalRate, PreAllocatedVUs: 7, MaxVUs: 9, TimeUnit: time.Minute},
			plan.Scenario{Executor: plan.RampingArrivalRate, PreAllocatedVUs: 7, MaxVUs: 9, TimeUnit: time.Minute}},
		// maxDuration 10m for the iteration executors.
		{"iterations", plan.Scenario{Executor: plan.SharedIterations},
			plan.Scenario{Executor: plan.SharedIterations, MaxDuration: 10 * time.Minute}},
		// A zero gracefulStop means no graceful stop: not a default to fill.
		{"zero gracefulStop", plan.Scenario{Executor: plan.ConstantVUs},
			plan.Scenario{Executor: plan.ConstantVUs}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := executor.Normalize(tt.in); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Normalize = %+v\nwant        %+v", got, tt.want)
			}
		})
	}
}

func TestTotalDuration(t *testing.T) {
	t.Parallel()
	stages := []plan.Stage{{Duration: 2 * time.Second, Target: 10}, {Duration: 3 * time.Second, Target: 10}}
	tests := []struct {
		name          string
		sc            plan.Scenario
		without, with time.Duration
	}{
		// startTime + duration (+ gracefulStop).
		{"constant-vus", plan.Scenario{Executor: plan.ConstantVUs, StartTime: time.Second, Duration: 10 * time.Second, GracefulStop: 30 * time.Second},
			11 * time.Second, 41 * time.Second},
		// maxDuration is the planned length of the iteration executors.
		{"shared-iterations", plan.Scenario{Executor: plan.SharedIterations, MaxDuration: time.Minute, GracefulStop: time.Second},
			time.Minute, time.Minute + time.Second},
		// The stages' sum.
		{"ramping-arrival-rate", plan.Scenario{Executor: plan.RampingArrivalRate, Stages: stages, GracefulStop: 2 * time.Second},
			5 * time.Second, 7 * time.Second},
		// Ends on 10 VUs: gracefulStop after the stages.
		{"ramping-vus", plan.Scenario{Executor: plan.RampingVUs, Stages: stages, GracefulStop: 30 * time.Second, GracefulRampDown: 5 * time.Second},
			5 * time.Second, 35 * time.Second},
		// Ends on 0 VUs at 5s: k6 ends gracefulRampDown later, before gracefulStop would.
		{"ramping-vus to 0", plan.Scenario{Executor: plan.RampingVUs, StartVUs: 10, Stages: []plan.Stage{{Duration: 5 * time.Second, Target: 0}},
			GracefulStop: 30 * time.Second, GracefulRampDown: 5 * time.Second},
			5 * time.Second, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := executor.TotalDuration(tt.sc, false); got != tt.without {
				t.Errorf("TotalDuration(false) = %v, want %v", got, tt.without)
			}
			if got := executor.TotalDuration(tt.sc, true); got != tt.with {
				t.Errorf("TotalDuration(true) = %v, want %v", got, tt.with)
			}
		})
	}
}
