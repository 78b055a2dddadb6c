package executor

import (
	"errors"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// MaxVUs bounds every VU count of a scenario (vus, startVUs, stage targets of ramping-vus,
// preAllocatedVUs, maxVUs): a typo must get an error, not an attempt to make a billion VUs.
const MaxVUs = 1_000_000

// validate checks sc the way k6's executor configs validate themselves, without changing it.
// All problems are reported, joined.
func validate(sc plan.Scenario) error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	positive := func(name string, d time.Duration) {
		if d <= 0 {
			bad("%s %s: must be more than 0", name, d)
		}
	}
	vus := func(name string, n, lo int) {
		if n < lo || n > MaxVUs {
			bad("%s %d: must be between %d and %d", name, n, lo, MaxVUs)
		}
	}
	if sc.StartTime < 0 {
		bad("startTime %s: must not be negative", sc.StartTime)
	}
	if sc.GracefulStop < 0 {
		bad("gracefulStop %s: must not be negative", sc.GracefulStop)
	}
	switch sc.Executor {
	case plan.ConstantVUs:
		vus("vus", sc.VUs, 1)
		positive("duration", sc.Duration)
	case plan.PerVUIterations, plan.SharedIterations:
		vus("vus", sc.VUs, 1)
		positive("maxDuration", sc.MaxDuration)
		if sc.Iterations <= 0 {
			bad("iterations %d: must be more than 0", sc.Iterations)
		} else if sc.Executor == plan.SharedIterations && sc.Iterations < int64(sc.VUs) {
			bad("iterations %d: can't be less than vus (%d)", sc.Iterations, sc.VUs)
		}
	case plan.RampingVUs:
		vus("startVUs", sc.StartVUs, 0)
		if sc.GracefulRampDown < 0 {
			bad("gracefulRampDown %s: must not be negative", sc.GracefulRampDown)
		}
		errs = append(errs, validateStages(sc.Stages, MaxVUs, "VUs")...)
		peak := int64(sc.StartVUs)
		for _, s := range sc.Stages {
			peak = max(peak, s.Target)
		}
		if peak <= 0 {
			bad("startVUs and every stage target are 0: at least one must be more than 0")
		}
	case plan.ConstantArrivalRate, plan.RampingArrivalRate:
		if sc.Executor == plan.ConstantArrivalRate {
			if sc.Rate <= 0 {
				bad("rate %d: must be more than 0", sc.Rate)
			}
			positive("duration", sc.Duration)
		} else {
			if sc.StartRate < 0 {
				bad("startRate %d: must not be negative", sc.StartRate)
			}
			errs = append(errs, validateStages(sc.Stages, -1, "iterations per timeUnit")...)
		}
		positive("timeUnit", sc.TimeUnit)
		vus("preAllocatedVUs", sc.PreAllocatedVUs, 0)
		vus("maxVUs", sc.MaxVUs, 1)
		if sc.MaxVUs < sc.PreAllocatedVUs {
			bad("maxVUs %d: can't be less than preAllocatedVUs (%d)", sc.MaxVUs, sc.PreAllocatedVUs)
		}
	default:
		bad("executor %q: unknown; want one of %s, %s, %s, %s, %s, %s", sc.Executor,
			plan.ConstantVUs, plan.RampingVUs, plan.ConstantArrivalRate, plan.RampingArrivalRate,
			plan.PerVUIterations, plan.SharedIterations)
	}
	return errors.Join(errs...)
}

// validateStages checks the stages of a ramping executor; maxTarget < 0 means no upper bound.
func validateStages(ss []plan.Stage, maxTarget int64, unit string) []error {
	if len(ss) == 0 {
		return []error{errors.New("stages: none given; a ramping executor needs at least one")}
	}
	var errs []error
	var total time.Duration
	for i, s := range ss {
		if s.Duration < 0 {
			errs = append(errs, fmt.Errorf("stage %d: duration %s: must not be negative", i+1, s.Duration))
		}
		if s.Target < 0 || (maxTarget >= 0 && s.Target > maxTarget) {
			if maxTarget >= 0 {
				errs = append(errs, fmt.Errorf("stage %d: target %d %s: must be between 0 and %d", i+1, s.Target, unit, maxTarget))
			} else {
				errs = append(errs, fmt.Errorf("stage %d: target %d %s: must not be negative", i+1, s.Target, unit))
			}
		}
		total += s.Duration
	}
	if len(errs) == 0 && total <= 0 {
		errs = append(errs, errors.New("stages: they last 0s in all; at least one must last longer"))
	}
	return errs
}
