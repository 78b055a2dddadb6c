package cli

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// thresholdEvery is how often thresholds are evaluated during a run for abortOnFail (k6: 2 s).
const thresholdEvery = 2 * time.Second

// testOptions say how one test runs beside its plan.
type testOptions struct {
	ndjson   string    // --out json=PATH, empty for none
	progress *progress // nil for none
	color    bool
	// monitors are watchers ramp adds beside the file's own (the embedded mina's process
	// and /metrics); the run closes them.
	monitors []monitor.Monitor
	// beforeDispatch delays the arrival-rate scheduler (tests simulate an overloaded generator).
	beforeDispatch func()
}

// testResult is a finished test.
type testResult struct {
	summary      *report.Summary
	snapshot     *metrics.Snapshot
	outputErrors []error
}

// loadScenario compiles a scenario file with -e vars and the environment.
func loadScenario(path string, vars map[string]string) (*plan.Plan, error) {
	return scenario.Load(path, vars, os.LookupEnv)
}

// runTest runs one compiled test end to end: setup, the scenarios, teardown, thresholds, and
// the summary. An error means nothing could be run (bad thresholds, unreadable data, an
// unwritable output); a failing test is a result, not an error.
func runTest(ctx context.Context, p *plan.Plan, o testOptions) (*testResult, error) {
	ths, err := threshold.Compile(p.Thresholds)
	if err != nil {
		return nil, err
	}
	crits, err := threshold.CompileCriteria(p.Criteria)
	if err != nil {
		return nil, err
	}
	mons, _, err := monitor.Compile(p.Monitors)
	if err != nil {
		return nil, err
	}
	mons = append(mons, o.monitors...)
	cfg := metrics.Config{Submetrics: append(submetrics(p, ths), threshold.CriteriaMetricKeys(crits)...)}
	var ndjson *output.NDJSON
	if o.ndjson != "" {
		ndjson, err = output.Create(o.ndjson)
		if err != nil {
			return nil, fmt.Errorf("--out json=%s: %w", o.ndjson, err)
		}
		cfg.Output = ndjson
	}
	reg, err := metrics.NewRegistry(cfg)
	if err != nil {
		return nil, err
	}
	shared, err := flow.NewShared(p, reg)
	if err != nil {
		return nil, err
	}
	res := &testResult{}
	started := time.Now()
	in := report.Input{Plan: p, Started: started}

	interrupted := func() bool { return ctx.Err() != nil }
	if p.Setup != nil {
		sctx, cancel := withTimeout(ctx, p.Options.SetupTimeout)
		data, ok, err := shared.RunOnce(sctx, "setup", p.Setup)
		cancel()
		switch {
		case err != nil:
			in.SetupError = err.Error()
		case !ok:
			in.SetupError = "a check or request of the setup failed; the load was not started"
		default:
			shared.SetSetupData(data)
		}
	}

	watch := startMonitors(ctx, mons)
	check := selfcheck.New(selfcheck.Config{})
	var loadRan time.Duration // how long the load ran, for per-second rates
	loadStart := time.Now()
	// judge evaluates the thresholds and criteria on a snapshot, during the run (abortOnFail)
	// and at its end, with the monitors' series so far.
	judge := func(snap *metrics.Snapshot) ([]threshold.Result, []threshold.Outcome) {
		src := threshold.SnapshotSource{Snapshot: snap, Monitors: watch.lookup, LoadStart: loadStart}
		return threshold.Evaluate(ths, snap), threshold.EvaluateCriteria(crits, src)
	}
	if in.SetupError == "" && !interrupted() {
		loadStart = time.Now()
		// The chart's target rate is scheduled from the start of the load, after setup.
		if tr := targetRate(p); tr != nil {
			offset := loadStart.Sub(started)
			in.TargetRate = func(t time.Duration) (float64, bool) { return tr(t - offset) }
		}
		in.ArrivalIterations, in.Aborted = runScenarios(ctx, p, shared, reg, ths, judge, check, o)
		loadRan = min(time.Since(loadStart), plannedLoad(p))
	}
	if p.Teardown != nil && in.SetupError == "" && !interrupted() {
		tctx, cancel := withTimeout(context.WithoutCancel(ctx), p.Options.TeardownTimeout)
		_, ok, err := shared.RunOnce(tctx, "teardown", p.Teardown)
		cancel()
		if err != nil {
			in.TeardownError = err.Error()
		} else if !ok {
			in.TeardownError = "a check or request of the teardown failed"
		}
	}

	series, monErrs := watch.stop()
	in.Monitors = monitorSeries(series, monErrs, started)

	if err := reg.Close(); err != nil {
		res.outputErrors = append(res.outputErrors, err)
	}
	if ndjson != nil {
		if err := ndjson.Close(); err != nil {
			res.outputErrors = append(res.outputErrors, fmt.Errorf("--out json=%s: %w", o.ndjson, err))
		}
	}
	snap := reg.Snapshot().WithRateWindow(loadRan)
	in.Snapshot = snap
	var outcomes []threshold.Outcome
	in.Thresholds, outcomes = judge(snap)
	in.Criteria = criterionResults(outcomes)
	in.SelfCheck = check.Report()
	in.Interrupted = interrupted()
	res.summary = report.Build(in)
	res.snapshot = snap
	return res, nil
}

