package executor_test

import (
	"context"
	"runtime"
	"slices"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// constantRate returns a constant-arrival-rate scenario.
func constantRate(rate int64, d time.Duration, pre, maxVUs int) plan.Scenario {
	return plan.Scenario{
		Name: "car", Executor: plan.ConstantArrivalRate, Rate: rate, TimeUnit: time.Second,
		Duration: d, PreAllocatedVUs: pre, MaxVUs: maxVUs, GracefulStop: 30 * time.Second,
	}
}

func TestConstantArrivalRateCount(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{took: constantTook(15 * time.Millisecond)}
		obs := &recorder{}
		e := mustNew(t, constantRate(1000, 5*time.Second, 50, 50), src, obs, executor.Options{})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		runs := src.Runs()
		// 1,000/s for 5s: 5,000 iterations, 1,000 in each second, the k-th intended at k ms.
		if len(runs) != 5000 {
			t.Fatalf("ran %d iterations, want 5000", len(runs))
		}
		if got, want := perSecond(runs, t0, 5), []int{1000, 1000, 1000, 1000, 1000}; !slices.Equal(got, want) {
			t.Errorf("iterations per second = %v, want %v", got, want)
		}
		seen := make(map[int64]bool)
		for _, r := range runs {
			if want := t0.Add(time.Duration(r.it.Number) * time.Millisecond); !r.it.Intended.Equal(want) {
				t.Fatalf("iteration %d intended at %v, want %v", r.it.Number, r.it.Intended.Sub(t0), want.Sub(t0))
			}
			if !r.start.Equal(r.it.Intended) {
				t.Fatalf("iteration %d started %v after its intended time", r.it.Number, r.start.Sub(r.it.Intended))
			}
			seen[r.it.Number] = true
		}
		if len(seen) != 5000 {
			t.Errorf("%d distinct iteration numbers, want 5000", len(seen))
		}
		p := e.Progress()
		if p.Iterations != 5000 || p.Dropped != 0 || obs.Dropped() != 0 || !p.Done {
			t.Errorf("Progress = %+v, observer dropped %d; want 5000 iterations, none dropped, done", p, obs.Dropped())
		}
		// 1,000/s of 15ms iterations keeps about 15 VUs busy and at most two more wait for
		// the next iterations; the other free VUs are parked last in, first out, so the warm
		// ones are reused and no more than 15 + 2 + 1 (a tie on the fake clock) ever run one.
		used := make(map[int]bool)
		for _, r := range runs {
			used[r.vu] = true
		}
		if len(used) > 18 {
			t.Errorf("%d VUs ran iterations, want at most 18 (idle VUs are reused last in, first out)", len(used))
		}
	})
}

func TestRampingArrivalRateFollowsStages(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sc := plan.Scenario{
			Name: "rar", Executor: plan.RampingArrivalRate, StartRate: 0, TimeUnit: time.Second,
			Stages: []plan.Stage{
				{Duration: 2 * time.Second, Target: 100}, // area 25 + 75
				{Duration: 2 * time.Second, Target: 100}, // 100 + 100
				{Duration: 2 * time.Second, Target: 0},   // 75 + 25
			},
			PreAllocatedVUs: 20, MaxVUs: 20, GracefulStop: time.Second,
		}
		src := &fakeSource{took: constantTook(10 * time.Millisecond)}
		e := mustNew(t, sc, src, nil, executor.Options{})
		t0 := time.Now()
		rates := make(chan float64, 1)
		go func() {
			time.Sleep(time.Second) // half-way up the first ramp
			rates <- e.Progress().TargetRate
		}()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := <-rates; got < 49.99 || got > 50.01 {
			t.Errorf("TargetRate at 1s = %v, want 50", got)
		}
		runs := src.Runs()
		// The area under the rate per second, give or take the iteration on a boundary; the
		// 400th would fall on the very end and is not part of the schedule.
		want := []int{25, 75, 100, 100, 75, 25}
		got := perSecond(runs, t0, 6)
		for i := range want {
			if got[i] < want[i]-1 || got[i] > want[i]+1 {
				t.Errorf("second %d: %d iterations, want %d±1 (all: %v)", i, got[i], want[i], got)
			}
		}
		if len(runs) != 399 {
			t.Errorf("ran %d iterations, want 399", len(runs))
		}
		if p := e.Progress(); p.Dropped != 0 {
			t.Errorf("dropped %d, want 0", p.Dropped)
		}
	})
}

