package pace

import (
	"iter"
	"time"
)

// Stripe is the part of a schedule that one segment of a distributed test owns: a subset of
// the global numbers 0, 1, 2, … of its iterations (or of its VUs). segment.Segment implements
// it; pace declares it so as to import nothing.
//
// Contract: Scale(0) = 0 and Scale(n+1) − Scale(n) is 0 or 1 (1 exactly when the stripe owns
// n); Global(m) is the m-th owned number (from 0), so Scale(Global(m)) = m and
// Scale(Global(m)+1) = m+1.
type Stripe interface {
	// Scale returns how many of the global numbers 0…n−1 the stripe owns.
	Scale(n int64) int64
	// Global returns the global number of the stripe's m-th number, m from 0.
	Global(m int64) int64
	// Length returns the stripe's share of the whole, in (0, 1].
	Length() float64
}

// striped is the part of an arrival-rate schedule a stripe owns.
type striped struct {
	p     Pacer
	s     Stripe
	total int64
}

var _ Pacer = (*striped)(nil)

// Striped returns the iterations of p that s owns, as a schedule of their own: its iteration
// m is p's iteration s.Global(m), due at the same offset. Iterations keep their global
// intended times, so the stripes of a sequence's segments interleave back into p:
//
//	At(m)    = p.At(s.Global(m))
//	Due(e)   = s.Scale(p.Due(e))        the owned ones among those due
//	Total    = s.Scale(p.Total())
//	Rate(e)  = p.Rate(e) · s.Length()   (for display: the owned share of the target)
//
// A stripe that owns none of p's iterations gives a schedule of Total 0.
func Striped(p Pacer, s Stripe) Pacer {
	return &striped{p: p, s: s, total: s.Scale(p.Total())}
}

// Pace implements Pacer.
func (t *striped) Pace(elapsed time.Duration, started int64) (time.Duration, bool) {
	return pace(t, elapsed, started)
}

// At implements Pacer.
func (t *striped) At(m int64) (time.Duration, bool) {
	if m < 0 || m >= t.total {
		return 0, false
	}
	return t.p.At(t.s.Global(m))
}

// Due implements Pacer: p's iterations are due in order, so the owned ones due by elapsed
// are the owned ones among the first p.Due(elapsed).
func (t *striped) Due(elapsed time.Duration) int64 { return t.s.Scale(t.p.Due(elapsed)) }

// Total implements Pacer.
func (t *striped) Total() int64 { return t.total }

// Rate implements Pacer.
func (t *striped) Rate(elapsed time.Duration) float64 { return t.p.Rate(elapsed) * t.s.Length() }

// Duration implements Pacer.
func (t *striped) Duration() time.Duration { return t.p.Duration() }

// Striped yields the changes of the VU count that s owns of the schedule: at each of Steps'
// changes, s.Scale of the whole's count — the owned VUs among the VUs numbered 0…count−1 —
// leaving out those that do not change it. The first step is at offset 0 with the stripe's
// share of StartVUs. Because Scale never decreases as the count grows, a stripe's count
// moves only in the whole's direction, and the stripes of a sequence's segments add up to
// At(t) at every offset t, not only at stage ends. The largest count is s.Scale(Max()).
func (r *RampingVUs) Striped(s Stripe) iter.Seq[VUStep] {
	return func(yield func(VUStep) bool) {
		first, cur := true, int64(0)
		for st := range r.Steps() {
			n := s.Scale(st.VUs)
			if !first && n == cur {
				continue
			}
			first, cur = false, n
			if !yield(VUStep{At: st.At, VUs: n}) {
				return
			}
		}
	}
}
