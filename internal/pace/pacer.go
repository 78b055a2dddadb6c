// Package pace holds the schedules of ramp's executors as pure arithmetic: no clock, no
// goroutines, no I/O. A Pacer answers "when is iteration n due?" and "how many iterations are
// due by now?" for the arrival-rate executors; RampingVUs answers "how many VUs should run at
// time t?" for the ramping-vus executor. Because nothing here reads a clock, every schedule is
// table-tested exactly, and the executors that sleep on real timers stay thin.
//
// For a distributed run, Striped and RampingVUs.Striped cut a schedule to the share one
// segment owns (a Stripe: package segment's Segment): the owned iterations at their global
// offsets, and the owned VUs of the count at every instant, so that the segments' schedules
// add up to the whole.
//
// The interface follows vegeta's Pacer (lib/pacer.go: Pace(elapsed, hits) (wait, stop)); the
// schedules reproduce k6's arithmetic (lib/executor/constant_arrival_rate.go,
// ramping_arrival_rate.go, ramping_vus.go), with the differences named where they are.
//
// Only the standard library is used: the schedules are a few lines of integer and float
// arithmetic, and 128-bit products (math/bits) keep long, fast schedules exact.
package pace

import (
	"math"
	"math/bits"
	"time"
)

// Pacer is the schedule of an open-model (arrival-rate) executor. Iterations are numbered from
// 0 in the order they are due; offsets are measured from the start of the schedule. A Pacer is
// immutable and safe for concurrent use.
//
// Contract, for every schedule:
//   - At is non-decreasing in n, and every offset it returns is in [0, Duration()).
//   - At(n) is ok exactly for n < Total().
//   - Due(e) is the number of n with At(n) ok and At(n) <= e; it never decreases with e.
//   - Pace(e, started) equals (max(0, At(started)-e), false) when At(started) is ok and
//     (0, true) otherwise.
type Pacer interface {
	// Pace says how long to wait from elapsed until iteration number started (the next one) is
	// due — 0 when it is already due — or stop when the schedule has no such iteration.
	Pace(elapsed time.Duration, started int64) (wait time.Duration, stop bool)
	// At returns the scheduled offset of iteration n, and false when n is past the schedule.
	At(n int64) (offset time.Duration, ok bool)
	// Due returns how many iterations are due at elapsed (offset <= elapsed).
	Due(elapsed time.Duration) int64
	// Total returns how many iterations the whole schedule holds.
	Total() int64
	// Rate returns the target rate at elapsed, in iterations per second (0 outside the schedule).
	Rate(elapsed time.Duration) float64
	// Duration returns the schedule's length; no iteration is due at or after it.
	Duration() time.Duration
}

// Stage is one step of a ramping schedule: reach Target linearly over Duration. Targets are
// VUs for RampingVUs and iterations per time unit for Ramping.
type Stage struct {
	Duration time.Duration
	Target   int64
}

// pace implements Pacer.Pace from At, for every schedule here.
func pace(p interface {
	At(int64) (time.Duration, bool)
}, elapsed time.Duration, started int64) (time.Duration, bool) {
	at, ok := p.At(started)
	if !ok {
		return 0, true
	}
	if at <= elapsed {
		return 0, false
	}
	return at - elapsed, false
}

// due implements Pacer.Due from At and a first guess (an estimate of the count within a few
// iterations), so that At and Due agree exactly even where the guess came from floating point.
func due(p interface {
	At(int64) (time.Duration, bool)
}, total int64, elapsed time.Duration, guess int64) int64 {
	k := min(max(guess, 0), total)
	for k < total {
		at, _ := p.At(k)
		if at > elapsed {
			break
		}
		k++
	}
	for k > 0 {
		at, _ := p.At(k - 1)
		if at <= elapsed {
			break
		}
		k--
	}
	return k
}

// mulDiv returns a*b/c rounded down, for non-negative a, b and positive c, saturating at
// math.MaxInt64 instead of overflowing.
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, _ := bits.Div64(hi, lo, uint64(c))
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}

// mulDivCeil returns a*b/c rounded up, for non-negative a, b and positive c, saturating at
// math.MaxInt64.
func mulDivCeil(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	if hi >= uint64(c) {
		return math.MaxInt64
	}
	q, r := bits.Div64(hi, lo, uint64(c))
	if r != 0 {
		q++
	}
	if q > math.MaxInt64 {
		return math.MaxInt64
	}
	return int64(q)
}
