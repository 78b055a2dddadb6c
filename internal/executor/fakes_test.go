package executor_test

import (
	"context"
	"errors"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// run is one call of fakeVU.Run, as the fake source recorded it.
type run struct {
	vu          int
	it          executor.Iteration
	start, end  time.Time
	interrupted bool // ctx was cancelled before the iteration's work was done
}

// fakeSource makes fakeVUs whose iterations sleep (on the clock: fake inside synctest) for
// the duration its took function gives, and records every iteration.
type fakeSource struct {
	took func(vu int, it executor.Iteration) time.Duration
	// newDelay, when set, is how long making a VU takes; failAt, when > 0, makes the failAt-th
	// VU fail.
	newDelay time.Duration
	failAt   int

	mu   sync.Mutex
	made int
	runs []run
}

var _ executor.VUSource = (*fakeSource)(nil)

// constantTook returns a took function in which every iteration lasts d.
func constantTook(d time.Duration) func(int, executor.Iteration) time.Duration {
	return func(int, executor.Iteration) time.Duration { return d }
}

func (s *fakeSource) NewVU(ctx context.Context, _ string) (executor.VU, error) {
	if s.newDelay > 0 {
		t := time.NewTimer(s.newDelay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.made++
	if s.failAt > 0 && s.made == s.failAt {
		return nil, errors.New("fake: out of VUs")
	}
	return &fakeVU{id: s.made, src: s}, nil
}

// Runs returns the recorded iterations, by start time then VU.
func (s *fakeSource) Runs() []run {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := append([]run(nil), s.runs...)
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].start.Equal(out[j].start) {
			return out[i].start.Before(out[j].start)
		}
		return out[i].vu < out[j].vu
	})
	return out
}

// Made returns how many VUs were made.
func (s *fakeSource) Made() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.made
}

type fakeVU struct {
	id      int
	src     *fakeSource
	running sync.Mutex // TryLock fails if Run is ever called concurrently on one VU
}

var _ executor.VU = (*fakeVU)(nil)

func (v *fakeVU) ID() int { return v.id }

func (v *fakeVU) Run(ctx context.Context, it executor.Iteration) {
	if !v.running.TryLock() {
		panic("fake VU: Run called concurrently")
	}
	defer v.running.Unlock()
	r := run{vu: v.id, it: it, start: time.Now()}
	t := time.NewTimer(v.src.took(v.id, it))
	select {
	case <-t.C:
	case <-ctx.Done():
		t.Stop()
		r.interrupted = true
	}
	r.end = time.Now()
	v.src.mu.Lock()
	v.src.runs = append(v.src.runs, r)
	v.src.mu.Unlock()
}

// vusCall is one Observer.VUs call.
type vusCall struct {
	at                time.Time
	active, allocated int
}

// recorder is an Observer that keeps what it is told.
type recorder struct {
	mu      sync.Mutex
	dropped []time.Time
	vus     []vusCall
	lags    []time.Duration
}

var _ executor.Observer = (*recorder)(nil)

func (r *recorder) DroppedIteration(string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dropped = append(r.dropped, time.Now())
}

func (r *recorder) VUs(_ string, active, allocated int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.vus = append(r.vus, vusCall{time.Now(), active, allocated})
}

func (r *recorder) IterationStarted(_ string, lag time.Duration) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.lags = append(r.lags, lag)
}

func (r *recorder) Dropped() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.dropped)
}

func (r *recorder) MaxAllocated() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	m := 0
	for _, c := range r.vus {
		m = max(m, c.allocated)
	}
	return m
}

func (r *recorder) Lags() []time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]time.Duration(nil), r.lags...)
}

// mustNew builds an executor or fails the test.
func mustNew(t *testing.T, sc plan.Scenario, src executor.VUSource, obs executor.Observer, opts executor.Options) executor.Executor {
	t.Helper()
	e, err := executor.New(sc, src, obs, opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return e
}

// perSecond counts runs by the whole second of their start since t0.
func perSecond(runs []run, t0 time.Time, seconds int) []int {
	out := make([]int, seconds)
	for _, r := range runs {
		if s := int(r.start.Sub(t0) / time.Second); s >= 0 && s < seconds {
			out[s]++
		}
	}
	return out
}
