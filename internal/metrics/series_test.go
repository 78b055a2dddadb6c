package metrics

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

func TestSeriesPointsPerInterval(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(t, Config{Now: clock.Now})
	rec := reg.Recorder()
	at := func(sec float64) time.Time { return start.Add(time.Duration(sec * float64(time.Second))) }
	// Interval 0: three requests; interval 1: two; interval 2: none; interval 3: one failure.
	for _, sec := range []float64{0, 0.4, 0.99} {
		rec.HTTP(okSample(nil, at(sec), 10*time.Millisecond))
	}
	rec.HTTP(okSample(nil, at(1.0), 20*time.Millisecond))
	rec.HTTP(okSample(nil, at(1.5), 30*time.Millisecond))
	bad := okSample(nil, at(3.2), 40*time.Millisecond)
	bad.Status, bad.Expected = 500, false
	rec.HTTP(bad)
	reg.SetVUs(4, 8)
	clock.Add(2500 * time.Millisecond)
	reg.SetVUs(6, 8)
	clock.Add(time.Second)
	snap := reg.Snapshot()

	reqs, ok := snap.Series("http_reqs")
	if !ok {
		t.Fatal("no http_reqs series")
	}
	if reqs.Interval() != time.Second {
		t.Fatalf("interval = %v, want 1s", reqs.Interval())
	}
	pts := reqs.Points()
	wantCounts := []int64{3, 2, 0, 1}
	if len(pts) != len(wantCounts) {
		t.Fatalf("http_reqs has %d points, want %d: %+v", len(pts), len(wantCounts), pts)
	}
	for i, p := range pts {
		if p.Count != wantCounts[i] || !p.Time.Equal(at(float64(i))) {
			t.Errorf("point %d = %d at %v, want %d at %v", i, p.Count, p.Time, wantCounts[i], at(float64(i)))
		}
	}
	if reqs.Len() != 4 || reqs.At(1) != pts[1] || reqs.At(3) != pts[3] {
		t.Errorf("Len/At disagree with Points: %d, %+v", reqs.Len(), reqs.At(1))
	}
	if (reqs.At(-1) != SeriesPoint{}) || (reqs.At(4) != SeriesPoint{}) {
		t.Error("At out of range: want the zero point")
	}
	dur, _ := snap.Series("http_req_duration")
	dp := dur.Points()
	if dp[1].Count != 2 || dp[1].Min != 20 || dp[1].Max != 30 || dp[1].Sum != 50 {
		t.Errorf("duration point 1 = %+v, want 2 samples 20..30 ms", dp[1])
	}
	// Series points have 2 significant digits: within 1%.
	if math.Abs(dp[1].P50-20) > 0.2 || dp[1].P99 != 30 {
		t.Errorf("duration point 1 percentiles p50 %v p99 %v, want 20 (±1%%) and 30", dp[1].P50, dp[1].P99)
	}
	failed, _ := snap.Series("http_req_failed")
	// http_req_failed counts failures as the rate's "passes" (true values), as k6 does.
	if fp := failed.Points(); fp[3].Passes != 1 || fp[3].Fails != 0 || fp[0].Passes != 0 || fp[0].Fails != 3 {
		t.Errorf("failed points = %+v", fp)
	}
	vus, _ := snap.Series("vus")
	vp := vus.Points()
	if len(vp) != 3 || vp[0].Value != 4 || vp[2].Value != 6 {
		t.Errorf("vus points = %+v, want 4 at 0 s and 6 at 2 s", vp)
	}
}

