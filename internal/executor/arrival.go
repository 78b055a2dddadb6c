package executor

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
)

// arrival runs constant-arrival-rate and ramping-arrival-rate: the open model.
//
// One scheduler goroutine (the one in Run) owns the schedule. Each pass it asks the pacer how
// many iterations are due by now, hands each to an idle worker (one goroutine per VU, fed
// through its own one-slot channel), and sleeps on one timer until the next is due. An
// iteration due when no worker is idle is dropped and counted; if fewer than MaxVUs exist, the
// allocator goroutine is asked for one more VU — unless it is already making one — so the
// schedule never waits on allocation (k6's makeUnplannedVUCh).
//
// Idle workers are kept on a stack (last in, first out) so that the VUs that just finished —
// with warm connections — are reused first, and the pool's tail stays idle. A mutex-guarded
// slice costs 11–15ns per take-and-return on two procs, a buffered channel two to four times
// that (BenchmarkIdlePool), and the channel would hand out the coldest VU first.
type arrival struct {
	*base
	pacer pace.Pacer

	wg sync.WaitGroup // worker goroutines

	mu       sync.Mutex
	idle     []*worker // the stack of idle workers
	workers  []*worker // every worker, to close them at the end
	allocErr error     // the first failed background allocation
}

// worker is one VU of an arrival-rate executor and the channel that feeds it iterations. The
// channel has one slot and a worker is handed an iteration only while it is on the idle stack,
// so the scheduler never blocks on a send.
type worker struct {
	vu    VU
	work  chan Iteration
	iters int64 // owned by the worker's goroutine
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
	return &arrival{base: b, pacer: p}, nil
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
	a.schedStart.Store(w.start.UnixNano())
	for _, vu := range vus {
		a.addWorker(vu, w)
	}

	alloc, allocDone := make(chan struct{}), make(chan struct{})
	go a.allocate(w, alloc, allocDone)
	a.schedule(ctx, w, alloc, a.sc.MaxVUs-a.sc.PreAllocatedVUs)
	close(alloc)
	<-allocDone

	// No iteration is dispatched any more: let the workers finish the ones they run (until the
	// hard end cancels them) and return.
	a.mu.Lock()
	for _, wk := range a.workers {
		close(wk.work)
	}
	allocErr := a.allocErr
	a.mu.Unlock()
	a.wg.Wait()
	a.vus.setActive(0)
	return a.result(ctx, allocErr)
}

// schedule dispatches the iterations as they fall due until the schedule ends. spare is how
// many VUs may still be allocated.
//
// Go's timers wake up to about a millisecond late (the runtime's poller sleeps in whole
// milliseconds), so the scheduler may wake after the end of the regular duration with the last
// iterations of the schedule, all intended before that end, still to start: it starts them,
// late and with their lag, as it does with any burst. Only the hard end (or ctx) stops it; the
// iterations it could not start by then are counted as dropped, unless ctx ended the run.
func (a *arrival) schedule(ctx context.Context, w window, alloc chan<- struct{}, spare int) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	hardDone := w.Hard.Done()
	total := a.pacer.Total()
	for n := int64(0); n < total; {
		elapsed := a.opts.Now().Sub(w.start)
		due := a.pacer.Due(elapsed)
		if due <= n {
			at, _ := a.pacer.At(n)
			timer.Reset(at - elapsed)
			select {
			case <-timer.C:
			case <-hardDone:
				a.dropRest(ctx, total-n)
				return
			}
			continue
		}
		for ; n < due; n++ {
			select {
			case <-hardDone:
				a.dropRest(ctx, total-n)
				return
			default:
			}
			if a.opts.BeforeDispatch != nil {
				a.opts.BeforeDispatch()
			}
			at, _ := a.pacer.At(n)
			if a.dispatch(w.start.Add(at)) || spare == 0 {
				continue
			}
			select {
			case alloc <- struct{}{}: // the allocator was idle: it makes one more VU
				spare--
			default: // it is making one already
			}
		}
	}
}

// dropRest counts the n iterations of the schedule that were never started because the hard
// end came first (the scheduler was that far behind): dropped, not silently lost. When ctx
// itself ended (the user interrupted the run) they are not counted.
func (a *arrival) dropRest(ctx context.Context, n int64) {
	if ctx.Err() != nil {
		return
	}
	for range n {
		a.drop()
	}
}

// dispatch hands the next iteration to an idle worker, or drops it when none is idle. Before
// dropping it yields once: in a burst the scheduler may be keeping workers that have finished
// from running long enough to go back on the stack, and such a VU is not busy.
func (a *arrival) dispatch(intended time.Time) bool {
	wk := a.popIdle()
	if wk == nil {
		runtime.Gosched()
		if wk = a.popIdle(); wk == nil {
			a.drop()
			return false
		}
	}
	wk.work <- Iteration{Scenario: a.sc.Name, Number: a.nextNumber(), Intended: intended}
	return true
}

// popIdle takes the most recently idle worker off the stack; nil when there is none.
func (a *arrival) popIdle() *worker {
	a.mu.Lock()
	defer a.mu.Unlock()
	k := len(a.idle)
	if k == 0 {
		return nil
	}
	wk := a.idle[k-1]
	a.idle = a.idle[:k-1]
	return wk
}

// drop counts one dropped iteration.
func (a *arrival) drop() {
	a.dropped.Add(1)
	a.obs.DroppedIteration(a.sc.Name)
}

// work runs the iterations handed to one worker until its channel is closed.
func (a *arrival) work(wk *worker, w window) {
	defer a.wg.Done()
	for it := range wk.work {
		it.VUIter = wk.iters
		wk.iters++
		a.obs.IterationStarted(a.sc.Name, max(0, a.opts.Now().Sub(it.Intended)))
		a.busy.Add(1)
		wk.vu.Run(w.Hard, it)
		a.busy.Add(-1)
		if w.Hard.Err() == nil {
			a.iterations.Add(1)
		}
		a.mu.Lock()
		a.idle = append(a.idle, wk)
		a.mu.Unlock()
	}
}

// addWorker starts a worker for vu and puts it on the idle stack.
func (a *arrival) addWorker(vu VU, w window) {
	wk := &worker{vu: vu, work: make(chan Iteration, 1)}
	a.mu.Lock()
	a.workers = append(a.workers, wk)
	a.idle = append(a.idle, wk)
	a.mu.Unlock()
	a.vus.add(1, 1)
	a.wg.Add(1)
	go a.work(wk, w)
}

// allocate makes one VU per request until req is closed, then closes done. It gives up on a
// VU when the regular duration ends (nothing would run on it); the first real failure is
// kept for Run to return.
func (a *arrival) allocate(w window, req <-chan struct{}, done chan<- struct{}) {
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
		a.addWorker(vu, w)
	}
}
