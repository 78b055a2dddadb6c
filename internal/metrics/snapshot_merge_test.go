package metrics

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

// streamSample is one event of a random stream for the merge property test.
type streamSample struct {
	at      time.Duration // from the registries' start
	kind    sampleKind
	tags    int
	d       time.Duration
	status  int
	errCode int
	ok      bool
}

// streamTags are the tag sets a stream draws from: a few names, two scenarios, groups.
func streamTags() []*TagSet {
	var out []*TagSet
	for _, name := range []string{"a", "b", "c"} {
		for _, sc := range []string{"s1", "s2"} {
			out = append(out, NewTags(map[string]string{"name": name, "scenario": sc, "group": "::" + sc}))
		}
	}
	return out
}

// randomStream draws n events at times in [-1 s, span): HTTP requests (with random statuses
// and connection errors), checks, iterations, groups and dropped iterations, with durations
// log-uniform from 1 µs to 10 s, a few below 1 µs and a few past the one-hour ceiling.
func randomStream(rng *rand.Rand, n int, span time.Duration) []streamSample {
	out := make([]streamSample, n)
	kinds := []sampleKind{kindHTTP, kindHTTP, kindHTTP, kindCheck, kindIteration, kindGroup, kindDropped}
	for i := range out {
		d := time.Duration(math.Exp(math.Log(1e3) + rng.Float64()*(math.Log(1e10)-math.Log(1e3))))
		switch rng.IntN(200) {
		case 0:
			d = 2 * time.Hour
		case 1:
			d = time.Duration(rng.IntN(1000))
		}
		s := streamSample{
			at:   time.Duration(rng.Int64N(int64(span+time.Second))) - time.Second,
			kind: kinds[rng.IntN(len(kinds))], tags: rng.IntN(6), d: d, ok: rng.IntN(10) > 0,
			status: []int{200, 200, 201, 404, 500}[rng.IntN(5)],
		}
		if !s.ok && rng.IntN(3) == 0 {
			s.status, s.errCode = 0, 1211
		}
		out[i] = s
	}
	return out
}

// recordSample records s into rec's registry at start+s.at, moving the shared clock there
// first (checks, iterations, groups and drops are timed by the registry's clock).
func recordSample(clock *fakeClock, start time.Time, reg *Registry, rec *Recorder, tags []*TagSet, s streamSample) {
	at := start.Add(s.at)
	clock.Set(at)
	tg := tags[s.tags]
	switch s.kind {
	case kindHTTP:
		h := okSample(tg, at, s.d)
		h.Status, h.ErrorCode, h.Expected = s.status, s.errCode, s.ok
		h.HasCorrected, h.Corrected = s.ok, s.d+time.Millisecond
		rec.HTTP(h)
	case kindCheck:
		rec.Check(tg, fmt.Sprintf("check %d", s.tags%2), s.ok)
	case kindIteration:
		rec.Iteration(tg, s.d, s.ok)
	case kindGroup:
		rec.Group(tg, s.d)
	case kindDropped:
		reg.DroppedIteration(tg)
	}
}

