package plan

import (
	"testing"
	"time"
)

func TestScale(t *testing.T) {
	t.Parallel()
	think := &Think{Min: time.Second, Max: 3 * time.Second}
	p := &Plan{
		Scenarios: []Scenario{{
			Name: "read", Executor: RampingArrivalRate, StartRate: 1, TimeUnit: time.Second,
			StartTime: 10 * time.Second, GracefulStop: 30 * time.Second, PreAllocatedVUs: 50, MaxVUs: 500,
			Stages: []Stage{{Duration: 30 * time.Second, Target: 1}, {Duration: 5 * time.Minute, Target: 100}},
		}},
		Flows:      map[string]*Flow{"default": {Name: "default", Steps: []Step{{Kind: StepThink, Think: think}}}},
		Thresholds: []Threshold{{Metric: "http_reqs", Rules: []ThresholdRule{{Expression: "rate>1", DelayAbortEval: 20 * time.Second}}}},
		Options:    Options{Timeout: 60 * time.Second},
	}
	orig := p.Scenarios[0].Stages
	p.Scale(QuickScale)
	sc := p.Scenarios[0]
	checks := []struct {
		what      string
		got, want time.Duration
	}{
		{"start time", sc.StartTime, 500 * time.Millisecond},
		{"graceful stop", sc.GracefulStop, 1500 * time.Millisecond},
		{"stage 1", sc.Stages[0].Duration, 1500 * time.Millisecond},
		{"stage 2", sc.Stages[1].Duration, 15 * time.Second},
		{"delayAbortEval", p.Thresholds[0].Rules[0].DelayAbortEval, time.Second},
		// Think times and timeouts keep each VU's real pace.
		{"think min", think.Min, time.Second},
		{"request timeout", p.Options.Timeout, 60 * time.Second},
		// The caller's stage slice is not modified in place.
		{"original stage", orig[1].Duration, 5 * time.Minute},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if sc.StartRate != 1 || sc.Stages[1].Target != 100 || sc.MaxVUs != 500 || sc.TimeUnit != time.Second {
		t.Errorf("rates, targets, VUs or time unit changed: %+v", sc)
	}
}

func TestScaleIdentity(t *testing.T) {
	t.Parallel()
	for _, f := range []float64{0, -1, 1} {
		p := &Plan{Scenarios: []Scenario{{Duration: time.Minute}}}
		p.Scale(f)
		if p.Scenarios[0].Duration != time.Minute {
			t.Errorf("Scale(%v) changed the duration to %v", f, p.Scenarios[0].Duration)
		}
	}
}
