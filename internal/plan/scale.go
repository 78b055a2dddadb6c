package plan

import "time"

// QuickScale is the time scale of --quick: every duration of the load shape twenty times
// shorter, so the bundled 53-minute suite runs in under three minutes.
const QuickScale = 0.05

// Scale compresses (f < 1) or stretches (f > 1) the load shape's durations by f: scenario
// start times, durations, max durations, graceful stops and ramp-downs, and stage lengths.
// Rates (iterations per TimeUnit) and VU counts are kept, and so are think times and request
// timeouts: each VU keeps its real pace, so the load's shape and intensity stay what the file
// says, only shorter. f <= 0 or f == 1 leaves the plan unchanged.
func (p *Plan) Scale(f float64) {
	if f <= 0 || f == 1 {
		return
	}
	s := func(d time.Duration) time.Duration {
		if d <= 0 {
			return d
		}
		scaled := time.Duration(float64(d) * f)
		if scaled < time.Millisecond {
			scaled = time.Millisecond // a stage that exists must last long enough to schedule
		}
		return scaled
	}
	for i := range p.Scenarios {
		sc := &p.Scenarios[i]
		sc.StartTime = s(sc.StartTime)
		sc.GracefulStop = s(sc.GracefulStop)
		sc.Duration = s(sc.Duration)
		sc.MaxDuration = s(sc.MaxDuration)
		sc.GracefulRampDown = s(sc.GracefulRampDown)
		stages := make([]Stage, len(sc.Stages))
		for j, st := range sc.Stages {
			stages[j] = Stage{Duration: s(st.Duration), Target: st.Target}
		}
		sc.Stages = stages
	}
	for i := range p.Thresholds {
		rules := make([]ThresholdRule, len(p.Thresholds[i].Rules))
		for j, r := range p.Thresholds[i].Rules {
			r.DelayAbortEval = s(r.DelayAbortEval)
			rules[j] = r
		}
		p.Thresholds[i].Rules = rules
	}
}
