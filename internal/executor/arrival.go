package executor

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/hrsleep"
	"github.com/ramp-dev/ramp/internal/pace"
)

// arrival runs constant-arrival-rate and ramping-arrival-rate: the open model.
//
// There is no dispatcher: the VUs share the schedule and take its iterations themselves. The
// schedule is a counter (next) of the first iteration nobody has taken. A VU that is free
// takes that one and, if it is not due yet, waits for it on its own timer; so a VU that
// finishes an iteration when the next is already due starts it at once, with no goroutine
// woken and no channel crossed (the scheduler goroutine's hand-off cost 2–4 times a closed-
// model request at 50,000/s).
//
// At most aheadMax free VUs wait on taken iterations at a time; the other free VUs are parked
// on a stack (last in, first out, so the warm VUs and their connections are the ones reused
// and the pool's tail stays idle). A waiting VU that starts its iteration and leaves nobody
// waiting wakes the top parked VU, handing it the next iteration: so while any VU is free, one
// of them is waiting on the next iteration and nothing is dropped for want of a wake-up.
//
// When no VU is free, the watchdog (the goroutine in Run) takes over the schedule: it sleeps
// until the next iteration is due and, if still no VU is free, drops it (counted, never
// queued) and, while fewer than MaxVUs exist, asks the allocator goroutine for one more VU —
// so the schedule never waits on allocation (k6's makeUnplannedVUCh). A VU that frees up
// first takes the iteration itself, late, and its lag is reported.
type arrival struct {
	*base
	pacer pace.Pacer
	total int64         // iterations in the schedule
	wait  WaitFunc      // how VUs wait for a due time; nil: on the runtime's timers
	alert chan struct{} // one slot: tells the watchdog that no VU is free

	wg sync.WaitGroup // worker goroutines

	t0 time.Time // the schedule's start; set before the goroutines start

	mu       sync.Mutex
	next     int64     // the first iteration nobody has taken
	workers  int       // VUs
	running  int       // VUs that have an iteration to run now (not waiting for one)
	waiting  int       // free VUs waiting on the iterations they took
	parked   []*worker // the free VUs not waiting, a stack
	allocErr error     // the first failed background allocation
}

// aheadMax is how many free VUs may wait on iterations they took. More than one lets VUs that
// finish close together take the next iterations without a wake-up at high rates; few keeps
// the warm VUs in use (each waiting VU is one more VU in rotation).
const aheadMax = 2

// early is how close to its intended start an iteration is started at once rather than waited
// for. A sleep and its wake-up cost a thread switch — about 40µs of CPU on this project's
// virtual machine, twice the gap between iterations at 50,000/s — and the wake-up comes about
// that late anyway. The rate is kept (intended starts follow the schedule); an early start
// has no lag, and corrected latency counts from the actual start. It is hrsleep.Lead, the most
// the engine's precise waits return early, for the same reason: the wake-up's own latency.
const early = hrsleep.Lead

// preciseUpTo is the rate (iterations per second) above which VUs wait on the runtime's timers
// instead of Options.Wait. A precise wait costs a wake-up per iteration; the runtime's timers
// serve all the iterations due in a millisecond with one. On this project's virtual machine, at
// 20,000/s a precise wait per iteration took the core to saturation (52µs of CPU per request
// against 21 on the runtime's timers, bench/arrival.sh) and the delivery suffered; at 5,000/s
// it costs about 50µs per request and makes corrected latency true to 20µs instead of 0.6ms.
const preciseUpTo = 10_000

// worker is one VU of an arrival-rate executor. While parked it waits on wake for the
// iteration it is handed (-1: the schedule is over).
type worker struct {
	vu    VU
	wake  chan int64
	iters int64       // owned by the worker's goroutine
	timer *time.Timer // for timerWait, made on first use; owned by the worker's goroutine
}

// timerWait is TimerWait on the worker's own timer, reused: a wait costs no allocation.
func (wk *worker) timerWait(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	if wk.timer == nil {
		wk.timer = time.NewTimer(d)
	} else {
		wk.timer.Reset(d) // stopped or fired and drained: Go 1.23 timers keep no stale value
	}
	select {
	case <-wk.timer.C:
		return true
	case <-ctx.Done():
		wk.timer.Stop()
		return false
	}
}

var _ Executor = (*arrival)(nil)

func newArrival(b *base) (*arrival, error) {
	p, err := schedule(b.whole)
	if err != nil {
		return nil, fmt.Errorf("executor: scenario %q: %w", b.sc.Name, err)
	}
	if !b.opts.Segment.IsWhole() {
		p = pace.Striped(p, b.opts.Segment) // the owned iterations, at their global offsets
	}
	b.rate = p.Rate
	a := &arrival{base: b, pacer: p, total: p.Total(), wait: b.opts.Wait, alert: make(chan struct{}, 1)}
	b.active = a.runningVUs
	return a, nil
}

