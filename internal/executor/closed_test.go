package executor_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

func TestConstantVUs(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sc := plan.Scenario{Name: "cv", Executor: plan.ConstantVUs, VUs: 3, Duration: time.Second, GracefulStop: 30 * time.Second}
		src := &fakeSource{took: constantTook(300 * time.Millisecond)}
		obs := &recorder{}
		e := mustNew(t, sc, src, obs, executor.Options{})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		// Each VU starts at 0, 300, 600 and 900ms; the last ends at 1.2s, within gracefulStop.
		runs := src.Runs()
		if len(runs) != 12 {
			t.Fatalf("ran %d iterations, want 12", len(runs))
		}
		perVU := make(map[int][]int64)
		var numbers []int64
		for _, r := range runs {
			perVU[r.vu] = append(perVU[r.vu], r.it.VUIter)
			numbers = append(numbers, r.it.Number)
			if r.interrupted || !r.it.Intended.IsZero() {
				t.Errorf("run %+v: want not interrupted and no intended time", r)
			}
		}
		for vu, iters := range perVU {
			if !slices.Equal(iters, []int64{0, 1, 2, 3}) {
				t.Errorf("VU %d: VUIter %v, want 0..3", vu, iters)
			}
		}
		slices.Sort(numbers)
		if !slices.Equal(numbers, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
			t.Errorf("iteration numbers %v, want 0..11 once each", numbers)
		}
		if got := time.Since(t0); got != 1200*time.Millisecond {
			t.Errorf("Run returned after %v, want 1.2s", got)
		}
		if p := e.Progress(); p.Iterations != 12 || p.ActiveVUs != 0 || p.AllocatedVUs != 3 || !p.Done {
			t.Errorf("Progress = %+v", p)
		}
		if first := obs.vus[0]; first.allocated != 3 {
			t.Errorf("first VUs call %+v, want 3 allocated", first)
		}
		if last := obs.vus[len(obs.vus)-1]; last.active != 0 {
			t.Errorf("last VUs call %+v, want 0 active", last)
		}
	})
}

func TestPerVUIterations(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sc := plan.Scenario{Name: "pvi", Executor: plan.PerVUIterations, VUs: 4, Iterations: 5,
			MaxDuration: 10 * time.Minute, GracefulStop: 30 * time.Second}
		// Iterations of different lengths per VU: every VU still does exactly 5.
		src := &fakeSource{took: func(vu int, _ executor.Iteration) time.Duration {
			return time.Duration(vu) * 100 * time.Millisecond
		}}
		e := mustNew(t, sc, src, nil, executor.Options{})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		count := make(map[int]int)
		for _, r := range src.Runs() {
			count[r.vu]++
		}
		if len(count) != 4 {
			t.Errorf("%d VUs ran, want 4", len(count))
		}
		for vu, n := range count {
			if n != 5 {
				t.Errorf("VU %d ran %d iterations, want 5", vu, n)
			}
		}
		// The slowest VU (400ms × 5) ends the scenario: it does not wait for maxDuration.
		if got := time.Since(t0); got != 2*time.Second {
			t.Errorf("Run returned after %v, want 2s", got)
		}
	})
}

func TestSharedIterations(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sc := plan.Scenario{Name: "si", Executor: plan.SharedIterations, VUs: 3, Iterations: 10,
			MaxDuration: 10 * time.Minute, GracefulStop: 30 * time.Second}
		// VU 1 is fast, VU 3 slow: the fast one takes more of the shared iterations.
		src := &fakeSource{took: func(vu int, _ executor.Iteration) time.Duration {
			return time.Duration(vu*vu) * 100 * time.Millisecond
		}}
		e := mustNew(t, sc, src, nil, executor.Options{})
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		runs := src.Runs()
		if len(runs) != 10 {
			t.Fatalf("ran %d iterations, want 10", len(runs))
		}
		count := make(map[int]int)
		var numbers []int64
		for _, r := range runs {
			count[r.vu]++
			numbers = append(numbers, r.it.Number)
		}
		if count[1] <= count[3] {
			t.Errorf("per-VU counts %v: the fast VU should take more of the shared iterations", count)
		}
		slices.Sort(numbers)
		if !slices.Equal(numbers, []int64{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}) {
			t.Errorf("iteration numbers %v, want 0..9 once each", numbers)
		}
	})
}

