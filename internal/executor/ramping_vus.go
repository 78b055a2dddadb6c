package executor

import (
	"context"
	"fmt"
	"iter"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/pace"
	"github.com/ramp-dev/ramp/internal/plan"
)

// rampingVUs runs ramping-vus: the VU count follows pace.RampingVUs's steps.
//
// Every VU the schedule ever needs is made up front (k6 initialises them before the test) and
// gets a handle and a goroutine. The controller (the goroutine in Run) walks the steps: when
// the count rises it starts handles, lowest index first; when it falls it gracefully stops the
// highest ones — they finish their iteration and stop — and schedules a hard stop
// gracefulRampDown later for each, which cancels the iteration if the handle has not been
// started again meanwhile (gracefulRampDown 0: at once). At the end of the regular duration
// every handle is gracefully stopped and the window's hard end cancels what still runs.
//
// k6 computes the hard stops as a second list of steps (reserveVUsForGracefulRampDowns); a
// per-handle deadline gives the same times, and also stays right when a ramp-down is followed
// within gracefulRampDown by a partial ramp-up, where k6's list runs backwards in time.
//
// A segment of a distributed run follows the whole's steps through its Scale
// (pace.RampingVUs.Striped), so the segments' counts add up to the whole's at every instant;
// its hard end comes from its own last step, which may be a drop to 0 before the whole's.
type rampingVUs struct {
	*base
	steps         iter.Seq[pace.VUStep]
	max           int // VUs made up front: the largest count of steps
	regular, hard time.Duration
	handles       []*handle
	quit          chan struct{} // closed when the loops must return
	zero          chan struct{} // one slot: "the active count reached 0"
}

var _ Executor = (*rampingVUs)(nil)

func newRampingVUs(b *base) (*rampingVUs, error) {
	s, err := pace.NewRampingVUs(int64(b.whole.StartVUs), stages(b.whole.Stages))
	if err != nil {
		return nil, fmt.Errorf("executor: scenario %q: %w", b.sc.Name, err)
	}
	r := &rampingVUs{base: b, steps: s.Steps(), max: int(s.Max()), quit: make(chan struct{}), zero: make(chan struct{}, 1)}
	r.regular, r.hard = spans(b.whole)
	if seg := b.opts.Segment; !seg.IsWhole() {
		r.steps, r.max = s.Striped(seg), int(seg.Scale(s.Max()))
		r.hard = stepsHardEnd(b.sc, r.steps, r.regular)
	}
	return r, nil
}

// stepsHardEnd is spans's hard end computed from a VU schedule's steps rather than its
// stages: gracefulRampDown after the last change of the count when that change is to 0
// (see lastDropToZero), else the regular duration plus gracefulStop.
func stepsHardEnd(sc plan.Scenario, steps iter.Seq[pace.VUStep], regular time.Duration) time.Duration {
	hard := regular + sc.GracefulStop
	var last pace.VUStep
	changes := -1 // the first step is the start, not a change
	for st := range steps {
		last = st
		changes++
	}
	if changes > 0 && last.VUs == 0 {
		hard = min(hard, last.At+sc.GracefulRampDown)
	}
	return hard
}

// Run implements Executor.
func (r *rampingVUs) Run(ctx context.Context) error {
	if err := r.start(); err != nil {
		return err
	}
	defer r.finish()
	vus, err := r.newVUs(ctx, r.max)
	if err != nil {
		return err
	}
	r.vus.add(0, len(vus))
	if !r.waitStart(ctx) {
		return r.result(ctx, nil)
	}
	w := newWindow(ctx, r.opts.Now(), r.regular, r.hard)
	defer w.cancel()
	r.schedStart.Store(w.start.UnixNano())

	var wg sync.WaitGroup
	r.handles = make([]*handle, len(vus))
	for i, vu := range vus {
		h := newHandle(vu)
		r.handles[i] = h
		wg.Go(func() { r.loop(h, w) })
	}
	r.control(w, r.regular)
	close(r.quit)
	wg.Wait()
	return r.result(ctx, nil)
}

