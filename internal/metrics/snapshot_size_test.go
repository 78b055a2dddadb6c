package metrics

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// tenMinuteSnapshot is a realistic snapshot to size the format on: 10 minutes at 100
// requests/s over four names, with checks, iterations, a VU ramp and failures, at the default
// 1 s series interval. It has 34 keys with 600 points each; the last recent intervals of
// each trend series keep full histograms, the older ones coarse ones.
func tenMinuteSnapshot(tb testing.TB, recent int) *Snapshot {
	clock := newFakeClock()
	start := clock.Now()
	reg := mustRegistry(tb, Config{Now: clock.Now, RecentSeriesPoints: recent})
	rng := rand.New(rand.NewPCG(1, 1))
	const names, rps = 4, 100
	tpl := make([]*TagSet, names)
	for i := range tpl {
		tpl[i] = NewTags(map[string]string{"name": fmt.Sprintf("endpoint_%d", i), "method": "GET", "scenario": "s"})
	}
	rec := reg.Recorder()
	for sec := range 600 {
		reg.SetVUs(min(sec, 50), 50)
		for j := range rps {
			at := start.Add(time.Duration(sec)*time.Second + time.Duration(j)*time.Second/rps)
			clock.Set(at)
			// Lognormal around 24 ms.
			s := okSample(tpl[j%names], at, time.Duration(math.Exp(17+0.8*rng.NormFloat64())))
			s.Blocked = time.Duration(rng.IntN(2000))
			switch {
			case j%50 == 0:
				s.Status, s.Expected = 500, false
			case j%70 == 0:
				s.Status, s.Expected = 404, false
			}
			rec.HTTP(s)
			rec.Check(tpl[0], "status is 200", s.Expected)
			if j%4 == 3 {
				rec.Iteration(tpl[0], 4*s.Duration, s.Expected)
			}
		}
	}
	clock.Set(start.Add(600 * time.Second))
	return reg.Snapshot()
}

// TestEncodedSize measures the format on a realistic snapshot, for the figures in the package
// doc, and keeps them from regressing: the body raw and compressed at two gzip levels, and
// the histograms in this format against HdrHistogram's own V2 encoding (zlib, base64), on one
// histogram in eight since V2 compresses each one on its own, at 200 µs apiece. Every point
// keeps its full histogram here, the most a 10-minute snapshot holds; with the default
// RecentSeriesPoints it is smaller (logged, and bounded below).
func TestEncodedSize(t *testing.T) {
	t.Parallel()
	snap := tenMinuteSnapshot(t, 600)
	var body encoder
	if err := body.snapshot(snap); err != nil {
		t.Fatal(err)
	}
	encoded, err := snap.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	gz := func(level int) int {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, level)
		_, _ = w.Write(body.b)
		_ = w.Close()
		return b.Len()
	}
	var hists, buckets, own, sampleOwn, sampleV2 int
	count := func(h interface {
		Populated() int32
		Encode() ([]byte, error)
	}, enc func(*encoder)) {
		var e encoder
		enc(&e)
		hists, buckets, own = hists+1, buckets+int(h.Populated()), own+len(e.b)
		if hists%8 != 0 {
			return
		}
		b, err := h.Encode()
		if err != nil {
			t.Fatal(err)
		}
		sampleOwn, sampleV2 = sampleOwn+len(e.b), sampleV2+len(b)
	}
	points := 0
	for _, mv := range snap.metrics {
		if mv.hist != nil {
			count(mv.hist, func(e *encoder) { e.hist(mv.hist, wholeDigits) })
		}
	}
	for _, s := range snap.series {
		points += len(s.pts)
		for _, p := range s.pts {
			if p != nil && p.h != nil {
				count(p.h, func(e *encoder) { e.hist(p.h, seriesDigits) })
			}
		}
	}
	t.Logf("%d keys, %d series points, %d histograms with %d buckets", len(snap.metrics), points, hists, buckets)
	t.Logf("body raw %d KB; gzip level 1 (MarshalBinary) %d KB; gzip level 6 %d KB",
		len(body.b)>>10, len(encoded)>>10, gz(gzip.DefaultCompression)>>10)
	t.Logf("histograms: %d KB as bucket steps; one in eight: %d KB as bucket steps, %d KB in HdrHistogram's V2 encoding",
		own>>10, sampleOwn>>10, sampleV2>>10)
	if len(snap.metrics) < 30 || points < 30*600 {
		t.Fatalf("not the snapshot the doc describes: %d keys, %d points", len(snap.metrics), points)
	}
	if len(encoded) > len(body.b)/3*2 {
		t.Errorf("gzip saves less than a third: %d of %d bytes", len(encoded), len(body.b))
	}
	if sampleOwn >= sampleV2 {
		t.Errorf("histograms take %d bytes, more than their V2 encoding's %d", sampleOwn, sampleV2)
	}
	// A regression guard for the figures in the doc (≈ 285 KB).
	if len(encoded) > 320<<10 {
		t.Errorf("encoded snapshot is %d KB, the doc says about 285 KB", len(encoded)>>10)
	}
	var def encoder
	if err := def.snapshot(tenMinuteSnapshot(t, 0)); err != nil {
		t.Fatal(err)
	}
	t.Logf("with the default RecentSeriesPoints: body raw %d KB", len(def.b)>>10)
	if len(def.b) >= len(body.b) {
		t.Errorf("coarse points take %d bytes in all, full ones %d", len(def.b), len(body.b))
	}
}
