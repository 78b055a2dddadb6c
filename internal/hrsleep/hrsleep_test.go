package hrsleep

import (
	"context"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Until never returns more than Lead before its time, whether the wait is all fine stretch,
// all runtime timer, or already over.
func TestUntilNeverEarly(t *testing.T) {
	var s Sleeper
	defer s.Close()
	for _, d := range []time.Duration{-time.Millisecond, 0, 30 * time.Microsecond, 300 * time.Microsecond, 3 * time.Millisecond, 12 * time.Millisecond} {
		t.Run(d.String(), func(t *testing.T) {
			for range 20 {
				at := time.Now().Add(d)
				if !s.Until(context.Background(), at) {
					t.Fatal("Until returned false with a live context")
				}
				if now := time.Now(); now.Before(at.Add(-Lead)) {
					t.Fatalf("returned %v before its time, more than Lead (%v)", at.Sub(now), Lead)
				}
			}
		})
	}
}

// A long wait ends when ctx does, and says so; an ended ctx is reported even for a wait that
// is over.
func TestUntilCancelled(t *testing.T) {
	var s Sleeper
	defer s.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	start := time.Now()
	if s.Until(ctx, start.Add(time.Hour)) {
		t.Fatal("Until(1h) returned true though ctx ended")
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Fatalf("Until(1h) took %v after ctx ended", took)
	}
	if s.Until(ctx, time.Now().Add(-time.Second)) {
		t.Fatal("Until(past) returned true with an ended ctx")
	}
}

// The free list hands the same timerfds back (no fd per wait), and Close empties it; waits
// after Close still work.
func TestSleeperReusesAndCloses(t *testing.T) {
	var s Sleeper
	for range 50 {
		s.Until(context.Background(), time.Now().Add(200*time.Microsecond))
	}
	s.mu.Lock()
	n := len(s.free)
	s.mu.Unlock()
	if n > 1 {
		t.Errorf("%d idle timerfds after sequential waits, want at most 1", n)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(200 * time.Microsecond)
	s.Until(context.Background(), at)
	if time.Now().Before(at.Add(-Lead)) {
		t.Fatal("a wait after Close returned early")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) != 0 {
		t.Errorf("%d idle timerfds kept after Close", len(s.free))
	}
}

// BenchmarkLateness measures how late a wait of d wakes up on an otherwise idle process,
// Until against the runtime's timer (time.Sleep): late-p50-µs and late-p99-µs (negative:
// early, by at most Lead), and the process's CPU time per wait.
func BenchmarkLateness(b *testing.B) {
	for _, d := range []time.Duration{50 * time.Microsecond, 200 * time.Microsecond, 5 * time.Millisecond} {
		for _, how := range []string{"hrsleep", "time.Sleep"} {
			b.Run(fmt.Sprintf("%s/%v", how, d), func(b *testing.B) {
				var s Sleeper
				defer s.Close()
				var late []time.Duration
				c0 := cpuTime(b)
				for b.Loop() {
					at := time.Now().Add(d)
					if how == "hrsleep" {
						s.Until(context.Background(), at)
					} else {
						time.Sleep(d)
					}
					late = append(late, time.Since(at))
				}
				b.ReportMetric(float64(cpuTime(b)-c0)/float64(b.N), "cpu-ns/op")
				slices.Sort(late)
				b.ReportMetric(float64(late[len(late)/2].Microseconds()), "late-p50-µs")
				b.ReportMetric(float64(late[len(late)/100].Microseconds()), "late-p1-µs")
				b.ReportMetric(float64(late[len(late)*99/100].Microseconds()), "late-p99-µs")
			})
		}
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