// TestMergeEqualsOneRegistry is the merge's property: two random streams A and B recorded
// into registries ra and rb, encoded, decoded and merged, answer exactly as a registry rab
// that recorded A∪B on the same clock. The streams end at different times, so their series
// compact to different intervals, and some trials merge an empty stream.
//
// Percentiles are compared exactly, not within the histograms' 0.1%: merging adds bucket
// counts, so the merged histogram is rab's, and a tolerance would only hide a lost bucket.
// Gauges are left out: a registry keeps the last value set, where processes add up (see
// TestMergeAddsGauges).
func TestMergeEqualsOneRegistry(t *testing.T) {
	t.Parallel()
	trials := 24
	if testing.Short() {
		trials = 6
	}
	tags := streamTags()
	for trial := range trials {
		t.Run(fmt.Sprint(trial), func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(trial), 17))
			clock := newFakeClock()
			start := clock.Now()
			cfg := Config{
				Now:             clock.Now,
				SeriesInterval:  []time.Duration{100 * time.Millisecond, time.Second}[rng.IntN(2)],
				MaxSeriesPoints: []int{4, 16, 64, 0}[rng.IntN(4)],
				Submetrics: []string{
					"http_req_duration{name:a,status:200}", "http_reqs{status:503}",
					"iterations{scenario:s1}", "http_req_waiting{scenario:s2}",
				},
			}
			ra, rb, rab := mustRegistry(t, cfg), mustRegistry(t, cfg), mustRegistry(t, cfg)
			recA, recB := ra.Recorder(), rb.Recorder()
			recAB := []*Recorder{rab.Recorder(), rab.Recorder()}
			spans := []time.Duration{3 * time.Second, time.Minute, 10 * time.Minute}
			nA, nB := rng.IntN(1500), rng.IntN(1500)
			if trial%8 == 0 {
				nA = 0 // merging with an empty snapshot
			}
			a := randomStream(rng, nA, spans[rng.IntN(len(spans))])
			b := randomStream(rng, nB, spans[rng.IntN(len(spans))])
			// Interleave A and B in a random order, as concurrent processes would record.
			for len(a)+len(b) > 0 {
				if len(b) == 0 || len(a) > 0 && rng.IntN(2) == 0 {
					recordSample(clock, start, ra, recA, tags, a[0])
					recordSample(clock, start, rab, recAB[0], tags, a[0])
					a = a[1:]
				} else {
					recordSample(clock, start, rb, recB, tags, b[0])
					recordSample(clock, start, rab, recAB[1], tags, b[0])
					b = b[1:]
				}
			}
			clock.Set(start.Add(10*time.Minute + time.Second))
			sa, _ := mustRoundTrip(t, ra.Snapshot())
			sb, _ := mustRoundTrip(t, rb.Snapshot())
			got, err := Merge(sa, sb)
			if err != nil {
				t.Fatalf("Merge: %v", err)
			}
			want := rab.Snapshot()
			assertSameAnswers(t, got, want)
			if t.Failed() {
				t.Logf("config: interval %v, max points %d; %d + %d samples", cfg.SeriesInterval, cfg.MaxSeriesPoints, nA, nB)
			}
		})
	}
}

func TestMergeOfOneIsItself(t *testing.T) {
	t.Parallel()
	snap := knownSnapshot(t) // gauges included: one process adds up to itself
	got, err := Merge(snap)
	if err != nil {
		t.Fatal(err)
	}
	assertSameAnswers(t, got, snap)
}

// TestMergeAddsGauges: two processes run their own VUs, so the merged vus is their sum, in
// every interval too, a process that set nothing in an interval counting with its last value.
func TestMergeAddsGauges(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	ra, rb := mustRegistry(t, Config{Now: clock.Now}), mustRegistry(t, Config{Now: clock.Now})
	for _, set := range []struct {
		at       time.Duration
		reg      *Registry
		vus, max int
	}{
		{0, ra, 2, 5}, {0, rb, 3, 5},
		{time.Second, ra, 4, 5}, {1500 * time.Millisecond, ra, 6, 5},
		{2 * time.Second, rb, 1, 5},
		// Nothing in interval 3.
		{4 * time.Second, ra, 0, 5},
	} {
		clock.Set(start.Add(set.at))
		set.reg.SetVUs(set.vus, set.max)
	}
	clock.Set(start.Add(5 * time.Second))
	got, err := Merge(ra.Snapshot(), rb.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		key, method string
		want        float64
	}{
		{"vus", "value", 1}, // 0 + 1, the last values
		{"vus", "min", 1},   // 0 + 1, the minima
		{"vus", "max", 9},   // 6 + 3, the maxima
		{"vus_max", "value", 10},
		{"vus_max", "max", 10},
	} {
		if v := mustAggregate(t, got, tt.key, tt.method, 0); v != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.key, tt.method, v, tt.want)
		}
	}
	if mv, _ := got.Get("vus"); mv.Count != 6 {
		t.Errorf("vus was set %v times, want 6", mv.Count)
	}
	s, _ := got.Series("vus")
	pts := s.Points()
	want := []SeriesPoint{
		{Count: 2, Value: 5, Min: 5, Max: 5}, // 2 + 3
		{Count: 2, Value: 9, Min: 7, Max: 9}, // a: 4 then 6; b still 3
		{Count: 1, Value: 7, Min: 7, Max: 7}, // a still 6; b: 1
		{},                                   // nobody set anything
		{Count: 1, Value: 1, Min: 1, Max: 1}, // a: 0; b still 1
	}
	if len(pts) != len(want) {
		t.Fatalf("vus has %d points, want %d: %+v", len(pts), len(want), pts)
	}
	for i, p := range pts {
		if !p.Time.Equal(start.Add(time.Duration(i) * time.Second)) {
			t.Errorf("point %d at %v", i, p.Time)
		}
		p.Time = time.Time{}
		if p != want[i] {
			t.Errorf("point %d = %+v, want %+v", i, p, want[i])
		}
	}
}

