package plan

import (
	"math"
	"time"
)

// QuickScale is the time scale of --quick: every duration of the load shape twenty times
// shorter, so the bundled 53-minute suite runs in under three minutes.
const QuickScale = 0.05

// Scale compresses (f < 1) or stretches (f > 1) the load shape's durations by f: scenario
// start times, durations, max durations, graceful stops and ramp-downs, stage lengths, and
// when each fault of the chaos timeline starts and how long it lasts (not a fault's own
// latency, which is per request like a think time).
// Rates (iterations per TimeUnit) and VU counts are kept, and so are think times and request
// timeouts: each VU keeps its real pace, so the load's shape and intensity stay what the file
// says, only shorter.
//
// Time is compressed for the measurements too, so that a criterion judges the same number of
// windows as in the full run: the time series' resolution (TimeScale × 1 s, see
// SeriesInterval), criteria windows and for-durations scale by f, and so do budgets counted in
// requests (there are f times as many requests); budgets counted in windows stay. f <= 0 or
// f == 1 leaves the plan unchanged.
func (p *Plan) Scale(f float64) {
	if f <= 0 || f == 1 {
		return
	}
	p.TimeScale = p.timeScale() * f
	s := func(d time.Duration) time.Duration {
		if d <= 0 {
			return d
		}
		scaled := time.Duration(float64(d) * f)
		if scaled < time.Millisecond {
			scaled = time.Millisecond // a stage that exists must last long enough to schedule
		}
		return scaled
	}
	for i := range p.Scenarios {
		sc := &p.Scenarios[i]
		sc.StartTime = s(sc.StartTime)
		sc.GracefulStop = s(sc.GracefulStop)
		sc.Duration = s(sc.Duration)
		sc.MaxDuration = s(sc.MaxDuration)
		sc.GracefulRampDown = s(sc.GracefulRampDown)
		stages := make([]Stage, len(sc.Stages))
		for j, st := range sc.Stages {
			stages[j] = Stage{Duration: s(st.Duration), Target: st.Target}
		}
		sc.Stages = stages
	}
	for i := range p.Thresholds {
		rules := make([]ThresholdRule, len(p.Thresholds[i].Rules))
		for j, r := range p.Thresholds[i].Rules {
			r.DelayAbortEval = s(r.DelayAbortEval)
			rules[j] = r
		}
		p.Thresholds[i].Rules = rules
	}
	crits := make([]Criterion, len(p.Criteria))
	for i, c := range p.Criteria {
		c.Window = scaleExact(c.Window, f)
		c.For = scaleExact(c.For, f)
		c.Within = scaleExact(c.Within, f)
		if c.PerRequest {
			c.Max = int64(math.Ceil(float64(c.Max) * f))
		}
		crits[i] = c
	}
	p.Criteria = crits
	events := make([]ChaosEvent, len(p.Chaos.Events))
	for i, e := range p.Chaos.Events {
		e.At, e.For = s(e.At), s(e.For)
		events[i] = e
	}
	p.Chaos.Events = events
}

// scaleExact scales d by f without a floor: a criterion window too short to judge must show
// as such (see MinSeriesInterval), not be silently lengthened.
func scaleExact(d time.Duration, f float64) time.Duration {
	return time.Duration(math.Round(float64(d) * f))
}

// DefaultSeriesInterval is the time series' resolution of a run in real time.
const DefaultSeriesInterval = time.Second

// MinSeriesInterval is the finest resolution a run's time series take: below it, the cost of
// a point per interval and the clock's own jitter would dominate what the windows measure.
// A criterion whose (scaled) window or allowance is shorter cannot be judged.
const MinSeriesInterval = 10 * time.Millisecond

// SeriesInterval is the resolution of the run's time series: one second of the file's time,
// that is DefaultSeriesInterval × TimeScale, and never below MinSeriesInterval.
func (p *Plan) SeriesInterval() time.Duration {
	return max(MinSeriesInterval, time.Duration(float64(DefaultSeriesInterval)*p.timeScale()))
}

// timeScale is TimeScale, 1 when unset.
func (p *Plan) timeScale() float64 {
	if p.TimeScale <= 0 {
		return 1
	}
	return p.TimeScale
}
