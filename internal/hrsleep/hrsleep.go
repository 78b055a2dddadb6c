// Package hrsleep waits until a point in time to within tens of microseconds, where the
// runtime's timers are late by up to a millisecond.
//
// Why: an idle Go process sleeps in the network poller, and the poller's timeout is in whole
// milliseconds (runtime/netpoll_epoll.go rounds every shorter delay up to 1ms). An arrival-
// rate executor waiting 150µs for the next iteration therefore starts it up to 850µs late,
// and that lag lands in the corrected latency (http_req_duration_corrected) and in the
// self-check's schedule lag, as if the server had queued the request. wrk2 keeps its schedule
// with a timer per connection on its own event loop; ramp does the same with a Linux timerfd
// per waiting goroutine: the kernel's high-resolution timer makes the fd readable on time, and
// a readable fd wakes the poller at once, whatever its timeout.
//
// Even a timerfd wakes a sleeping thread late: on this project's virtual machine by 50µs at the
// median and 100–170µs at p99 (a bare nanosleep with 1ns of timer slack does no better), the
// time the kernel and the hypervisor take to run an idle CPU again. So the timerfd is armed
// Lead (50µs) early and Until returns when it fires: up to Lead before t, and at the median
// on time. It never spins: a goroutine that yields in a loop keeps the runtime from polling
// the network while it is the only one runnable (findRunnable takes the run queue before the
// poller), so the responses that other goroutines wait for would go unnoticed.
//
// A Sleeper sleeps on the runtime's timer for all but the last two milliseconds of a wait (so a
// long wait costs no fd and stays cancellable), then on a timerfd for the rest. It keeps its
// idle timerfds in a small free list for reuse, and Close closes them. Elsewhere than Linux,
// or when no timerfd can be had, the runtime's timer is used throughout.
//
// Precision costs a thread wake-up per wait, where the runtime's timers serve every wait due
// in the same millisecond with one: on this project's virtual machine about 60µs of CPU per
// 200µs wait against 18 (BenchmarkLateness). The arrival-rate executors use it only at the
// rates where that is affordable (their preciseUpTo).
//
// Only the standard library and golang.org/x/sys/unix (timerfd_create, timerfd_settime).
package hrsleep

import (
	"context"
	"os"
	"sync"
	"time"
)

// Sleeper waits precisely; the zero value is ready to use and safe for concurrent use. Close
// it when done to release its timerfds.
type Sleeper struct {
	mu     sync.Mutex
	free   []*os.File // idle timerfds, as files so that reads park in the runtime's poller
	closed bool
}

// fine is the last stretch of a wait that a timerfd times: more than the runtime timer's
// worst lateness, so that its wake-up (early or up to a millisecond late) still lands before
// the deadline.
const fine = 2 * time.Millisecond

// Lead is how early the timerfd is armed, and so the most Until may return before its time:
// about the median time a sleeping thread takes to run again after its timer fires here.
const Lead = 50 * time.Microsecond

// Until waits until Lead before t or later, and returns true; or it returns false as soon as
// ctx ends while more than the last two milliseconds remain (the fine stretch is not
// interrupted: it is short). It returns at once when less than Lead remains.
func (s *Sleeper) Until(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= Lead {
		return ctx.Err() == nil
	}
	if d > fine {
		timer := time.NewTimer(d - fine)
		select {
		case <-timer.C:
		case <-ctx.Done():
			timer.Stop()
			return false
		}
		if d = time.Until(t); d <= Lead {
			return ctx.Err() == nil
		}
	}
	s.sleep(d - Lead)
	return ctx.Err() == nil
}

// Close releases the idle timerfds; waits still running finish on their own and release
// theirs. It returns nil: a timerfd's close cannot fail in a way that matters.
func (s *Sleeper) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for _, f := range s.free {
		_ = f.Close()
	}
	s.free = nil
	return nil
}
