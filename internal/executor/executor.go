// Package executor runs one plan.Scenario with k6's semantics: the six executors
// (constant-vus, ramping-vus, constant-arrival-rate, ramping-arrival-rate, per-vu-iterations,
// shared-iterations), startTime, gracefulStop and gracefulRampDown, and dropped iterations.
//
// The package knows nothing of HTTP, metrics, YAML or terminals. It declares the small
// interfaces it consumes — a VU runs one iteration, a VUSource makes VUs, an Observer is told
// what happened — and the CLI wires the flow runner and the metrics to them. Schedules are the
// clock-free arithmetic of package pace; this package only sleeps until the next thing is due.
//
// Two models (k6's names):
//
//   - Closed model (constant-vus, ramping-vus, per-vu-iterations, shared-iterations): each VU
//     loops, starting its next iteration when its previous one ends.
//   - Open model (constant-arrival-rate, ramping-arrival-rate): iterations start when the
//     pacer says they are due, whatever the responses do. The VUs share the schedule and take
//     its iterations themselves: a VU that finishes takes the next iteration and, if it is not
//     due yet, waits for it (Options.Wait); so at high rates an iteration costs no hand-off
//     between goroutines. At most two free VUs wait at a time, the others are parked on a
//     stack (last in, first out, so the warm VUs and their connections are reused), and one
//     is woken when nobody waits. When no VU is free when an iteration falls due, it is
//     dropped and counted — never queued — and, while fewer than MaxVUs exist, one more VU is
//     allocated in the background.
//
// Time (k6 lib/executor/helpers.go getDurationContexts): a scenario waits StartTime, then runs
// for its regular duration; after it no new iteration starts, running ones may finish during
// GracefulStop, and then the context they run with is cancelled:
//
//	|-- StartTime --|------ regular duration ------|-- GracefulStop --|
//	                 iterations start                running ones end  ctx cancelled
//
// One refinement for the open model: an iteration intended before the end of the regular
// duration that the scheduler could not start on time (Go's timers wake up to a millisecond
// late; an overloaded machine, more) is still started, late and with its lag reported, until
// the hard end; those never started are counted as dropped. k6 loses them without a count.
//
// Precision: every iteration's intended start is computed from the schedule, never from the
// previous start, so the rate is kept exactly even when starts are late
// (BenchmarkConstantArrivalRate: 50,000/s with no-op VUs delivers 49,999/s); each iteration's
// lag behind its intended start is the wait's lateness (about a millisecond on the runtime's
// timers, tens of microseconds on package hrsleep's, which the engine passes) and is reported
// through Observer.IterationStarted so that corrected latency includes it.
//
// VUs are made when Run begins, before StartTime, as k6 initialises its VUs before the test:
// every VU of the closed-model executors (ramping-vus: its largest target) and the
// PreAllocatedVUs of the arrival-rate ones.
//
// Distributed runs (k6's execution segments): with Options.Segment an executor runs one
// segment's share of the whole scenario (see Share and package segment). VU counts and
// iteration totals are the segment's exact share — the segments of a sequence add up to the
// whole — and durations are kept. Arrival-rate segments run the iterations they own of the
// whole schedule at their global intended times, so Iteration.Intended, lags and corrected
// latency are the whole run's, and dropped iterations are counted only for owned ones;
// ramping-vus segments run their share of the whole's VU count at every instant. Iteration
// numbers stay unique across segments (Iteration.Number). A segment that owns nothing of a
// scenario runs nothing: its Run returns at once, as k6 skips such executors.
//
// The library is the standard library plus packages pace and segment (both pure arithmetic)
// and one constant of hrsleep (Lead, how early a start may come); goroutines, one
// mutex-guarded counter and stack, and timers are all the machinery the executors need.
package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/segment"
)

// Iteration is one run of a scenario's flow, as the executor asks a VU to do it.
type Iteration struct {
	// Scenario is the scenario's name.
	Scenario string
	// Number is scenario-wide, from 0 (k6's iterationInTest). The closed-model executors
	// number the iterations they start; the arrival-rate ones number each with its place in
	// the schedule, so a dropped iteration leaves its number unused. In a segment of a
	// distributed run it is unique across the segments (see Options.Segment): shared- and
	// per-vu-iterations number from the segment's block of the whole's 0…N−1, the others take
	// the global index of the segment's own count, so an arrival-rate segment numbers each
	// iteration with its index in the whole schedule, as the whole run would.
	Number int64
	// VUIter is this VU's iteration count within the scenario, from 0.
	VUIter int64
	// Intended is the iteration's scheduled start (arrival-rate executors); zero otherwise.
	// The VU measures corrected latency from it (wrk2's coordinated-omission correction).
	Intended time.Time
}

