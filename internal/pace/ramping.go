package pace

import (
	"fmt"
	"math"
	"math/big"
	"sort"
	"time"
)

// Ramping is the schedule of k6's ramping-arrival-rate executor: the rate starts at StartRate
// iterations per TimeUnit and moves linearly to each stage's Target over the stage's Duration.
//
// The number of iterations due by time t is the area under the rate curve from 0 to t, and
// iteration n (from 0) is due when that area reaches n+1 — k6's rule, so the first iteration of
// a ramp from 0 is not at offset 0 but when one whole iteration's worth of rate has accrued.
// (k6's constant-arrival-rate, by contrast, starts its first iteration at 0; see Constant.)
// Within a stage that begins at b with rate f, ends at rate g after d (rates per nanosecond),
// and has area A before it, iteration n is due at b+x where x solves
//
//	f·x + (g−f)·x²/(2d) = n+1−A
//	x = 2a / (f + √(f² + 2a(g−f)/d)),   a = n+1−A
//
// which is k6's formula (x = (f·d − √(d(f²d + 2a(g−f)))) / (f−g)) rearranged so that it does
// not lose precision when f and g are close and needs no separate case when f = g. Offsets are
// truncated to the nanosecond, as in k6. Stages with Duration 0 change the rate at once; stages
// with Target 0 ramp the rate down to nothing; an iteration that would fall exactly at the
// end of the last stage is not part of the schedule (k6 stops at that instant too).
type Ramping struct {
	timeUnit time.Duration
	stages   []rampStage
	total    int64
	duration time.Duration
}

var _ Pacer = (*Ramping)(nil)

// rampStage is one stage with its rates in iterations per nanosecond and the area (iterations)
// accrued before it and by its end.
type rampStage struct {
	begin, dur time.Duration
	from, to   float64
	before     float64 // area before the stage
	endFloor   int64   // ⌊area at the end of the stage⌋, exact
	endExact   bool    // the area at the end is a whole number: iteration endFloor−1 is due at the end
}

// NewRamping returns the schedule that starts at startRate iterations per timeUnit and follows
// stages. startRate and targets must not be negative, durations must not be negative, and the
// stages must last longer than 0.
func NewRamping(startRate int64, timeUnit time.Duration, stages []Stage) (*Ramping, error) {
	switch {
	case startRate < 0:
		return nil, fmt.Errorf("pace: startRate %d: must not be negative", startRate)
	case timeUnit <= 0:
		return nil, fmt.Errorf("pace: timeUnit %s: must be positive", timeUnit)
	case len(stages) == 0:
		return nil, fmt.Errorf("pace: no stages: a ramping schedule needs at least one")
	}
	r := &Ramping{timeUnit: timeUnit, stages: make([]rampStage, 0, len(stages))}
	tu := float64(timeUnit)
	// The area is kept exactly as a rational so that ⌊area⌋ at each stage end, and with it the
	// iteration count, does not depend on float rounding.
	area := new(big.Rat)
	from := startRate
	for i, s := range stages {
		if s.Duration < 0 {
			return nil, fmt.Errorf("pace: stage %d: duration %s: must not be negative", i+1, s.Duration)
		}
		if s.Target < 0 {
			return nil, fmt.Errorf("pace: stage %d: target %d: must not be negative", i+1, s.Target)
		}
		if r.duration > math.MaxInt64-s.Duration {
			return nil, fmt.Errorf("pace: stage %d: duration %s: the stages last too long", i+1, s.Duration)
		}
		before, _ := area.Float64()
		// area += d·(f+g) / (2·timeUnit)
		stageArea := new(big.Rat).SetFrac(
			new(big.Int).Mul(big.NewInt(int64(s.Duration)), new(big.Int).Add(big.NewInt(from), big.NewInt(s.Target))),
			new(big.Int).Mul(big.NewInt(2), big.NewInt(int64(timeUnit))),
		)
		area.Add(area, stageArea)
		endFloor := new(big.Int).Quo(area.Num(), area.Denom()) // both non-negative: Quo floors
		if !endFloor.IsInt64() {
			return nil, fmt.Errorf("pace: stage %d: more than %d iterations", i+1, int64(math.MaxInt64))
		}
		r.stages = append(r.stages, rampStage{
			begin:    r.duration,
			dur:      s.Duration,
			from:     float64(from) / tu,
			to:       float64(s.Target) / tu,
			before:   before,
			endFloor: endFloor.Int64(),
			endExact: area.IsInt(),
		})
		r.duration += s.Duration
		from = s.Target
	}
	if r.duration == 0 {
		return nil, fmt.Errorf("pace: stages last 0s: nothing to schedule")
	}
	// The last whole iteration may fall exactly on the end; it is not part of the schedule.
	r.total = r.stages[len(r.stages)-1].endFloor
	for r.total > 0 {
		if at := r.at(r.total - 1); at < r.duration {
			break
		}
		r.total--
	}
	return r, nil
}

// at returns the offset at which the area reaches n+1, for 0 <= n < the last stage's endFloor.
func (r *Ramping) at(n int64) time.Duration {
	i := n + 1
	s := sort.Search(len(r.stages), func(k int) bool { return r.stages[k].endFloor >= i })
	st := &r.stages[s]
	a := float64(i) - st.before
	d := float64(st.dur)
	den := st.from + math.Sqrt(max(0, st.from*st.from+2*a*(st.to-st.from)/d))
	x := d
	if den > 0 && (i != st.endFloor || !st.endExact) {
		// Float rounding must not move an iteration that is exactly due at the stage's end.
		x = min(max(2*a/den, 0), d)
	}
	return st.begin + time.Duration(x)
}

// Pace implements Pacer.
func (r *Ramping) Pace(elapsed time.Duration, started int64) (time.Duration, bool) {
	return pace(r, elapsed, started)
}

// At implements Pacer.
func (r *Ramping) At(n int64) (time.Duration, bool) {
	if n < 0 || n >= r.total {
		return 0, false
	}
	return r.at(n), true
}

// Due implements Pacer.
func (r *Ramping) Due(elapsed time.Duration) int64 {
	if elapsed < 0 || r.total == 0 {
		return 0
	}
	if elapsed >= r.duration {
		return r.total
	}
	return due(r, r.total, elapsed, int64(r.areaAt(elapsed)))
}

// areaAt returns the area under the rate curve from 0 to elapsed, for 0 <= elapsed < duration.
func (r *Ramping) areaAt(elapsed time.Duration) float64 {
	st := r.stageAt(elapsed)
	x, d := float64(elapsed-st.begin), float64(st.dur)
	return st.before + st.from*x + (st.to-st.from)*x*x/(2*d)
}

// stageAt returns the stage running at elapsed, for 0 <= elapsed < duration: the last stage
// that begins at or before it and lasts longer than 0.
func (r *Ramping) stageAt(elapsed time.Duration) *rampStage {
	s := sort.Search(len(r.stages), func(k int) bool { return r.stages[k].begin+r.stages[k].dur > elapsed })
	return &r.stages[s]
}

// Total implements Pacer.
func (r *Ramping) Total() int64 { return r.total }

// Rate implements Pacer.
func (r *Ramping) Rate(elapsed time.Duration) float64 {
	if elapsed < 0 || elapsed >= r.duration {
		return 0
	}
	st := r.stageAt(elapsed)
	x := float64(elapsed - st.begin)
	return (st.from + (st.to-st.from)*x/float64(st.dur)) * float64(time.Second)
}

// Duration implements Pacer.
func (r *Ramping) Duration() time.Duration { return r.duration }