func TestMaxDurationStopsIterationExecutors(t *testing.T) {
	t.Parallel()
	for _, ex := range []string{plan.PerVUIterations, plan.SharedIterations} {
		t.Run(ex, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				// 2 VUs × 700ms iterations, maxDuration 2s, no graceful stop: each VU completes
				// the iterations at 0 and 700ms; the one at 1.4s is cut at 2s.
				sc := plan.Scenario{Name: "md", Executor: ex, VUs: 2, Iterations: 100,
					MaxDuration: 2 * time.Second}
				src := &fakeSource{took: constantTook(700 * time.Millisecond)}
				e := mustNew(t, sc, src, nil, executor.Options{})
				t0 := time.Now()
				if err := e.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				runs := src.Runs()
				interrupted := 0
				for _, r := range runs {
					if r.interrupted {
						interrupted++
						if got := r.end.Sub(t0); got != 2*time.Second {
							t.Errorf("interrupted at %v, want 2s", got)
						}
					}
				}
				if len(runs) != 6 || interrupted != 2 {
					t.Errorf("ran %d, %d interrupted; want 6 and 2", len(runs), interrupted)
				}
				if p := e.Progress(); p.Iterations != 4 {
					t.Errorf("Progress.Iterations = %d, want 4 complete", p.Iterations)
				}
			})
		})
	}
}

func TestRampingVUsFollowsStages(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		sc := plan.Scenario{Name: "rv", Executor: plan.RampingVUs, StartVUs: 0,
			Stages: []plan.Stage{
				{Duration: 10 * time.Second, Target: 10},
				{Duration: 5 * time.Second, Target: 10},
				{Duration: 5 * time.Second, Target: 0},
			},
			GracefulStop: 30 * time.Second, GracefulRampDown: 0}
		src := &fakeSource{took: constantTook(100 * time.Millisecond)}
		obs := &recorder{}
		e := mustNew(t, sc, src, obs, executor.Options{})
		samples := make(chan []int, 1)
		go func() {
			var got []int
			for range 20 {
				time.Sleep(50 * time.Millisecond)
				got = append(got, e.Progress().ActiveVUs)
				time.Sleep(950 * time.Millisecond)
			}
			samples <- got
		}()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		// Up one VU a second (k6 moves only after a whole step: 0 in the first second), hold
		// 10, then down two a second (the first at 15.5s).
		want := []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10, 10, 10, 10, 10, 8, 6, 4, 2}
		if got := <-samples; !slices.Equal(got, want) {
			t.Errorf("active VUs at each second + 50ms:\n got %v\nwant %v", got, want)
		}
		if got := obs.MaxAllocated(); got != 10 {
			t.Errorf("allocated %d VUs, want 10", got)
		}
	})
}