// VU runs one iteration at a time. Run returns when the iteration ends; when ctx is cancelled
// (the hard stop after gracefulStop or gracefulRampDown) the iteration must end promptly. The
// executor never calls Run on one VU from two goroutines at once.
type VU interface {
	// ID identifies the VU (k6's __VU), as its source numbered it.
	ID() int
	// Run runs one iteration.
	Run(ctx context.Context, it Iteration)
}

// VUSource makes VUs: executors take PreAllocatedVUs (or VUs, or ramping-vus's largest target)
// up front and, for arrival-rate executors, more up to MaxVUs while running (k6 semantics).
// NewVU may be called from several goroutines at once and must honour ctx.
type VUSource interface {
	NewVU(ctx context.Context, scenario string) (VU, error)
}

// Observer is told what the executor does (the CLI wires it to metrics and the self-check).
// Its methods are called from several goroutines and must be safe for that and quick.
type Observer interface {
	// DroppedIteration is called when an arrival-rate iteration was due and no VU was free.
	DroppedIteration(scenario string)
	// VUs is called whenever k6's vus (active) or vus_max (allocated) of the scenario changes.
	// A closed-model VU is active while it loops; an arrival-rate VU is active from its
	// allocation, busy or not (as k6 counts vus), so this is not called per iteration. Calls
	// for one scenario are made one at a time, in order.
	VUs(scenario string, active, allocated int)
	// IterationStarted is called as an arrival-rate iteration starts, with its lag: actual
	// start − intended start (never negative).
	IterationStarted(scenario string, lag time.Duration)
}

// Options tune an executor; the zero value is ready to use.
type Options struct {
	// Now is the clock that stamps intended starts, lags and progress; default time.Now.
	// Waiting uses the runtime's timers, so a fake clock belongs inside testing/synctest,
	// where time.Now and the timers agree.
	Now func() time.Time
	// BeforeDispatch, when set, runs as a VU is about to start an arrival-rate iteration, after
	// its wait, from the VUs' goroutines concurrently. Tests use it to make starts late
	// (simulate an overloaded generator).
	BeforeDispatch func()
	// Wait is how arrival-rate VUs wait for an iteration's intended start, at rates up to
	// 10,000/s (above, and by default, they wait as TimerWait does, each on a timer of its own).
	Wait WaitFunc
	// Segment is the share of the scenario this process runs in a distributed run (k6's
	// execution segment); the zero value, segment.Whole, runs all of it. See Share for what
	// each executor takes.
	Segment segment.Segment
}

// Executor runs one scenario.
type Executor interface {
	// Run blocks until the scenario (with its graceful stop) has ended and every goroutine it
	// started has returned; it honours StartTime. It may be called once. It returns an error
	// when VUs could not be made, and the context's error when ctx ended the run early.
	Run(ctx context.Context) error
	// Progress is safe to call from another goroutine at any time.
	Progress() Progress
}

// Progress is a snapshot of a running executor, for progress displays.
type Progress struct {
	Scenario string
	// Elapsed counts from the start of Run, StartTime included; Total is the scenario's
	// planned duration (TotalDuration without graceful stop).
	Elapsed, Total time.Duration
	// ActiveVUs are the VUs looping (closed model) or running an iteration (arrival-rate);
	// AllocatedVUs are all the VUs the executor holds.
	ActiveVUs, AllocatedVUs int
	// Iterations are the completed iterations (not those cut short by a hard stop); Dropped
	// the dropped ones.
	Iterations, Dropped int64
	// TargetRate is the arrival-rate executors' current target, in iterations per second; 0
	// otherwise.
	TargetRate float64
	// Done is true once Run has returned.
	Done bool
}

