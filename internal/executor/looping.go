package executor

import (
	"context"
	"sync"
	"sync/atomic"

	"github.com/ramp-dev/ramp/internal/plan"
)

// looping runs the closed-model executors whose VU count is fixed: constant-vus,
// per-vu-iterations and shared-iterations. Each VU loops in its own goroutine; claim says
// whether it may start another iteration and which scenario-wide number that iteration has.
//
//	constant-vus        every VU loops until the regular duration (duration) ends
//	per-vu-iterations   each VU runs Iterations, unless maxDuration ends first
//	shared-iterations   the VUs take Iterations from one counter, unless maxDuration ends first
//
// The scenario ends early when every VU is done (k6).
type looping struct {
	*base
	claim func(vuIter int64) (number int64, ok bool)
}

var _ Executor = (*looping)(nil)

func newLooping(b *base) *looping {
	l := &looping{base: b}
	switch b.sc.Executor {
	case plan.ConstantVUs:
		l.claim = func(int64) (int64, bool) { return b.nextNumber(), true }
	case plan.PerVUIterations:
		l.claim = func(vuIter int64) (int64, bool) {
			if vuIter >= b.sc.Iterations {
				return 0, false
			}
			return b.nextNumber(), true
		}
	case plan.SharedIterations:
		var taken atomic.Int64
		l.claim = func(int64) (int64, bool) {
			n := taken.Add(1) - 1
			if n >= b.sc.Iterations {
				return 0, false
			}
			return b.nextNumber(), true
		}
	}
	return l
}

// Run implements Executor.
func (l *looping) Run(ctx context.Context) error {
	if err := l.start(); err != nil {
		return err
	}
	defer l.finish()
	vus, err := l.newVUs(ctx, l.sc.VUs)
	if err != nil {
		return err
	}
	l.vus.add(0, len(vus))
	if !l.waitStart(ctx) {
		return l.result(ctx, nil)
	}
	regular, hard := spans(l.sc)
	w := newWindow(ctx, l.opts.Now(), regular, hard)
	defer w.cancel()
	l.schedStart.Store(w.start.UnixNano())
	l.vus.add(len(vus), 0)
	var wg sync.WaitGroup
	for _, vu := range vus {
		wg.Go(func() {
			defer l.vus.add(-1, 0)
			l.loop(vu, w)
		})
	}
	wg.Wait()
	return l.result(ctx, nil)
}

// loop runs one VU's iterations until claim refuses or the regular duration ends.
func (l *looping) loop(vu VU, w window) {
	for vuIter := int64(0); w.Regular.Err() == nil; vuIter++ {
		number, ok := l.claim(vuIter)
		if !ok {
			return
		}
		vu.Run(w.Hard, Iteration{Scenario: l.sc.Name, Number: number, VUIter: vuIter})
		if w.Hard.Err() == nil {
			l.iterations.Add(1)
		}
	}
}
