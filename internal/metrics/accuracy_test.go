package metrics

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// dataset generates n durations from one distribution, as sketches-go's dataset generators do
// for its accuracy tests.
type dataset struct {
	name string
	gen  func(r *rand.Rand) time.Duration
}

var datasets = []dataset{
	// Uniform between 1 ms and 1 s: every percentile lands in a different bucket range.
	{"uniform", func(r *rand.Rand) time.Duration {
		return time.Millisecond + time.Duration(r.Int64N(int64(999*time.Millisecond)))
	}},
	// Normal around 100 ms (sd 20 ms), clipped at 1 ms: a healthy API.
	{"normal", func(r *rand.Rand) time.Duration {
		return time.Duration(max(1e6, 100e6+20e6*r.NormFloat64()))
	}},
	// Lognormal with median ~3 ms and a long right tail: typical latency.
	{"lognormal", func(r *rand.Rand) time.Duration {
		return time.Duration(math.Exp(15 + 1.2*r.NormFloat64()))
	}},
	// Pareto (alpha 1.5) from 2 ms: a heavy tail of stalls, capped below the 1 h ceiling.
	{"pareto", func(r *rand.Rand) time.Duration {
		v := 2e6 / math.Pow(1-r.Float64(), 1/1.5)
		return time.Duration(min(v, 3e12))
	}},
}

// exactPercentile is the value at rank ceil(p/100·n) of sorted, HdrHistogram's definition.
func exactPercentile(sorted []time.Duration, p float64) float64 {
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return float64(sorted[rank-1]) / 1e6
}

func TestPercentileAccuracy(t *testing.T) {
	t.Parallel()
	const n = 120_000
	percentiles := []float64{1, 10, 50, 75, 90, 95, 99, 99.9, 99.99}
	for i, ds := range datasets {
		t.Run(ds.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(i), 42))
			clock := newFakeClock()
			reg := mustRegistry(t, Config{Now: clock.Now})
			rec := reg.Recorder()
			tags := NewTags(map[string]string{"name": "x"})
			values := make([]time.Duration, n)
			var sum float64
			for j := range values {
				values[j] = ds.gen(rng)
				sum += float64(values[j])
				rec.HTTP(okSample(tags, clock.Now(), values[j]))
			}
			slices.Sort(values)
			snap := reg.Snapshot()
			for _, key := range []string{"http_req_duration", "http_req_duration{name:x}"} {
				for _, p := range percentiles {
					got := mustAggregate(t, snap, key, "p", p)
					want := exactPercentile(values, p)
					if rel := math.Abs(got-want) / want; rel > 0.01 {
						t.Errorf("%s p(%v) = %.4f ms, exact %.4f ms: off by %.2f%%", key, p, got, want, 100*rel)
					}
				}
				if got, want := mustAggregate(t, snap, key, "min", 0), float64(values[0])/1e6; got != want {
					t.Errorf("%s min = %v, want %v", key, got, want)
				}
				if got, want := mustAggregate(t, snap, key, "max", 0), float64(values[n-1])/1e6; got != want {
					t.Errorf("%s max = %v, want %v", key, got, want)
				}
				if got, want := mustAggregate(t, snap, key, "avg", 0), sum/n/1e6; math.Abs(got-want) > 1e-9*want {
					t.Errorf("%s avg = %v, want %v", key, got, want)
				}
			}
		})
	}
}

