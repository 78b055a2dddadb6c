package capacity

import (
	"context"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Config says how to search a plan's capacity.
type Config struct {
	Search
	// Flow is the flow to load; "" for the flow of the plan's first scenario.
	Flow string
	// Hold is how long each step runs, in the file's time (before TimeScale).
	Hold time.Duration
	// TimeScale compresses each step as --quick does (0 or 1: real time).
	TimeScale float64
	// Pause is the rest between steps, for the target to drain what a failed step queued.
	Pause time.Duration
	// Options are the engine's (extra monitors); Observer is left nil.
	Options engine.Options
	// OnStep, when set, is told of each step as it ends (progress).
	OnStep func(Step)
}

// Step is one run of the search.
type Step struct {
	Phase string  `json:"phase"` // step, bisect, confirm
	Rate  float64 `json:"rate"`  // intended iterations per second
	// RPS is the requests per second achieved; the latencies are of http_req_duration in
	// ms; ErrorRate the share of failed requests; Dropped the iterations no VU was free for.
	RPS       float64 `json:"requests_per_second"`
	P50       float64 `json:"p50"`
	P95       float64 `json:"p95"`
	P99       float64 `json:"p99"`
	ErrorRate float64 `json:"error_rate"`
	Dropped   int64   `json:"iterations_dropped"`
	Verdict   string  `json:"verdict"`
	Holds     bool    `json:"holds"`
	// GeneratorOverloaded notes a step whose arrivals started late (see stepOf).
	GeneratorOverloaded bool     `json:"generator_overloaded"`
	Reasons             []string `json:"reasons,omitempty"`
	// Monitors are the mean of each target-side series over the step.
	Monitors map[string]float64 `json:"monitors,omitempty"`
}

// Result is a capacity search's outcome.
type Result struct {
	File string `json:"file"`
	Flow string `json:"flow"`
	// Max is the highest rate (iterations/s) that held and was confirmed, MaxRPS the
	// requests per second it gave; FailedAt the lowest that failed (null: none failed).
	Max       float64  `json:"max_rate"`
	MaxRPS    float64  `json:"max_requests_per_second"`
	FailedAt  *float64 `json:"failed_at"`
	Precision float64  `json:"precision"`
	Found     bool     `json:"found"`
	// Knee is the rate after which p95 rises steeply (1.5× its floor); 0 when none did.
	Knee float64 `json:"knee"`
	// Bottleneck names the resource that saturated, Evidence what showed it.
	Bottleneck string  `json:"bottleneck"`
	Evidence   string  `json:"evidence"`
	Steps      []Step  `json:"steps"`
	Took       float64 `json:"took_seconds"`
	// Targets compares MaxRPS with the strategy's capacity targets.
	Targets []TargetCheck `json:"targets"`
	// Notes are warnings about how far to trust the answer.
	Notes []string `json:"notes,omitempty"`
	// Verdict: pass when a breaking point was found and confirmed within the bounds;
	// inconclusive otherwise (held up to --to, failed at --from).
	Verdict verdict.Verdict `json:"verdict"`
}

// TargetCheck is one of the strategy's capacity targets against the answer.
type TargetCheck struct {
	Name string  `json:"name"` // "API", "web"
	RPS  float64 `json:"rps"`
	Met  bool    `json:"met"`
}

// StrategyTargets are the capacity targets of the load-testing strategy: the API sustains
// 1,000 requests per second, the web pages 500.
var StrategyTargets = []TargetCheck{{Name: "API", RPS: 1000}, {Name: "web", RPS: 500}}

// Derive returns the plan of one step: p's flow at a constant arrival rate for hold, with
// p's thresholds, criteria, monitors, data and options, then scaled by timeScale.
func Derive(p *plan.Plan, flow string, rate float64, hold time.Duration, timeScale float64) (*plan.Plan, error) {
	if flow == "" {
		if len(p.Scenarios) == 0 {
			return nil, fmt.Errorf("%s has no scenario: name the flow to load with --flow", p.File)
		}
		flow = p.Scenarios[0].Exec
	}
	if _, ok := p.Flows[flow]; !ok {
		names := make([]string, 0, len(p.Flows))
		for n := range p.Flows {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%s has no flow %q (it has %s)", p.File, flow, strings.Join(names, ", "))
	}
	r := int64(math.Max(1, math.Round(rate)))
	sc := plan.Scenario{Name: "capacity", Executor: plan.ConstantArrivalRate, Exec: flow,
		Rate: r, TimeUnit: time.Second, Duration: hold, GracefulStop: 2 * time.Second,
		// A VU per request in flight: enough for a second of latency at the rate, so that a
		// step fails because the target is slow, not because the generator ran out of VUs
		// (it drops iterations — load not delivered — only beyond that).
		// Allocated up front: a VU made on demand comes too late for the arrival that
		// needed it, which is dropped.
		PreAllocatedVUs: int(min(100_000, max(50, 2*r))), MaxVUs: int(min(100_000, max(50, 2*r)))}
	for _, s := range p.Scenarios {
		if s.Exec == flow {
			sc.Tags = s.Tags
			break
		}
	}
	d := *p
	d.Scenarios = []plan.Scenario{sc}
	d.Scale(timeScale)
	// The drain is not scaled: what a saturated target still has queued must come back (or
	// time out) as part of the step, whatever the time scale.
	d.Scenarios[0].GracefulStop = 2 * time.Second
	return &d, nil
}

// Find searches the capacity of p.
func Find(ctx context.Context, p *plan.Plan, cfg Config) (*Result, error) {
	start := time.Now()
	if cfg.Hold <= 0 {
		cfg.Hold = time.Minute
	}
	if len(p.Thresholds) == 0 && len(p.Criteria) == 0 {
		return nil, fmt.Errorf("%s states no threshold and no criterion: the capacity is the highest rate at which they hold, so write some (e.g. http_req_duration: [\"p(95)<500\"])", p.File)
	}
	flow := cfg.Flow
	if flow == "" && len(p.Scenarios) > 0 {
		flow = p.Scenarios[0].Exec
	}
	// Fail on a bad flow before any load.
	if _, err := Derive(p, flow, cfg.From, cfg.Hold, cfg.TimeScale); err != nil {
		return nil, err
	}
	res := &Result{File: p.File, Flow: flow, Precision: cfg.Precision, Steps: []Step{}}
	step := func(ctx context.Context, rate float64, phase string) (Outcome, error) {
		if len(res.Steps) > 0 && cfg.Pause > 0 {
			select {
			case <-ctx.Done():
				return Outcome{}, ctx.Err()
			case <-time.After(cfg.Pause):
			}
		}
		d, err := Derive(p, flow, rate, cfg.Hold, cfg.TimeScale)
		if err != nil {
			return Outcome{}, err
		}
		er, err := engine.Run(ctx, d, cfg.Options)
		if err != nil {
			return Outcome{}, err
		}
		st := stepOf(er, rate, phase)
		res.Steps = append(res.Steps, st)
		if cfg.OnStep != nil {
			cfg.OnStep(st)
		}
		if er.Interrupted {
			return Outcome{}, context.Canceled
		}
		// A step that failed while the generator was behind its schedule is run again once:
		// its arrivals came in bunches, which a target with a short queue answers with
		// errors that an even schedule would not have caused.
		return Outcome{Holds: st.Holds, Unjudged: !st.Holds && st.GeneratorOverloaded}, nil
	}
	a, err := cfg.Search.Run(ctx, step)
	if err != nil {
		return nil, err
	}
	res.Max, res.Found = a.Max, a.Found()
	if !math.IsInf(a.FailedAt, 1) {
		f := a.FailedAt
		res.FailedAt = &f
	}
	for _, s := range res.Steps {
		if s.Rate == a.Max && s.Holds {
			res.MaxRPS = s.RPS
		}
	}
	res.Knee = knee(res.Steps)
	res.Bottleneck, res.Evidence = bottleneck(res.Steps)
	for _, t := range StrategyTargets {
		t.Met = res.MaxRPS >= t.RPS // a lower bound (held up to --to) that reaches it meets it too
		res.Targets = append(res.Targets, t)
	}
	res.Verdict = decide(res, cfg.Search)
	for _, s := range res.Steps {
		if s.GeneratorOverloaded {
			res.Notes = append(res.Notes, "the generator fell behind its schedule in some steps (this machine is busy): arrivals came in bunches, so the answer is if anything low")
			break
		}
	}
	res.Took = time.Since(start).Seconds()
	return res, nil
}

// decide is the search's verdict: a breaking point found and confirmed is a pass (an
// answer); anything else could not show one.
func decide(r *Result, s Search) verdict.Verdict {
	v := verdict.Verdict{Status: verdict.Pass, Reasons: []verdict.Reason{}}
	add := func(st verdict.Status, format string, args ...any) {
		v.Reasons = append(v.Reasons, verdict.Reason{Status: st, Text: fmt.Sprintf(format, args...)})
		v.Status = st
	}
	switch {
	case r.Max == 0:
		add(verdict.Inconclusive, "even the first rate, %g/s, did not hold: lower --from", s.From)
	case r.FailedAt == nil:
		add(verdict.Inconclusive, "every rate up to --to %g/s held: the capacity is higher; raise --to", s.To)
	case !r.Found:
		add(verdict.Inconclusive, "no rate held twice: the target is not steady enough to name a capacity")
	}
	return v
}

// generatorOnly reports whether a verdict's only doubts are the generator's own.
func generatorOnly(v verdict.Verdict) bool {
	if v.Status != verdict.Inconclusive {
		return false
	}
	for _, r := range v.Reasons {
		if r.Status == verdict.Inconclusive && r.Kind != verdict.KindGenerator {
			return false
		}
	}
	return true
}

// stepOf records one step's figures.
func stepOf(er *engine.Result, rate float64, phase string) Step {
	snap := er.Snapshot
	// A step holds when its thresholds and criteria held on the load intended. A generator
	// that fell behind its schedule is noted, not counted against the target: late arrivals
	// come in bunches, which queue more at the target than the even schedule would, so the
	// answer can only come out lower, never higher, than the target's true capacity.
	holds := er.Verdict.Passed() || generatorOnly(er.Verdict)
	st := Step{Phase: phase, Rate: rate, Verdict: string(er.Verdict.Status), Holds: holds,
		GeneratorOverloaded: er.SelfCheck.Overloaded, Dropped: er.Load.Dropped, Monitors: map[string]float64{}}
	st.RPS, _ = snap.Aggregate(metrics.HTTPReqs, "rate", 0)
	st.P50, _ = snap.Aggregate(metrics.HTTPReqDuration, "p", 50)
	st.P95, _ = snap.Aggregate(metrics.HTTPReqDuration, "p", 95)
	st.P99, _ = snap.Aggregate(metrics.HTTPReqDuration, "p", 99)
	st.ErrorRate, _ = snap.Aggregate(metrics.HTTPReqFailed, "rate", 0)
	for _, r := range er.Verdict.Reasons {
		st.Reasons = append(st.Reasons, r.Text)
	}
	from := er.LoadStart.Sub(er.Started)
	to := from + er.LoadDuration
	for _, m := range er.Monitors {
		var sum float64
		n := 0
		for _, p := range m.Points {
			if p.Offset >= from && p.Offset <= to+time.Second && !math.IsNaN(p.Value) {
				sum += p.Value
				n++
			}
		}
		if n > 0 {
			st.Monitors[m.Name] = sum / float64(n)
		}
	}
	return st
}

// knee is the highest rate, among the steps that held, whose p95 is within 1.5× of the
// lowest step's p95: beyond it latency climbs. 0 without steps that held.
func knee(steps []Step) float64 {
	sorted := slices.Clone(steps)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].Rate < sorted[j].Rate })
	if len(sorted) == 0 || sorted[0].P95 <= 0 {
		return 0
	}
	floor, k := sorted[0].P95, 0.0
	for _, s := range sorted {
		if s.P95 > 1.5*floor {
			break
		}
		k = s.Rate
	}
	return k
}

