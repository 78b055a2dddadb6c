package executor

import (
	"context"
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
)

// window is a scenario's time as nested contexts (k6's getDurationContexts): Regular ends when
// no new iteration may start; Hard, its parent, ends when running iterations are cancelled.
//
//	start ────── regular ──────▶ Regular done ── graceful ──▶ Hard done
//
// Parent cancellation ends both at once.
type window struct {
	start   time.Time
	Regular context.Context
	Hard    context.Context
	cancel  context.CancelFunc
}

// newWindow starts a window now. The deadlines are relative (WithTimeout), so they follow the
// runtime's timers whatever clock stamps start.
func newWindow(parent context.Context, now time.Time, regular, hard time.Duration) window {
	hardCtx, cancelHard := context.WithTimeout(parent, hard)
	regCtx, cancelReg := context.WithTimeout(hardCtx, min(regular, hard))
	return window{
		start:   now,
		Regular: regCtx,
		Hard:    hardCtx,
		cancel: func() {
			cancelReg()
			cancelHard()
		},
	}
}

// spans returns a scenario's regular duration and the offset of its hard end, both from the
// end of StartTime. Invalid configurations give what they can, never a panic.
func spans(sc plan.Scenario) (regular, hard time.Duration) {
	switch sc.Executor {
	case plan.ConstantVUs, plan.ConstantArrivalRate:
		regular = sc.Duration
	case plan.PerVUIterations, plan.SharedIterations:
		regular = sc.MaxDuration
	case plan.RampingVUs, plan.RampingArrivalRate:
		for _, s := range sc.Stages {
			regular += s.Duration
		}
	}
	hard = regular + sc.GracefulStop
	if sc.Executor == plan.RampingVUs {
		if tz, ok := lastDropToZero(sc); ok {
			hard = min(hard, tz+sc.GracefulRampDown)
		}
	}
	return regular, hard
}

// lastDropToZero returns the offset of ramping-vus's last change of VU count when that change is
// to 0 VUs. k6 then ends the executor gracefulRampDown later (or at regular + gracefulStop,
// whichever is first), as no VU is planned after it.
func lastDropToZero(sc plan.Scenario) (time.Duration, bool) {
	cur, last, changed := int64(sc.StartVUs), time.Duration(0), false
	var end time.Duration
	for _, s := range sc.Stages {
		end += s.Duration
		if s.Target != cur {
			cur, last, changed = s.Target, end, true
		}
	}
	return last, changed && cur == 0
}

// stages converts plan stages to pace stages.
func stages(in []plan.Stage) []pace.Stage {
	out := make([]pace.Stage, len(in))
	for i, s := range in {
		out[i] = pace.Stage{Duration: s.Duration, Target: s.Target}
	}
	return out
}