func TestSeriesIsBoundedAndKeepsTotals(t *testing.T) {
	t.Parallel()
	const intervals, maxPoints = 10_000, 100
	clock := newFakeClock()
	reg := mustRegistry(t, Config{Now: clock.Now, MaxSeriesPoints: maxPoints})
	rec := reg.Recorder()
	// All but the last minute has aged: the whole window reads at one digit, exactly.
	check := hdr.New(1, maxMicros, coarseDigits)
	for i := range intervals {
		d := time.Duration(1+i%100) * time.Millisecond
		rec.HTTP(okSample(nil, clock.Now(), d))
		_ = check.RecordValue(int64(d / time.Microsecond))
		clock.Add(time.Second)
	}
	snap := reg.Snapshot()
	for _, key := range []string{"http_reqs", "http_req_duration", "http_req_failed"} {
		s, _ := snap.Series(key)
		pts := s.Points()
		if len(pts) > maxPoints {
			t.Errorf("%s: %d points, want at most %d", key, len(pts), maxPoints)
		}
		// 10,000 s in at most 100 points: the interval doubled up to 128 s.
		if s.Interval() != 128*time.Second {
			t.Errorf("%s: interval %v, want 128s", key, s.Interval())
		}
		var total int64
		for _, p := range pts {
			total += p.Count
		}
		if total != intervals {
			t.Errorf("%s: points hold %d samples, want %d", key, total, intervals)
		}
	}
	s, _ := snap.Series("http_req_duration")
	w := s.Window(time.Time{}, clock.Now())
	want := clampPercentile(coarseMiddle(check.ValueAtPercentile(95)), w.Min, w.Max)
	if w.Count != intervals || w.Percentile(95) != want {
		t.Errorf("window = %d samples p95 %v, want %d and %v", w.Count, w.Percentile(95), intervals, want)
	}
}

func TestSeriesWindowIsExact(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(t, Config{Now: clock.Now})
	recs := []*Recorder{reg.Recorder(), reg.Recorder(), reg.Recorder()}
	rng := rand.New(rand.NewPCG(1, 2))
	// 30 s of traffic; the window is [10 s, 20 s).
	inWindow := hdr.New(1, maxMicros, seriesDigits)
	var n, fails int64
	lo, hi := time.Duration(1<<62), time.Duration(0)
	for sec := range 30 {
		for j := range 200 {
			d := datasets[2].gen(rng)
			s := okSample(nil, start.Add(time.Duration(sec)*time.Second+time.Duration(j)*time.Millisecond), d)
			if j%25 == 0 {
				s.Expected = false
			}
			// Recorders take turns, and some samples arrive late (timed 6 s earlier than
			// the others, beyond the shard's current intervals).
			if j%40 == 0 && sec >= 6 {
				s.Time = s.Time.Add(-6 * time.Second)
			}
			recs[j%len(recs)].HTTP(s)
			if st := s.Time.Sub(start); st >= 10*time.Second && st < 20*time.Second {
				_ = inWindow.RecordValue((int64(d) + 500) / 1000)
				n++
				if !s.Expected {
					fails++
				}
				lo, hi = min(lo, d), max(hi, d)
			}
		}
	}
	clock.Add(30 * time.Second)
	snap := reg.Snapshot()
	from, to := start.Add(10*time.Second), start.Add(20*time.Second)
	dur, _ := snap.Series("http_req_duration")
	w := dur.Window(from, to)
	if w.Count != n || w.Min != float64(lo)/1e6 || w.Max != float64(hi)/1e6 {
		t.Fatalf("window = %d samples in [%v, %v], want %d in [%v, %v]", w.Count, w.Min, w.Max, n, float64(lo)/1e6, float64(hi)/1e6)
	}
	for _, p := range []float64{50, 95, 99} {
		want := min(max(usToMs(inWindow.ValueAtPercentile(p)), w.Min), w.Max)
		if got := w.Percentile(p); got != want {
			t.Errorf("window p(%v) = %v, want %v", p, got, want)
		}
	}
	failed, _ := snap.Series("http_req_failed")
	fw := failed.Window(from, to)
	if fw.Passes != fails || fw.Count != n || fw.Rate != float64(fails)/float64(n) {
		t.Errorf("failed window = %+v, want %d of %d", fw, fails, n)
	}
	reqs, _ := snap.Series("http_reqs")
	if rw := reqs.Window(from, to); rw.Count != n || rw.Rate != float64(n)/10 {
		t.Errorf("http_reqs window = %d at %v/s, want %d at %v/s", rw.Count, rw.Rate, n, float64(n)/10)
	}
	if empty := dur.Window(to.Add(time.Hour), to.Add(2*time.Hour)); empty.Count != 0 || empty.Percentile(95) != 0 {
		t.Errorf("window after the run = %+v, want empty", empty)
	}
}

