package metrics

import (
	"testing"
	"time"
)

// TestRecordingDoesNotAllocate asserts the hot path's steady state: once a TagSet has been
// seen, recording allocates nothing, with or without an Output. Not parallel: AllocsPerRun
// counts the whole process's allocations.
func TestRecordingDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	clock := newFakeClock()
	tags := NewTags(map[string]string{"name": "list", "group": "::g"})
	for _, withOutput := range []bool{false, true} {
		cfg := Config{Now: clock.Now, Submetrics: []string{"http_reqs{status:200}"}}
		if withOutput {
			cfg.Output = &countingOutput{}
		}
		reg := mustRegistry(t, cfg)
		rec := reg.Recorder()
		s := okSample(tags, clock.Now(), 3*time.Millisecond)
		s.HasCorrected, s.Corrected = true, 5*time.Millisecond
		calls := map[string]func(){
			"HTTP":             func() { rec.HTTP(s) },
			"Check":            func() { rec.Check(tags, "ok", true) },
			"Iteration":        func() { rec.Iteration(tags, time.Second, true) },
			"Group":            func() { rec.Group(tags, time.Second) },
			"DroppedIteration": func() { reg.DroppedIteration(tags) },
		}
		for name, call := range calls {
			if withOutput && name == "DroppedIteration" {
				continue // hands its single point to the Output at once, in a new slice
			}
			call() // first sight of the tags: resolves and caches
			if n := testing.AllocsPerRun(2000, call); n != 0 {
				t.Errorf("%s (output %v): %v allocations per call, want 0", name, withOutput, n)
			}
		}
	}
}
