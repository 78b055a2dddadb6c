package engine

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/hrsleep"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/segment"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// scenarios runs a plan's scenarios: the executors, their VUs, progress and abortOnFail.
type scenarios struct {
	plan   *plan.Plan
	shared *flow.Shared
	reg    *metrics.Registry
	ths    []threshold.Threshold
	judge  func(*metrics.Snapshot) ([]threshold.Result, []criteria.Outcome)
	check  *selfcheck.Monitor
	opts   Options
	order  []int // see startOrder
}

// run runs every scenario concurrently with progress every second and abortOnFail
// evaluation every threshold.EvalInterval. It returns how many arrival-rate iterations
// started and, when the run ended early, why.
func (s *scenarios) run(ctx context.Context) (arrivals int64, aborted string) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	obs := &observer{reg: s.reg, check: s.check, active: map[string][2]int{}, dropTags: map[string]*metrics.TagSet{}}
	for _, sc := range s.plan.Scenarios {
		// Built once: a dropped iteration is counted when the generator is already behind.
		obs.dropTags[sc.Name] = metrics.NewTags(map[string]string{"scenario": sc.Name})
	}
	src := &vuSource{shared: s.shared, plan: s.plan, segment: s.opts.Segment}
	defer src.closeAll()
	// Arrival-rate VUs wait for their iterations on timerfds: the runtime's timers wake up to a
	// millisecond late, and the lateness would read as the server's queueing in corrected latency.
	var sleeper hrsleep.Sleeper
	defer sleeper.Close()
	var execs []executor.Executor
	for _, sc := range s.plan.Scenarios {
		ex, err := executor.New(sc, src, obs, executor.Options{BeforeDispatch: s.opts.BeforeDispatch, Segment: s.opts.Segment, Wait: sleeper.Until})
		if err != nil {
			// build validated every executor the same way; an error here is a bug, but it
			// must still not crash the run.
			return 0, "scenario " + sc.Name + ": " + err.Error()
		}
		execs = append(execs, ex)
	}

	var wg sync.WaitGroup
	wg.Go(func() { s.check.Run(ctx) })
	defer wg.Wait()
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = executor.Run(ctx, execs)
	}()

	// Two tickers, both started with the load: progress every second, and abortOnFail on k6's
	// steady cadence, at 2 s, 4 s, 6 s… of the load. (One ticker comparing clock readings
	// fired at 2 s or 3 s, depending on the timers' jitter.)
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	eval := time.NewTicker(threshold.EvalInterval)
	defer eval.Stop()
	for running := true; running; {
		select {
		case <-done:
			running = false
		case <-tick.C:
			s.progress(execs, s.reg.Snapshot(), false)
		case <-eval.C:
			if aborted != "" {
				continue
			}
			snap := s.reg.Snapshot()
			results, outcomes := s.judge(snap)
			if aborted = abortReason(s.ths, results, outcomes, snap.Elapsed); aborted != "" {
				cancel()
			}
		}
	}
	s.progress(execs, s.reg.Snapshot(), true)
	if runErr != nil && aborted == "" && ctx.Err() == nil {
		// A VU that could not be made (e.g. a unique-per-vu feeder out of rows) ends the run.
		aborted = runErr.Error()
	}
	cancel()
	return obs.arrivals.Load(), aborted
}

// startOrder is the scenarios' indexes in start order (then in plan order): the order
// progress lists them in.
func (s *scenarios) startOrder() []int {
	if s.order == nil {
		s.order = make([]int, len(s.plan.Scenarios))
		for i := range s.order {
			s.order[i] = i
		}
		slices.SortStableFunc(s.order, func(a, b int) int {
			return cmp.Compare(s.plan.Scenarios[a].StartTime, s.plan.Scenarios[b].StartTime)
		})
	}
	return s.order
}

// progress tells the observer, if any.
func (s *scenarios) progress(execs []executor.Executor, snap *metrics.Snapshot, final bool) {
	if s.opts.Observer == nil {
		return
	}
	p := Progress{Snapshot: snap, Final: final, Scenarios: make([]ScenarioProgress, len(execs))}
	for i, j := range s.startOrder() {
		pr := execs[j].Progress()
		p.Scenarios[i] = ScenarioProgress{Scenario: pr.Scenario, Elapsed: pr.Elapsed, Total: pr.Total,
			ActiveVUs: pr.ActiveVUs, AllocatedVUs: pr.AllocatedVUs, Iterations: pr.Iterations,
			Dropped: pr.Dropped, Done: pr.Done}
	}
	s.opts.Observer.Progress(p)
}

// loadDuration is how long the load ran, for per-second rates: the time it took, never more
// than planned (graceful stops and the drain of the last responses excluded); and a load that
// ran to its end lasted at least its time-based schedule, though its last iteration may have
// started and ended a moment before the schedule's end.
func loadDuration(p *plan.Plan, took time.Duration, completed bool) time.Duration {
	var planned, scheduled time.Duration
	for _, sc := range p.Scenarios {
		end := executor.TotalDuration(sc, false)
		planned = max(planned, end)
		if sc.Executor != plan.PerVUIterations && sc.Executor != plan.SharedIterations {
			scheduled = max(scheduled, end) // maxDuration of the iteration executors is a bound, not a schedule
		}
	}
	d := min(took, planned)
	if completed {
		d = max(d, scheduled)
	}
	return d
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
// scenarios, from 1, as in k6 — and across the segments of a distributed run: the n-th VU a
// segment makes takes the segment's n-th global index.
type vuSource struct {
	shared  *flow.Shared
	plan    *plan.Plan
	segment segment.Segment
	made    atomic.Int64

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
	vu, err := s.shared.NewVU(int(s.segment.Global(s.made.Add(1)-1)) + 1)
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
