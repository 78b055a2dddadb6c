package metrics

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestNewRegistryRejectsBadConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		cfg  Config
		want string // in the error
	}{
		// A typo in a metric name must not silently track nothing.
		{"unknown metric", Config{Submetrics: []string{"http_req_duraton{name:x}"}}, `unknown metric "http_req_duraton"`},
		// A selector that does not parse quotes the input.
		{"bad selector", Config{Submetrics: []string{"http_reqs{status}"}}, `"http_reqs{status}"`},
		// An unterminated selector.
		{"unterminated", Config{Submetrics: []string{"http_reqs{status:200"}}, "must end with '}'"},
		// Negative resolution.
		{"negative interval", Config{SeriesInterval: -time.Second}, "negative"},
		// One point cannot be merged in pairs.
		{"one point", Config{MaxSeriesPoints: 1}, "at least 2"},
		// Negative family bound.
		{"negative tag values", Config{MaxTagValues: -1}, "negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewRegistry(tt.cfg)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("NewRegistry error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestConcurrentRecordingCountsExactly(t *testing.T) {
	t.Parallel()
	const goroutines, perGoroutine = 32, 500
	out := &countingOutput{}
	reg := mustRegistry(t, Config{Output: out, Submetrics: []string{"http_reqs{status:500}"}})
	tpl := []*TagSet{
		NewTags(map[string]string{"name": "a"}),
		NewTags(map[string]string{"name": "b"}),
	}
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rec := reg.Recorder()
			for i := range perGoroutine {
				s := okSample(tpl[i%2], time.Now(), time.Duration(i+1)*time.Microsecond)
				if i%10 == 0 {
					s.Status, s.Expected = 500, false
				}
				rec.HTTP(s)
				rec.Check(tpl[0], "status is 200", s.Expected)
				if i%50 == 0 {
					rec.Iteration(tpl[0], time.Millisecond, g%2 == 0)
					reg.DroppedIteration(tpl[1])
					reg.SetVUs(g, goroutines)
				}
			}
			rec.Flush()
		})
	}
	wg.Wait()
	if err := reg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	snap := reg.Snapshot()
	total := float64(goroutines * perGoroutine)
	want := map[string]float64{
		"http_reqs":                   total,
		"http_reqs{name:a}":           total / 2,
		"http_reqs{status:500}":       total / 10,
		"http_req_duration":           total,
		"http_req_duration{name:b}":   total / 2,
		"data_sent":                   total * 100,
		"checks":                      total,
		"checks{check:status is 200}": total,
		"iterations":                  total / 50,
		"dropped_iterations":          total / 50,
	}
	for key, w := range want {
		mv, ok := snap.Get(key)
		if !ok || mv.Count != w {
			t.Errorf("%s count = %v (found %v), want %v", key, mv.Count, ok, w)
		}
	}
	if got := mustAggregate(t, snap, "http_req_failed", "rate", 0); got != 0.1 {
		t.Errorf("http_req_failed rate = %v, want 0.1", got)
	}
	if got := mustAggregate(t, snap, "checks", "rate", 0); got != 0.9 {
		t.Errorf("checks rate = %v, want 0.9", got)
	}
	if got := mustAggregate(t, snap, "vus_max", "value", 0); got != goroutines {
		t.Errorf("vus_max = %v, want %d", got, goroutines)
	}
	// Every sample reached the Output: 11 points per request (no corrected duration), one
	// per check, 4 per iteration, 1 per dropped iteration, 2 per SetVUs.
	wantPoints := int(total)*11 + int(total) + int(total/50)*4 + int(total/50) + int(total/50)*2
	if got := out.total(); got != wantPoints {
		t.Errorf("output points = %d, want %d", got, wantPoints)
	}
}

// countingOutput counts points per metric; safe for concurrent use.
type countingOutput struct {
	mu     sync.Mutex
	counts map[string]int
	fail   error
}

var _ Output = (*countingOutput)(nil)