func TestArrivalRateDropped(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		pre, maxVUs int
		took        time.Duration
		wantRuns    int
		wantDropped int
	}{
		// 100/s of 1s iterations needs 100 VUs: with 10 and no more, the first 10 run and the
		// other 90 are dropped.
		{"too few VUs", 10, 10, time.Second, 10, 90},
		// Enough VUs: nothing dropped.
		{"enough VUs", 100, 100, time.Second, 100, 0},
		// Fast iterations: one VU suffices.
		{"fast iterations", 1, 1, time.Millisecond, 100, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				src := &fakeSource{took: constantTook(tt.took)}
				obs := &recorder{}
				e := mustNew(t, constantRate(100, time.Second, tt.pre, tt.maxVUs), src, obs, executor.Options{})
				if err := e.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				runs := len(src.Runs())
				p := e.Progress()
				if runs != tt.wantRuns || p.Dropped != int64(tt.wantDropped) || obs.Dropped() != tt.wantDropped {
					t.Errorf("ran %d, Progress.Dropped %d, observer %d; want %d ran, %d dropped",
						runs, p.Dropped, obs.Dropped(), tt.wantRuns, tt.wantDropped)
				}
			})
		})
	}
}

func TestArrivalRateAllocatesUpToMaxVUs(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// Each VU takes 30ms to make: the schedule must go on meanwhile (no lag), dropping the
		// iterations it has no VU for, and allocate one VU at a time up to maxVUs.
		src := &fakeSource{took: constantTook(time.Second), newDelay: 30 * time.Millisecond}
		obs := &recorder{}
		e := mustNew(t, constantRate(100, time.Second, 2, 5), src, obs, executor.Options{})
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := src.Made(); got != 5 {
			t.Errorf("made %d VUs, want 5 (maxVUs)", got)
		}
		if got := obs.MaxAllocated(); got != 5 {
			t.Errorf("observer saw at most %d allocated, want 5", got)
		}
		if p := e.Progress(); p.AllocatedVUs != 5 || p.Iterations+p.Dropped != 100 {
			t.Errorf("Progress = %+v: want 5 allocated and 100 iterations run or dropped", p)
		}
		for _, lag := range obs.Lags() {
			if lag != 0 {
				t.Fatalf("an iteration started %v late: the schedule waited on allocation", lag)
			}
		}
		// VUs 3, 4 and 5 came 30ms after three drops each: at 20+30, 50+30 and 80+30 ms? The
		// exact times depend on the drops; what matters is that each began iterations.
		ran := make(map[int]bool)
		for _, r := range src.Runs() {
			ran[r.vu] = true
		}
		if len(ran) != 5 {
			t.Errorf("%d VUs ran iterations, want all 5", len(ran))
		}
	})
}

func TestBeforeDispatchLag(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		var calls atomic.Int64 // the VUs call it, concurrently
		opts := executor.Options{BeforeDispatch: func() {
			if calls.Add(1) == 11 { // before iteration 10, intended at 100ms
				time.Sleep(50 * time.Millisecond)
			}
		}}
		src := &fakeSource{took: constantTook(time.Millisecond)}
		obs := &recorder{}
		e := mustNew(t, constantRate(100, time.Second, 10, 10), src, obs, opts)
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		// The VU that took iteration 10 (intended at 100ms) starts it at 150ms: lag 50ms. The
		// other VUs take the next iterations themselves, on time: one late start holds up
		// nothing else, and nothing is lost.
		lags := obs.Lags()
		if len(lags) != 100 {
			t.Fatalf("%d iterations started, want 100", len(lags))
		}
		var late []time.Duration
		for _, l := range lags {
			if l > 0 {
				late = append(late, l)
			}
		}
		if want := []time.Duration{50 * time.Millisecond}; !slices.Equal(late, want) {
			t.Errorf("late iterations' lags = %v, want %v", late, want)
		}
		for _, r := range src.Runs() {
			if lag := r.start.Sub(r.it.Intended); lag < 0 {
				t.Errorf("iteration %d started %v before its intended time", r.it.Number, -lag)
			}
		}
	})
}

