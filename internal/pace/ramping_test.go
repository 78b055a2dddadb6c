package pace

import (
	"strings"
	"testing"
	"time"
)

// within reports whether got is want give or take tol.
func within(got, want, tol time.Duration) bool {
	return got >= want-tol && got <= want+tol
}

func TestRamping(t *testing.T) {
	t.Parallel()
	type at struct {
		n    int64
		want time.Duration // ±1ns: offsets come from a square root
	}
	type rate struct {
		elapsed time.Duration
		want    float64
	}
	tests := []struct {
		name   string
		start  int64
		unit   time.Duration
		stages []Stage
		total  int64
		ats    []at
		rates  []rate
	}{
		{
			// A flat stage: iteration n is due when n+1 iterations' worth has accrued (k6), so
			// the first is at 100ms, and the 10th would fall on the end and is left out.
			name: "flat 10 per second", start: 10, unit: time.Second,
			stages: []Stage{{time.Second, 10}},
			total:  9,
			ats:    []at{{0, 100 * time.Millisecond}, {8, 900 * time.Millisecond}},
			rates:  []rate{{0, 10}, {999 * time.Millisecond, 10}, {time.Second, 0}},
		},
		{
			// Ramp 0→10/s over 10s: area t²/2, so iteration n is due at √(2(n+1)) s.
			name: "ramp up from 0", start: 0, unit: time.Second,
			stages: []Stage{{10 * time.Second, 10}},
			total:  49,
			ats:    []at{{0, 1414213562}, {1, 2 * time.Second}, {7, 4 * time.Second}, {48, 9899494936}},
			rates:  []rate{{0, 0}, {5 * time.Second, 5}},
		},
		{
			// k6's own example (ramping_arrival_rate.go, cal): 2/s for 5s (10 iterations), then
			// 2→3/s over 5s (12.5 more); the 12th is 0.954451s into the second stage.
			name: "k6 cal example", start: 2, unit: time.Second,
			stages: []Stage{{5 * time.Second, 2}, {5 * time.Second, 3}},
			total:  22,
			ats:    []at{{9, 5 * time.Second}, {10, 5488088481}, {11, 5954451150}},
			rates:  []rate{{7500 * time.Millisecond, 2.5}},
		},
		{
			// A stage with target 0 ramps the rate down: area 10t − t²/2.
			name: "ramp down to 0", start: 10, unit: time.Second,
			stages: []Stage{{10 * time.Second, 0}},
			total:  49,
			ats:    []at{{0, 100505063}, {48, 8585786437}},
			rates:  []rate{{5 * time.Second, 5}},
		},
		{
			// A stage of duration 0 jumps the rate at once.
			name: "jump", start: 0, unit: time.Second,
			stages: []Stage{{0, 10}, {time.Second, 10}},
			total:  9,
			ats:    []at{{0, 100 * time.Millisecond}},
			rates:  []rate{{0, 10}},
		},
		{
			// After a drop to 0 and an idle stage, the iteration at 1s is inside the schedule.
			name: "idle tail", start: 10, unit: time.Second,
			stages: []Stage{{time.Second, 10}, {0, 0}, {time.Second, 0}},
			total:  10,
			ats:    []at{{9, time.Second}},
			rates:  []rate{{1500 * time.Millisecond, 0}},
		},
		{
			// Fractions carry over between stages: 1.5 then 3 more iterations.
			name: "fraction carries", start: 3, unit: time.Second,
			stages: []Stage{{500 * time.Millisecond, 3}, {time.Second, 3}},
			total:  4,
			ats:    []at{{0, 333333333}, {1, 666666666}, {2, time.Second}, {3, 1333333333}},
		},
		{
			// timeUnit 1m: 60 per minute is one per second.
			name: "per minute", start: 60, unit: time.Minute,
			stages: []Stage{{3 * time.Second, 60}},
			total:  2,
			ats:    []at{{0, time.Second}, {1, 2 * time.Second}},
			rates:  []rate{{0, 1}},
		},
		{
			// Nothing to do: rate 0 throughout.
			name: "all zero", start: 0, unit: time.Second,
			stages: []Stage{{time.Second, 0}},
			total:  0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewRamping(tt.start, tt.unit, tt.stages)
			if err != nil {
				t.Fatalf("NewRamping: %v", err)
			}
			if got := p.Total(); got != tt.total {
				t.Errorf("Total() = %d, want %d", got, tt.total)
			}
			for _, a := range tt.ats {
				got, ok := p.At(a.n)
				if !ok || !within(got, a.want, 1) {
					t.Errorf("At(%d) = %v, %v; want %v, true", a.n, got, ok, a.want)
				}
			}
			if _, ok := p.At(tt.total); ok {
				t.Errorf("At(Total()) ok, want past the schedule")
			}
			for _, r := range tt.rates {
				if got := p.Rate(r.elapsed); got < r.want-1e-9 || got > r.want+1e-9 {
					t.Errorf("Rate(%v) = %v, want %v", r.elapsed, got, r.want)
				}
			}
			checkContract(t, p)
		})
	}
}

