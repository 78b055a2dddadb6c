package executor

import (
	"context"
	"sync"
)

// handleState is where a ramping-vus VU stands.
type handleState int

// The states of a handle.
const (
	stopped  handleState = iota // not looping; waits to be started
	running                     // looping: starts a new iteration when one ends
	stopping                    // finishing its current iteration, then stopped
)

// handle controls one VU of ramping-vus (after k6's vu_handle.go, with one state fewer: a VU
// is made up front, so there is no "starting"). The controller calls start, gracefulStop and
// hardStop; the VU's own goroutine runs loop.
//
//	input         state      next       effect
//	start         stopped    running    the loop wakes and starts iterations; active +1
//	start         running    running    nothing
//	start         stopping   running    the loop goes on; the current iteration is not cut
//	gracefulStop  running    stopping   the current iteration finishes; no new one starts
//	gracefulStop  other      same       nothing
//	hardStop(g)   stopping   stopping   if no start came since the gracefulStop that
//	                                    returned g, the current iteration's ctx is cancelled
//	hardStop(g)   other      same       nothing
//	loop          stopping   stopped    between iterations (or once the regular duration
//	                                    ends, from running too); active −1
//	quit          any        —          the goroutine returns (after its iteration)
//
// gen counts starts, so that a hard stop scheduled for one ramp-down does not hit a VU that
// a later ramp-up took back into service.
type handle struct {
	vu    VU
	wake  chan struct{} // one slot: "your state changed"
	iters int64         // owned by the loop

	mu     sync.Mutex
	state  handleState
	gen    uint64
	cancel context.CancelFunc // the current iteration's; nil between iterations
}

func newHandle(vu VU) *handle {
	return &handle{vu: vu, wake: make(chan struct{}, 1)}
}

// start puts the handle in service; when the VU was stopped it counts one more active VU in
// vus (under the handle's lock, so that the count never runs behind the loop's decrement).
func (h *handle) start(vus *vuCounter) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch h.state {
	case stopped:
		vus.add(1, 0)
	case running:
		return
	}
	h.state = running
	h.gen++
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// gracefulStop lets the current iteration finish and starts no new one. It returns the
// generation that a later hardStop must name.
func (h *handle) gracefulStop() uint64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == running {
		h.state = stopping
	}
	return h.gen
}

// hardStop cancels the current iteration if the handle is still stopping from generation gen.
func (h *handle) hardStop(gen uint64) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.state == stopping && h.gen == gen && h.cancel != nil {
		h.cancel()
	}
}
