package selfcheck

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestReport(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		lags       []time.Duration
		cpu        []float64 // percent of one core per sample
		overloaded bool
		reason     string
	}{
		// On time and idle: trustworthy.
		{name: "healthy", lags: repeat(200*time.Microsecond, 1000), cpu: repeat(30.0, 10)},
		// 2% of iterations 50 ms late: the p99 is late, the run is not trustworthy.
		{name: "late", lags: append(repeat(100*time.Microsecond, 980), repeat(50*time.Millisecond, 20)...),
			cpu: repeat(30.0, 10), overloaded: true, reason: "schedule lag p99"},
		// A short run: 2 stragglers of 150 put the p99 over the limit, but two late starts
		// are a busy host's scheduler, not a generator that cannot keep up.
		{name: "two stragglers", lags: append(repeat(100*time.Microsecond, 148), repeat(11*time.Millisecond, 2)...),
			cpu: repeat(30.0, 3)},
		// Ten of 150 late: systematic.
		{name: "short run, many late", lags: append(repeat(100*time.Microsecond, 140), repeat(11*time.Millisecond, 10)...),
			cpu: repeat(30.0, 3), overloaded: true, reason: "10 iterations more than 10ms late"},
		// Saturated (2 cores, >=180%) in 2 samples of 10: over the 10% limit.
		{name: "saturated", cpu: append(repeat(30.0, 8), 195, 199), overloaded: true, reason: "saturated for 20%"},
		// Saturated in 1 of 10: exactly the limit, not over it.
		{name: "saturated at the limit", cpu: append(repeat(30.0, 9), 199)},
		// No arrival-rate iterations and no samples: nothing to complain about.
		{name: "empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m := New(Config{Cores: 2, CPUTime: func() time.Duration { return 0 }})
			for _, l := range tt.lags {
				m.Lag(l)
			}
			for _, c := range tt.cpu {
				m.Sample(time.Duration(c*float64(time.Second)/100), time.Second)
			}
			r := m.Report()
			if r.Overloaded != tt.overloaded {
				t.Fatalf("Overloaded = %v, want %v (%+v)", r.Overloaded, tt.overloaded, r)
			}
			if tt.reason != "" && !strings.Contains(strings.Join(r.Reasons, "; "), tt.reason) {
				t.Fatalf("reasons %q lack %q", r.Reasons, tt.reason)
			}
		})
	}
}

func TestRunSamplesCPU(t *testing.T) {
	t.Parallel()
	var cpu atomic.Int64
	m := New(Config{Cores: 1, Interval: 5 * time.Millisecond, CPUTime: func() time.Duration {
		// Every call reports 10 ms more CPU: over any 5 ms tick that is saturation.
		return time.Duration(cpu.Add(int64(10 * time.Millisecond)))
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { m.Run(ctx); close(done) }()
	deadline := time.After(5 * time.Second)
	for m.Report().CPUMaxPercent == 0 {
		select {
		case <-deadline:
			t.Fatal("no CPU sample within 5 s")
		case <-time.After(time.Millisecond):
		}
	}
	cancel()
	<-done
	if r := m.Report(); r.CPUMaxPercent < 100 || !r.Overloaded {
		t.Fatalf("report %+v: want saturation seen", r)
	}
}

func TestProcessCPUTimeAdvances(t *testing.T) {
	t.Parallel()
	before := processCPUTime()
	x := 0
	for i := 0; i < 50_000_000; i++ {
		x += i % 7
	}
	if processCPUTime() <= before || x < 0 {
		t.Fatal("getrusage CPU time did not advance over a busy loop")
	}
}

func repeat[T any](v T, n int) []T {
	s := make([]T, n)
	for i := range s {
		s[i] = v
	}
	return s
}
