package engine

import (
	"math"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// SLO is a test's headline targets (the seed's slo_compliance): from the file's `slo:` block,
// else from its thresholds on the SLO metric and on http_req_failed.
type SLO struct {
	// Metric is the trend the latency targets apply to (http_req_duration by default).
	Metric        string
	P50, P95, P99 Target // ms
	ErrorRate     Target // a fraction
}

// Target is one headline target and what the run showed of it.
type Target struct {
	// Stated is false when the test sets no such target; then nothing else is set.
	Stated bool
	Limit  float64
	// Observed is the figure when HasValue; Met is Observed < Limit, and false without data.
	Observed float64
	HasValue bool
	Met      bool
}

// sloOf finds the test's headline targets and judges them on snap.
func sloOf(p *plan.Plan, ths []threshold.Threshold, snap *metrics.Snapshot) SLO {
	s := SLO{Metric: p.SLO.Metric}
	if s.Metric == "" {
		s.Metric = metrics.HTTPReqDuration
	}
	if name, tags, err := metrics.ParseKey(s.Metric); err == nil {
		s.Metric = metrics.FormatKey(name, tags)
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	limits := map[*Target]float64{}
	explicit := p.SLO.P50 > 0 || p.SLO.P95 > 0 || p.SLO.P99 > 0 || p.SLO.ErrorRate > 0
	if explicit {
		for t, d := range map[*Target]time.Duration{&s.P50: p.SLO.P50, &s.P95: p.SLO.P95, &s.P99: p.SLO.P99} {
			if d > 0 {
				limits[t] = ms(d)
			}
		}
		if p.SLO.ErrorRate >= 0 {
			limits[&s.ErrorRate] = p.SLO.ErrorRate
		}
	} else {
		for _, t := range ths {
			e := t.Expr
			if e.Op != threshold.OpLess && e.Op != threshold.OpLessEqual {
				continue
			}
			switch {
			case t.Metric == s.Metric && (e.Method == threshold.MethodMed || e.Method == threshold.MethodPercentile && e.Arg == 50):
				limits[&s.P50] = e.Value
			case t.Metric == s.Metric && e.Method == threshold.MethodPercentile && e.Arg == 95:
				limits[&s.P95] = e.Value
			case t.Metric == s.Metric && e.Method == threshold.MethodPercentile && e.Arg == 99:
				limits[&s.P99] = e.Value
			case t.Metric == metrics.HTTPReqFailed && e.Method == threshold.MethodRate:
				limits[&s.ErrorRate] = e.Value
			}
		}
	}
	judge := func(t *Target, key, method string, arg float64) {
		limit, ok := limits[t]
		if !ok {
			return
		}
		t.Stated, t.Limit = true, limit
		if v, ok := snap.Aggregate(key, method, arg); ok && !math.IsNaN(v) {
			t.Observed, t.HasValue, t.Met = v, true, v < limit
		}
	}
	judge(&s.P50, s.Metric, threshold.MethodPercentile, 50)
	judge(&s.P95, s.Metric, threshold.MethodPercentile, 95)
	judge(&s.P99, s.Metric, threshold.MethodPercentile, 99)
	judge(&s.ErrorRate, metrics.HTTPReqFailed, threshold.MethodRate, 0)
	return s
}

// Stage is one stage of a scenario (a constant executor has one) and what ran during it: the
// scenario's own requests, by its `scenario` tag, over the series intervals that begin in it
// (its edges rounded to the nearest interval: the load starts a few milliseconds into the
// first one, after the registry; the last stage runs to the end of the series), per second
// of the stage as scheduled.
type Stage struct {
	Scenario string
	Index    int // from 0, in the scenario's order
	// Start and End are offsets from the load's start.
	Start, End time.Duration
	// Target is what the stage aims at by its end: VUs, or iterations per second; Unit says
	// which ("VUs", "iterations/s").
	Target float64
	Unit   string
	// Requests, RPS and ErrorRate count the scenario's requests in the stage.
	Requests  int64
	RPS       float64
	ErrorRate float64
	// P50, P95 and P99 of http_req_duration in ms, when HasLatency.
	P50, P95, P99 float64
	HasLatency    bool
}

// The metrics each scenario's stage figures read, as sub-metrics by scenario; iterations is
// also the achieved rate the report charts against an arrival-rate scenario's target
// (targetRates).
var stageMetrics = []string{metrics.HTTPReqs, metrics.HTTPReqDuration, metrics.HTTPReqFailed, metrics.Iterations}

// stageKeys are the sub-metric keys of a scenario's stage figures.
func stageKeys(scenario string) []string {
	keys := make([]string, len(stageMetrics))
	for i, m := range stageMetrics {
		keys[i] = metrics.FormatKey(m, []metrics.Tag{{Key: "scenario", Value: scenario}})
	}
	return keys
}

// stageFigures computes every scenario's stages from its sub-metric series.
func stageFigures(p *plan.Plan, snap *metrics.Snapshot, loadStart time.Time) []Stage {
	var out []Stage
	for _, sc := range p.Scenarios {
		keys := stageKeys(sc.Name)
		reqs, ok1 := snap.Series(keys[0])
		dur, ok2 := snap.Series(keys[1])
		failed, ok3 := snap.Series(keys[2])
		if !ok1 || !ok2 || !ok3 || reqs.Len() == 0 {
			continue
		}
		origin := reqs.At(0).Time
		iv := reqs.Interval()
		stages := stagesOf(sc)
		for i, st := range stages {
			st.Scenario, st.Index = sc.Name, i
			// A point counts whole or not at all. The last stage keeps the responses that
			// arrive after its end (the graceful stop's drain): they were sent in it.
			from := roundTo(loadStart.Add(st.Start), origin, iv)
			to := roundTo(loadStart.Add(st.End), origin, iv)
			if i == len(stages)-1 {
				to = origin.Add(time.Duration(reqs.Len()) * iv)
			}
			if to.After(from) {
				r := reqs.Window(from, to)
				st.Requests = r.Count
				if d := st.End - st.Start; d > 0 {
					st.RPS = float64(r.Count) / d.Seconds() // per second of the stage as scheduled
				}
				if f := failed.Window(from, to); f.Count > 0 {
					st.ErrorRate = f.Rate
				}
				if d := dur.Window(from, to); d.Count > 0 {
					st.P50, st.P95, st.P99, st.HasLatency = d.Percentile(50), d.Percentile(95), d.Percentile(99), true
				}
			}
			out = append(out, st)
		}
	}
	return out
}

// stagesOf lists a scenario's stages with their spans and targets.
func stagesOf(sc plan.Scenario) []Stage {
	perSecond := func(n int64) float64 {
		tu := sc.TimeUnit
		if tu <= 0 {
			tu = time.Second
		}
		return float64(n) / tu.Seconds()
	}
	at := sc.StartTime
	switch sc.Executor {
	case plan.RampingVUs, plan.RampingArrivalRate:
		var out []Stage
		for _, s := range sc.Stages {
			st := Stage{Start: at, End: at + s.Duration, Target: float64(s.Target), Unit: "VUs"}
			if sc.Executor == plan.RampingArrivalRate {
				st.Target, st.Unit = perSecond(s.Target), "iterations/s"
			}
			out = append(out, st)
			at += s.Duration
		}
		return out
	case plan.ConstantArrivalRate:
		return []Stage{{Start: at, End: at + sc.Duration, Target: perSecond(sc.Rate), Unit: "iterations/s"}}
	case plan.ConstantVUs:
		return []Stage{{Start: at, End: at + sc.Duration, Target: float64(sc.VUs), Unit: "VUs"}}
	}
	return nil // the iteration-count executors have no time stages
}

// roundTo rounds t to the nearest boundary of the interval grid that starts at origin.
func roundTo(t, origin time.Time, iv time.Duration) time.Time {
	n := (t.Sub(origin) + iv/2) / iv
	return origin.Add(max(0, n) * iv)
}

// targetRates samples the intended arrival rate (iterations per second, the arrival-rate
// scenarios together) at the middle of each interval of the snapshot's http_reqs series;
// offset is the load's start after the registry's. Beside it, each point carries the
// iterations per second those same scenarios completed in the interval, so that a chart
// compares iterations with iterations — never requests (an iteration may send several)
// with iterations.
func targetRates(p *plan.Plan, snap *metrics.Snapshot, offset time.Duration) []RatePoint {
	rate := TargetRate(p)
	reqs, ok := snap.Series(metrics.HTTPReqs)
	if rate == nil || !ok {
		return nil
	}
	var iters []*metrics.Series
	for _, a := range arrivals(p) {
		if s, ok := snap.Series(metrics.FormatKey(metrics.Iterations, []metrics.Tag{{Key: "scenario", Value: a.name}})); ok {
			iters = append(iters, s)
		}
	}
	iv := reqs.Interval()
	out := make([]RatePoint, reqs.Len())
	for i := range out {
		at := time.Duration(i) * iv
		r, set := rate(at + iv/2 - offset)
		out[i] = RatePoint{Offset: at, Rate: r, Set: set}
		from := reqs.At(i).Time
		for _, s := range iters {
			out[i].Iterations += s.Window(from, from.Add(iv)).Rate
		}
	}
	return out
}

// arrival is one arrival-rate scenario's schedule.
type arrival struct {
	name  string
	start time.Duration
	pacer pace.Pacer
}

// arrivals are the plan's arrival-rate scenarios, with their pacers: what TargetRate sums
// and what targetRates reads the achieved iterations of (one list, so the two agree).
func arrivals(p *plan.Plan) []arrival {
	var all []arrival
	for _, sc := range p.Scenarios {
		var pc pace.Pacer
		var err error
		switch sc.Executor {
		case plan.ConstantArrivalRate:
			pc, err = pace.NewConstant(sc.Rate, sc.TimeUnit, sc.Duration)
		case plan.RampingArrivalRate:
			stages := make([]pace.Stage, len(sc.Stages))
			for i, st := range sc.Stages {
				stages[i] = pace.Stage{Duration: st.Duration, Target: st.Target}
			}
			pc, err = pace.NewRamping(sc.StartRate, sc.TimeUnit, stages)
		default:
			continue
		}
		if err == nil {
			all = append(all, arrival{name: sc.Name, start: sc.StartTime, pacer: pc})
		}
	}
	return all
}

// TargetRate returns the intended arrival rate at an offset from the start of the load;
// false when no arrival-rate scenario runs then (closed-model scenarios have no target rate).
func TargetRate(p *plan.Plan) func(time.Duration) (float64, bool) {
	all := arrivals(p)
	if len(all) == 0 {
		return nil
	}
	return func(t time.Duration) (float64, bool) {
		var rate float64
		running := false
		for _, s := range all {
			if e := t - s.start; e >= 0 && e < s.pacer.Duration() {
				rate += s.pacer.Rate(e)
				running = true
			}
		}
		return rate, running
	}
}