func (o *countingOutput) WritePoints(points []Point) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.counts == nil {
		o.counts = map[string]int{}
	}
	for _, p := range points {
		o.counts[p.Metric]++
	}
	return o.fail
}

func (o *countingOutput) total() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, c := range o.counts {
		n += c
	}
	return n
}

func TestSubmetricMatching(t *testing.T) {
	t.Parallel()
	subs := []string{
		"http_req_duration{name:a}",
		"http_req_duration{name:b}",
		"http_reqs{status:200}",
		"http_reqs{status:404}",
		"http_req_failed{expected_response:false}",
		"http_reqs{error_code:1211}",
		"http_req_duration{name:a,status:200}",
		"http_req_duration{name:a,status:500}",
		"http_req_duration{method:GET}",
		"checks{check:body ok}",
		"iterations{scenario:s1}",
		"http_req_duration_corrected{name:a}",
	}
	tags := NewTags(map[string]string{"name": "a", "method": "POST", "scenario": "s1"})
	tests := []struct {
		name   string
		sample HTTPSample
		feeds  []string // keys that must count this sample
		skips  []string // keys that must not
	}{
		// The assignment's example: {name:a,status:200} feeds name:a, not name:b.
		{"ok request", HTTPSample{Tags: tags, Status: 200, Expected: true, Duration: time.Millisecond},
			[]string{"http_req_duration{name:a}", "http_reqs{status:200}", "http_req_duration{name:a,status:200}"},
			[]string{"http_req_duration{name:b}", "http_reqs{status:404}", "http_req_failed{expected_response:false}",
				"http_req_duration{name:a,status:500}", "http_req_duration{method:GET}", "http_reqs{error_code:1211}",
				"http_req_duration_corrected{name:a}"}},
		// The dynamic tags status and expected_response are selectable.
		{"not found", HTTPSample{Tags: tags, Status: 404, Expected: false, Duration: time.Millisecond},
			[]string{"http_reqs{status:404}", "http_req_failed{expected_response:false}", "http_req_duration{name:a}"},
			[]string{"http_reqs{status:200}", "http_req_duration{name:a,status:200}", "http_reqs{error_code:1211}"}},
		// error_code appears only when non-zero; status is 0 without a response.
		{"connection refused", HTTPSample{Tags: tags, Status: 0, ErrorCode: 1211, Duration: time.Millisecond},
			[]string{"http_reqs{error_code:1211}", "http_req_failed{expected_response:false}"},
			[]string{"http_reqs{status:200}", "http_reqs{status:404}"}},
		// A corrected duration feeds http_req_duration_corrected and its sub-metrics.
		{"corrected", HTTPSample{Tags: tags, Status: 200, Expected: true, Duration: time.Millisecond,
			Corrected: 3 * time.Millisecond, HasCorrected: true},
			[]string{"http_req_duration_corrected{name:a}"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			reg := mustRegistry(t, Config{Submetrics: subs})
			s := tt.sample
			s.Time = time.Now()
			reg.Recorder().HTTP(&s)
			snap := reg.Snapshot()
			for _, k := range tt.feeds {
				if mv, ok := snap.Get(k); !ok || mv.Count != 1 {
					t.Errorf("%s: want one sample, got %+v", k, mv)
				}
			}
			for _, k := range tt.skips {
				if mv, ok := snap.Get(k); !ok || mv.HasData() {
					t.Errorf("%s: want a configured key with no data, got %+v (found %v)", k, mv, ok)
				}
			}
		})
	}
	t.Run("checks and iterations", func(t *testing.T) {
		t.Parallel()
		reg := mustRegistry(t, Config{Submetrics: subs})
		rec := reg.Recorder()
		rec.Check(tags, "body ok", false)
		rec.Check(tags, "status ok", true)
		rec.Iteration(tags, time.Second, true)
		rec.Iteration(NewTags(map[string]string{"scenario": "s2"}), time.Second, true)
		snap := reg.Snapshot()
		if got := mustAggregate(t, snap, "checks{check:body ok}", "rate", 0); got != 0 {
			t.Errorf("checks{check:body ok} rate = %v, want 0", got)
		}
		if got := mustAggregate(t, snap, "checks{check:status ok}", "rate", 0); got != 1 {
			t.Errorf("checks{check:status ok} rate = %v, want 1", got)
		}
		if got := mustAggregate(t, snap, "iterations{scenario:s1}", "count", 0); got != 1 {
			t.Errorf("iterations{scenario:s1} = %v, want 1", got)
		}
		if got := mustAggregate(t, snap, "iterations", "count", 0); got != 2 {
			t.Errorf("iterations = %v, want 2", got)
		}
	})
}

