package metrics

import (
	"math"
	"reflect"
	"slices"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// probePercentiles are the percentiles the comparisons ask for: the usual thresholds, the
// extremes and a few in between.
var probePercentiles = []float64{0, 1, 25, 50, 75, 90, 95, 99, 99.9, 100}

// aggregations are every (method, arg) Aggregate answers for some type; asking a type for
// another's is part of the comparison too (both must say "no").
var aggregations = []struct {
	method string
	arg    float64
}{
	{"count", 0}, {"rate", 0}, {"value", 0}, {"min", 0}, {"max", 0}, {"avg", 0}, {"med", 0},
	{"p", 50}, {"p", 90}, {"p", 95}, {"p", 99}, {"p", 99.9}, {"p", 100}, {"p", 101},
}

// assertSameAnswers fails unless got answers every question a Snapshot answers exactly as
// want does: Time, Elapsed, Truncated, Metrics, Get, Aggregate, Percentile, Series, Points and
// Window. Histograms are compared bucket by bucket.
func assertSameAnswers(t *testing.T, got, want *Snapshot) {
	t.Helper()
	if !got.Time.Equal(want.Time) || got.Elapsed != want.Elapsed {
		t.Errorf("time %v, elapsed %v; want %v, %v", got.Time, got.Elapsed, want.Time, want.Elapsed)
	}
	if !slices.Equal(got.Truncated, want.Truncated) {
		t.Errorf("Truncated = %v, want %v", got.Truncated, want.Truncated)
	}
	gm, wm := got.Metrics(), want.Metrics()
	if len(gm) != len(wm) {
		t.Errorf("%d metrics, want %d: %v vs %v", len(gm), len(wm), metricKeys(gm), metricKeys(wm))
	}
	for i := range min(len(gm), len(wm)) {
		assertSameValue(t, gm[i], wm[i])
	}
	for _, mv := range wm {
		for _, a := range aggregations {
			gv, gok := got.Aggregate(mv.Key, a.method, a.arg)
			wv, wok := want.Aggregate(mv.Key, a.method, a.arg)
			if gv != wv || gok != wok {
				t.Errorf("%s %s(%v) = %v, %v; want %v, %v", mv.Key, a.method, a.arg, gv, gok, wv, wok)
			}
		}
		if _, ok := got.Get(mv.Key); !ok {
			t.Errorf("Get(%q): not found", mv.Key)
		}
		if len(mv.Tags) > 0 {
			// As written in a threshold, with spaces.
			spaced := mv.Name + "{ " + mv.Tags[0].Key + " : " + mv.Tags[0].Value + " }"
			if _, ok := want.Get(spaced); ok {
				if _, ok := got.Get(spaced); !ok {
					t.Errorf("Get(%q): not found", spaced)
				}
			}
		}
		ws, wok := want.Series(mv.Key)
		gs, gok := got.Series(mv.Key)
		if gok != wok {
			t.Errorf("Series(%q) found %v, want %v", mv.Key, gok, wok)
			continue
		}
		if wok {
			assertSameSeries(t, gs, ws)
		}
	}
}

func metricKeys(mvs []*MetricValue) []string {
	var out []string
	for _, mv := range mvs {
		out = append(out, mv.Key)
	}
	return out
}

func assertSameValue(t *testing.T, got, want *MetricValue) {
	t.Helper()
	// Every field but the histogram, compared below; new fields are compared too.
	g, w := *got, *want
	g.hist, w.hist = nil, nil
	if !reflect.DeepEqual(g, w) {
		t.Errorf("metric %s:\n got %+v\nwant %+v", want.Key, g, w)
	}
	assertSameHist(t, want.Key, got.hist, want.hist)
	for _, p := range probePercentiles {
		if gp, wp := got.Percentile(p), want.Percentile(p); gp != wp {
			t.Errorf("%s p(%v) = %v, want %v", want.Key, p, gp, wp)
		}
	}
}

// assertSameHist compares two histograms bucket by bucket (nil only equals nil).
func assertSameHist(t *testing.T, what string, got, want *hdr.PackedHistogram) {
	t.Helper()
	if (got == nil) != (want == nil) {
		t.Errorf("%s: histogram %v, want %v", what, got != nil, want != nil)
		return
	}
	if want == nil {
		return
	}
	buckets := func(h *hdr.PackedHistogram) [][2]int64 {
		var out [][2]int64
		for v, c := range h.ForEachBucket {
			out = append(out, [2]int64{v, c})
		}
		return out
	}
	if gd, wd := got.SignificantFigures(), want.SignificantFigures(); gd != wd {
		t.Errorf("%s: histogram of %d digits, want %d", what, gd, wd)
	}
	if gb, wb := buckets(got), buckets(want); !slices.Equal(gb, wb) || got.TotalCount() != want.TotalCount() {
		t.Errorf("%s: histogram buckets\n got %v\nwant %v", what, gb, wb)
	}
}

func assertSameSeries(t *testing.T, got, want *Series) {
	t.Helper()
	if got.Key != want.Key || got.Type != want.Type || got.Kind != want.Kind ||
		got.Interval() != want.Interval() || got.Len() != want.Len() {
		t.Errorf("series %s: %s %v %v every %v × %d, want %s %v %v every %v × %d", want.Key,
			got.Key, got.Type, got.Kind, got.Interval(), got.Len(),
			want.Key, want.Type, want.Kind, want.Interval(), want.Len())
		return
	}
	if !got.horizon.Equal(want.horizon) {
		t.Errorf("series %s: horizon %v, want %v", want.Key, got.horizon, want.horizon)
	}
	gp, wp := got.Points(), want.Points()
	for i := range wp {
		g, w := gp[i], wp[i]
		if !g.Time.Equal(w.Time) {
			t.Errorf("series %s point %d at %v, want %v", want.Key, i, g.Time, w.Time)
		}
		g.Time, w.Time = time.Time{}, time.Time{}
		if g != w {
			t.Errorf("series %s point %d:\n got %+v\nwant %+v", want.Key, i, g, w)
		}
		assertSameHist(t, want.Key+" point", pointHist(got.pts[i]), pointHist(want.pts[i]))
	}
	if want.Len() == 0 {
		return
	}
	// Windows: the whole series, each half, and one interval in the middle.
	first, end := wp[0].Time, wp[len(wp)-1].Time.Add(want.Interval())
	mid := wp[len(wp)/2].Time
	for _, w := range [][2]time.Time{{first, end}, {first, mid}, {mid, end}, {mid, mid.Add(want.Interval())}} {
		gw, ww := got.Window(w[0], w[1]), want.Window(w[0], w[1])
		for _, p := range probePercentiles {
			if gw.Percentile(p) != ww.Percentile(p) {
				t.Errorf("series %s window %v: p(%v) = %v, want %v", want.Key, w, p, gw.Percentile(p), ww.Percentile(p))
			}
		}
		gw.h, ww.h = nil, nil
		if gw != ww && !(math.IsNaN(gw.Avg) && math.IsNaN(ww.Avg)) {
			t.Errorf("series %s window %v:\n got %+v\nwant %+v", want.Key, w, gw, ww)
		}
	}
}

// pointHist returns a point's histogram, full or coarse; nil for no point.
func pointHist(p *pointData) *hdr.PackedHistogram {
	if p == nil {
		return nil
	}
	return p.hist()
}