func TestRampingVUsGracefulRampDown(t *testing.T) {
	t.Parallel()
	// 2 VUs drop to 1 at 1s (a stage of duration 0), the scenario lasts until 6s.
	down := []plan.Stage{{Duration: time.Second, Target: 2}, {Duration: 0, Target: 1}, {Duration: 5 * time.Second, Target: 1}}
	// As down, but back to 2 VUs at 1.5s.
	downUp := []plan.Stage{
		{Duration: time.Second, Target: 2}, {Duration: 0, Target: 1}, {Duration: 500 * time.Millisecond, Target: 1},
		{Duration: 0, Target: 2}, {Duration: 2 * time.Second, Target: 2},
	}
	type want struct {
		start, end  time.Duration
		interrupted bool
	}
	tests := []struct {
		name   string
		stages []plan.Stage
		grd    time.Duration
		took   time.Duration
		want   []want // VU 2's iterations
	}{
		// The stopped VU finishes the iteration it is in (ends at 2.5s, within 1s+5s) and starts
		// no other.
		{"finishes within gracefulRampDown", down, 5 * time.Second, 2500 * time.Millisecond,
			[]want{{0, 2500 * time.Millisecond, false}}},
		// Its iteration would end at 10s: it is cut at 1s + 2s.
		{"cut after gracefulRampDown", down, 2 * time.Second, 10 * time.Second,
			[]want{{0, 3 * time.Second, true}}},
		// gracefulRampDown 0: cut at once.
		{"zero gracefulRampDown", down, 0, 10 * time.Second,
			[]want{{0, time.Second, true}}},
		// Taken back at 1.5s, before its iteration ended at 1.8s: it goes on looping, and the
		// hard stop planned for 2s (1s + 1s) no longer applies to it.
		{"ramped up again", downUp, time.Second, 1800 * time.Millisecond,
			[]want{{0, 1800 * time.Millisecond, false}, {1800 * time.Millisecond, 3600 * time.Millisecond, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				sc := plan.Scenario{Name: "grd", Executor: plan.RampingVUs, StartVUs: 2, Stages: tt.stages,
					GracefulRampDown: tt.grd, GracefulStop: 30 * time.Second}
				src := &fakeSource{took: constantTook(tt.took)}
				e := mustNew(t, sc, src, nil, executor.Options{})
				t0 := time.Now()
				if err := e.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				var got []want
				for _, r := range src.Runs() {
					if r.vu == 2 {
						got = append(got, want{r.start.Sub(t0), r.end.Sub(t0), r.interrupted})
					}
				}
				if !slices.Equal(got, tt.want) {
					t.Errorf("VU 2's iterations:\n got %v\nwant %v", got, tt.want)
				}
			})
		})
	}
}

func TestStartTime(t *testing.T) {
	t.Parallel()
	for _, ex := range []string{plan.ConstantVUs, plan.ConstantArrivalRate, plan.RampingVUs} {
		t.Run(ex, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				sc := plan.Scenario{Name: "st", Executor: ex, StartTime: 2 * time.Second,
					VUs: 1, Duration: time.Second, Rate: 1, TimeUnit: time.Second, PreAllocatedVUs: 1, MaxVUs: 1,
					StartVUs: 1, Stages: []plan.Stage{{Duration: time.Second, Target: 1}}}
				src := &fakeSource{took: constantTook(100 * time.Millisecond)}
				e := mustNew(t, sc, src, nil, executor.Options{})
				t0 := time.Now()
				progress := make(chan executor.Progress, 1)
				go func() {
					time.Sleep(time.Second)
					progress <- e.Progress()
				}()
				if err := e.Run(context.Background()); err != nil {
					t.Fatalf("Run: %v", err)
				}
				runs := src.Runs()
				if len(runs) == 0 || runs[0].start.Sub(t0) != 2*time.Second {
					t.Fatalf("first iteration at %v, want 2s", runs[0].start.Sub(t0))
				}
				if p := <-progress; p.Elapsed != time.Second || p.Total != 3*time.Second || p.ActiveVUs != 0 {
					t.Errorf("Progress during startTime = %+v, want elapsed 1s of 3s, no active VU", p)
				}
			})
		})
	}
}