// Run implements Executor.
func (a *arrival) Run(ctx context.Context) error {
	if err := a.start(); err != nil {
		return err
	}
	defer a.finish()
	vus, err := a.newVUs(ctx, a.sc.PreAllocatedVUs)
	if err != nil {
		return err
	}
	if !a.waitStart(ctx) {
		return a.result(ctx, nil)
	}
	w := newWindow(ctx, a.opts.Now(), a.pacer.Duration(), a.pacer.Duration()+a.sc.GracefulStop)
	defer w.cancel()
	a.t0 = w.start // before any goroutine reads it
	a.schedStart.Store(w.start.UnixNano())
	a.alert <- struct{}{} // no VU has taken anything yet
	for _, vu := range vus {
		a.addWorker(ctx, vu, w)
	}

	alloc, allocDone := make(chan struct{}), make(chan struct{})
	go a.allocate(ctx, w, alloc, allocDone)
	a.watch(w, alloc, a.sc.MaxVUs-a.sc.PreAllocatedVUs)
	close(alloc)
	<-allocDone
	a.wg.Wait()

	// Whatever nobody took by the hard end was never started: dropped, unless ctx (the user)
	// ended the run.
	a.mu.Lock()
	rest := a.total - a.next
	a.next = a.total
	allocErr := a.allocErr
	a.mu.Unlock()
	a.dropN(ctx, rest)
	a.vus.setActive(0)
	return a.result(ctx, allocErr)
}

// watch drops the iterations that fall due while no VU is free, until every iteration has
// been taken or the hard end. spare is how many VUs may still be allocated.
func (a *arrival) watch(w window, alloc chan<- struct{}, spare int) {
	hard := w.Hard.Done()
	for {
		select {
		case <-a.alert:
		case <-hard:
			return
		}
		for {
			a.mu.Lock()
			if a.next >= a.total {
				a.mu.Unlock()
				return
			}
			if a.running < a.workers { // a VU is free: it has the schedule
				a.mu.Unlock()
				break
			}
			at, _ := a.pacer.At(a.next)
			if a.opts.Now().Sub(a.t0) < at {
				a.mu.Unlock()
				// On the runtime's timer, which never fires early: a precise wait may return
				// before the time, and the watchdog would spin. A drop decided up to a
				// millisecond late only gives a VU that frees up meanwhile the chance to run it.
				if !TimerWait(w.Hard, a.t0.Add(at)) {
					return
				}
				continue
			}
			a.take() // due, and no VU free to start it
			a.mu.Unlock()
			a.drop()
			if spare > 0 {
				select {
				case alloc <- struct{}{}: // the allocator was idle: it makes one more VU
					spare--
				default: // it is making one already
				}
			}
		}
	}
}

// runningVUs returns how many VUs have an iteration to run: Progress's ActiveVUs.
func (a *arrival) runningVUs() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.running
}

// take takes the next iteration and returns its number; when that was the last, it hands
// every parked VU the end of the schedule. The caller holds a.mu and has checked that an
// iteration is left.
func (a *arrival) take() int64 {
	n := a.next
	a.next++
	if a.next == a.total {
		for _, p := range a.parked {
			p.wake <- -1
		}
		a.parked = nil
		a.alertWatch() // its work is over
	}
	return n
}

// free is called by a worker with no iteration: it returns the next iteration for it to run,
// whether it must wait for it and the clock's reading it decided on (zero when it parked), or
// -1 when the schedule is over. A worker that may not wait
// (aheadMax are waiting already) and finds nothing due parks until it is handed one, or until
// the hard end.
func (a *arrival) free(wk *worker, finished bool, hard <-chan struct{}) (n int64, waits bool, now time.Time) {
	a.mu.Lock()
	if finished {
		a.running--
	}
	if a.next >= a.total {
		a.mu.Unlock()
		return -1, false, now
	}
	at, _ := a.pacer.At(a.next)
	now = a.opts.Now()
	if at-now.Sub(a.t0) < early { // due, or so nearly that waiting costs more: start it now
		n = a.take()
		a.running++
		a.handOn()
		a.mu.Unlock()
		return n, false, now
	}
	if a.waiting < aheadMax {
		a.waiting++
		n = a.take()
		a.mu.Unlock()
		return n, true, now
	}
	a.parked = append(a.parked, wk)
	a.mu.Unlock()
	select {
	case n = <-wk.wake:
		return n, n >= 0, time.Time{} // parked: now is stale
	case <-hard:
		a.mu.Lock()
		for i, p := range a.parked {
			if p == wk {
				a.parked = append(a.parked[:i], a.parked[i+1:]...)
				a.mu.Unlock()
				return -1, false, time.Time{}
			}
		}
		a.mu.Unlock()
		// Handed something as the hard end came (the send never blocks: one slot): an
		// iteration is waited on, and the wait fails at once.
		n = <-wk.wake
		return n, n >= 0, time.Time{}
	}
}