// runScenarios runs every scenario concurrently with live progress and periodic threshold
// evaluation (abortOnFail). It returns how many arrival-rate iterations started and, when a
// threshold aborted the run, why.
func runScenarios(ctx context.Context, p *plan.Plan, shared *flow.Shared, reg *metrics.Registry,
	ths []threshold.Threshold, judge func(*metrics.Snapshot) ([]threshold.Result, []threshold.Outcome),
	check *selfcheck.Monitor, o testOptions) (arrivals int64, aborted string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	obs := &observer{reg: reg, check: check, active: map[string][2]int{}, dropTags: map[string]*metrics.TagSet{}}
	for _, sc := range p.Scenarios {
		// Built once: a dropped iteration is counted when the generator is already behind.
		obs.dropTags[sc.Name] = metrics.NewTags(map[string]string{"scenario": sc.Name})
	}
	src := &vuSource{shared: shared, plan: p, nextID: new(atomic.Int64)}
	var execs []executor.Executor
	for _, sc := range p.Scenarios {
		ex, err := executor.New(sc, src, obs, executor.Options{BeforeDispatch: o.beforeDispatch})
		if err != nil {
			// The scenario compiler validated every executor; an error here is a bug, but it
			// must still not crash the run.
			return 0, "scenario " + sc.Name + ": " + err.Error()
		}
		execs = append(execs, ex)
	}

	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); check.Run(ctx) }()
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = executor.Run(ctx, execs)
	}()

	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastEval := time.Now()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case now := <-tick.C:
			snap := reg.Snapshot()
			if o.progress != nil {
				o.progress.update(execs, snap)
			}
			if now.Sub(lastEval) >= thresholdEvery && aborted == "" {
				lastEval = now
				results, outcomes := judge(snap)
				if stop, failed := threshold.ShouldAbort(ths, results, snap.Elapsed); stop {
					aborted = fmt.Sprintf("threshold %s %s failed with abortOnFail", failed[0].Metric, failed[0].Expression)
					cancel()
				} else if stop, failed := threshold.ShouldAbortCriteria(outcomes); stop {
					aborted = fmt.Sprintf("criterion %q failed with abortOnFail: %s", failed[0].Name, failed[0].Rule)
					cancel()
				}
			}
		}
	}
	if o.progress != nil {
		o.progress.finish(execs, reg.Snapshot())
	}
	if runErr != nil && aborted == "" && ctx.Err() == nil {
		// A VU that could not be made (e.g. a unique-per-vu feeder out of rows) ends the run.
		aborted = runErr.Error()
	}
	cancel()
	wg.Wait()
	src.closeAll()
	return obs.arrivals.Load(), aborted
}