func TestAutomaticFamiliesAreBounded(t *testing.T) {
	t.Parallel()
	reg := mustRegistry(t, Config{MaxTagValues: 10, Submetrics: []string{"http_reqs{name:u99}"}})
	rec := reg.Recorder()
	for i := range 100 {
		// A URL used as the name: a new value per request.
		tags := NewTags(map[string]string{"name": fmt.Sprintf("u%d", i)})
		rec.HTTP(okSample(tags, time.Now(), time.Millisecond))
	}
	snap := reg.Snapshot()
	n := 0
	for _, mv := range snap.Metrics() {
		if mv.Name == HTTPReqDuration && len(mv.Tags) > 0 {
			n++
		}
	}
	if n != 10 {
		t.Errorf("http_req_duration{name:…} sub-metrics = %d, want 10", n)
	}
	if got := mustAggregate(t, snap, "http_reqs", "count", 0); got != 100 {
		t.Errorf("http_reqs = %v, want all 100", got)
	}
	// A configured key beyond the bound is still fed.
	if got := mustAggregate(t, snap, "http_reqs{name:u99}", "count", 0); got != 1 {
		t.Errorf("http_reqs{name:u99} = %v, want 1", got)
	}
	want := []string{"http_req_duration{name}", "http_req_failed{name}", "http_reqs{name}"}
	if strings.Join(snap.Truncated, " ") != strings.Join(want, " ") {
		t.Errorf("Truncated = %v, want %v", snap.Truncated, want)
	}
}