// TestMergeAlignsSeriesOnWallClock merges process A (1 s intervals from T, one request per
// interval over 4 s) with process B, started at T+offset with its own interval, that sends
// 10 requests in its first interval and 20 in its second.
func TestMergeAlignsSeriesOnWallClock(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		offset    time.Duration
		bInterval time.Duration
		start     time.Duration // of the merged series, from T
		interval  time.Duration
		counts    []int64
	}{
		// Same start: the intervals coincide.
		{"together", 0, time.Second, 0, time.Second, []int64{11, 21, 1, 1}},
		// 1.3 s later: rounded to the nearest interval, 1 s.
		{"1.3 s later", 1300 * time.Millisecond, time.Second, 0, time.Second, []int64{1, 11, 21, 1}},
		// Halves round away from zero: 1.5 s to 2 s.
		{"1.5 s later", 1500 * time.Millisecond, time.Second, 0, time.Second, []int64{1, 1, 11, 21}},
		// B 0.4 s earlier: the merged series takes B's grid, the earliest, and A rounds onto it.
		{"0.4 s earlier", -400 * time.Millisecond, time.Second, -400 * time.Millisecond, time.Second, []int64{11, 21, 1, 1}},
		// B 0.5 s earlier: A, 0.5 s after B's start, rounds to the next interval.
		{"0.5 s earlier", -500 * time.Millisecond, time.Second, -500 * time.Millisecond, time.Second, []int64{10, 21, 1, 1, 1}},
		// B at 2 s: A's points merge in pairs onto B's grid.
		{"coarser B", 0, 2 * time.Second, 0, 2 * time.Second, []int64{12, 22}},
		// B at 2 s from T+1 s: the coarsest series keeps its grid; A's first second falls
		// into the interval before it.
		{"coarser B 1 s later", time.Second, 2 * time.Second, -time.Second, 2 * time.Second, []int64{1, 12, 21}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ca, cb := newFakeClock(), newFakeClock()
			origin := ca.Now()
			cb.Add(tt.offset)
			ra := mustRegistry(t, Config{Now: ca.Now})
			rb := mustRegistry(t, Config{Now: cb.Now, SeriesInterval: tt.bInterval})
			for i := range 4 {
				ra.Recorder().HTTP(okSample(nil, origin.Add(time.Duration(i)*time.Second), time.Millisecond))
			}
			for i := range 30 {
				at := cb.Now().Add(tt.bInterval * time.Duration(min(i/10, 1))) // 10 in interval 0, 20 in 1
				rb.Recorder().HTTP(okSample(nil, at, time.Millisecond))
			}
			ca.Add(10 * time.Second)
			cb.Add(10 * time.Second)
			got, err := Merge(ra.Snapshot(), rb.Snapshot())
			if err != nil {
				t.Fatal(err)
			}
			for _, key := range []string{"http_reqs", "http_req_duration"} {
				s, _ := got.Series(key)
				var counts []int64
				for _, p := range s.Points() {
					counts = append(counts, p.Count)
				}
				if s.Interval() != tt.interval || !s.At(0).Time.Equal(origin.Add(tt.start)) || !slices.Equal(counts, tt.counts) {
					t.Errorf("%s: every %v from T%+v: %v; want every %v from T%+v: %v", key,
						s.Interval(), s.At(0).Time.Sub(origin), counts, tt.interval, tt.start, tt.counts)
				}
			}
		})
	}
}