// TestMemoryDoesNotGrowWithSamples is not parallel: it measures the heap, and parallel
// tests only start once the package's sequential tests are done.
func TestMemoryDoesNotGrowWithSamples(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("records two million samples; the race detector distorts the heap anyway")
	}
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(t, Config{Now: clock.Now})
	tpl := benchTemplates(8)
	recs := []*Recorder{reg.Recorder(), reg.Recorder()}
	var rng *rand.Rand
	record := func(seed uint64, n int) {
		rng = rand.New(rand.NewPCG(seed, seed))
		for i := range n {
			// Ten series intervals, whatever n: growth with the run's length is bounded
			// by MaxSeriesPoints and tested above.
			at := start.Add(time.Duration(i*10/n) * time.Second)
			recs[i%2].HTTP(okSample(tpl[i%len(tpl)], at, datasets[i%len(datasets)].gen(rng)))
		}
	}
	heap := func() uint64 {
		_ = reg.Snapshot()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	record(1, 10_000)
	small := heap()
	record(2, 1_000_000)
	large := heap()
	record(2, 1_000_000) // the same values again: no new histogram bucket
	again := heap()
	t.Logf("heap after 1e4 samples: %d KB; 1e6 more: %d KB; the same 1e6 again: %d KB", small/1024, large/1024, again/1024)
	// A store that kept samples would need 8 MB per million values per metric. Here the first
	// million still populates histogram buckets of the long-tailed datasets (bounded by the
	// histograms' geometry, see the package doc); the same million again must leave the heap
	// flat.
	if large > small+2<<20 {
		t.Errorf("heap grew by %d KB over the first million samples, want < 2 MB", (large-small)/1024)
	}
	if again > large+64<<10 {
		t.Errorf("heap grew by %d KB recording the same million samples again, want < 64 KB", (again-large)/1024)
	}
	runtime.KeepAlive(reg)
}

func TestSnapshotsDoNotChangeAfterwards(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(t, Config{Now: clock.Now, MaxSeriesPoints: 4})
	rec := reg.Recorder()
	rec.HTTP(okSample(nil, start, time.Millisecond))
	rec.HTTP(okSample(nil, start.Add(time.Second), time.Millisecond))
	first := reg.Snapshot()
	// More samples in the intervals the first snapshot holds, in a new one, and enough later
	// ones to make the series merge its points.
	rec.HTTP(okSample(nil, start, 2*time.Millisecond))
	rec.HTTP(okSample(nil, start.Add(2*time.Second), 2*time.Millisecond))
	second := reg.Snapshot()
	rec.HTTP(okSample(nil, start.Add(9*time.Second), 2*time.Millisecond))
	third := reg.Snapshot()

	counts := func(s *Snapshot) []int64 {
		ser, _ := s.Series("http_req_duration")
		var out []int64
		for _, p := range ser.Points() {
			out = append(out, p.Count)
		}
		return out
	}
	for _, tt := range []struct {
		name string
		snap *Snapshot
		want []int64
	}{
		{"first", first, []int64{1, 1}},      // as taken, despite the later samples
		{"second", second, []int64{2, 1, 1}}, // one more in interval 0, a new interval 2
		{"third", third, []int64{4, 0, 1}},   // 10 s in at most 4 points: 4 s per point
	} {
		if got := counts(tt.snap); !slices.Equal(got, tt.want) {
			t.Errorf("%s: counts %v, want %v", tt.name, got, tt.want)
		}
	}
	if mv, _ := first.Get("http_req_duration"); mv.Count != 2 || mv.Max != 1 {
		t.Errorf("first snapshot changed: %+v", mv)
	}
}