// The kinds of resource a monitor series may show saturating, by words in its name (ramp
// names no metric of any target: the scenario file names its series, and these are the
// words a series of that resource carries).
type resource struct {
	kind  string
	words []string
	// saturated says whether the series, from its value at the lowest step (base) to the
	// first failing one (at), shows the resource exhausted, and why in words.
	saturated func(base, at float64, all map[string]float64) (bool, string)
}

var resources = []resource{
	{"the target's concurrency limit (requests queued for an in-flight slot)", []string{"queue", "queued"},
		func(base, at float64, _ map[string]float64) (bool, string) {
			return at >= 1 && at > 2*base, fmt.Sprintf("%.3g requests waiting on average, %.3g at the lowest rate", at, base)
		}},
	{"the database connection pool (requests waiting for a connection)", []string{"pool_wait", "db_wait", "pool.wait"},
		func(base, at float64, _ map[string]float64) (bool, string) {
			return at > 0 && at > 2*base, fmt.Sprintf("%.3g waits per second, %.3g at the lowest rate", at, base)
		}},
	{"the target's CPU", []string{"cpu"},
		func(base, at float64, _ map[string]float64) (bool, string) {
			return at >= 80 && at > 1.5*base, fmt.Sprintf("%.0f%% CPU, %.0f%% at the lowest rate", at, base)
		}},
	{"the cache (hit rate fell)", []string{"hit_rate", "hit_ratio"},
		func(base, at float64, _ map[string]float64) (bool, string) {
			return base-at > 0.2, fmt.Sprintf("hit rate %.0f%%, %.0f%% at the lowest rate", 100*at, 100*base)
		}},
}