// TestMergeBoundsSeries: processes an hour apart at 1 s would need 3,600+ points; the merged
// series doubles its interval until it fits, as a registry's does, and keeps every sample.
func TestMergeBoundsSeries(t *testing.T) {
	t.Parallel()
	ca, cb := newFakeClock(), newFakeClock()
	cb.Add(10 * time.Hour)
	ra, rb := mustRegistry(t, Config{Now: ca.Now}), mustRegistry(t, Config{Now: cb.Now})
	for i := range 100 {
		ra.Recorder().HTTP(okSample(nil, ca.Now().Add(time.Duration(i)*time.Second), time.Millisecond))
		rb.Recorder().HTTP(okSample(nil, cb.Now().Add(time.Duration(i)*time.Second), time.Millisecond))
	}
	got, err := Merge(ra.Snapshot(), rb.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := got.Series("http_reqs")
	// 10 h + 100 s is 36,100 intervals of 1 s: 2,257 of 16 s.
	if s.Interval() != 16*time.Second || s.Len() > DefaultMaxSeriesPoints {
		t.Errorf("interval %v with %d points, want 16s and at most %d", s.Interval(), s.Len(), DefaultMaxSeriesPoints)
	}
	if w := s.Window(time.Time{}, cb.Now().Add(time.Hour)); w.Count != 200 {
		t.Errorf("series holds %d requests, want 200", w.Count)
	}
}

func TestMergeRecomputesRates(t *testing.T) {
	t.Parallel()
	ca, cb := newFakeClock(), newFakeClock()
	ra, rb := mustRegistry(t, Config{Now: ca.Now}), mustRegistry(t, Config{Now: cb.Now})
	for i := range 100 {
		ra.Recorder().HTTP(okSample(nil, ca.Now(), time.Millisecond))
		s := okSample(nil, cb.Now(), time.Millisecond)
		s.Expected = i%4 != 0 // B fails a quarter
		rb.Recorder().HTTP(s)
		rb.Recorder().HTTP(okSample(nil, cb.Now(), time.Millisecond))
	}
	ca.Add(10 * time.Second)
	cb.Add(20 * time.Second)
	got, err := Merge(ra.Snapshot(), rb.Snapshot())
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		snap      *Snapshot
		key, meth string
		want      float64
	}{
		{got, "http_reqs", "count", 300},
		{got, "http_reqs", "rate", 15},                                  // 300 over the longest Elapsed, 20 s
		{got.WithRateWindow(10 * time.Second), "http_reqs", "rate", 30}, // over the load's window
		{got, "http_req_failed", "rate", 25.0 / 300},                    // 25 failures in 300
	} {
		if v := mustAggregate(t, tt.snap, tt.key, tt.meth, 0); v != tt.want {
			t.Errorf("%s %s = %v, want %v", tt.key, tt.meth, v, tt.want)
		}
	}
	if got.Elapsed != 20*time.Second || !got.Time.Equal(cb.Now()) {
		t.Errorf("elapsed %v at %v, want 20s at %v", got.Elapsed, got.Time, cb.Now())
	}
}

// withType returns a copy of snap in which key has another type and kind.
func withType(snap *Snapshot, key string, typ Type, kind ValueKind) *Snapshot {
	out := *snap
	out.metrics = slices.Clone(snap.metrics)
	out.byKey = map[string]*MetricValue{}
	for i, mv := range out.metrics {
		if mv.Key == key {
			c := *mv
			c.Type, c.Kind = typ, kind
			out.metrics[i] = &c
		}
		out.byKey[out.metrics[i].Key] = out.metrics[i]
	}
	return &out
}

func TestMergeRejects(t *testing.T) {
	t.Parallel()
	snap := knownSnapshot(t)
	clock := newFakeClock()
	at := func(iv time.Duration) *Snapshot {
		r := mustRegistry(t, Config{Now: clock.Now, SeriesInterval: iv})
		r.Recorder().HTTP(okSample(nil, clock.Now(), time.Millisecond))
		return r.Snapshot()
	}
	tests := []struct {
		name  string
		snaps []*Snapshot
		want  string // in the error
	}{
		// Nothing to merge is a caller's mistake, not an empty run.
		{"none", nil, "no snapshots"},
		{"nil", []*Snapshot{snap, nil}, "snapshot 1 is nil"},
		// The same key as a counter and a gauge: different programs, or a corrupt file.
		{"type", []*Snapshot{snap, withType(snap, "http_reqs", Gauge, Default)}, "http_reqs is a counter (kind 0) in snapshot 0 but a gauge"},
		{"kind", []*Snapshot{snap, withType(snap, "data_sent", Counter, Time)}, "data_sent is a counter (kind 2)"},
		// 2 s and 3 s points cannot be cut into each other.
		{"intervals", []*Snapshot{at(2 * time.Second), at(3 * time.Second)}, "does not divide"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := Merge(tt.snaps...)
			if err == nil || !strings.Contains(err.Error(), tt.want) || got != nil {
				t.Fatalf("Merge = %v, %v; want an error containing %q", got, err, tt.want)
			}
		})
	}
}