func TestCancelEndsPromptly(t *testing.T) {
	t.Parallel()
	scenarios := []plan.Scenario{
		{Name: "cv", Executor: plan.ConstantVUs, VUs: 5, Duration: time.Hour, GracefulStop: time.Hour},
		{Name: "rv", Executor: plan.RampingVUs, StartVUs: 5, Stages: []plan.Stage{{Duration: time.Hour, Target: 5}},
			GracefulStop: time.Hour, GracefulRampDown: time.Hour},
		{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 100, TimeUnit: time.Second, Duration: time.Hour,
			PreAllocatedVUs: 5, MaxVUs: 10, GracefulStop: time.Hour},
		{Name: "si", Executor: plan.SharedIterations, VUs: 5, Iterations: 1000, MaxDuration: time.Hour, GracefulStop: time.Hour},
	}
	for _, sc := range scenarios {
		t.Run(sc.Executor, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				src := &fakeSource{took: constantTook(time.Minute)}
				e := mustNew(t, sc, src, nil, executor.Options{})
				ctx, cancel := context.WithCancel(context.Background())
				time.AfterFunc(3*time.Second, cancel)
				t0 := time.Now()
				err := e.Run(ctx)
				if err == nil || !errorsIs(err, context.Canceled) {
					t.Errorf("Run error = %v, want context.Canceled", err)
				}
				if got := time.Since(t0); got != 3*time.Second {
					t.Errorf("Run returned after %v, want 3s (at the cancel)", got)
				}
				for _, r := range src.Runs() {
					if !r.interrupted {
						t.Errorf("iteration %+v not interrupted", r)
					}
				}
			})
		})
	}
}

func TestRunSeveral(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// 110ms iterations: ten fit in 1s without one starting on the deadline itself.
		a := &fakeSource{took: constantTook(110 * time.Millisecond)}
		b := &fakeSource{took: constantTook(110 * time.Millisecond)}
		ea := mustNew(t, plan.Scenario{Name: "a", Executor: plan.ConstantVUs, VUs: 1, Duration: time.Second, GracefulStop: time.Minute}, a, nil, executor.Options{})
		eb := mustNew(t, plan.Scenario{Name: "b", Executor: plan.ConstantVUs, VUs: 1, Duration: time.Second, StartTime: time.Second, GracefulStop: time.Minute}, b, nil, executor.Options{})
		t0 := time.Now()
		if err := executor.Run(context.Background(), []executor.Executor{ea, eb}); err != nil {
			t.Fatalf("Run: %v", err)
		}
		// Both ran, concurrently: b from 1s, its last iteration ending at 2.1s.
		if got := time.Since(t0); got != 2100*time.Millisecond {
			t.Errorf("Run returned after %v, want 2.1s", got)
		}
		if len(a.Runs()) != 10 || len(b.Runs()) != 10 || b.Runs()[0].start.Sub(t0) != time.Second {
			t.Errorf("a ran %d, b ran %d (first at %v); want 10 each, b from 1s", len(a.Runs()), len(b.Runs()), b.Runs()[0].start.Sub(t0))
		}
		// Run twice on one executor is an error, not a second run.
		if err := ea.Run(context.Background()); err == nil {
			t.Errorf("second Run: no error")
		}
	})
}

func TestVUSourceErrors(t *testing.T) {
	t.Parallel()
	for _, sc := range []plan.Scenario{
		{Name: "cv", Executor: plan.ConstantVUs, VUs: 5, Duration: time.Second},
		{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 10, TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 5, MaxVUs: 5},
		// The failing VU is one allocated while running: the run goes on, Run reports it.
		{Name: "late", Executor: plan.ConstantArrivalRate, Rate: 10, TimeUnit: time.Second, Duration: time.Second, PreAllocatedVUs: 2, MaxVUs: 5},
	} {
		t.Run(sc.Name, func(t *testing.T) {
			t.Parallel()
			synctest.Test(t, func(t *testing.T) {
				src := &fakeSource{took: constantTook(time.Second), failAt: 3}
				e := mustNew(t, sc, src, nil, executor.Options{})
				err := e.Run(context.Background())
				want := fmt.Sprintf("scenario %q", sc.Name)
				if err == nil || !contains(err.Error(), want) || !contains(err.Error(), "fake: out of VUs") {
					t.Errorf("Run error = %v, want one naming %s and wrapping the source's error", err, want)
				}
			})
		})
	}
}