// loop is one VU's goroutine: it runs iterations while its handle is running and the regular
// duration lasts (see the table at handle).
func (r *rampingVUs) loop(h *handle, w window) {
	for {
		h.mu.Lock()
		if h.state == running && w.Regular.Err() != nil {
			h.state = stopping
		}
		if h.state != running {
			if h.state == stopping {
				h.state = stopped
				r.deactivate()
			}
			h.mu.Unlock()
			select {
			case <-h.wake:
				continue
			case <-r.quit:
				return
			}
		}
		ctx, cancel := context.WithCancel(w.Hard)
		h.cancel = cancel
		it := Iteration{Scenario: r.sc.Name, Number: r.nextNumber(), VUIter: h.iters}
		h.iters++
		h.mu.Unlock()

		h.vu.Run(ctx, it)
		if ctx.Err() == nil {
			r.iterations.Add(1)
		}
		cancel()
		h.mu.Lock()
		h.cancel = nil
		h.mu.Unlock()
	}
}

// deactivate counts one VU less and signals when none is left; called with the handle's lock.
func (r *rampingVUs) deactivate() {
	r.vus.add(-1, 0)
	if r.vus.activeNow.Load() == 0 {
		select {
		case r.zero <- struct{}{}:
		default:
		}
	}
}

// pendingHardStop is a hard stop due at an offset, for the handle generation it was meant for.
type pendingHardStop struct {
	at  time.Duration
	h   *handle
	gen uint64
}

// control walks the schedule's steps, then ends the scenario: it returns when every VU has
// stopped or the window's hard end has come.
func (r *rampingVUs) control(w window, regular time.Duration) {
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	// Hard stops are queued in the order of their graceful stops; as gracefulRampDown is one
	// constant, their deadlines are in order too.
	var queue []pendingHardStop
	// until sleeps until offset at, applying the hard stops due before it; false when the
	// window's hard end came first.
	until := func(at time.Duration) bool {
		for {
			next, isStop := at, false
			if len(queue) > 0 && queue[0].at < at {
				next, isStop = queue[0].at, true
			}
			if !r.sleep(w, timer, next) {
				return false
			}
			if !isStop {
				return true
			}
			queue[0].h.hardStop(queue[0].gen)
			queue = queue[1:]
		}
	}
	cur := 0
	for st := range r.steps {
		if !until(st.At) {
			return
		}
		for ; cur < int(st.VUs); cur++ {
			r.handles[cur].start(&r.vus)
		}
		for ; cur > int(st.VUs); cur-- {
			h := r.handles[cur-1]
			gen := h.gracefulStop()
			if r.sc.GracefulRampDown == 0 {
				h.hardStop(gen)
				continue
			}
			queue = append(queue, pendingHardStop{at: st.At + r.sc.GracefulRampDown, h: h, gen: gen})
		}
	}
	if !until(regular) {
		return
	}
	for _, h := range r.handles[:cur] {
		h.gracefulStop() // the window's hard end is their hard stop
	}
	for r.vus.activeNow.Load() > 0 {
		var fire <-chan time.Time
		if len(queue) > 0 {
			timer.Reset(w.start.Add(queue[0].at).Sub(r.opts.Now()))
			fire = timer.C
		}
		select {
		case <-r.zero: // check again
		case <-fire:
			queue[0].h.hardStop(queue[0].gen)
			queue = queue[1:]
		case <-w.Hard.Done():
			return
		}
	}
}

// sleep waits until offset at of the window; false when the window's hard end came first.
func (r *rampingVUs) sleep(w window, timer *time.Timer, at time.Duration) bool {
	d := w.start.Add(at).Sub(r.opts.Now())
	if d <= 0 {
		return w.Hard.Err() == nil
	}
	timer.Reset(d)
	select {
	case <-timer.C:
		return true
	case <-w.Hard.Done():
		return false
	}
}