func TestGracefulStop(t *testing.T) {
	t.Parallel()
	// Each scenario starts one iteration at 0 and has a regular duration of 1s and a
	// gracefulStop of 1s.
	scenarios := []plan.Scenario{
		{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 1, TimeUnit: time.Second, Duration: time.Second,
			PreAllocatedVUs: 1, MaxVUs: 1, GracefulStop: time.Second},
		{Name: "cv", Executor: plan.ConstantVUs, VUs: 1, Duration: time.Second, GracefulStop: time.Second},
		{Name: "rv", Executor: plan.RampingVUs, StartVUs: 1, Stages: []plan.Stage{{Duration: time.Second, Target: 1}},
			GracefulStop: time.Second, GracefulRampDown: time.Hour},
		{Name: "pvi", Executor: plan.PerVUIterations, VUs: 1, Iterations: 5, MaxDuration: time.Second, GracefulStop: time.Second},
	}
	tests := []struct {
		name            string
		took            time.Duration
		wantEnd         time.Duration // of the one iteration, from the start
		wantInterrupted bool
	}{
		// 1.5s fits in 1s + 1s of graceful stop.
		{"finishes in gracefulStop", 1500 * time.Millisecond, 1500 * time.Millisecond, false},
		// 3s does not: its ctx is cancelled at 2s.
		{"cancelled after gracefulStop", 3 * time.Second, 2 * time.Second, true},
	}
	for _, sc := range scenarios {
		for _, tt := range tests {
			t.Run(sc.Executor+"/"+tt.name, func(t *testing.T) {
				t.Parallel()
				synctest.Test(t, func(t *testing.T) {
					src := &fakeSource{took: constantTook(tt.took)}
					e := mustNew(t, sc, src, nil, executor.Options{})
					t0 := time.Now()
					if err := e.Run(context.Background()); err != nil {
						t.Fatalf("Run: %v", err)
					}
					runs := src.Runs()
					if len(runs) != 1 {
						t.Fatalf("ran %d iterations, want 1 (none starts after the regular duration)", len(runs))
					}
					if end := runs[0].end.Sub(t0); end != tt.wantEnd || runs[0].interrupted != tt.wantInterrupted {
						t.Errorf("iteration ended at %v, interrupted %v; want %v, %v", end, runs[0].interrupted, tt.wantEnd, tt.wantInterrupted)
					}
					if ret := time.Since(t0); ret != tt.wantEnd {
						t.Errorf("Run returned at %v, want %v", ret, tt.wantEnd)
					}
					wantDone := int64(1)
					if tt.wantInterrupted {
						wantDone = 0
					}
					if p := e.Progress(); p.Iterations != wantDone {
						t.Errorf("Progress.Iterations = %d, want %d (an interrupted iteration is not complete)", p.Iterations, wantDone)
					}
				})
			})
		}
	}
}

