// Package capacity finds the breaking point of a target (ramp capacity): the highest arrival
// rate at which a scenario file's thresholds and criteria still hold. It steps the rate up
// (doubling) until a step fails, bisects between the last rate that held and the first that
// failed until they are within the precision (5%), and confirms the answer by running it
// once more. Each step is one run of engine.Run on a plan derived from the file: its flow at
// a constant arrival rate for the hold, its thresholds, criteria and monitors as written.
//
// Beside the answer it keeps every step's latency, errors and the target's monitors, from
// which it finds the knee of the latency-versus-rate curve and names the resource that
// saturated (Bottleneck). It compares the answer with the strategy's capacity targets.
//
// The search itself is arithmetic over a StepFunc, so it is tested without a server.
package capacity

import (
	"context"
	"fmt"
	"math"
)

// Search bounds and precision.
type Search struct {
	// From is the first rate tried, To the highest (iterations per second).
	From, To float64
	// Precision is how close the answer is to the breaking point: the search stops when
	// the lowest failing rate is within Precision of the highest holding one (0.05: ±5%).
	Precision float64
	// Retries is how many times a step whose outcome could not be judged (it failed while
	// the generator was behind its schedule) is run again before it counts as not holding.
	Retries int
}

// DefaultSearch is the search without flags.
var DefaultSearch = Search{From: 10, To: 10000, Precision: 0.05, Retries: 1}

// Outcome is what one step showed.
type Outcome struct {
	// Holds is true when every threshold and criterion held on the load intended.
	Holds bool
	// Unjudged is true when the step could not show either (the generator overloaded): it
	// is run again, Retries times.
	Unjudged bool
}

// StepFunc runs the target at one rate (iterations per second) and says what it showed.
// phase is "step", "bisect" or "confirm", for the record.
type StepFunc func(ctx context.Context, rate float64, phase string) (Outcome, error)

// Answer is the outcome of a search.
type Answer struct {
	// Max is the highest rate that held and was confirmed; 0 when even From failed.
	Max float64
	// FailedAt is the lowest rate that did not hold; +Inf when To held (Max is then a
	// lower bound: the target held everything asked of it).
	FailedAt float64
	// Confirmed is true when Max held a second time.
	Confirmed bool
	// Steps counts the runs.
	Steps int
}

// Found reports whether the search bracketed a breaking point within the bounds.
func (a Answer) Found() bool { return a.Max > 0 && !math.IsInf(a.FailedAt, 1) && a.Confirmed }

// Run searches with step. The rates it tries are rounded to whole iterations per second.
func (s Search) Run(ctx context.Context, step StepFunc) (Answer, error) {
	if s.From <= 0 || s.To < s.From {
		return Answer{}, fmt.Errorf("capacity: --from %g and --to %g: want 0 < from ≤ to", s.From, s.To)
	}
	if s.Precision <= 0 {
		s.Precision = DefaultSearch.Precision
	}
	a := Answer{FailedAt: math.Inf(1)}
	try := func(rate float64, phase string) (bool, error) {
		for attempt := 0; ; attempt++ {
			if err := ctx.Err(); err != nil {
				return false, err
			}
			a.Steps++
			o, err := step(ctx, rate, phase)
			if err != nil {
				return false, err
			}
			if !o.Unjudged || attempt >= s.Retries {
				return o.Holds && !o.Unjudged, nil
			}
		}
	}
	// Step up, doubling.
	lo := 0.0
	for rate := math.Round(s.From); ; rate = math.Min(math.Round(2*rate), s.To) {
		ok, err := try(rate, "step")
		if err != nil {
			return a, err
		}
		if !ok {
			a.FailedAt = rate
			break
		}
		lo = rate
		if rate >= s.To {
			break
		}
	}
	// Bisect until the bracket is within the precision (or a whole rate wide).
	for lo > 0 && !math.IsInf(a.FailedAt, 1) && a.FailedAt > lo*(1+s.Precision) && a.FailedAt-lo > 1 {
		mid := math.Round((lo + a.FailedAt) / 2)
		ok, err := try(mid, "bisect")
		if err != nil {
			return a, err
		}
		if ok {
			lo = mid
		} else {
			a.FailedAt = mid
		}
	}
	// Confirm: the answer must hold twice. If it does not, it was a lucky run: step down by
	// the precision and confirm that, at most twice.
	for range 3 {
		if lo <= 0 {
			break
		}
		ok, err := try(lo, "confirm")
		if err != nil {
			return a, err
		}
		if ok {
			a.Max, a.Confirmed = lo, true
			return a, nil
		}
		a.FailedAt = lo
		lo = math.Round(lo / (1 + s.Precision))
	}
	return a, nil
}
