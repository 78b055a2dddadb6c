package capacity

import (
	"context"
	"math"
	"testing"
)

// TestSearch runs the search against targets whose breaking point is known: a step holds
// when its rate is at most the capacity.
func TestSearch(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		capacity float64
		search   Search
		found    bool
		maxSteps int
	}{
		// mina --max-inflight 4 at 10 ms: about 400/s, from 50 to 2,000.
		{"400 from 50", 400, Search{From: 50, To: 2000, Precision: 0.05}, true, 12},
		// The breaking point just above a doubling.
		{"401 from 50", 401, Search{From: 50, To: 2000, Precision: 0.05}, true, 12},
		// A small one from the default start.
		{"37 from 10", 37, Search{From: 10, To: 10000, Precision: 0.05}, true, 12},
		// The target holds everything asked of it: a lower bound, not an answer.
		{"beyond to", 5000, Search{From: 50, To: 1000, Precision: 0.05}, false, 8},
		// Even the first rate fails.
		{"below from", 20, Search{From: 50, To: 1000, Precision: 0.05}, false, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var phases []string
			step := func(_ context.Context, rate float64, phase string) (Outcome, error) {
				phases = append(phases, phase)
				return Outcome{Holds: rate <= tt.capacity}, nil
			}
			a, err := tt.search.Run(context.Background(), step)
			if err != nil {
				t.Fatal(err)
			}
			if a.Found() != tt.found {
				t.Fatalf("found %v (%+v), want %v", a.Found(), a, tt.found)
			}
			if a.Steps > tt.maxSteps {
				t.Errorf("%d steps (%v), want at most %d", a.Steps, phases, tt.maxSteps)
			}
			if !tt.found {
				return
			}
			if a.Max > tt.capacity || a.Max < tt.capacity/(1+tt.search.Precision)-1 {
				t.Errorf("max %v, want within %v%% below %v", a.Max, 100*tt.search.Precision, tt.capacity)
			}
			if phases[len(phases)-1] != "confirm" {
				t.Errorf("the last step %q is not the confirmation", phases[len(phases)-1])
			}
		})
	}
}

// TestSearchConfirmationFails: a rate that held once by luck and fails its confirmation is
// not the answer; the search steps down and confirms again.
func TestSearchConfirmationFails(t *testing.T) {
	t.Parallel()
	seen := map[float64]int{}
	step := func(_ context.Context, rate float64, _ string) (Outcome, error) {
		seen[rate]++
		// 375 holds the first time only; 357 and below always.
		return Outcome{Holds: rate <= 357 || rate == 375 && seen[rate] == 1}, nil
	}
	a, err := Search{From: 50, To: 1000, Precision: 0.05}.Run(context.Background(), step)
	if err != nil {
		t.Fatal(err)
	}
	if !a.Confirmed || a.Max > 357 || a.Max < 340 || seen[375] != 2 {
		t.Fatalf("answer %+v (runs %v)", a, seen)
	}
}

// TestSearchRetriesUnjudged: a step the generator could not judge is run again once, then
// counts as not holding.
func TestSearchRetriesUnjudged(t *testing.T) {
	t.Parallel()
	runs := 0
	step := func(_ context.Context, rate float64, _ string) (Outcome, error) {
		runs++
		if rate == 100 && runs < 4 {
			return Outcome{Unjudged: true}, nil
		}
		return Outcome{Holds: rate <= 150}, nil
	}
	a, err := Search{From: 50, To: 1000, Precision: 0.05, Retries: 1}.Run(context.Background(), step)
	if err != nil {
		t.Fatal(err)
	}
	// 100 was unjudged twice: it counts as failed, so the answer lies below it.
	if a.Max >= 100 || math.IsInf(a.FailedAt, 1) {
		t.Fatalf("answer %+v", a)
	}
	if _, err := (Search{From: 0, To: 10}).Run(context.Background(), step); err == nil {
		t.Error("from 0 accepted")
	}
}
