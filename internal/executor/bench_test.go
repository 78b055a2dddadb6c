//go:build unix

package executor_test

import (
	"context"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/hrsleep"
	"github.com/ramp-dev/ramp/internal/plan"
)

// nopSource makes VUs whose iterations do nothing: what is left to measure is the executor.
type nopSource struct {
	mu   sync.Mutex
	made int
}

func (s *nopSource) NewVU(context.Context, string) (executor.VU, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.made++
	return nopVU(s.made), nil
}

type nopVU int

func (v nopVU) ID() int                               { return int(v) }
func (nopVU) Run(context.Context, executor.Iteration) {}

// lagObserver keeps the lags and counts the drops.
type lagObserver struct {
	mu      sync.Mutex
	lags    []time.Duration
	dropped int
}

func (o *lagObserver) DroppedIteration(string) {
	o.mu.Lock()
	o.dropped++
	o.mu.Unlock()
}
func (o *lagObserver) VUs(string, int, int) {}
func (o *lagObserver) IterationStarted(_ string, lag time.Duration) {
	o.mu.Lock()
	o.lags = append(o.lags, lag)
	o.mu.Unlock()
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkConstantArrivalRate runs constant-arrival-rate on the real clock with no-op VUs for
// 500ms at each rate and reports what the executor costs and how well it keeps the schedule:
//
//	cpu-ns/iter  process CPU time per iteration (scheduler, dispatch, worker wake-up)
//	iters/s      iterations started per second of schedule (the target is the rate)
//	dropped      dropped iterations per run
//	lag-p99-µs   99th percentile of actual − intended start
//	allocs/iter  heap allocations per iteration, the run's setup included
//
// ns/op is the length of one run and says nothing. wait=timer waits on the runtime's timers
// (the default), wait=hrsleep on package hrsleep's, as the engine does.
func BenchmarkConstantArrivalRate(b *testing.B) {
	const d = 500 * time.Millisecond
	var sleeper hrsleep.Sleeper
	defer sleeper.Close()
	waits := []struct {
		name string
		fn   executor.WaitFunc
	}{{"timer", nil}, {"hrsleep", sleeper.Until}}
	for _, wait := range waits {
		for _, rate := range []int64{5_000, 50_000, 200_000} {
			b.Run(fmt.Sprintf("wait=%s/rate=%d", wait.name, rate), func(b *testing.B) {
				var cpu time.Duration
				var iters, dropped int64
				var mallocs uint64
				var lags []time.Duration
				for b.Loop() {
					sc := plan.Scenario{Name: "bench", Executor: plan.ConstantArrivalRate, Rate: rate, TimeUnit: time.Second,
						Duration: d, PreAllocatedVUs: 64, MaxVUs: 256, GracefulStop: time.Second}
					obs := &lagObserver{lags: make([]time.Duration, 0, rate)}
					e, err := executor.New(sc, &nopSource{}, obs, executor.Options{Wait: wait.fn})
					if err != nil {
						b.Fatal(err)
					}
					c0 := cpuTime(b)
					var m0, m1 runtime.MemStats
					runtime.ReadMemStats(&m0)
					if err := e.Run(context.Background()); err != nil {
						b.Fatal(err)
					}
					runtime.ReadMemStats(&m1)
					cpu += cpuTime(b) - c0
					mallocs += m1.Mallocs - m0.Mallocs
					p := e.Progress()
					iters += p.Iterations
					dropped += p.Dropped
					lags = append(lags, obs.lags...)
				}
				runs := float64(b.N)
				b.ReportMetric(float64(cpu)/float64(max(iters, 1)), "cpu-ns/iter")
				b.ReportMetric(float64(iters)/runs/d.Seconds(), "iters/s")
				b.ReportMetric(float64(dropped)/runs, "dropped")
				b.ReportMetric(float64(mallocs)/float64(max(iters, 1)), "allocs/iter")
				b.ReportMetric(float64(mallocs)/float64(max(iters, 1)), "allocs/iter")
				if len(lags) > 0 {
					slices.Sort(lags)
					b.ReportMetric(float64(lags[len(lags)*99/100].Microseconds()), "lag-p99-µs")
				}
			})
		}
	}
}