// bottleneck names the resource that saturated at the first failing rate, judged from the
// monitors' means: the first of resources (most specific first) whose series shows it.
func bottleneck(steps []Step) (string, string) {
	var base, fail *Step
	for i := range steps {
		s := &steps[i]
		if base == nil || s.Rate < base.Rate {
			base = s
		}
		if !s.Holds && (fail == nil || s.Rate < fail.Rate) {
			fail = s
		}
	}
	if fail == nil {
		return "", "no step failed"
	}
	if len(fail.Monitors) == 0 {
		return "unknown", "no monitor read the target: add monitors (process CPU, /metrics of its queue, DB pool and cache) to the file to have the bottleneck named"
	}
	names := make([]string, 0, len(fail.Monitors))
	for n := range fail.Monitors {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, r := range resources {
		for _, n := range names {
			low := strings.ToLower(n)
			if !slices.ContainsFunc(r.words, func(w string) bool { return strings.Contains(low, w) }) {
				continue
			}
			if ok, why := r.saturated(base.Monitors[n], fail.Monitors[n], fail.Monitors); ok {
				return r.kind, fmt.Sprintf("%s at %g/s: %s", n, fail.Rate, why)
			}
		}
	}
	return "unknown", fmt.Sprintf("none of the monitored series (%s) shows a resource exhausted at %g/s: the limit is elsewhere", strings.Join(names, ", "), fail.Rate)
}