func TestAggregate(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reg := mustRegistry(t, Config{Now: clock.Now, Submetrics: []string{"http_reqs{status:503}"}})
	rec := reg.Recorder()
	for i := 1; i <= 4; i++ {
		rec.HTTP(okSample(nil, clock.Now(), time.Duration(i)*time.Millisecond))
	}
	reg.SetVUs(3, 10)
	reg.SetVUs(5, 10)
	reg.SetVUs(2, 10)
	clock.Add(2 * time.Second)
	snap := reg.Snapshot()
	tests := []struct {
		key, method string
		arg         float64
		want        float64
		ok          bool
	}{
		{"http_reqs", "count", 0, 4, true},                 // counter total
		{"http_reqs", "rate", 0, 2, true},                  // 4 over 2 s
		{"http_req_duration", "avg", 0, 2.5, true},         // ms
		{"http_req_duration", "min", 0, 1, true},           // exact
		{"http_req_duration", "max", 0, 4, true},           // exact
		{"http_req_duration", "med", 0, 2, true},           // 2 ms is exactly representable
		{"http_req_duration", "p", 100, 4, true},           // top of the distribution
		{"http_req_failed", "rate", 0, 0, true},            // no failure
		{"vus", "value", 0, 2, true},                       // last
		{"vus", "max", 0, 5, true},                         // gauge max
		{"vus", "min", 0, 2, true},                         // gauge min
		{" http_reqs { } ", "count", 0, 0, false},          // bad key: no value, no panic
		{"http_reqs", "avg", 0, 0, false},                  // counters have no avg
		{"http_req_duration", "rate", 0, 0, false},         // trends have no rate
		{"http_req_duration", "p", 101, 0, false},          // percentile out of range
		{"http_reqs{status:503}", "count", 0, 0, false},    // configured, no data
		{"http_reqs{name:nope}", "count", 0, 0, false},     // never seen
		{"http_req_duration{ }", "p", 95, 0, false},        // empty selector
		{"http_reqs{ status : 503 }", "rate", 0, 0, false}, // as written, configured, no data
		{"data_sent", "count", 0, 400, true},               // bytes
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%v", tt.key, tt.method, tt.arg), func(t *testing.T) {
			t.Parallel()
			got, ok := snap.Aggregate(tt.key, tt.method, tt.arg)
			if ok != tt.ok || got != tt.want {
				t.Fatalf("Aggregate = %v, %v; want %v, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
	if mv, ok := snap.Get("http_reqs{ status : 503 }"); !ok || mv.Key != "http_reqs{status:503}" {
		t.Errorf("Get as written = %+v, %v", mv, ok)
	}
}

func TestCloseFlushesAndStopsRecording(t *testing.T) {
	t.Parallel()
	out := &countingOutput{}
	reg := mustRegistry(t, Config{Output: out})
	rec := reg.Recorder()
	rec.HTTP(okSample(nil, time.Now(), time.Millisecond)) // buffered, never flushed by the VU
	if out.total() != 0 {
		t.Fatal("a single sample should wait in the recorder's buffer")
	}
	if err := reg.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if got := out.total(); got != 11 {
		t.Fatalf("after Close, output has %d points, want 11", got)
	}
	rec.HTTP(okSample(nil, time.Now(), time.Millisecond))
	rec.Check(nil, "c", true)
	reg.DroppedIteration(nil)
	reg.SetVUs(1, 1)
	rec.Flush()
	if got := mustAggregate(t, reg.Snapshot(), "http_reqs", "count", 0); got != 1 {
		t.Errorf("http_reqs after Close = %v, want 1", got)
	}
	if got := out.total(); got != 11 {
		t.Errorf("output grew after Close: %d points", got)
	}
	if err := reg.Close(); err == nil {
		t.Error("second Close: want an error")
	}
}

func TestCloseReportsOutputError(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	reg := mustRegistry(t, Config{Output: &countingOutput{fail: boom}})
	rec := reg.Recorder()
	rec.HTTP(okSample(nil, time.Now(), time.Millisecond))
	rec.Flush()
	if err := reg.Close(); !errors.Is(err, boom) {
		t.Fatalf("Close = %v, want %v", err, boom)
	}
}

func TestSnapshotWithRateWindow(t *testing.T) {
	t.Parallel()
	now := time.Unix(1000, 0)
	r, err := NewRegistry(Config{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	rec := r.Recorder()
	tags := NewTags(map[string]string{"name": "a"})
	for i := 0; i < 400; i++ {
		rec.HTTP(&HTTPSample{Time: now, Tags: tags, Status: 200, Expected: true, Duration: time.Millisecond})
	}
	now = now.Add(1100 * time.Millisecond) // the load lasted 1 s; the drain 100 ms more
	snap := r.Snapshot()
	if got, _ := snap.Aggregate(HTTPReqs, "rate", 0); got >= 400 {
		t.Fatalf("rate over Elapsed = %v, want below 400", got)
	}
	w := snap.WithRateWindow(time.Second)
	for _, key := range []string{HTTPReqs, "http_reqs{name:a}"} {
		if got, _ := w.Aggregate(key, "rate", 0); got != 400 {
			t.Errorf("%s rate over the 1 s window = %v, want 400", key, got)
		}
	}
	if got, _ := w.Aggregate(HTTPReqDuration, "p", 99); got != 1 {
		t.Errorf("trends changed: p99 = %v", got)
	}
	if got, _ := snap.Aggregate(HTTPReqs, "rate", 0); got >= 400 {
		t.Errorf("the original snapshot changed: %v", got)
	}
}
