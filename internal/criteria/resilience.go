package criteria

import (
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// The resilience rules judge a run against its chaos: timeline (the fault windows the engine
// applied and recorded):
//
//	recovery       after each fault ends, the windowed aggregate must hold the condition again
//	               within `within`: the first window starting at or after the fault's end whose
//	               value holds must end no later than end + within. Observed: the slowest
//	               recovery in seconds. A run that ends before end + within without having
//	               recovered cannot show it: no data.
//	during_faults  the aggregate over each fault window (from its start to its end, whole
//	               series intervals) must hold the condition. Observed: the worst window.
//	nothing_lost   every check of the teardown flow (the invariants it reads back: the data
//	               written is all there, no stale read) passed, and at least one ran.
//	               Observed: the fraction that passed. check: NAME keeps only that check.
//
// Without a fault window (no chaos: timeline, or every fault failed to apply) recovery and
// during_faults have no data; a teardown without checks gives nothing_lost no data: none of
// them is ever met without evidence.

// FaultWindow is one fault of the run, from when it was applied to when it was cleared.
type FaultWindow struct {
	Name       string
	Start, End time.Time
}

// FaultSource is a Source that knows the run's fault windows; a Source without it has none.
type FaultSource interface {
	FaultWindows() []FaultWindow
}

// faultsOf returns src's fault windows.
func faultsOf(src Source) []FaultWindow {
	if fs, ok := src.(FaultSource); ok {
		return fs.FaultWindows()
	}
	return nil
}

// teardownScenario is the scenario tag of the teardown flow's samples.
const teardownScenario = "teardown"

// compileResilienceRule reads the keys of the resilience rules.
func compileResilienceRule(c *Criterion, sp *spec) {
	if c.Rule == RuleNothingLost {
		tags := []metrics.Tag{{Key: "scenario", Value: teardownScenario}}
		if c.Check = sp.str("check"); c.Check != "" {
			tags = append(tags, metrics.Tag{Key: "check", Value: c.Check})
		}
		b, _ := metrics.Lookup(metrics.Checks)
		c.Metric, c.Type, c.Kind = metrics.FormatKey(metrics.Checks, tags), b.Type, b.Kind
		c.Method = threshold.MethodRate
		return
	}
	if !sp.metric(c, "metric") {
		return
	}
	sp.aggregate(c, false)
	c.Cond = sp.condition("condition", c.Kind, true)
	if c.Rule == RuleRecovery {
		c.Window = sp.duration("window")
		if c.Within = sp.duration("within"); c.Within == 0 {
			sp.fail(ErrMissingKey, "recovery needs within: how soon after a fault ends the condition must hold again, e.g. \"30s\"")
		}
	}
}

// evalResilience judges the resilience rules on s.
func evalResilience(c Criterion, src Source, s *metrics.Series, o *Outcome) {
	off := func(t time.Time) time.Duration { return max(0, t.Sub(src.Start())) }
	if c.Rule == RuleNothingLost {
		evalNothingLost(c, s, o)
		return
	}
	faults := faultsOf(src)
	if len(faults) == 0 {
		o.noData("no fault was applied in this run (declare a chaos: timeline), so resilience was not shown")
		return
	}
	if c.Rule == RuleDuringFaults {
		evalDuringFaults(c, s, faults, o, off)
		return
	}
	evalRecovery(c, s, faults, o, off)
}

// evalDuringFaults aggregates each fault window as a whole.
func evalDuringFaults(c Criterion, s *metrics.Series, faults []FaultWindow, o *Outcome, off func(time.Time) time.Duration) {
	iv := s.Interval()
	origin := s.At(0).Time
	seen := false
	var worst float64
	var worstName string
	for _, f := range faults {
		// Whole intervals that overlap the fault: from the one holding its start.
		from := origin.Add(f.Start.Sub(origin) / iv * iv)
		v, ok := aggregateWindow(c, s.Type, s.Window(from, f.End))
		if !ok {
			if o.Broken {
				continue // a failure shown stands
			}
			// "During each fault": one fault without samples leaves the rule unshown,
			// however well the others went.
			o.noData(fmt.Sprintf("metric %s has no samples during fault %q", c.Metric, f.Name))
			return
		}
		if !seen || fartherFrom(c.Cond, v, worst) {
			worst, worstName = v, f.Name
		}
		seen = true
		if !holds(c.Cond, v) && !o.Broken {
			o.Broken, o.FirstBrokenAt, o.Result = true, off(f.Start), ResultFail
		}
	}
	if !seen {
		o.noData(fmt.Sprintf("metric %s has no samples during the faults", c.Metric))
		return
	}
	o.HasValue, o.Observed, o.Unit = true, worst, c.unit()
	o.Detail = fmt.Sprintf("worst during fault %q: %s (must be %s)", worstName, FormatUnit(worst, c.unit()), condText(c.Cond))
}

// evalRecovery measures how long after each fault's end the condition holds again.
func evalRecovery(c Criterion, s *metrics.Series, faults []FaultWindow, o *Outcome, off func(time.Time) time.Duration) {
	var slowest time.Duration
	judged := 0
	for _, f := range faults {
		ws := windows(c, s, f.End, false)
		var recovered bool
		var took time.Duration
		var last time.Time
		for _, w := range ws {
			last = w.to
			if w.ok && holds(c.Cond, w.value) {
				recovered, took = true, w.to.Sub(f.End)
				break
			}
		}
		switch {
		case recovered && took <= c.Within:
			judged++
			slowest = max(slowest, took)
		case recovered || last.After(f.End.Add(c.Within)):
			// Not back within the allowance (and the run lasted long enough to tell).
			judged++
			if !recovered {
				took = last.Sub(f.End)
			}
			slowest = max(slowest, took)
			if !o.Broken {
				o.Broken, o.FirstBrokenAt, o.Result = true, off(f.End.Add(c.Within)), ResultFail
				o.Detail = fmt.Sprintf("after fault %q ended, %s held again only after %s (allowed %s)", f.Name, condText(c.Cond), took.Round(time.Millisecond), c.Within)
				if !recovered {
					o.Detail = fmt.Sprintf("after fault %q ended, %s did not hold again within the %s the run lasted (allowed %s)", f.Name, condText(c.Cond), took.Round(time.Millisecond), c.Within)
				}
			}
		}
	}
	if judged == 0 {
		o.noData(fmt.Sprintf("the run ended less than %s after the faults without %s holding again: recovery was not shown", c.Within, condText(c.Cond)))
		return
	}
	if judged < len(faults) && !o.Broken {
		// A recovery not seen is not a recovery: only a failure already shown stands.
		o.noData(fmt.Sprintf("%d of %d faults judged: the run ended less than %s after the others without %s holding again", judged, len(faults), c.Within, condText(c.Cond)))
		return
	}
	o.HasValue, o.Observed, o.Unit = true, slowest.Seconds(), "s"
}

// evalNothingLost reads the teardown's checks.
func evalNothingLost(c Criterion, s *metrics.Series, o *Outcome) {
	n := s.Len()
	var w metrics.WindowValue
	if n > 0 {
		w = s.Window(s.At(0).Time, s.At(n-1).Time.Add(s.Interval()))
	}
	if w.Count == 0 {
		o.noData("no check ran in teardown: nothing shows that nothing was lost (add checks that read the data back to teardown:)")
		return
	}
	o.HasValue, o.Observed, o.Unit = true, w.Rate, "fraction"
	if w.Fails > 0 {
		o.Result, o.Broken = ResultFail, true
		o.Detail = fmt.Sprintf("%d of %d teardown checks failed", w.Fails, w.Count)
	} else {
		o.Detail = fmt.Sprintf("all %d teardown checks passed", w.Count)
	}
}

// resilienceText is the rule in words for the resilience rules.
func (c Criterion) resilienceText(agg string) string {
	switch c.Rule {
	case RuleRecovery:
		per := ""
		if c.Window > 0 {
			per = " per " + c.Window.String()
		}
		return fmt.Sprintf("%s %s%s %s again within %s after each fault", c.Metric, agg, per, condText(c.Cond), c.Within)
	case RuleDuringFaults:
		return fmt.Sprintf("%s %s during each fault %s", c.Metric, agg, condText(c.Cond))
	}
	if c.Check != "" {
		return fmt.Sprintf("teardown check %q passed: nothing lost", c.Check)
	}
	return "every teardown check passed: nothing lost"
}
