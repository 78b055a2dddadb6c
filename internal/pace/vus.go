package pace

import (
	"fmt"
	"iter"
	"time"
)

// RampingVUs is the VU schedule of k6's ramping-vus executor: StartVUs at offset 0, then each
// stage moves the count one VU at a time to its Target over its Duration.
//
// In a stage of length d that ends at e and moves the count by n VUs (up or down), k6 makes
// the k-th change (k = 1…n) at
//
//	e − ⌊d·(n−k)/n⌋
//
// so the count moves only once a whole step has elapsed: a ramp from 0 to 10 VUs over 10s has
// 0 VUs during its first second and reaches 10 at its end, and a ramp down from 10 to 0 has 9 VUs
// after one second. Equivalently, at a time t inside the stage the count has moved by
//
//	n − ⌈(e−t)·n/d⌉ steps.
//
// A stage of Duration 0 jumps to its target at its offset. After the last stage the count stays
// at the last target (the executor stops the VUs at the end of the regular duration).
type RampingVUs struct {
	start  int64
	stages []Stage
	length time.Duration
	max    int64
}

// VUStep is one change of a VU schedule: from At on, VUs should run.
type VUStep struct {
	At  time.Duration
	VUs int64
}

// NewRampingVUs returns the schedule that starts with startVUs and follows stages. Counts and
// durations must not be negative, and at least one stage is needed.
func NewRampingVUs(startVUs int64, stages []Stage) (*RampingVUs, error) {
	if startVUs < 0 {
		return nil, fmt.Errorf("pace: startVUs %d: must not be negative", startVUs)
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("pace: no stages: a ramping schedule needs at least one")
	}
	r := &RampingVUs{start: startVUs, stages: append([]Stage(nil), stages...), max: startVUs}
	for i, s := range stages {
		if s.Duration < 0 {
			return nil, fmt.Errorf("pace: stage %d: duration %s: must not be negative", i+1, s.Duration)
		}
		if s.Target < 0 {
			return nil, fmt.Errorf("pace: stage %d: target %d: must not be negative", i+1, s.Target)
		}
		if r.length+s.Duration < r.length {
			return nil, fmt.Errorf("pace: stage %d: duration %s: the stages last too long", i+1, s.Duration)
		}
		r.length += s.Duration
		r.max = max(r.max, s.Target)
	}
	return r, nil
}

// Duration returns the sum of the stages' durations: the regular duration of the executor.
func (r *RampingVUs) Duration() time.Duration { return r.length }

// Max returns the largest VU count of the schedule: how many VUs the executor needs.
func (r *RampingVUs) Max() int64 { return r.max }

// At returns how many VUs should run at offset t (StartVUs before 0).
func (r *RampingVUs) At(t time.Duration) int64 {
	cur := r.start
	var begin time.Duration
	for _, s := range r.stages {
		end := begin + s.Duration
		switch {
		case t >= end:
			cur = s.Target
		case t < begin:
			return cur
		default: // inside a stage that lasts longer than 0
			n, sign := s.Target-cur, int64(1)
			if n < 0 {
				n, sign = -n, -1
			}
			return cur + sign*(n-mulDivCeil(int64(end-t), n, int64(s.Duration)))
		}
		begin = end
	}
	return cur
}

// Steps yields the schedule's changes in time order, k6's "raw execution steps": the first at
// offset 0 with StartVUs, then one per VU added or removed. Consecutive steps never repeat a
// count. Steps are computed as they are consumed, so a ramp to many VUs costs no memory.
func (r *RampingVUs) Steps() iter.Seq[VUStep] {
	return func(yield func(VUStep) bool) {
		cur := r.start
		if !yield(VUStep{At: 0, VUs: cur}) {
			return
		}
		var end time.Duration
		for _, s := range r.stages {
			end += s.Duration
			if s.Target == cur {
				continue
			}
			if s.Duration == 0 {
				cur = s.Target
				if !yield(VUStep{At: end, VUs: cur}) {
					return
				}
				continue
			}
			n, sign := s.Target-cur, int64(1)
			if n < 0 {
				n, sign = -n, -1
			}
			for k := int64(1); k <= n; k++ {
				cur += sign
				at := end - time.Duration(mulDiv(int64(s.Duration), n-k, n))
				if !yield(VUStep{At: at, VUs: cur}) {
					return
				}
			}
		}
	}
}
