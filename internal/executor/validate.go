package executor

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
)

// MaxVUs bounds every VU count of a scenario (vus, startVUs, stage targets of ramping-vus,
// preAllocatedVUs, maxVUs): a typo must get an error, not an attempt to make a billion VUs.
const MaxVUs = 1_000_000

// Problem is one reason a scenario is not a valid configuration of its executor.
type Problem struct {
	// Field is the option at fault as k6 spells it, with the stage for a stage's option
	// ("stages[0].target", stages counted from 0 as in a YAML list); "stages" for the stages
	// as a whole; "" for the scenario as a whole. A scenario file compiler uses it to point
	// at the offending key.
	Field string
	// Msg says what is wrong and quotes the value: "vus 0: must be between 1 and 1000000".
	Msg string
	// Hint, when not empty, says what to do about it.
	Hint string
}

// Error returns Msg.
func (p *Problem) Error() string { return p.Msg }

// Problems is every problem of one scenario, in a stable order; Validate returns it as its
// error, so that a caller can use errors.As to get at the fields.
type Problems []*Problem

var (
	_ error = (*Problem)(nil)
	_ error = Problems(nil)
)

// Error lists the problems one per line, as errors.Join would.
func (ps Problems) Error() string {
	msgs := make([]string, len(ps))
	for i, p := range ps {
		msgs[i] = p.Msg
	}
	return strings.Join(msgs, "\n")
}

// Unwrap lets errors.As and errors.Is see each problem.
func (ps Problems) Unwrap() []error {
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = p
	}
	return errs
}

// Validate checks sc with the rules New applies before it builds the executor, so that a
// scenario Validate accepts never makes New (or the schedule New builds with package pace)
// fail. It returns nil or a Problems listing every problem.
//
// Validate takes sc as it is: the zero TimeUnit, MaxVUs and MaxDuration that New fills in
// with Normalize are refused here, as k6 refuses an explicit "timeUnit: 0s" or "maxVUs: 0".
// A scenario compiler, which has applied k6's defaults to the options the file leaves out,
// passes its result as it is; a plan built in Go asks Validate(Normalize(sc)), which is
// exactly what New checks. (A scenario Validate accepts has none of those zeros, so
// Normalize leaves it unchanged and New accepts it too.)
//
// The rules are k6's executor config checks, plus ramp's own bounds:
//
//	every executor     startTime ≥ 0, gracefulStop ≥ 0, and the whole scenario (startTime,
//	                   regular duration, gracefulStop) lasts less than 292 years
//	constant-vus       1 ≤ vus ≤ MaxVUs, duration > 0
//	ramping-vus        0 ≤ startVUs ≤ MaxVUs, gracefulRampDown ≥ 0, stages (below) with
//	                   targets ≤ MaxVUs, and startVUs or a target > 0
//	constant-arrival-rate   rate > 0, timeUnit > 0, duration > 0, VU pool (below)
//	ramping-arrival-rate    startRate ≥ 0, timeUnit > 0, stages (below), VU pool (below),
//	                   and at most 2⁶³−1 iterations in all
//	per-vu-iterations, shared-iterations   1 ≤ vus ≤ MaxVUs, iterations > 0, maxDuration > 0;
//	                   shared-iterations: iterations ≥ vus
//	stages             at least one; each duration ≥ 0 and target ≥ 0; they last more
//	                   than 0s in all (nothing would run otherwise)
//	VU pool            0 ≤ preAllocatedVUs ≤ MaxVUs, 1 ≤ maxVUs ≤ MaxVUs,
//	                   maxVUs ≥ preAllocatedVUs
//
// k6's minimum of 1s for duration and maxDuration is not among them: it is a rule of the
// scenario file, which --time-scale then compresses below 1s.
func Validate(sc plan.Scenario) error {
	v := &validator{}
	v.scenario(sc)
	if len(v.ps) == 0 {
		v.schedule(sc)
	}
	if len(v.ps) == 0 {
		return nil
	}
	return v.ps
}

// validator collects the problems of one scenario.
type validator struct{ ps Problems }