func TestRampingVUsEndsAfterLastRampDown(t *testing.T) {
	t.Parallel()
	synctest.Test(t, func(t *testing.T) {
		// Down to 0 at 2s, then 10s of nothing: k6 ends the executor gracefulRampDown (1s)
		// after the last VU was told to stop, at 3s, not after the idle stage.
		sc := plan.Scenario{Name: "rv0", Executor: plan.RampingVUs, StartVUs: 2,
			Stages:           []plan.Stage{{Duration: 2 * time.Second, Target: 0}, {Duration: 10 * time.Second, Target: 0}},
			GracefulRampDown: time.Second, GracefulStop: 30 * time.Second}
		src := &fakeSource{took: constantTook(5 * time.Second)}
		e := mustNew(t, sc, src, nil, executor.Options{})
		t0 := time.Now()
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("Run: %v", err)
		}
		if got := time.Since(t0); got != 3*time.Second {
			t.Errorf("Run returned after %v, want 3s", got)
		}
		if got, want := executor.TotalDuration(sc, true), 3*time.Second; got != want {
			t.Errorf("TotalDuration(with graceful) = %v, want %v", got, want)
		}
		// VU 2 stops at 1s and is cut at 2s; VU 1 stops at 2s and is cut at 3s.
		for _, r := range src.Runs() {
			if want := t0.Add(time.Duration(4-r.vu) * time.Second); !r.interrupted || !r.end.Equal(want) {
				t.Errorf("VU %d: iteration ended at %v (interrupted %v), want cut at %v", r.vu, r.end.Sub(t0), r.interrupted, want.Sub(t0))
			}
		}
	})
}

// TestNoGoroutineLeft runs each executor briefly on the real clock and checks that every
// goroutine it started has ended when Run returns.
func TestNoGoroutineLeft(t *testing.T) {
	scenarios := []plan.Scenario{
		{Name: "cv", Executor: plan.ConstantVUs, VUs: 3, Duration: 30 * time.Millisecond},
		{Name: "rv", Executor: plan.RampingVUs, StartVUs: 1, Stages: []plan.Stage{{Duration: 30 * time.Millisecond, Target: 4}},
			GracefulRampDown: 10 * time.Millisecond, GracefulStop: 10 * time.Millisecond},
		{Name: "car", Executor: plan.ConstantArrivalRate, Rate: 1000, TimeUnit: time.Second, Duration: 30 * time.Millisecond,
			PreAllocatedVUs: 1, MaxVUs: 8, GracefulStop: 10 * time.Millisecond},
		{Name: "rar", Executor: plan.RampingArrivalRate, StartRate: 100, TimeUnit: time.Second,
			Stages: []plan.Stage{{Duration: 30 * time.Millisecond, Target: 2000}}, PreAllocatedVUs: 1, MaxVUs: 8},
		{Name: "pvi", Executor: plan.PerVUIterations, VUs: 2, Iterations: 3, MaxDuration: time.Second},
		{Name: "si", Executor: plan.SharedIterations, VUs: 2, Iterations: 5, MaxDuration: time.Second},
	}
	before := runtime.NumGoroutine()
	for _, sc := range scenarios {
		src := &fakeSource{took: constantTook(2 * time.Millisecond), newDelay: time.Millisecond}
		e := mustNew(t, sc, src, nil, executor.Options{})
		if err := e.Run(context.Background()); err != nil {
			t.Fatalf("%s: Run: %v", sc.Name, err)
		}
		if len(src.Runs()) == 0 {
			t.Errorf("%s: no iteration ran", sc.Name)
		}
		// A goroutine that has called WaitGroup.Done may still be on its way out when Run
		// returns; give such goroutines a moment, but a leaked (blocked) one never leaves.
		deadline := time.Now().Add(time.Second)
		for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		if n := runtime.NumGoroutine(); n > before {
			t.Errorf("%s: %d goroutines after Run, %d before", sc.Name, n, before)
		}
	}
}
