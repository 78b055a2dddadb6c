package metrics

import (
	"math"
	"sync"
	"time"
	"unsafe"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// series is the registry-wide time series of one key: one point per interval from the
// registry's start, at most max points. Point i covers base intervals [i<<shift, (i+1)<<shift).
//
// A trend point keeps its histogram at seriesDigits until it starts more than recent base
// intervals before the latest interval the series was fed, then at coarseDigits, encoded (see
// pointData): a series' memory is bounded by a few full histograms plus max small ones,
// whatever the run's length. horizon is the first base interval still recent; points
// [0, aged) start before it and hold no full histogram. Whether a point is coarse depends
// only on its start and the horizon, not on when the series compacted: a merged pair is
// coarse exactly when its first half is, so merged snapshots age as one registry would.
//
// Points are immutable once stored (an update stores a new point), and snapshots share the
// slice itself: points[:shared] is visible to a snapshot, so a write below shared copies the
// slice first (copy on write). A series that no sample touches between snapshots costs them
// nothing.
type series struct {
	mu      sync.Mutex
	typ     Type
	max     int
	recent  int64
	shift   uint
	points  []*pointData // nil: no data in that interval
	shared  int
	horizon int64
	aged    int
}

// set stores point i, copying the slice first if a snapshot shares that part of it. The
// caller holds se.mu.
func (se *series) set(i int, p *pointData) {
	if i < se.shared {
		se.points = append(make([]*pointData, 0, cap(se.points)), se.points...)
		se.shared = 0
	}
	se.points[i] = p
}

// store stores a new point i, coarsening its histogram first if the point is already past
// the recent ones (a late sample, or a slot handed over late). The caller holds se.mu.
func (se *series) store(i int, p *pointData) {
	if i < se.aged && p.h != nil {
		p.coarsen()
	}
	se.set(i, p)
}

// pointData is one interval of a series. Values as in sink: ns for trends. A trend point
// holds at most one of h and coarse.
type pointData struct {
	n        int64
	sum      float64
	min, max float64
	last     float64 // gauges
	passes   int64
	h        *hdr.PackedHistogram // trends, recent points: µs, seriesDigits
	// coarse: trends, older points: µs, coarseDigits. A pointer, so that the points of
	// counters, rates and gauges stay in the 64-byte size class.
	coarse *coarseHist
}

// index returns the point index of base interval bi, first merging pairs of points (and
// doubling the interval) until it fits. The caller holds se.mu.
func (se *series) index(bi int64) int {
	for bi>>se.shift >= int64(se.max) {
		se.compact()
	}
	i := int(bi >> se.shift)
	for len(se.points) <= i {
		se.points = append(se.points, nil)
	}
	if h := bi + 1 - se.recent; h > se.horizon {
		se.horizon = h
		se.age()
	}
	return i
}

// age coarsens the histograms of the points that start before the horizon. The caller holds
// se.mu.
func (se *series) age() {
	end := min(len(se.points), int((se.horizon+1<<se.shift-1)>>se.shift))
	for ; se.aged < end; se.aged++ {
		if p := se.points[se.aged]; p != nil && p.h != nil {
			c := *p
			c.coarsen()
			se.set(se.aged, &c)
		}
	}
}

// compact merges points 2i and 2i+1 into point i and doubles the interval.
func (se *series) compact() {
	n := (len(se.points) + 1) / 2
	// A merged pair starts where its first half did: aged when that was, even if only
	// its second half held data.
	aged := (se.aged + 1) / 2
	out := make([]*pointData, n, se.max)
	for i := range out {
		var b *pointData
		if 2*i+1 < len(se.points) {
			b = se.points[2*i+1]
		}
		out[i] = mergePoints(se.points[2*i], b)
		if i < aged && out[i] != nil {
			out[i].coarsen() // a new point
		}
	}
	se.points = out
	se.shared = 0 // a new slice
	se.shift++
	se.aged = aged
}

// mergePoints returns a new point holding a and b (b later than a); either may be nil.
func mergePoints(a, b *pointData) *pointData {
	if a == nil && b == nil {
		return nil
	}
	out := clonePoint(a)
	if b != nil {
		out.merge(b.n, b.sum, b.min, b.max, b.passes)
		out.last = b.last
		out.addHist(b)
	}
	return out
}

func clonePoint(p *pointData) *pointData {
	if p == nil {
		return &pointData{}
	}
	c := *p
	if p.h != nil {
		c.h = p.h.Clone()
	}
	return &c // coarse is shared: it is never written in place
}

func (p *pointData) merge(n int64, sum, mn, mx float64, passes int64) {
	if n == 0 {
		return
	}
	if p.n == 0 || mn < p.min {
		p.min = mn
	}
	if p.n == 0 || mx > p.max {
		p.max = mx
	}
	p.n += n
	p.sum += sum
	p.passes += passes
}

// addSlot merges a shard's slot into its interval.
func (se *series) addSlot(sl *slot) {
	se.mu.Lock()
	defer se.mu.Unlock()
	i := se.index(sl.bi)
	np := clonePoint(se.points[i])
	np.merge(sl.n, sl.sum, sl.min, sl.max, sl.passes)
	if sl.h != nil && sl.h.TotalCount() > 0 {
		h := np.ownHist()
		h.MergeFrom(sl.h)
		np.setHist(h)
	}
	se.store(i, np)
}

// addOne merges a single late sample (value v, and us for trends) into its interval.
func (se *series) addOne(bi int64, typ Type, v, us int64, hist bool) {
	se.mu.Lock()
	defer se.mu.Unlock()
	i := se.index(bi)
	np := clonePoint(se.points[i])
	f := float64(v)
	switch typ {
	case Rate:
		np.merge(1, 0, 0, 0, boolInt(v != 0))
	case Trend:
		np.merge(1, f, f, f, 0)
		if !hist {
			break
		}
		h := np.ownHist()
		_ = h.RecordValue(us)
		np.setHist(h)
	default:
		np.merge(1, f, f, f, 0)
	}
	se.store(i, np)
}

// addGauge sets a gauge's value in its interval.
func (se *series) addGauge(bi int64, v float64) {
	se.mu.Lock()
	defer se.mu.Unlock()
	i := se.index(bi)
	np := clonePoint(se.points[i])
	np.merge(1, v, v, v, 0)
	np.last = v
	se.store(i, np)
}

// copy returns the series as a Series sharing its (immutable) points.
func (se *series) copy(ks *keyState, start time.Time, base time.Duration) *Series {
	se.mu.Lock()
	defer se.mu.Unlock()
	se.shared = len(se.points)
	return &Series{
		Key:      ks.key,
		Type:     ks.b.Type,
		Kind:     ks.b.Kind,
		start:    start,
		interval: base << se.shift,
		horizon:  start.Add(time.Duration(max(se.horizon, 0)) * base),
		pts:      se.points[:len(se.points):len(se.points)],
	}
}

// Series is the time series of one key in a Snapshot: one point per interval, bounded in
// number (Config.MaxSeriesPoints; the interval doubles when it would be exceeded). Counts,
// sums, minima and maxima are exact in every point. A trend's percentiles have 1%
// resolution in the points that start within the last Config.RecentSeriesPoints intervals
// of the series' data and 3.2% in older ones (see "Memory" in the package doc).
type Series struct {
	Key      string
	Type     Type
	Kind     ValueKind
	start    time.Time
	interval time.Duration
	// horizon: points that start before it have coarse histograms (see series); Merge
	// coarsens the points of every input before the latest input's horizon, as one
	// registry recording them all would have.
	horizon time.Time
	pts     []*pointData
}

// Interval returns the time each point covers.
func (s *Series) Interval() time.Duration { return s.interval }

// SeriesPoint is one interval of a Series.
type SeriesPoint struct {
	Time               time.Time // start of the interval
	Count              int64     // samples (counter: sum of values; rate: passes+fails)
	Sum, Min, Max      float64   // counters: Sum is the total in the interval; trends: ms
	P50, P90, P95, P99 float64   // trends (ms for Time); 1% resolution, 3.2% in aged points
	Passes, Fails      int64     // rates
	Value              float64   // gauges: last value
}

// Points returns every interval from the registry's start to the last one with data, in time
// order. An interval without samples has Count 0 and zero values (for a counter this is a
// real zero; for a trend it means "no data", not "0 ms").
func (s *Series) Points() []SeriesPoint {
	out := make([]SeriesPoint, len(s.pts))
	for i, p := range s.pts {
		out[i] = s.point(i, p)
	}
	return out
}

// Len returns the number of points Points would return.
func (s *Series) Len() int { return len(s.pts) }

// At returns point i (0 ≤ i < Len), without computing the others: At(Len()-2) is the last
// complete interval, which a live display reads every second.
func (s *Series) At(i int) SeriesPoint {
	if i < 0 || i >= len(s.pts) {
		return SeriesPoint{}
	}
	return s.point(i, s.pts[i])
}

func (s *Series) point(i int, p *pointData) SeriesPoint {
	sp := SeriesPoint{Time: s.start.Add(time.Duration(i) * s.interval)}
	if p == nil || p.n == 0 {
		return sp
	}
	switch s.Type {
	case Counter:
		sp.Count, sp.Sum = int64(p.sum), p.sum
	case Rate:
		sp.Count, sp.Sum, sp.Passes, sp.Fails = p.n, float64(p.passes), p.passes, p.n-p.passes
	case Gauge:
		sp.Count, sp.Value, sp.Min, sp.Max = p.n, p.last, p.min, p.max
	case Trend:
		sp.Count, sp.Sum, sp.Min, sp.Max = p.n, p.sum/1e6, p.min/1e6, p.max/1e6
		if h := p.hist(); h != nil {
			q := valuesAt(h, 50, 90, 95, 99)
			c := func(us int64) float64 { return clampPercentile(us, sp.Min, sp.Max) }
			sp.P50, sp.P90, sp.P95, sp.P99 = c(q[0]), c(q[1]), c(q[2]), c(q[3])
		}
	}
	return sp
}

// WindowValue is the exact merge of the series points in a window.
type WindowValue struct {
	Count         int64   // as SeriesPoint.Count
	Sum, Min, Max float64 // trends: ms
	Avg           float64 // trends: ms
	Passes, Fails int64   // rates
	// Rate is, for a rate, Passes/(Passes+Fails); for a counter, Sum per second of the window.
	Rate  float64
	Value float64 // gauges: last value
	h     *hdr.PackedHistogram
}

// Percentile returns the p-th percentile (0–100) of a trend window in ms (1% resolution, or
// 3.2% when the window holds an aged point; never outside [Min, Max]), or 0 when the
// window holds no trend samples.
func (w WindowValue) Percentile(p float64) float64 {
	if w.h == nil {
		return 0
	}
	return clampPercentile(valuesAt(w.h, p)[0], w.Min, w.Max)
}

// Window merges the points whose interval starts in [from, to) exactly (histograms merged,
// at one digit if any of them has aged), for windowed SLO rules like "10 s p95". Choose
// from and to on interval boundaries: a point counts whole or not at all.
func (s *Series) Window(from, to time.Time) WindowValue {
	acc := &pointData{}
	var hs histSum
	for i, p := range s.pts {
		t := s.start.Add(time.Duration(i) * s.interval)
		if p == nil || t.Before(from) || !t.Before(to) {
			continue
		}
		acc.merge(p.n, p.sum, p.min, p.max, p.passes)
		acc.last = p.last
		hs.addPoint(p)
	}
	var w WindowValue
	if acc.n == 0 {
		return w
	}
	switch s.Type {
	case Counter:
		w.Count, w.Sum = int64(acc.sum), acc.sum
		if secs := to.Sub(from).Seconds(); secs > 0 {
			w.Rate = acc.sum / secs
		}
	case Rate:
		w.Count, w.Sum, w.Passes, w.Fails = acc.n, float64(acc.passes), acc.passes, acc.n-acc.passes
		w.Rate = float64(acc.passes) / float64(acc.n)
	case Gauge:
		w.Count, w.Value, w.Min, w.Max = acc.n, acc.last, acc.min, acc.max
	case Trend:
		w.Count, w.Sum, w.Min, w.Max = acc.n, acc.sum/1e6, acc.min/1e6, acc.max/1e6
		w.Avg = w.Sum / float64(acc.n)
		w.h = hs.h
	}
	return w
}

func usToMs(us int64) float64 { return float64(us) / 1e3 }

// gauge is a whole-run gauge (vus, vus_max), guarded by Registry.gaugeMu.
type gauge struct {
	ks       *keyState
	n        int64
	value    float64
	min, max float64
}

func (g *gauge) set(v float64, bi int64) {
	if g.n == 0 {
		g.min, g.max = v, v
	}
	g.min, g.max = math.Min(g.min, v), math.Max(g.max, v)
	g.value = v
	g.n++
	g.ks.series.addGauge(bi, v)
}

// memSize returns the bytes the series retains: its slice of points, each point and its
// histogram. The retained-memory test and the package doc's figures rest on it.
func (se *series) memSize() int {
	se.mu.Lock()
	defer se.mu.Unlock()
	n := int(unsafe.Sizeof(*se)) + cap(se.points)*int(unsafe.Sizeof(se.points[0]))
	for _, p := range se.points {
		if p == nil {
			continue
		}
		n += int(unsafe.Sizeof(*p))
		if p.h != nil {
			n += p.h.GetMemorySize()
		}
		if p.coarse != nil {
			n += int(unsafe.Sizeof(*p.coarse)) + cap(p.coarse.enc)
		}
	}
	return n
}

// seriesMemory returns the bytes the registry's series retain (see series.memSize).
func (r *Registry) seriesMemory() int {
	r.mu.Lock()
	keys := append([]*keyState(nil), r.keys...)
	r.mu.Unlock()
	n := 0
	for _, ks := range keys {
		n += ks.series.memSize()
	}
	return n
}