// handOn keeps one free VU on the schedule: with none waiting, the top parked VU is handed
// the next iteration; with none parked either, the watchdog is alerted. The caller holds a.mu.
func (a *arrival) handOn() {
	if a.waiting > 0 || a.next >= a.total {
		return
	}
	if k := len(a.parked); k > 0 {
		p := a.parked[k-1]
		a.parked = a.parked[:k-1]
		a.waiting++
		p.wake <- a.take()
		return
	}
	a.alertWatch()
}

// alertWatch wakes the watchdog, unless it is to wake already.
func (a *arrival) alertWatch() {
	select {
	case a.alert <- struct{}{}:
	default:
	}
}

// dropN counts n iterations of the schedule that were never started: dropped, not silently
// lost. When ctx itself ended (the user interrupted the run) they are not counted.
func (a *arrival) dropN(ctx context.Context, n int64) {
	if ctx.Err() != nil {
		return
	}
	for range n {
		a.drop()
	}
}

// drop counts one dropped iteration.
func (a *arrival) drop() {
	a.dropped.Add(1)
	a.obs.DroppedIteration(a.sc.Name)
}

// work runs one VU: it takes iterations from the schedule until it is over or the hard end.
func (a *arrival) work(ctx context.Context, wk *worker, w window) {
	defer a.wg.Done()
	for finished := false; ; finished = true {
		// now is the latest clock reading while it is still the time: an iteration started
		// without a wait or a hook takes its lag from the reading free decided on.
		n, waits, now := a.free(wk, finished, w.Hard.Done())
		if n < 0 {
			return
		}
		at, _ := a.pacer.At(n)
		intended := a.t0.Add(at)
		if waits {
			if now.IsZero() {
				now = a.opts.Now()
			}
			ok := true
			switch {
			case intended.Sub(now) < early:
				ok = w.Hard.Err() == nil
			case a.wait == nil || a.pacer.Rate(at) > preciseUpTo:
				ok, now = wk.timerWait(w.Hard, intended), time.Time{}
			default:
				ok, now = a.wait(w.Hard, intended), time.Time{}
			}
			a.mu.Lock()
			a.waiting--
			a.running++
			a.handOn()
			a.mu.Unlock()
			if !ok {
				a.dropN(ctx, 1)
				return
			}
		}
		if a.opts.BeforeDispatch != nil {
			a.opts.BeforeDispatch()
			now = time.Time{}
		}
		if w.Hard.Err() != nil {
			a.dropN(ctx, 1)
			return
		}
		it := Iteration{Scenario: a.sc.Name, Number: a.numberAt(n), VUIter: wk.iters, Intended: intended}
		wk.iters++
		if now.IsZero() {
			now = a.opts.Now()
		}
		a.obs.IterationStarted(a.sc.Name, max(0, now.Sub(intended)))
		wk.vu.Run(w.Hard, it)
		if w.Hard.Err() == nil {
			a.iterations.Add(1)
		}
	}
}

// addWorker starts a worker for vu.
func (a *arrival) addWorker(ctx context.Context, vu VU, w window) {
	wk := &worker{vu: vu, wake: make(chan int64, 1)}
	a.mu.Lock()
	a.workers++
	a.mu.Unlock()
	a.vus.add(1, 1)
	a.wg.Add(1)
	go a.work(ctx, wk, w)
}

// allocate makes one VU per request until req is closed, then closes done. It gives up on a
// VU when the regular duration ends (nothing would run on it); the first real failure is
// kept for Run to return.
func (a *arrival) allocate(ctx context.Context, w window, req <-chan struct{}, done chan<- struct{}) {
	defer close(done)
	for range req {
		vu, err := a.src.NewVU(w.Regular, a.sc.Name)
		if err == nil && vu == nil {
			err = errors.New("the source returned no VU")
		}
		if err != nil {
			if w.Regular.Err() == nil {
				a.mu.Lock()
				if a.allocErr == nil {
					a.allocErr = fmt.Errorf("executor: scenario %q: making a VU beyond preAllocatedVUs: %w", a.sc.Name, err)
				}
				a.mu.Unlock()
			}
			continue
		}
		a.addWorker(ctx, vu, w)
	}
}
