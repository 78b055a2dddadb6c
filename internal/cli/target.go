package cli

import (
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
)

// targetRate returns the intended arrival rate (iterations per second, summed over the
// arrival-rate scenarios running at that moment) at an offset from the start of the load,
// for the report's "request rate against the target rate" chart. ok is false when no
// arrival-rate scenario runs then (closed-model scenarios have no target rate).
func targetRate(p *plan.Plan) func(time.Duration) (float64, bool) {
	type sched struct {
		start time.Duration
		pacer pace.Pacer
	}
	var all []sched
	for _, sc := range p.Scenarios {
		var pc pace.Pacer
		var err error
		switch sc.Executor {
		case plan.ConstantArrivalRate:
			pc, err = pace.NewConstant(sc.Rate, sc.TimeUnit, sc.Duration)
		case plan.RampingArrivalRate:
			stages := make([]pace.Stage, len(sc.Stages))
			for i, st := range sc.Stages {
				stages[i] = pace.Stage{Duration: st.Duration, Target: st.Target}
			}
			pc, err = pace.NewRamping(sc.StartRate, sc.TimeUnit, stages)
		default:
			continue
		}
		if err == nil {
			all = append(all, sched{start: sc.StartTime, pacer: pc})
		}
	}
	if len(all) == 0 {
		return nil
	}
	return func(t time.Duration) (float64, bool) {
		var rate float64
		running := false
		for _, s := range all {
			if e := t - s.start; e >= 0 && e < s.pacer.Duration() {
				rate += s.pacer.Rate(e)
				running = true
			}
		}
		return rate, running
	}
}
