package pace

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRampingVUsAt(t *testing.T) {
	t.Parallel()
	type sample struct {
		at   time.Duration
		want int64
	}
	tests := []struct {
		name    string
		start   int64
		stages  []Stage
		samples []sample
	}{
		{
			// k6 rounds toward the stage's start: 0 VUs in the first second of 0→10 over 10s.
			name: "ramp up", start: 0, stages: []Stage{{10 * time.Second, 10}},
			samples: []sample{
				{-time.Second, 0}, {0, 0}, {999 * time.Millisecond, 0}, {time.Second, 1},
				{5500 * time.Millisecond, 5}, {9999 * time.Millisecond, 9}, {10 * time.Second, 10},
				{time.Hour, 10},
			},
		},
		{
			// Down from 10 to 0: the first VU goes after one second, the last at the end.
			name: "ramp down", start: 10, stages: []Stage{{10 * time.Second, 0}},
			samples: []sample{
				{0, 10}, {999 * time.Millisecond, 10}, {time.Second, 9}, {9999 * time.Millisecond, 1},
				{10 * time.Second, 0},
			},
		},
		{
			// A stage of duration 0 jumps at once; a flat stage holds.
			name: "jump and hold", start: 5, stages: []Stage{{0, 20}, {5 * time.Second, 20}},
			samples: []sample{{0, 20}, {4 * time.Second, 20}, {6 * time.Second, 20}},
		},
		{
			// The seed's load test shape, scaled: 10→50 over 2s, hold, down to 0.
			name: "seed shape", start: 10,
			stages: []Stage{{2 * time.Second, 50}, {5 * time.Second, 50}, {2 * time.Second, 0}},
			samples: []sample{
				{0, 10}, {time.Second, 30}, {2 * time.Second, 50}, {6 * time.Second, 50},
				{8 * time.Second, 25}, {9 * time.Second, 0},
			},
		},
		{
			// Three VUs over one second: changes at 333333334ns, 666666667ns and 1s (k6's
			// e − ⌊d(n−k)/n⌋).
			name: "uneven steps", start: 0, stages: []Stage{{time.Second, 3}},
			samples: []sample{
				{333333333, 0}, {333333334, 1}, {666666666, 1}, {666666667, 2}, {999999999, 2},
				{time.Second, 3},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRampingVUs(tt.start, tt.stages)
			if err != nil {
				t.Fatalf("NewRampingVUs: %v", err)
			}
			for _, s := range tt.samples {
				if got := r.At(s.at); got != s.want {
					t.Errorf("At(%v) = %d, want %d", s.at, got, s.want)
				}
			}
		})
	}
}

func TestRampingVUsSteps(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		start  int64
		stages []Stage
		want   []VUStep
	}{
		{
			// Up by 3 over 1s, jump to 5, down to 2 over 1s: k6's raw execution steps.
			name: "up jump down", start: 0,
			stages: []Stage{{time.Second, 3}, {0, 5}, {time.Second, 2}},
			want: []VUStep{
				{0, 0}, {333333334, 1}, {666666667, 2}, {time.Second, 3}, {time.Second, 5},
				{1333333334, 4}, {1666666667, 3}, {2 * time.Second, 2},
			},
		},
		{
			// Flat stages add no steps.
			name: "flat", start: 2, stages: []Stage{{time.Second, 2}, {time.Second, 2}},
			want: []VUStep{{0, 2}},
		},
		{
			// Down to 0 and back up.
			name: "valley", start: 2, stages: []Stage{{2 * time.Second, 0}, {2 * time.Second, 2}},
			want: []VUStep{{0, 2}, {time.Second, 1}, {2 * time.Second, 0}, {3 * time.Second, 1}, {4 * time.Second, 2}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := NewRampingVUs(tt.start, tt.stages)
			if err != nil {
				t.Fatalf("NewRampingVUs: %v", err)
			}
			if got := slices.Collect(r.Steps()); !slices.Equal(got, tt.want) {
				t.Errorf("Steps() = %v\nwant      %v", got, tt.want)
			}
		})
	}
}

// TestRampingVUsStepsAgreeWithAt checks that the closed form At and the step list describe the
// same function, on shapes with uneven divisions.
func TestRampingVUsStepsAgreeWithAt(t *testing.T) {
	t.Parallel()
	shapes := [][]Stage{
		{{7 * time.Second, 13}, {3 * time.Second, 13}, {11 * time.Second, 2}},
		{{0, 9}, {time.Second, 1}, {1, 5}, {999 * time.Millisecond, 100}},
		{{3, 1000}, {5 * time.Second, 0}},
	}
	for i, stages := range shapes {
		r, err := NewRampingVUs(1, stages)
		if err != nil {
			t.Fatal(err)
		}
		steps := slices.Collect(r.Steps())
		for k, s := range steps {
			next := r.Duration() + time.Second
			if k+1 < len(steps) {
				next = steps[k+1].At
			}
			if next == s.At {
				continue // superseded at the same instant
			}
			if got := r.At(s.At); got != s.VUs {
				t.Errorf("shape %d: At(%v) = %d, step says %d", i, s.At, got, s.VUs)
			}
			if got := r.At(next - 1); got != s.VUs {
				t.Errorf("shape %d: At(%v) = %d, step says %d", i, next-1, got, s.VUs)
			}
		}
	}
}

func TestNewRampingVUsErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		start  int64
		stages []Stage
		quote  string
	}{
		{"negative start", -3, []Stage{{time.Second, 1}}, "startVUs -3"},              // nonsense
		{"no stages", 1, nil, "no stages"},                                            // nothing to follow
		{"negative duration", 1, []Stage{{-time.Second, 1}}, "stage 1: duration -1s"}, // time runs forward
		{"negative target", 1, []Stage{{time.Second, -1}}, "stage 1: target -1"},      // nonsense
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewRampingVUs(tt.start, tt.stages)
			if err == nil || !strings.Contains(err.Error(), tt.quote) {
				t.Fatalf("NewRampingVUs error = %v, want one containing %q", err, tt.quote)
			}
		})
	}
}