// checkContract checks the Pacer contract for every iteration of a small schedule.
func checkContract(t *testing.T, p Pacer) {
	t.Helper()
	prev := time.Duration(0)
	for n := range p.Total() {
		at, ok := p.At(n)
		if !ok || at < prev || at >= p.Duration() {
			t.Fatalf("At(%d) = %v, %v: want ok, >= %v (previous) and < %v", n, at, ok, prev, p.Duration())
		}
		if got := p.Due(at); got < n+1 {
			t.Fatalf("Due(At(%d)=%v) = %d, want >= %d", n, at, got, n+1)
		}
		if got := p.Due(at - 1); got > n {
			t.Fatalf("Due(At(%d)-1ns) = %d, want <= %d", n, got, n)
		}
		if wait, stop := p.Pace(at-time.Millisecond, n); stop || wait != time.Millisecond {
			t.Fatalf("Pace(At(%d)-1ms, %d) = %v, %v; want 1ms, false", n, n, wait, stop)
		}
		if wait, stop := p.Pace(at, n); stop || wait != 0 {
			t.Fatalf("Pace(At(%d), %d) = %v, %v; want 0, false", n, n, wait, stop)
		}
		prev = at
	}
	if got := p.Due(p.Duration()); got != p.Total() {
		t.Fatalf("Due(Duration()) = %d, want Total() = %d", got, p.Total())
	}
	if _, stop := p.Pace(p.Duration(), p.Total()); !stop {
		t.Fatalf("Pace after the last iteration does not stop")
	}
}

func TestConstantContract(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		rate           int64
		unit, duration time.Duration
	}{
		{7, time.Second, 3 * time.Second},                   // a period that is not whole milliseconds
		{1000, time.Second, time.Second},                    // 1ms apart
		{5, 100 * time.Millisecond, 250 * time.Millisecond}, // a short time unit
	} {
		p, err := NewConstant(c.rate, c.unit, c.duration)
		if err != nil {
			t.Fatal(err)
		}
		checkContract(t, p)
	}
}

func TestNewRampingErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		start  int64
		unit   time.Duration
		stages []Stage
		quote  string // what the message must quote
	}{
		{"negative start", -1, time.Second, []Stage{{time.Second, 1}}, "startRate -1"},             // nonsense
		{"zero timeUnit", 1, 0, []Stage{{time.Second, 1}}, "timeUnit 0s"},                          // division by zero
		{"no stages", 1, time.Second, nil, "no stages"},                                            // nothing to follow
		{"negative duration", 1, time.Second, []Stage{{-time.Second, 1}}, "stage 1: duration -1s"}, // time runs forward
		{"negative target", 1, time.Second, []Stage{{time.Second, 1}, {time.Second, -2}}, "stage 2: target -2"},
		{"zero length", 1, time.Second, []Stage{{0, 5}}, "last 0s"},                       // an empty schedule
		{"too long", 1, time.Second, []Stage{{1<<63 - 1, 1}, {1<<63 - 1, 1}}, "too long"}, // would overflow
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewRamping(tt.start, tt.unit, tt.stages)
			if err == nil || !strings.Contains(err.Error(), tt.quote) {
				t.Fatalf("NewRamping error = %v, want one containing %q", err, tt.quote)
			}
		})
	}
}