// TestSeriesAgesOldPoints checks the precision a series keeps: the points that start more
// than RecentSeriesPoints intervals before the latest hold one-digit histograms, the recent
// ones two, and counts, sums and extremes stay exact in both, whether a sample arrives in
// time, late into an aged interval, or through another recorder's shard.
func TestSeriesAgesOldPoints(t *testing.T) {
	t.Parallel()
	const intervals, recent = 20, 5
	type late struct {
		interval int
		other    bool // through a second recorder (another shard, handed over at Snapshot)
	}
	tests := []struct {
		name string
		late []late
	}{
		{"in time", nil},
		// Older than the recorder's current intervals: straight into the aged point.
		{"late into an aged point", []late{{3, false}, {14, false}}},
		// A slot of another shard, merged into the aged point at Snapshot.
		{"late slot of another shard", []late{{2, true}, {0, true}}},
		// An aged interval that had no point yet: its first point is coarse at once.
		{"late into an empty aged interval", []late{{7, false}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			start := clock.Now()
			reg := mustRegistry(t, Config{Now: clock.Now, RecentSeriesPoints: recent})
			recs := []*Recorder{reg.Recorder(), reg.Recorder()}
			rng := rand.New(rand.NewPCG(7, uint64(len(tt.late))))
			fine := make([]*hdr.Histogram, intervals)
			coarse := make([]*hdr.Histogram, intervals)
			counts := make([]int64, intervals)
			all := hdr.New(1, maxMicros, coarseDigits)
			record := func(rec *Recorder, i int) {
				d := datasets[2].gen(rng)
				rec.HTTP(okSample(nil, start.Add(time.Duration(i)*time.Second), d))
				us := (int64(d) + 500) / 1000
				_ = fine[i].RecordValue(us)
				_ = coarse[i].RecordValue(us)
				_ = all.RecordValue(us)
				counts[i]++
			}
			for i := range intervals {
				fine[i], coarse[i] = hdr.New(1, maxMicros, seriesDigits), hdr.New(1, maxMicros, coarseDigits)
				if i == 7 && len(tt.late) > 0 && tt.late[0].interval == 7 {
					continue // left empty for the late sample
				}
				for range 50 {
					record(recs[0], i)
				}
			}
			for _, l := range tt.late {
				rec := recs[0]
				if l.other {
					rec = recs[1]
				}
				record(rec, l.interval)
			}
			clock.Set(start.Add(intervals * time.Second))
			s, _ := reg.Snapshot().Series("http_req_duration")
			pts := s.Points()
			if len(pts) != intervals {
				t.Fatalf("%d points, want %d", len(pts), intervals)
			}
			for i, p := range pts {
				aged := i < intervals-recent
				if got := s.pts[i].coarse != nil; got != aged || (s.pts[i].h != nil) == aged {
					t.Errorf("point %d: coarse %v, full %v; want coarse %v", i, got, s.pts[i].h != nil, aged)
				}
				want := func(p float64) int64 { return fine[i].ValueAtPercentile(p) }
				if aged {
					want = func(p float64) int64 { return coarseMiddle(coarse[i].ValueAtPercentile(p)) }
				}
				if p.Count != counts[i] {
					t.Errorf("point %d: %d samples, want %d", i, p.Count, counts[i])
				}
				for _, q := range []struct {
					p   float64
					got float64
				}{{50, p.P50}, {90, p.P90}, {95, p.P95}, {99, p.P99}} {
					if w := clampPercentile(want(q.p), p.Min, p.Max); q.got != w {
						t.Errorf("point %d (aged %v): p(%v) = %v, want %v", i, aged, q.p, q.got, w)
					}
				}
			}
			// The whole series merges at one digit, exactly; the recent part at two.
			w := s.Window(start, clock.Now())
			if want := clampPercentile(coarseMiddle(all.ValueAtPercentile(95)), w.Min, w.Max); w.Count != all.TotalCount() || w.Percentile(95) != want {
				t.Errorf("whole window: %d samples, p95 %v; want %d, %v", w.Count, w.Percentile(95), all.TotalCount(), want)
			}
			last := hdr.New(1, maxMicros, seriesDigits)
			for i := intervals - recent; i < intervals; i++ {
				last.Merge(fine[i])
			}
			rw := s.Window(start.Add((intervals-recent)*time.Second), clock.Now())
			if rw.Percentile(95) != clampPercentile(last.ValueAtPercentile(95), rw.Min, rw.Max) {
				t.Errorf("recent window p95 %v, want %v", rw.Percentile(95), usToMs(last.ValueAtPercentile(95)))
			}
		})
	}
}
