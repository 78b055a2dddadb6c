package output

import "math"

// NativeSchema is the resolution of the native histograms ramp exports: schema 5, 32 buckets
// per power of two, so a bucket's upper bound is 2^(1/32) = 1.0219 times its lower one and a
// quantile read back from it is within 2.2% of the exact value. Prometheus allows schemas -4
// to 8; 5 keeps a latency histogram from 100 µs to 10 s to some 530 buckets at most, sent
// once a second per series, while a p95 read back still agrees with the summary's (HDR, 0.1%)
// to a couple of percent.
const NativeSchema = 5

// nativeZeroThreshold is the width of the zero bucket: client_golang's default, so that only
// zero itself (a request that had no DNS or connect phase) lands in it.
const nativeZeroThreshold = 2.938735877055719e-39

// nativeBounds are the bucket boundaries inside one power of two, as fractions in [0.5, 1)
// of math.Frexp: bound j is 2^(j/32 - 1). Computed once; never written after.
var nativeBounds = func() []float64 {
	n := 1 << NativeSchema
	b := make([]float64, n)
	for j := range b {
		b[j] = math.Exp2(float64(j)/float64(n) - 1)
	}
	return b
}()

// nativeIndex returns the bucket of v > 0, in Prometheus's numbering: bucket i holds
// (2^((i-1)/32), 2^(i/32)], so 1 is the upper bound of bucket 0.
func nativeIndex(v float64) int {
	frac, exp := math.Frexp(v)
	// The first bound ≥ frac, by hand: sort.SearchFloat64s's closure costs twice as much, and
	// this runs for every trend value of every request.
	lo, hi := 0, len(nativeBounds)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if nativeBounds[m] < frac {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo + (exp-1)*len(nativeBounds)
}

// nativeUpper returns the upper bound of bucket i.
func nativeUpper(i int) float64 {
	return math.Exp2(float64(i) / float64(int(1)<<NativeSchema))
}

// nativeHist is a cumulative native (sparse exponential) histogram of non-negative values, as
// Prometheus defines it, kept densely between the lowest and highest bucket in use: a latency
// histogram spans some hundreds of buckets, and an index into a slice is cheaper per sample
// than a map. Min and max are exact. It is not safe for concurrent use.
type nativeHist struct {
	count    uint64
	sum      float64
	zero     uint64   // values ≤ nativeZeroThreshold (and negative ones, which ramp never has)
	offset   int      // bucket index of b[0]
	b        []uint64 // counts of buckets offset … offset+len(b)-1
	min, max float64
}

// observe adds v.
func (h *nativeHist) observe(v float64) {
	if math.IsNaN(v) {
		return
	}
	if h.count == 0 || v < h.min {
		h.min = v
	}
	if h.count == 0 || v > h.max {
		h.max = v
	}
	h.count++
	h.sum += v
	if v <= nativeZeroThreshold {
		h.zero++
		return
	}
	i := nativeIndex(v)
	switch {
	case len(h.b) == 0:
		h.offset = i
		h.b = append(h.b, 0)
	case i < h.offset:
		grown := make([]uint64, len(h.b)+h.offset-i, cap(h.b)+h.offset-i)
		copy(grown[h.offset-i:], h.b)
		h.b, h.offset = grown, i
	case i >= h.offset+len(h.b):
		h.b = append(h.b, make([]uint64, i-h.offset-len(h.b)+1)...)
	}
	h.b[i-h.offset]++
}

// clone returns a copy that shares nothing with h.
func (h *nativeHist) clone() *nativeHist {
	c := *h
	c.b = append([]uint64(nil), h.b...)
	return &c
}

// bucketSpan is one run of consecutive buckets, as remote write and the exposition format
// encode them: Offset is the gap after the previous span (the first span's is its start index).
type bucketSpan struct {
	Offset int32
	Length uint32
}

// spans returns the populated buckets as spans and their counts, in order. Runs of up to two
// empty buckets stay inside a span (a zero count costs one byte; a new span two).
func (h *nativeHist) spans() ([]bucketSpan, []uint64) {
	var spans []bucketSpan
	var counts []uint64
	next := 0 // the index after the last bucket put in a span
	started := false
	for j, c := range h.b {
		if c == 0 {
			continue
		}
		i := h.offset + j
		gap := i - next
		switch {
		case !started:
			spans = append(spans, bucketSpan{Offset: int32(i)})
			started = true
		case gap > 2:
			spans = append(spans, bucketSpan{Offset: int32(gap)})
		default:
			for range gap {
				counts = append(counts, 0)
			}
			spans[len(spans)-1].Length += uint32(gap)
		}
		counts = append(counts, c)
		spans[len(spans)-1].Length++
		next = i + 1
	}
	return spans, counts
}

// quantile estimates the q-quantile (0 ≤ q ≤ 1) as Prometheus's histogram_quantile does for a
// native histogram: find the bucket that holds rank q·count and interpolate linearly inside
// it; the result is kept within the exact min and max. NaN when the histogram is empty.
func (h *nativeHist) quantile(q float64) float64 {
	if h.count == 0 {
		return math.NaN()
	}
	rank := q * float64(h.count)
	seen := float64(h.zero)
	if rank <= seen {
		return h.min
	}
	for j, c := range h.b {
		if c == 0 {
			continue
		}
		if seen+float64(c) >= rank {
			i := h.offset + j
			lo, hi := nativeUpper(i-1), nativeUpper(i)
			v := lo + (hi-lo)*(rank-seen)/float64(c)
			return min(max(v, h.min), h.max)
		}
		seen += float64(c)
	}
	return h.max
}