// TestSeriesPercentileAccuracy bounds the error of series percentiles against the exact
// ones, in a recent point (two digits: 1%) and in an aged one (one digit, the middle of the
// bucket: 3.2%), for each dataset.
func TestSeriesPercentileAccuracy(t *testing.T) {
	t.Parallel()
	const n = 20_000
	for i, ds := range datasets {
		t.Run(ds.name, func(t *testing.T) {
			t.Parallel()
			rng := rand.New(rand.NewPCG(uint64(i), 43))
			clock := newFakeClock()
			start := clock.Now()
			reg := mustRegistry(t, Config{Now: clock.Now, RecentSeriesPoints: 2})
			rec := reg.Recorder()
			values := make([]time.Duration, n)
			for j := range values {
				values[j] = ds.gen(rng)
				rec.HTTP(okSample(nil, start, values[j])) // interval 0, aged below
				rec.HTTP(okSample(nil, start.Add(5*time.Second), values[j]))
			}
			slices.Sort(values)
			clock.Add(6 * time.Second)
			s, _ := reg.Snapshot().Series("http_req_duration")
			pts := s.Points()
			if s.pts[0].coarse == nil || s.pts[5].h == nil {
				t.Fatal("want an aged point 0 and a recent point 5")
			}
			for _, tt := range []struct {
				what string
				p    SeriesPoint
				tol  float64
			}{{"aged", pts[0], 0.032}, {"recent", pts[5], 0.01}} {
				for _, q := range []struct {
					p   float64
					got float64
				}{{50, tt.p.P50}, {90, tt.p.P90}, {95, tt.p.P95}, {99, tt.p.P99}} {
					want := exactPercentile(values, q.p)
					// Values are recorded to the µs.
					if rel := math.Abs(q.got-want) / want; rel > tt.tol && math.Abs(q.got-want) > 0.001 {
						t.Errorf("%s point p(%v) = %.4f ms, exact %.4f ms: off by %.2f%%, want at most %.1f%%", tt.what, q.p, q.got, want, 100*rel, 100*tt.tol)
					}
				}
			}
		})
	}
}

func TestMergeAcrossRecordersIsExact(t *testing.T) {
	t.Parallel()
	const recorders, perRecorder = 16, 5000
	clock := newFakeClock()
	reg := mustRegistry(t, Config{Now: clock.Now})
	// One histogram over all the data, with the geometry of the whole-run trends.
	whole := hdr.New(1, maxMicros, wholeDigits)
	// And one with the series geometry, for the window.
	window := hdr.New(1, maxMicros, seriesDigits)
	rng := rand.New(rand.NewPCG(7, 7))
	recs := make([]*Recorder, recorders)
	for i := range recs {
		recs[i] = reg.Recorder()
	}
	lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
	var shards = map[int]bool{}
	for _, rec := range recs {
		shards[rec.home] = true
	}
	for j := range perRecorder {
		for i, rec := range recs {
			d := datasets[(i+j)%len(datasets)].gen(rng)
			rec.HTTP(okSample(nil, clock.Now(), d))
			lo, hi = min(lo, d), max(hi, d)
			us := (int64(d) + 500) / 1000
			_ = whole.RecordValue(us)
			_ = window.RecordValue(us)
		}
		if j%1000 == 999 {
			clock.Add(time.Second) // spread over several series points
		}
	}
	snap := reg.Snapshot()
	if len(reg.shards) > 1 && len(shards) < 2 {
		t.Fatalf("recorders all landed on one of %d shards", len(reg.shards))
	}
	mv, _ := snap.Get("http_req_duration")
	if int64(mv.Count) != whole.TotalCount() {
		t.Fatalf("count = %v, want %d", mv.Count, whole.TotalCount())
	}
	for _, p := range []float64{0, 25, 50, 90, 99, 99.9, 100} {
		// Percentiles are clamped to the exact extremes.
		want := min(max(usToMs(whole.ValueAtPercentile(p)), float64(lo)/1e6), float64(hi)/1e6)
		if got := mv.Percentile(p); got != want {
			t.Errorf("merged p(%v) = %v, single histogram %v", p, got, want)
		}
	}
	s, ok := snap.Series("http_req_duration")
	if !ok {
		t.Fatal("no series for http_req_duration")
	}
	w := s.Window(time.Time{}, clock.Now().Add(time.Hour))
	if w.Count != whole.TotalCount() {
		t.Fatalf("window count = %d, want %d", w.Count, whole.TotalCount())
	}
	for _, p := range []float64{50, 95, 99} {
		want := min(max(usToMs(window.ValueAtPercentile(p)), float64(lo)/1e6), float64(hi)/1e6)
		if got := w.Percentile(p); got != want {
			t.Errorf("window p(%v) = %v, single histogram %v", p, got, want)
		}
	}
}
