package criteria

import (
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

func TestEvaluateResilience(t *testing.T) {
	t.Parallel()
	recovery := map[string]any{"rule": "recovery", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(95)", "condition": "<800", "within": "3s"}
	during := map[string]any{"rule": "during_faults", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(95)", "condition": "<2000"}
	fast, slow := 50*time.Millisecond, 1200*time.Millisecond
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	fault := func(from, to int) []FaultWindow { return []FaultWindow{{Name: "f", Start: at(from), End: at(to)}} }
	tests := []struct {
		name   string
		spec   map[string]any
		secs   []second
		faults []FaultWindow
		want   want
	}{
		// Slow during the fault (seconds 3–5), fast from the second it ends: recovered in the
		// first window after it, 1 s.
		{"recovered at once", recovery, concat(steady(3, 20, fast), steady(3, 20, slow), steady(6, 20, fast)),
			fault(3, 6), want{ResultPass, 1, -1, "s"}},
		// Still slow for 2 s after the fault: back in the third window, 3 s, within 3 s.
		{"recovered within", recovery, concat(steady(3, 20, fast), steady(5, 20, slow), steady(6, 20, fast)),
			fault(3, 6), want{ResultPass, 3, -1, "s"}},
		// Slow for 4 s after the fault: back only after 5 s; fails when the 3 s ran out.
		{"recovered too late", recovery, concat(steady(3, 20, fast), steady(7, 20, slow), steady(4, 20, fast)),
			fault(3, 6), want{ResultFail, 5, 9 * time.Second, "s"}},
		// Never back (nothing is under 5 ms), and the run went on past the allowance: fails;
		// Observed is how long it was watched after the fault, to the end of the series.
		{"never recovered", map[string]any{"rule": "recovery", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "condition": "<5", "within": "3s"}, concat(steady(3, 20, fast), steady(9, 20, slow)),
			fault(3, 6), want{ResultFail, 7, 9 * time.Second, "s"}},
		// The aggregate over the fault window: 1200 ms, under 2000.
		{"during held", during, concat(steady(3, 20, fast), steady(3, 20, slow), steady(3, 20, fast)),
			fault(3, 6), want{ResultPass, 1200, -1, "ms"}},
		// A stricter limit breaks: broken at the fault's start.
		{"during broken", map[string]any{"rule": "during_faults", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "condition": "<1000"}, concat(steady(3, 20, fast), steady(3, 20, slow), steady(3, 20, fast)),
			fault(3, 6), want{ResultFail, 1200, 3 * time.Second, "ms"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := run(t, tt.secs)
			src.Faults = tt.faults
			check(t, Evaluate(mustCompile(t, "fail", tt.spec), src)[0], tt.want)
		})
	}
}

// Without evidence the resilience rules are never met.
func TestEvaluateResilienceNoData(t *testing.T) {
	t.Parallel()
	recovery := map[string]any{"rule": "recovery", "metric": "http_req_duration{type:api_read}",
		"aggregate": "p(95)", "condition": "<800", "within": "30s"}
	secs := concat(steady(3, 20, 50*time.Millisecond), steady(3, 20, 1200*time.Millisecond))
	for _, tt := range []struct {
		name   string
		spec   map[string]any
		faults []FaultWindow
	}{
		{"no fault applied", recovery, nil},
		// The run ended 2 s after the fault, never under 5 ms: recovery within 30 s not shown.
		{"run ended too soon", map[string]any{"rule": "recovery", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "condition": "<5", "within": "30s"}, []FaultWindow{{Name: "f", Start: t0.Add(3 * time.Second), End: t0.Add(5 * time.Second)}}},
		{"no fault for during", map[string]any{"rule": "during_faults", "metric": "http_req_failed", "condition": "<0.01"}, nil},
		// During each fault: the second fault lies after the last sample, so it is not shown,
		// however well the first went.
		{"one fault without samples", map[string]any{"rule": "during_faults", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "condition": "<5000"}, []FaultWindow{
			{Name: "seen", Start: t0.Add(time.Second), End: t0.Add(2 * time.Second)},
			{Name: "unseen", Start: t0.Add(time.Hour), End: t0.Add(time.Hour + time.Second)}}},
		// Recovery after each fault: the first recovered; the second ended after the last
		// sample, so whether it recovered within 30 s is not shown.
		{"one recovery not shown", map[string]any{"rule": "recovery", "metric": "http_req_duration{type:api_read}",
			"aggregate": "p(95)", "condition": "<800", "within": "30s"}, []FaultWindow{
			{Name: "recovered", Start: t0, End: t0.Add(time.Second)},
			{Name: "after the run", Start: t0.Add(time.Hour), End: t0.Add(time.Hour + time.Second)}}},
		{"no teardown check", map[string]any{"rule": "nothing_lost"}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := run(t, secs)
			src.Faults = tt.faults
			if o := Evaluate(mustCompile(t, "fail", tt.spec), src)[0]; o.Result != ResultNoData || o.HasValue {
				t.Fatalf("outcome %+v, want no data", o)
			}
		})
	}
}

func TestEvaluateNothingLost(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name   string
		checks []bool // teardown check results
		spec   map[string]any
		want   string
	}{
		{"all passed", []bool{true, true}, map[string]any{"rule": "nothing_lost"}, ResultPass},
		{"one failed", []bool{true, false}, map[string]any{"rule": "nothing_lost"}, ResultFail},
		// Restricted to one check by name: the other check's failure does not count.
		{"named check passed", []bool{true, false}, map[string]any{"rule": "nothing_lost", "check": "c0"}, ResultPass},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cs := mustCompile(t, "fail", tt.spec)
			reg, err := metrics.NewRegistry(metrics.Config{Now: func() time.Time { return t0 }, Submetrics: MetricKeys(cs)})
			if err != nil {
				t.Fatal(err)
			}
			rec := reg.Recorder()
			load := metrics.NewTags(map[string]string{"scenario": "load"})
			rec.Check(load, "c0", false) // a failed check of the load is not an invariant
			for i, ok := range tt.checks {
				rec.Check(metrics.NewTags(map[string]string{"scenario": "teardown"}), "c"+string(rune('0'+i)), ok)
			}
			rec.Flush()
			o := Evaluate(cs, SnapshotSource{Snapshot: reg.Snapshot(), LoadStart: t0})[0]
			if o.Result != tt.want || !o.HasValue {
				t.Fatalf("outcome %+v, want %s", o, tt.want)
			}
		})
	}
}