// criterionResults converts criteria outcomes for the summary.
func criterionResults(outcomes []threshold.Outcome) []report.CriterionResult {
	out := make([]report.CriterionResult, 0, len(outcomes))
	for _, o := range outcomes {
		r := report.CriterionResult{Name: o.Name, Rule: o.Rule, Result: o.Result, Unit: o.Unit, Detail: o.Detail}
		if o.HasValue {
			v := o.Observed
			r.Observed = &v
		}
		if o.Broken {
			at := o.FirstBrokenAt.Seconds()
			r.FirstBrokenAt = &at
		}
		out = append(out, r)
	}
	return out
}

// plannedLoad is how long the load is scheduled to last: the end of the latest scenario,
// graceful stops excluded.
func plannedLoad(p *plan.Plan) time.Duration {
	var d time.Duration
	for _, sc := range p.Scenarios {
		d = max(d, executor.TotalDuration(sc, false))
	}
	return d
}

// submetrics lists the sub-metric keys the thresholds and the SLO need tracked.
func submetrics(p *plan.Plan, ths []threshold.Threshold) []string {
	keys := threshold.SubmetricKeys(ths)
	if p.SLO.Metric != "" {
		keys = append(keys, p.SLO.Metric)
	}
	return keys
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = 60 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

// observer feeds what the executors do into the metrics and the self-check.
type observer struct {
	reg      *metrics.Registry
	check    *selfcheck.Monitor
	arrivals atomic.Int64
	dropTags map[string]*metrics.TagSet // scenario → tags of its dropped_iterations; read-only

	mu     sync.Mutex
	active map[string][2]int // scenario → active, allocated
}

var _ executor.Observer = (*observer)(nil)

func (o *observer) DroppedIteration(scenario string) {
	o.reg.DroppedIteration(o.dropTags[scenario])
}

func (o *observer) VUs(scenario string, active, allocated int) {
	o.mu.Lock()
	o.active[scenario] = [2]int{active, allocated}
	var a, m int
	for _, v := range o.active {
		a += v[0]
		m += v[1]
	}
	o.mu.Unlock()
	o.reg.SetVUs(a, m)
}

func (o *observer) IterationStarted(scenario string, lag time.Duration) {
	o.arrivals.Add(1)
	o.check.Lag(lag)
}

// vuSource makes the executors' VUs from the flow runner's; VU ids are unique across
// scenarios, from 1, as in k6.
type vuSource struct {
	shared *flow.Shared
	plan   *plan.Plan
	nextID *atomic.Int64

	mu  sync.Mutex
	all []*flow.VU
}

var _ executor.VUSource = (*vuSource)(nil)

func (s *vuSource) NewVU(ctx context.Context, scenario string) (executor.VU, error) {
	var exec string
	for _, sc := range s.plan.Scenarios {
		if sc.Name == scenario {
			exec = sc.Exec
		}
	}
	f, ok := s.plan.Flows[exec]
	if !ok {
		return nil, fmt.Errorf("scenario %s: no flow %q", scenario, exec)
	}
	vu, err := s.shared.NewVU(int(s.nextID.Add(1)))
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.all = append(s.all, vu)
	s.mu.Unlock()
	return &vuAdapter{vu: vu, flow: f}, nil
}

func (s *vuSource) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, vu := range s.all {
		_ = vu.Close()
	}
	s.all = nil
}

// vuAdapter lets a flow VU run an executor's iterations.
type vuAdapter struct {
	vu   *flow.VU
	flow *plan.Flow
}

func (a *vuAdapter) ID() int { return a.vu.ID() }

func (a *vuAdapter) Run(ctx context.Context, it executor.Iteration) {
	a.vu.Run(ctx, a.flow, flow.Iteration{Scenario: it.Scenario, Number: it.Number, VUIter: it.VUIter, Intended: it.Intended})
}