// New returns the executor of sc, which takes its VUs from src and tells obs (which may be nil)
// what it does. It returns an error, naming the scenario and quoting the bad value, when sc is
// not a valid configuration of its executor: Validate's Problems, wrapped.
//
// The scenario compiler fills in k6's defaults; New also fills those whose zero value is never
// valid (see Normalize), so that a plan built in Go needs no more than k6 asks for.
//
// sc is the whole scenario; with opts.Segment the executor runs the segment's Share of it,
// and a segment that owns nothing of it gets an executor whose Run returns at once.
func New(sc plan.Scenario, src VUSource, obs Observer, opts Options) (Executor, error) {
	sc = Normalize(sc)
	if err := Validate(sc); err != nil {
		return nil, fmt.Errorf("executor: scenario %q: %w", sc.Name, err)
	}
	if src == nil {
		return nil, fmt.Errorf("executor: scenario %q: no VU source", sc.Name)
	}
	if obs == nil {
		obs = nopObserver{}
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	share, owns := Share(sc, opts.Segment)
	b := &base{sc: share, whole: sc, src: src, obs: obs, opts: opts, total: TotalDuration(sc, false)}
	b.vus.obs, b.vus.scenario = obs, sc.Name
	if !owns {
		return &idle{base: b}, nil
	}
	if err := Validate(share); err != nil { // Share keeps every share of a valid scenario valid
		return nil, fmt.Errorf("executor: scenario %q: its share %s: %w", sc.Name, opts.Segment, err)
	}
	b.numberOf = numbering(sc, opts.Segment)
	switch sc.Executor {
	case plan.ConstantArrivalRate, plan.RampingArrivalRate:
		return newArrival(b)
	case plan.RampingVUs:
		return newRampingVUs(b)
	default:
		return newLooping(b), nil
	}
}

// The k6 defaults that Normalize fills in.
const (
	DefaultTimeUnit    = time.Second
	DefaultMaxDuration = 10 * time.Minute
)

// Normalize returns sc with k6's defaults in the fields whose zero value is never valid for its
// executor: TimeUnit (1s), MaxVUs (PreAllocatedVUs) and MaxDuration (10m). Fields where 0 means
// something (GracefulStop, GracefulRampDown, StartTime) are left as they are.
func Normalize(sc plan.Scenario) plan.Scenario {
	switch sc.Executor {
	case plan.ConstantArrivalRate, plan.RampingArrivalRate:
		if sc.TimeUnit == 0 {
			sc.TimeUnit = DefaultTimeUnit
		}
		if sc.MaxVUs == 0 {
			sc.MaxVUs = sc.PreAllocatedVUs
		}
	case plan.PerVUIterations, plan.SharedIterations:
		if sc.MaxDuration == 0 {
			sc.MaxDuration = DefaultMaxDuration
		}
	}
	return sc
}

// Run runs several executors concurrently and returns when all have ended, with their errors
// joined.
func Run(ctx context.Context, execs []Executor) error {
	errs := make([]error, len(execs))
	var wg sync.WaitGroup
	for i, e := range execs {
		if e == nil {
			errs[i] = fmt.Errorf("executor: Run: executor %d of %d is nil", i+1, len(execs))
			continue
		}
		wg.Go(func() { errs[i] = e.Run(ctx) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// TotalDuration is a scenario's planned length: StartTime plus its regular duration (stages,
// duration or maxDuration), plus the graceful stop when withGraceful — for ramping-vus k6's end
// of the last graceful ramp-down when that comes first.
func TotalDuration(sc plan.Scenario, withGraceful bool) time.Duration {
	regular, hard := spans(Normalize(sc))
	if withGraceful {
		return sc.StartTime + hard
	}
	return sc.StartTime + regular
}

// base holds what every executor shares: its configuration, counters and progress.
type base struct {
	sc    plan.Scenario // the segment's share (see Share); the whole scenario by default
	whole plan.Scenario // the whole scenario, whose schedules a segment takes its share of
	src   VUSource
	obs   Observer
	opts  Options
	total time.Duration

	ran        atomic.Bool
	runStart   atomic.Int64 // Now() at Run, UnixNano; 0 before
	elapsedEnd atomic.Int64 // Elapsed when Run returned
	done       atomic.Bool
	iterations atomic.Int64
	dropped    atomic.Int64
	active     func() int        // arrival-rate: VUs running an iteration; nil otherwise
	number     atomic.Int64      // next iteration number of this executor's own count
	numberOf   func(int64) int64 // maps the own count to Iteration.Number; nil: the same
	vus        vuCounter
	// rate, when set, gives the target rate (per second) at an offset into the schedule.
	rate       func(time.Duration) float64
	schedStart atomic.Int64 // Now() when the regular duration began, UnixNano; 0 before
}

// start marks the beginning of Run; it fails when Run is called twice.
func (b *base) start() error {
	if !b.ran.CompareAndSwap(false, true) {
		return fmt.Errorf("executor: scenario %q: Run called twice", b.sc.Name)
	}
	b.runStart.Store(b.opts.Now().UnixNano())
	return nil
}

// finish marks the end of Run.
func (b *base) finish() {
	b.elapsedEnd.Store(b.opts.Now().UnixNano() - b.runStart.Load())
	b.done.Store(true)
}

// waitStart sleeps StartTime from the start of Run; false when ctx ended first.
func (b *base) waitStart(ctx context.Context) bool {
	until := time.Unix(0, b.runStart.Load()).Add(b.sc.StartTime)
	return sleepUntil(ctx, b.opts.Now, until)
}

// numberAt returns the Iteration.Number of the executor's own iteration n.
func (b *base) numberAt(n int64) int64 {
	if b.numberOf == nil {
		return n
	}
	return b.numberOf(n)
}

// nextNumber returns the Iteration.Number of the next iteration.
func (b *base) nextNumber() int64 {
	n := b.number.Add(1) - 1
	if b.numberOf == nil {
		return n
	}
	return b.numberOf(n)
}

// newVUs makes n VUs up front.
func (b *base) newVUs(ctx context.Context, n int) ([]VU, error) {
	vus := make([]VU, 0, n)
	for i := range n {
		vu, err := b.src.NewVU(ctx, b.sc.Name)
		if err != nil {
			return nil, fmt.Errorf("executor: scenario %q: making VU %d of %d: %w", b.sc.Name, i+1, n, err)
		}
		if vu == nil {
			return nil, fmt.Errorf("executor: scenario %q: making VU %d of %d: the source returned no VU", b.sc.Name, i+1, n)
		}
		vus = append(vus, vu)
	}
	return vus, nil
}

// Progress implements Executor.
func (b *base) Progress() Progress {
	p := Progress{
		Scenario:     b.sc.Name,
		Total:        b.total,
		AllocatedVUs: int(b.vus.allocatedNow.Load()),
		Iterations:   b.iterations.Load(),
		Dropped:      b.dropped.Load(),
		Done:         b.done.Load(),
	}
	if b.active != nil {
		p.ActiveVUs = b.active()
	} else {
		p.ActiveVUs = int(b.vus.activeNow.Load())
	}
	start := b.runStart.Load()
	switch {
	case p.Done:
		p.Elapsed = time.Duration(b.elapsedEnd.Load())
	case start != 0:
		p.Elapsed = time.Duration(b.opts.Now().UnixNano() - start)
		if s := b.schedStart.Load(); s != 0 && b.rate != nil {
			p.TargetRate = b.rate(time.Duration(b.opts.Now().UnixNano() - s))
		}
	}
	return p
}

// result is what Run returns once everything has ended: err, else the context's error when
// ctx ended the run early.
func (b *base) result(ctx context.Context, err error) error {
	if err != nil {
		return err
	}
	if ctx.Err() != nil {
		return fmt.Errorf("executor: scenario %q: %w", b.sc.Name, context.Cause(ctx))
	}
	return nil
}

// vuCounter tracks k6's vus and vus_max of one scenario and reports their changes to the
// observer, one call at a time and in order.
type vuCounter struct {
	mu                      sync.Mutex
	obs                     Observer
	scenario                string
	active, allocated       int
	activeNow, allocatedNow atomic.Int64
}

// add changes the counts by the deltas and tells the observer.
func (c *vuCounter) add(active, allocated int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.active += active
	c.allocated += allocated
	c.activeNow.Store(int64(c.active))
	c.allocatedNow.Store(int64(c.allocated))
	c.obs.VUs(c.scenario, c.active, c.allocated)
}

// setActive sets the active count (to 0 when a scenario ends) and tells the observer if it
// changed.
func (c *vuCounter) setActive(active int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.active == active {
		return
	}
	c.active = active
	c.activeNow.Store(int64(active))
	c.obs.VUs(c.scenario, c.active, c.allocated)
}

// WaitFunc waits until the clock reads t; false when ctx ended first. It returns at once when
// t has passed.
type WaitFunc func(ctx context.Context, t time.Time) bool

// TimerWait is a WaitFunc on the runtime's timers. They wake up to about a millisecond late
// when the process is otherwise idle (the runtime's poller sleeps in whole milliseconds);
// inside testing/synctest they follow the fake clock exactly.
func TimerWait(ctx context.Context, t time.Time) bool { return sleepUntil(ctx, time.Now, t) }

// sleepUntil waits until the clock reads t; false when ctx ended first.
func sleepUntil(ctx context.Context, now func() time.Time, t time.Time) bool {
	d := t.Sub(now())
	if d <= 0 {
		return ctx.Err() == nil
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// nopObserver is the Observer used when none is given.
type nopObserver struct{}

var _ Observer = nopObserver{}

func (nopObserver) DroppedIteration(string)                {}
func (nopObserver) VUs(string, int, int)                   {}
func (nopObserver) IterationStarted(string, time.Duration) {}