func (v *validator) bad(field, hint, format string, args ...any) {
	v.ps = append(v.ps, &Problem{Field: field, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

func (v *validator) positive(name string, d time.Duration) {
	if d <= 0 {
		v.bad(name, "", "%s %s: must be more than 0", name, d)
	}
}

func (v *validator) notNegative(name string, d time.Duration) {
	if d < 0 {
		v.bad(name, "", "%s %s: must not be negative", name, d)
	}
}

// vus checks a VU count and returns whether it is in range.
func (v *validator) vus(name string, n, lo int) bool {
	if n < lo || n > MaxVUs {
		v.bad(name, "", "%s %d: must be between %d and %d", name, n, lo, MaxVUs)
		return false
	}
	return true
}

// scenario applies the rules of sc's executor.
func (v *validator) scenario(sc plan.Scenario) {
	v.notNegative("startTime", sc.StartTime)
	v.notNegative("gracefulStop", sc.GracefulStop)
	switch sc.Executor {
	case plan.ConstantVUs:
		v.vus("vus", sc.VUs, 1)
		v.positive("duration", sc.Duration)
	case plan.PerVUIterations, plan.SharedIterations:
		v.vus("vus", sc.VUs, 1)
		v.positive("maxDuration", sc.MaxDuration)
		if sc.Iterations <= 0 {
			v.bad("iterations", "", "iterations %d: must be more than 0", sc.Iterations)
		} else if sc.Executor == plan.SharedIterations && sc.Iterations < int64(sc.VUs) {
			v.bad("iterations", "raise iterations or lower vus",
				"iterations %d: can't be less than vus (%d)", sc.Iterations, sc.VUs)
		}
	case plan.RampingVUs:
		v.vus("startVUs", sc.StartVUs, 0)
		v.notNegative("gracefulRampDown", sc.GracefulRampDown)
		if v.stages(sc.Stages, MaxVUs, "VUs") {
			peak := int64(sc.StartVUs)
			for _, s := range sc.Stages {
				peak = max(peak, s.Target)
			}
			if peak <= 0 {
				v.bad("stages", "", "startVUs and every stage target are 0: at least one must be more than 0")
			}
		}
	case plan.ConstantArrivalRate, plan.RampingArrivalRate:
		if sc.Executor == plan.ConstantArrivalRate {
			if sc.Rate <= 0 {
				v.bad("rate", "", "rate %d: must be more than 0", sc.Rate)
			}
			v.positive("duration", sc.Duration)
		} else {
			if sc.StartRate < 0 {
				v.bad("startRate", "", "startRate %d: must not be negative", sc.StartRate)
			}
			v.stages(sc.Stages, -1, "iterations per timeUnit")
		}
		v.positive("timeUnit", sc.TimeUnit)
		pool := v.vus("preAllocatedVUs", sc.PreAllocatedVUs, 0)
		pool = v.vus("maxVUs", sc.MaxVUs, 1) && pool
		if pool && sc.MaxVUs < sc.PreAllocatedVUs {
			v.bad("maxVUs", fmt.Sprintf("raise maxVUs to at least %d, or leave it out to use preAllocatedVUs", sc.PreAllocatedVUs),
				"maxVUs %d: can't be less than preAllocatedVUs (%d)", sc.MaxVUs, sc.PreAllocatedVUs)
		}
	default:
		v.bad("executor", "", "executor %q: unknown; want one of %s, %s, %s, %s, %s, %s", sc.Executor,
			plan.ConstantVUs, plan.RampingVUs, plan.ConstantArrivalRate, plan.RampingArrivalRate,
			plan.PerVUIterations, plan.SharedIterations)
	}
}

// stages checks the stages of a ramping executor; maxTarget < 0 means no upper bound. It
// returns whether they are valid.
func (v *validator) stages(ss []plan.Stage, maxTarget int64, unit string) bool {
	if len(ss) == 0 {
		v.bad("stages", "", "stages: none given; a ramping executor needs at least one")
		return false
	}
	n := len(v.ps)
	var total time.Duration
	for i, s := range ss {
		field := fmt.Sprintf("stages[%d]", i)
		if s.Duration < 0 {
			v.bad(field+".duration", "", "stage %d: duration %s: must not be negative", i+1, s.Duration)
		} else if total > math.MaxInt64-s.Duration {
			v.bad(field+".duration", "", "stage %d: duration %s: the stages last too long (more than %s in all)", i+1, s.Duration, time.Duration(math.MaxInt64))
		} else {
			total += s.Duration
		}
		switch {
		case maxTarget >= 0 && (s.Target < 0 || s.Target > maxTarget):
			v.bad(field+".target", "", "stage %d: target %d %s: must be between 0 and %d", i+1, s.Target, unit, maxTarget)
		case s.Target < 0:
			v.bad(field+".target", "", "stage %d: target %d %s: must not be negative", i+1, s.Target, unit)
		}
	}
	if len(v.ps) == n && total <= 0 {
		v.bad("stages", "give at least one stage a duration, e.g. - { duration: 1m, target: 10 }",
			"stages: they last 0s in all; at least one must last longer")
	}
	return len(v.ps) == n
}

// schedule builds what New builds from a valid-looking scenario — its pace schedule and its
// time window — and reports what that refuses: the few limits that only the arithmetic
// knows, such as a ramping-arrival-rate schedule of more than 2⁶³−1 iterations.
func (v *validator) schedule(sc plan.Scenario) {
	var err error
	switch sc.Executor {
	case plan.ConstantArrivalRate:
		_, err = pace.NewConstant(sc.Rate, sc.TimeUnit, sc.Duration)
	case plan.RampingArrivalRate:
		_, err = pace.NewRamping(sc.StartRate, sc.TimeUnit, stages(sc.Stages))
	case plan.RampingVUs:
		_, err = pace.NewRampingVUs(int64(sc.StartVUs), stages(sc.Stages))
	}
	if err != nil {
		field := "stages"
		if sc.Executor == plan.ConstantArrivalRate {
			field = ""
		}
		v.bad(field, "", "%s", strings.TrimPrefix(err.Error(), "pace: "))
		return
	}
	// The window: startTime, then the regular duration, then gracefulStop (and for
	// ramping-vus gracefulRampDown), as time.Durations that must not overflow.
	regular := sc.Duration
	switch sc.Executor {
	case plan.PerVUIterations, plan.SharedIterations:
		regular = sc.MaxDuration
	case plan.RampingVUs, plan.RampingArrivalRate:
		regular = 0
		for _, s := range sc.Stages {
			regular += s.Duration // cannot overflow: checked by stages
		}
	}
	tail := max(sc.GracefulStop, sc.GracefulRampDown)
	if regular > math.MaxInt64-sc.StartTime || sc.StartTime+regular > math.MaxInt64-tail {
		v.bad("", "", "startTime %s, a regular duration of %s and a graceful stop of %s: the scenario lasts too long (more than %s in all)",
			sc.StartTime, regular, tail, time.Duration(math.MaxInt64))
	}
}
