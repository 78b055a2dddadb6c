package metrics

import (
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// daySeriesBound is what the series of TestSeriesMemoryIsBoundedOverADay may retain at any
// hour. Measured: 9.2 to 11.0 MB at the peaks (3,600 points per series, just before each
// compaction), most of it the points' counts and sums (72 bytes a point) in 34 series; the
// coarse histograms of the 12 trend series grow a little as compaction merges them, up to
// the one-digit geometry's bucket count. With a full histogram in every point, as before
// points aged, the same day peaks at 15.8 MB in its first hour and 24.6 MB in its last.
const daySeriesBound = 14 << 20

// TestSeriesMemoryIsBoundedOverADay feeds a registry a simulated day, 86,400 one-second
// intervals on a fake clock, of HTTP requests over three names (with failures, corrected
// durations, late samples), checks, iterations and groups, and a configured sub-metric:
// 34 series, 12 of them trends with point histograms. Every hour it measures what the series
// retain (series.memSize, and the heap after a GC): the peaks must stay under a fixed bound
// and not rise in the day's second half. Totals and the whole-run percentiles, which come
// from the sinks, must be exact at the end of the day, and the day's series must still add
// up to them.
//
// Not parallel: it reads the heap, which parallel tests would disturb.
func TestSeriesMemoryIsBoundedOverADay(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector slows recording tenfold and distorts the heap; TestSeriesAgesOldPoints covers the same paths")
	}
	hours := 24
	if testing.Short() {
		hours = 6 // three compactions
	}
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(t, Config{Now: clock.Now, Submetrics: []string{"http_req_duration{name:a,status:200}"}})
	names := []string{"a", "b", "c"}
	tags := make([]*TagSet, len(names))
	for i, n := range names {
		tags[i] = NewTags(map[string]string{"name": n, "group": "::" + n, "scenario": "day"})
	}
	recs := []*Recorder{reg.Recorder(), reg.Recorder()}
	rng := rand.New(rand.NewPCG(86400, 1))
	whole := hdr.New(1, maxMicros, wholeDigits) // what the sink must hold
	coarse := hdr.New(1, maxMicros, coarseDigits)
	var n, fails, sumNs int64
	http := func(rec *Recorder, at time.Time, i int) {
		d := datasets[i%len(datasets)].gen(rng)
		s := okSample(tags[i%len(tags)], at, d)
		s.HasCorrected, s.Corrected = true, d+time.Duration(rng.IntN(1000))*time.Microsecond
		if i%97 == 0 {
			s.Status, s.Expected = 500, false
			fails++
		}
		rec.HTTP(s)
		us := (int64(d) + 500) / 1000
		_ = whole.RecordValue(us)
		_ = coarse.RecordValue(us)
		n++
		sumNs += int64(d)
	}
	var peaks, heaps []int
	for h := range hours {
		peak, heap := 0, 0
		for sec := h * 3600; sec < (h+1)*3600; sec++ {
			at := start.Add(time.Duration(sec) * time.Second)
			clock.Set(at)
			for j := range 4 {
				http(recs[j%2], at.Add(time.Duration(j)*200*time.Millisecond), sec+j)
			}
			if sec%10 == 0 && sec >= 90 {
				http(recs[1], at.Add(-90*time.Second), sec) // late, into an aged interval
			}
			tg := tags[sec%len(tags)]
			recs[0].Check(tg, "status is 200", sec%97 != 0)
			recs[0].Iteration(tg, time.Duration(1+sec%500)*time.Millisecond, true)
			recs[1].Group(tg, time.Duration(1+sec%300)*time.Millisecond)
			// Each series peaks just before it compacts, at 3,600 points: measure there too.
			if sec%600 == 599 || (sec+1)%3600 == 0 {
				_ = reg.Snapshot() // hands the shards' slots over, as the live display does
				peak = max(peak, reg.seriesMemory())
			}
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		heap = int(ms.HeapAlloc)
		peaks, heaps = append(peaks, peak), append(heaps, heap)
		t.Logf("hour %2d: series %5d KB at most, heap %6d KB", h+1, peak>>10, heap>>10)
	}
	clock.Set(start.Add(time.Duration(hours) * time.Hour))
	snap := reg.Snapshot()

	for h, p := range peaks {
		if p > daySeriesBound {
			t.Errorf("hour %d: the series retain %d KB, want at most %d KB", h+1, p>>10, daySeriesBound>>10)
		}
	}
	half := len(peaks) / 2
	early, late := maxOf(peaks[:half]), maxOf(peaks[half:])
	if late > early+early/8 {
		t.Errorf("the series grew with the run: %d KB at most in its first half, %d KB in its second", early>>10, late>>10)
	}
	if eh, lh := maxOf(heaps[:half]), maxOf(heaps[half:]); lh > eh+2<<20 {
		t.Errorf("the heap grew with the run: %d KB at most in its first half, %d KB in its second", eh>>10, lh>>10)
	}

	// Totals and whole-run percentiles, from the sinks: exact.
	reqs, _ := snap.Get("http_reqs")
	failed, _ := snap.Get("http_req_failed")
	dur, _ := snap.Get("http_req_duration")
	if reqs.Count != float64(n) || failed.Passes != fails || dur.Count != float64(n) || dur.sum != float64(sumNs) {
		t.Errorf("totals: %v requests, %d failed, %v durations summing to %v ns; want %d, %d, %d, %d",
			reqs.Count, failed.Passes, dur.Count, dur.sum, n, fails, n, sumNs)
	}
	for _, p := range []float64{50, 95, 99, 99.9} {
		if got, want := dur.Percentile(p), clampPercentile(whole.ValueAtPercentile(p), dur.Min, dur.Max); got != want {
			t.Errorf("whole-run p(%v) = %v, want %v", p, got, want)
		}
	}
	// The day's series add up to the same totals; its percentiles, aged, at one digit.
	for _, key := range []string{"http_reqs", "http_req_duration", "http_req_failed"} {
		s, _ := snap.Series(key)
		w := s.Window(start, clock.Now())
		if w.Count != n {
			t.Errorf("%s: the day's window holds %d samples, want %d", key, w.Count, n)
		}
	}
	s, _ := snap.Series("http_req_duration")
	w := s.Window(start, clock.Now())
	if got, want := w.Percentile(95), clampPercentile(coarseMiddle(coarse.ValueAtPercentile(95)), w.Min, w.Max); got != want {
		t.Errorf("the day's window p95 = %v, want %v", got, want)
	}
	if got := len(snap.series); got != 34 {
		t.Errorf("%d series, want the 34 the bound was measured on", got)
	}
	t.Logf("%d samples; %d series of %d points every %v", n, len(snap.series), s.Len(), s.Interval())
	runtime.KeepAlive(reg)
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
