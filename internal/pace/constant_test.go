package pace

import (
	"strings"
	"testing"
	"time"
)

func TestConstant(t *testing.T) {
	t.Parallel()
	type at struct {
		n    int64
		want time.Duration
		ok   bool
	}
	type due struct {
		elapsed time.Duration
		want    int64
	}
	tests := []struct {
		name     string
		rate     int64
		unit     time.Duration
		duration time.Duration
		total    int64
		ats      []at
		dues     []due
		rate1s   float64 // Rate at elapsed 0, per second
	}{
		{
			// The brief's case: 1,000/s for 5s is 5,000 iterations, the first at 0 (k6).
			name: "1000 per second for 5s", rate: 1000, unit: time.Second, duration: 5 * time.Second,
			total: 5000,
			ats: []at{
				{0, 0, true}, {1, time.Millisecond, true}, {4999, 4999 * time.Millisecond, true},
				{5000, 0, false}, {-1, 0, false},
			},
			dues: []due{
				{-1, 0}, {0, 1}, {time.Millisecond - 1, 1}, {time.Millisecond, 2},
				{time.Second, 1001}, {5 * time.Second, 5000}, {time.Hour, 5000},
			},
			rate1s: 1000,
		},
		{
			// A period that is not a whole number of nanoseconds: offsets are ⌊n·1s/3⌋, no drift.
			name: "3 per second", rate: 3, unit: time.Second, duration: time.Second,
			total:  3,
			ats:    []at{{1, 333333333, true}, {2, 666666666, true}, {3, 0, false}},
			dues:   []due{{333333332, 1}, {333333333, 2}, {999999999, 3}},
			rate1s: 3,
		},
		{
			// timeUnit 1m: 1 per minute over 150s holds iterations at 0s, 60s and 120s.
			name: "1 per minute over 150s", rate: 1, unit: time.Minute, duration: 150 * time.Second,
			total:  3,
			ats:    []at{{0, 0, true}, {1, time.Minute, true}, {2, 2 * time.Minute, true}, {3, 0, false}},
			dues:   []due{{59 * time.Second, 1}, {time.Minute, 2}, {149 * time.Second, 3}},
			rate1s: 1.0 / 60,
		},
		{
			// An iteration that falls exactly on the end is not part of the schedule.
			name: "end is exclusive", rate: 2, unit: time.Second, duration: time.Second,
			total:  2,
			ats:    []at{{1, 500 * time.Millisecond, true}, {2, 0, false}},
			dues:   []due{{time.Second, 2}},
			rate1s: 2,
		},
		{
			// 50,000/s for a day: products beyond 64 bits stay exact (4.32e9 iterations).
			name: "50000 per second for a day", rate: 50000, unit: time.Second, duration: 24 * time.Hour,
			total: 4_320_000_000,
			ats: []at{
				{4_319_999_999, 24*time.Hour - 20*time.Microsecond, true},
				{1_000_000_007, 1_000_000_007 * 20 * time.Microsecond, true},
			},
			dues:   []due{{12 * time.Hour, 2_160_000_001}},
			rate1s: 50000,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := NewConstant(tt.rate, tt.unit, tt.duration)
			if err != nil {
				t.Fatalf("NewConstant: %v", err)
			}
			if got := p.Total(); got != tt.total {
				t.Errorf("Total() = %d, want %d", got, tt.total)
			}
			for _, a := range tt.ats {
				got, ok := p.At(a.n)
				if ok != a.ok || (ok && got != a.want) {
					t.Errorf("At(%d) = %v, %v; want %v, %v", a.n, got, ok, a.want, a.ok)
				}
			}
			for _, d := range tt.dues {
				if got := p.Due(d.elapsed); got != d.want {
					t.Errorf("Due(%v) = %d, want %d", d.elapsed, got, d.want)
				}
			}
			if got := p.Rate(0); got != tt.rate1s {
				t.Errorf("Rate(0) = %v, want %v", got, tt.rate1s)
			}
			if got := p.Rate(tt.duration); got != 0 {
				t.Errorf("Rate(end) = %v, want 0", got)
			}
		})
	}
}

func TestConstantPace(t *testing.T) {
	t.Parallel()
	p, err := NewConstant(1000, time.Second, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		elapsed  time.Duration
		started  int64
		wantWait time.Duration
		wantStop bool
	}{
		// The first iteration is due at once.
		{"first", 0, 0, 0, false},
		// Half-way to the second iteration: wait the other half.
		{"between", 500 * time.Microsecond, 1, 500 * time.Microsecond, false},
		// Behind schedule: no wait, never negative.
		{"behind", 10 * time.Millisecond, 3, 0, false},
		// Every iteration started: the schedule is over.
		{"done", 2 * time.Second, 1000, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wait, stop := p.Pace(tt.elapsed, tt.started)
			if wait != tt.wantWait || stop != tt.wantStop {
				t.Errorf("Pace(%v, %d) = %v, %v; want %v, %v", tt.elapsed, tt.started, wait, stop, tt.wantWait, tt.wantStop)
			}
		})
	}
}

func TestNewConstantErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		rate     int64
		unit     time.Duration
		duration time.Duration
		quote    string // the bad value, as the message must quote it
	}{
		{"zero rate", 0, time.Second, time.Second, "rate 0"},       // nothing to pace
		{"negative rate", -5, time.Second, time.Second, "rate -5"}, // nonsense
		{"zero timeUnit", 1, 0, time.Second, "timeUnit 0s"},        // would divide by zero
		{"zero duration", 1, time.Second, 0, "duration 0s"},        // an empty schedule
		{"negative duration", 1, time.Second, -time.Second, "duration -1s"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewConstant(tt.rate, tt.unit, tt.duration)
			if err == nil || !strings.Contains(err.Error(), tt.quote) {
				t.Fatalf("NewConstant(%d, %v, %v) error = %v, want one quoting %q", tt.rate, tt.unit, tt.duration, err, tt.quote)
			}
		})
	}
}
