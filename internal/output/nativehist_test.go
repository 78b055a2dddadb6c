package output

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// The buckets follow Prometheus's numbering: bucket i holds (2^((i-1)/32), 2^(i/32)].
func TestNativeIndex(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		v    float64
		want int
	}{
		{1, 0},                          // 1 is bucket 0's upper bound
		{math.Nextafter(1, 2), 1},       // just above it
		{2, 32},                         // one power of two up
		{0.5, -32},                      // one down
		{math.Exp2(5.5 / 32), 6},        // inside bucket 6
		{math.Exp2(-20) * 1.0001, -639}, // about a microsecond, in seconds
	} {
		if got := nativeIndex(tc.v); got != tc.want {
			t.Errorf("nativeIndex(%v) = %d, want %d", tc.v, got, tc.want)
		}
		i := nativeIndex(tc.v)
		if !(nativeUpper(i-1) < tc.v && tc.v <= nativeUpper(i)*(1+1e-12)) {
			t.Errorf("%v is not in (%v, %v]", tc.v, nativeUpper(i-1), nativeUpper(i))
		}
	}
}

// Quantiles read from the histogram stay within one bucket (2.2%) of the exact ones, and the
// spans hold every observation.
func TestNativeHistQuantiles(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 2))
	var h nativeHist
	vals := make([]float64, 20000)
	for i := range vals {
		vals[i] = math.Exp(rng.NormFloat64()) * 0.01
		if i%100 == 0 {
			vals[i] = 0 // a phase that did not happen
		}
		h.observe(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.5, 0.9, 0.95, 0.99} {
		exact := vals[int(math.Ceil(q*float64(len(vals))))-1]
		if got := h.quantile(q); math.Abs(got-exact)/exact > 0.022 {
			t.Errorf("p%v = %v, exact %v", q*100, got, exact)
		}
	}
	if h.quantile(1) != vals[len(vals)-1] || h.max != vals[len(vals)-1] || h.zero != 200 {
		t.Errorf("max %v / %v, zero bucket %d", h.quantile(1), h.max, h.zero)
	}
	spans, counts := h.spans()
	total, n := h.zero, 0
	for _, c := range counts {
		total += c
	}
	for _, s := range spans {
		n += int(s.Length)
	}
	if total != h.count || n != len(counts) {
		t.Errorf("spans cover %d buckets for %d counts; counts add to %d of %d", n, len(counts), total, h.count)
	}
}

func TestLabelName(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"name": "name", "a-b.c": "a_b_c", "9lives": "tag_9lives", "__name__": "tag___name__", "": "tag_", "é": "tag___",
	} {
		if got := labelName(in); got != want {
			t.Errorf("labelName(%q) = %q, want %q", in, got, want)
		}
	}
}

// Tags whose label names collide keep one label: Prometheus refuses a series with two.
func TestLiveLabelCollision(t *testing.T) {
	t.Parallel()
	live := NewLive(LiveOptions{})
	tags := metrics.NewTags(map[string]string{"a-b": "1", "a_b": "2", "name": "x"})
	_ = live.WritePoints([]metrics.Point{{Metric: metrics.HTTPReqs, Value: 1, Tags: tags}})
	got := live.Collect(time.Now())
	if len(got) != 1 || len(got[0].Labels) != 2 || got[0].Labels[0] != (Label{"a_b", "1"}) {
		t.Errorf("%+v", got)
	}
}
