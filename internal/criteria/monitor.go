package criteria

import (
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// evalMonitor judges the growth, max, final and ratio rules on monitor series.
func evalMonitor(c Criterion, src Source, o *Outcome) {
	pts, unit, ok := src.MonitorSeries(c.Series)
	if !ok || len(pts) == 0 {
		o.noData(fmt.Sprintf("monitor series %s unavailable", c.Series))
		return
	}
	if c.Rule == RuleRatio {
		over, _, ok := src.MonitorSeries(c.Over)
		if !ok || len(over) == 0 {
			o.noData(fmt.Sprintf("monitor series %s unavailable", c.Over))
			return
		}
		if pts = ratios(pts, over); len(pts) == 0 {
			o.noData(fmt.Sprintf("no sample of %s has a non-zero %s at or before it", c.Series, c.Over))
			return
		}
		unit = "fraction"
	}
	// judged[i] is the figure as of point i: growth so far, max so far, the ratio, the value.
	judged := make([]MonitorPoint, len(pts))
	first, top := pts[0].Value, pts[0].Value
	for i, p := range pts {
		top = max(top, p.Value)
		v := p.Value
		switch {
		case c.Rule == RuleGrowth && c.OfMax:
			v = top - first
		case c.Rule == RuleGrowth:
			v = p.Value - first
		}
		judged[i] = MonitorPoint{Time: p.Time, Value: v}
	}
	o.HasValue, o.Unit = true, unit
	switch c.Rule {
	case RuleGrowth, RuleFinal:
		o.Observed = judged[len(judged)-1].Value
	default:
		o.Observed = judged[0].Value
		for _, p := range judged {
			o.Observed = max(o.Observed, p.Value)
		}
	}
	start := src.Start()
	breaks := func(l plan.Limit, above bool) (bool, time.Time) {
		if !l.Set {
			return false, time.Time{}
		}
		lim := limitIn(l, unit)
		if above && o.Observed <= lim || !above && o.Observed >= lim {
			return false, time.Time{}
		}
		if c.Rule == RuleFinal {
			return true, judged[len(judged)-1].Time
		}
		for _, p := range judged {
			if above && p.Value > lim || !above && p.Value < lim {
				return true, p.Time
			}
		}
		return true, judged[len(judged)-1].Time
	}
	mark := func(result string, at time.Time, what string, l plan.Limit) {
		o.Result, o.Broken, o.FirstBrokenAt = result, true, max(0, at.Sub(start))
		o.Detail = fmt.Sprintf("%s %s %s", FormatUnit(o.Observed, unit), what, FormatUnit(limitIn(l, unit), unit))
	}
	if b, at := breaks(c.Fail, true); b {
		mark(ResultFail, at, "above the fail limit", c.Fail)
	} else if b, at := breaks(c.Below, false); b {
		mark(ResultFail, at, "below the limit", c.Below)
	} else if b, at := breaks(c.Warn, true); b {
		mark(ResultWarn, at, "above the warn limit", c.Warn)
	}
}

// ratios divides each point of num by over's latest point at or before it, skipping points
// with no such divisor or a zero one. Both series are in time order.
func ratios(num, over []MonitorPoint) []MonitorPoint {
	var out []MonitorPoint
	j := -1
	for _, p := range num {
		for j+1 < len(over) && !over[j+1].Time.After(p.Time) {
			j++
		}
		if j < 0 || over[j].Value == 0 {
			continue
		}
		out = append(out, MonitorPoint{Time: p.Time, Value: p.Value / over[j].Value})
	}
	return out
}