func TestArrivalRateProgressAndVUs(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		src := &fakeSource{took: constantTook(time.Second)}
		obs := &recorder{}
		e := mustNew(t, constantRate(10, time.Second, 10, 10), src, obs, executor.Options{})
		if p := e.Progress(); p.Elapsed != 0 || p.Done || p.Total != time.Second {
			t.Errorf("Progress before Run = %+v, want nothing elapsed of 1s", p)
		}
		mid := make(chan executor.Progress, 1)
		go func() {
			time.Sleep(550 * time.Millisecond)
			mid <- e.Progress()
		}()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		// At 550ms the iterations of 0, 100, …, 500ms run: 6 busy VUs of 10.
		p := <-mid
		if p.ActiveVUs != 6 || p.AllocatedVUs != 10 || p.TargetRate != 10 || p.Elapsed != 550*time.Millisecond || p.Done {
			t.Errorf("Progress at 550ms = %+v, want 6 busy of 10, target 10/s, 550ms elapsed", p)
		}
		// The observer hears k6's vus and vus_max: every allocated VU is active (10 of 10)
		// until the end, then none — not a call per iteration.
		obs.mu.Lock()
		calls := append([]vusCall(nil), obs.vus...)
		obs.mu.Unlock()
		if len(calls) != 11 || calls[9].active != 10 || calls[9].allocated != 10 || calls[10].active != 0 || calls[10].allocated != 10 {
			t.Errorf("VUs calls = %+v, want (1,1)…(10,10) then (0,10)", calls)
		}
		if p := e.Progress(); !p.Done || p.Elapsed != 1900*time.Millisecond || p.Iterations != 10 {
			t.Errorf("Progress after Run = %+v, want done at 1.9s with 10 iterations", p)
		}
	})
}

func TestConstantArrivalRateHighRateNoDrift(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// 50,000/s for 1s on the fake clock: every iteration intended at exactly k·20µs and
		// started then, or less than 50µs before (a VU that is free so close to the next
		// iteration starts it rather than sleep; the real-clock figures are in
		// BenchmarkConstantArrivalRate).
		src := &fakeSource{took: constantTook(100 * time.Microsecond)}
		e := mustNew(t, constantRate(50_000, time.Second, 16, 16), src, nil, executor.Options{})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		runs := src.Runs()
		if len(runs) != 50_000 {
			t.Fatalf("ran %d iterations, want 50000", len(runs))
		}
		for _, r := range runs {
			want := t0.Add(time.Duration(r.it.Number) * 20 * time.Microsecond)
			if !r.it.Intended.Equal(want) || r.start.After(want) || !r.start.After(want.Add(-50*time.Microsecond)) {
				t.Fatalf("iteration %d intended %v, started %v; want intended %v, started in (%[5]v, %[4]v]", r.it.Number,
					r.it.Intended.Sub(t0), r.start.Sub(t0), want.Sub(t0), want.Add(-50*time.Microsecond).Sub(t0))
			}
		}
		if p := e.Progress(); p.Dropped != 0 {
			t.Errorf("dropped %d, want 0", p.Dropped)
		}
	})
}

// An arrival-rate iteration allocates nothing in the executor once the VUs are made: the
// schedule is arithmetic, the VUs take iterations under a mutex and wait on timers of their
// own. What the run's setup allocates (VUs, goroutines, channels) is spread over 10,000
// iterations here and must stay a small fraction of one allocation per iteration.
func TestArrivalIterationsAllocateNothing(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		src := &nopCountSource{}
		e := mustNew(t, constantRate(1000, 10*time.Second, 16, 16), src, nil, executor.Options{})
		var m0, m1 runtime.MemStats
		runtime.ReadMemStats(&m0)
		if err := e.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&m1)
		iters := e.Progress().Iterations
		if iters != 10_000 {
			t.Fatalf("%d iterations, want 10000", iters)
		}
		if per := float64(m1.Mallocs-m0.Mallocs) / float64(iters); per > 0.1 {
			t.Errorf("%.3f allocations per iteration, want none but the setup's (< 0.1)", per)
		}
	})
}

// nopCountSource makes VUs whose iterations return at once and record nothing: allocation
// counts then measure the executor alone.
type nopCountSource struct{ made int }

func (s *nopCountSource) NewVU(context.Context, string) (executor.VU, error) {
	s.made++
	return nopCountVU(s.made), nil
}

type nopCountVU int

func (v nopCountVU) ID() int                               { return int(v) }
func (nopCountVU) Run(context.Context, executor.Iteration) {}
