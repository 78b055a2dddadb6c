package metrics

import (
	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// coarseDigits is the precision of the histograms that series points keep once they are no
// longer among the recent ones (Config.RecentSeriesPoints): one significant digit, buckets
// 1/32 to 1/16 of their value wide. A percentile reads the middle of its bucket (valueAt),
// within 3.2% of the exact value either way. HdrHistogram's buckets at one digit are unions
// of those at two, so coarsening loses nothing but resolution, and coarse histograms merge
// exactly.
//
// Measured on a lognormal latency interval of 5,000 samples (σ 0.8): 716 buckets at two
// digits hold 4.7 KB as a packed histogram; 116 at one digit hold 0.9 KB packed, 237 bytes
// encoded. Aged points keep the encoding: a packed histogram's fixed overhead alone (its
// geometry) is 376 bytes.
const coarseDigits = 1

func newCoarseHist() *hdr.PackedHistogram { return hdr.NewPacked(1, maxMicros, coarseDigits) }

// coarseHist is a histogram at coarseDigits, encoded as the snapshot format writes a
// histogram (encoder.hist): about two bytes per bucket. It is never modified.
type coarseHist struct{ enc []byte }

// encodeCoarse returns h (of any digits) at coarseDigits.
func encodeCoarse(h *hdr.PackedHistogram) *coarseHist {
	if h.SignificantFigures() != coarseDigits {
		c := newCoarseHist()
		c.Merge(h) // same range: nothing is dropped
		h = c
	}
	var buf [512]byte
	e := encoder{b: buf[:0]}
	e.hist(h, coarseDigits)
	return &coarseHist{enc: append([]byte(nil), e.b...)} // no spare capacity: it is kept for hours
}

// decodeCoarse returns a new histogram holding what encodeCoarse wrote. The bytes come from
// encodeCoarse (directly or through the snapshot decoder, which re-encodes what it reads),
// so they decode; an empty histogram stands in if they ever did not.
func decodeCoarse(c *coarseHist) *hdr.PackedHistogram {
	d := decoder{b: c.enc}
	if h := d.hist(coarseDigits); h != nil && d.err == nil {
		return h
	}
	return newCoarseHist()
}

// hist returns p's histogram: its own, or a decoded copy of its coarse one; nil when it has
// none. The caller must not modify it.
func (p *pointData) hist() *hdr.PackedHistogram {
	switch {
	case p.h != nil:
		return p.h
	case p.coarse != nil:
		return decodeCoarse(p.coarse)
	}
	return nil
}

// ownHist returns a histogram holding p's that the caller may modify and then hand to
// setHist: p.h itself (p is a new point, whose h clonePoint copied), a decoded copy of its
// coarse one, or a new, empty one at seriesDigits.
func (p *pointData) ownHist() *hdr.PackedHistogram {
	switch {
	case p.h != nil:
		return p.h
	case p.coarse != nil:
		return decodeCoarse(p.coarse)
	}
	return newSeriesHist()
}

// setHist makes h p's histogram: as it is at seriesDigits, encoded at coarseDigits.
func (p *pointData) setHist(h *hdr.PackedHistogram) {
	if h.SignificantFigures() == coarseDigits {
		p.h, p.coarse = nil, encodeCoarse(h)
		return
	}
	p.h, p.coarse = h, nil
}

// coarsen replaces p's full histogram, if it has one, by its coarse encoding. p must not be
// stored yet (points are immutable once stored).
func (p *pointData) coarsen() {
	if p.h != nil {
		p.h, p.coarse = nil, encodeCoarse(p.h)
	}
}

// addHist adds b's histogram to p's, where p is a new point: at seriesDigits when both are
// full, at coarseDigits otherwise. It returns the counts that did not fit (none, between
// histograms of this package's range).
func (p *pointData) addHist(b *pointData) (dropped int64) {
	switch {
	case b.h == nil && b.coarse == nil:
		return 0
	case p.h != nil && b.h != nil:
		return p.h.Merge(b.h)
	case p.h == nil && p.coarse == nil:
		if b.h != nil {
			p.h = b.h.Clone()
		} else {
			p.coarse = b.coarse
		}
		return 0
	}
	var hs histSum
	hs.addPoint(p)
	dropped = hs.addPoint(b)
	p.setHist(hs.h)
	return dropped
}

// histSum adds up the histograms of points: at seriesDigits while each was full, at
// coarseDigits once one was coarse, since a finer histogram cannot be made from a coarser.
// Its h is nil until a point with a histogram is added.
type histSum struct{ h *hdr.PackedHistogram }

// addPoint adds p's histogram, if it has one; it returns the counts that did not fit.
func (s *histSum) addPoint(p *pointData) int64 {
	switch {
	case p.h != nil:
		return s.add(p.h, false)
	case p.coarse != nil:
		return s.add(decodeCoarse(p.coarse), true)
	}
	return 0
}

// add adds h; owned says that the sum may keep h itself rather than a copy.
func (s *histSum) add(h *hdr.PackedHistogram, owned bool) int64 {
	if s.h != nil && h.SignificantFigures() >= s.h.SignificantFigures() {
		return s.h.Merge(h)
	}
	if !owned {
		h = h.Clone()
	}
	var dropped int64
	if s.h != nil {
		dropped = h.Merge(s.h) // h is the coarser: the sum takes its precision
	}
	s.h = h
	return dropped
}

// valuesAt returns the percentiles ps (0–100) of h in µs. At seriesDigits and wholeDigits
// each is the top of its bucket, as HdrHistogram reports it: at most 0.8% high. At
// coarseDigits the top would read up to 6.25% high, a bias that would fail an SLO the
// samples met; the middle of the bucket is within 3.2% either way.
func valuesAt(h *hdr.PackedHistogram, ps ...float64) []int64 {
	vs := h.ValueAtPercentilesSlice(ps)
	if h.SignificantFigures() == coarseDigits {
		for i, v := range vs {
			vs[i] = coarseMiddle(v)
		}
	}
	return vs
}

// coarseMiddle returns the middle of the one-digit bucket holding v (µs).
func coarseMiddle(v int64) int64 {
	w := bucketWidth(v, coarseDigits) // buckets start at multiples of their width
	return v - v%w + w/2
}
