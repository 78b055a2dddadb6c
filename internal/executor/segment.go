package executor

import (
	"context"

	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/segment"
)

// Share returns the scenario as one segment of a distributed run sees it, and whether the
// segment owns any of it: every VU count and iteration total is the segment's share
// (segment.Segment.Scale: the shares of a sequence's segments add up to the whole exactly),
// and every duration — startTime, duration, maxDuration, stages, graceful stops — is kept.
// sc is normalized first (as New does) and must be valid; Validate accepts every share of
// a valid scenario that owns something.
//
//	constant-vus          vus
//	ramping-vus           startVUs and every stage target (the executor goes further: at
//	                      every instant it runs the share of the whole's count, which is
//	                      these at the stage ends; see pace.RampingVUs.Striped)
//	per-vu-iterations     vus; iterations per VU are kept, as in k6
//	shared-iterations     vus, and the iterations in proportion to the VUs the segment got
//	                      (segment.Segment.Portion), so that a segment with no VU gets no
//	                      iteration and each VU has at least one
//	constant-arrival-rate, ramping-arrival-rate
//	                      rate, startRate, stage targets and timeUnit are kept: they describe
//	                      the whole schedule, of which the executor runs the iterations the
//	                      segment owns at their global times (pace.Striped);
//	                      preAllocatedVUs and maxVUs are scaled, each at least 1 when the
//	                      whole's is and the segment owns an iteration of the schedule, so
//	                      that a small share is not starved (the segments may then hold a
//	                      few more VUs in all than the whole would)
//
// The segment owns nothing when its share of the VUs (closed model) or of the schedule's
// iterations (open model) is 0; New then returns an executor that runs nothing.
func Share(sc plan.Scenario, seg segment.Segment) (share plan.Scenario, owns bool) {
	sc = Normalize(sc)
	if seg.IsWhole() {
		return sc, true
	}
	scale := func(n int) int { return int(seg.Scale(int64(n))) }
	switch sc.Executor {
	case plan.ConstantVUs, plan.PerVUIterations:
		sc.VUs = scale(sc.VUs)
		return sc, sc.VUs > 0
	case plan.SharedIterations:
		_, sc.Iterations = seg.Portion(sc.Iterations, int64(sc.VUs))
		sc.VUs = scale(sc.VUs)
		return sc, sc.VUs > 0
	case plan.RampingVUs:
		sc.StartVUs = scale(sc.StartVUs)
		peak := sc.StartVUs
		targets := make([]plan.Stage, len(sc.Stages))
		for i, st := range sc.Stages {
			targets[i] = plan.Stage{Duration: st.Duration, Target: seg.Scale(st.Target)}
			peak = max(peak, int(targets[i].Target))
		}
		sc.Stages = targets
		return sc, peak > 0
	case plan.ConstantArrivalRate, plan.RampingArrivalRate:
		p, err := schedule(sc)
		if err != nil || seg.Scale(p.Total()) == 0 {
			return sc, false
		}
		pre := scale(sc.PreAllocatedVUs)
		if sc.PreAllocatedVUs > 0 {
			pre = max(pre, 1)
		}
		sc.MaxVUs = max(scale(sc.MaxVUs), pre, 1)
		sc.PreAllocatedVUs = pre
		return sc, true
	}
	return sc, false
}

// schedule returns the whole schedule of an arrival-rate scenario.
func schedule(sc plan.Scenario) (pace.Pacer, error) {
	if sc.Executor == plan.ConstantArrivalRate {
		return pace.NewConstant(sc.Rate, sc.TimeUnit, sc.Duration)
	}
	return pace.NewRamping(sc.StartRate, sc.TimeUnit, stages(sc.Stages))
}

// numbering returns how a segment numbers its iterations from its own count, 0, 1, 2, …,
// so that the numbers are unique across the segments of a sequence (k6's iterationInTest):
// shared-iterations and per-vu-iterations take the segment's block of the whole's numbers
// 0…N−1, so that the segments' numbers are exactly the whole run's; the other executors take
// the global index of their count (segment.Segment.Global). nil means the identity.
func numbering(sc plan.Scenario, seg segment.Segment) func(int64) int64 {
	if seg.IsWhole() {
		return nil
	}
	var first int64
	switch sc.Executor {
	case plan.SharedIterations:
		first, _ = seg.Portion(sc.Iterations, int64(sc.VUs))
	case plan.PerVUIterations:
		before, _ := seg.Portion(int64(sc.VUs), int64(sc.VUs)) // the VUs of the segments before it
		first = before * sc.Iterations
	default:
		return seg.Global
	}
	return func(n int64) int64 { return first + n }
}

// idle runs a scenario a segment owns nothing of: no VU is made and no iteration runs (k6
// skips such executors). Run returns at once, without waiting for startTime.
type idle struct {
	*base
}

var _ Executor = (*idle)(nil)

// Run implements Executor.
func (i *idle) Run(ctx context.Context) error {
	if err := i.start(); err != nil {
		return err
	}
	defer i.finish()
	return i.result(ctx, nil)
}
