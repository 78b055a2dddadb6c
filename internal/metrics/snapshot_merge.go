package metrics

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// maxAlignSpan bounds how far apart the origins of merged series may lie (about 73 years), so
// that the index arithmetic of aligning them cannot overflow.
const maxAlignSpan = time.Duration(1 << 61)

// Merge combines the snapshots of concurrent segments of one test, such as the processes of a
// distributed run, into the snapshot that one registry recording every stream would have
// taken:
//
//   - Counts, sums, passes and fails add up exactly; trend minima and maxima are exact; trend
//     histograms merge bucket by bucket, so percentiles are those of the combined samples
//     within the histograms' precision (0.1% whole-run, 1% per recent series point, 3.2%
//     per older one: a merged point is coarse when any of its inputs is).
//   - Time is the latest snapshot's and Elapsed the longest, since the segments ran side by
//     side, not one after another. Counter rates are recomputed per second of that Elapsed;
//     call WithRateWindow on the result for the load's window, as for any snapshot.
//   - Gauges (vus, vus_max) add up, since each process runs its own VUs: the value is the sum
//     of the last values, Min and Max the sums of the minima and maxima (exact when the
//     processes ramp in step, as the parts of one split plan do; otherwise bounds that the
//     sum never left).
//   - Truncated lists the families truncated in any snapshot. Each process tracked up to
//     Config.MaxTagValues values of a family on its own, so the merged snapshot may hold more
//     than that, and values that one registry would have folded into the whole metric only.
//   - Series are aligned on wall-clock time, as described below.
//
// A key must have the same type and value kind in every snapshot it appears in; Merge fails
// otherwise, and on a nil snapshot or none.
//
// # Series alignment
//
// The merged series of a key takes the coarsest interval among the inputs that have points,
// and its origin from the earliest of those with that interval. Each other input's offset
// from that origin is rounded to the nearest multiple of its own interval (halves away from
// zero): a process that started 1.3 s after another at 1 s intervals has its points moved
// 0.3 s earlier. Then each input's points are merged in groups of interval ratio, as the
// registry compacts a series: an interval must divide the coarsest one (1 s and 4 s merge; 2 s
// and 3 s fail). Gauge points add up like the whole-run gauges, a process that did not set
// the gauge in an interval counting with its last value. A merged series that would hold
// more than max(DefaultMaxSeriesPoints, the longest input) points doubles its interval until
// it fits, as the registry's do.
func Merge(snaps ...*Snapshot) (*Snapshot, error) {
	if len(snaps) == 0 {
		return nil, errors.New("metrics: merge: no snapshots")
	}
	out := &Snapshot{byKey: map[string]*MetricValue{}, series: map[string]*Series{}}
	types := map[string]typeSeen{}
	values := map[string][]*MetricValue{}
	series := map[string][]*Series{}
	truncated := map[string]bool{}
	for i, s := range snaps {
		if s == nil {
			return nil, fmt.Errorf("metrics: merge: snapshot %d is nil", i)
		}
		if s.Time.After(out.Time) {
			out.Time = s.Time
		}
		out.Elapsed = max(out.Elapsed, s.Elapsed)
		for _, f := range s.Truncated {
			truncated[f] = true
		}
		for _, mv := range s.metrics {
			if err := checkType(types, mv.Key, mv.Type, mv.Kind, i); err != nil {
				return nil, err
			}
			values[mv.Key] = append(values[mv.Key], mv)
		}
		for key, se := range s.series {
			if err := checkType(types, key, se.Type, se.Kind, i); err != nil {
				return nil, err
			}
			series[key] = append(series[key], se)
		}
	}
	for f := range truncated {
		out.Truncated = append(out.Truncated, f)
	}
	sort.Strings(out.Truncated)
	for key, mvs := range values {
		mv, err := mergeValues(mvs, out.Elapsed)
		if err != nil {
			return nil, fmt.Errorf("metrics: merge: %s: %w", key, err)
		}
		out.metrics = append(out.metrics, mv)
		out.byKey[key] = mv
	}
	sort.Slice(out.metrics, func(i, j int) bool { return out.metrics[i].Key < out.metrics[j].Key })
	for key, ss := range series {
		se, err := mergeSeries(ss)
		if err != nil {
			return nil, fmt.Errorf("metrics: merge: %s: %w", key, err)
		}
		out.series[key] = se
	}
	return out, nil
}

// typeSeen is the type and kind a key had in the first snapshot that held it.
type typeSeen struct {
	t    Type
	k    ValueKind
	snap int
}

func checkType(seen map[string]typeSeen, key string, t Type, k ValueKind, snap int) error {
	first, ok := seen[key]
	if !ok {
		seen[key] = typeSeen{t, k, snap}
		return nil
	}
	if first.t != t || first.k != k {
		return fmt.Errorf("metrics: merge: %s is a %v (kind %d) in snapshot %d but a %v (kind %d) in snapshot %d",
			key, first.t, first.k, first.snap, t, k, snap)
	}
	return nil
}

// mergeValues merges one key's whole-run values; see Merge.
func mergeValues(mvs []*MetricValue, elapsed time.Duration) (*MetricValue, error) {
	f := mvs[0]
	out := &MetricValue{Key: f.Key, Name: f.Name, Tags: f.Tags, Type: f.Type, Kind: f.Kind}
	for _, mv := range mvs {
		switch out.Type {
		case Counter:
			out.Count += mv.Count
		case Rate:
			out.Passes += mv.Passes
			out.Fails += mv.Fails
		case Gauge:
			if mv.Count > 0 {
				out.Count += mv.Count
				out.Value += mv.Value
				out.Min += mv.Min
				out.Max += mv.Max
			}
		case Trend:
			if mv.Count == 0 {
				continue
			}
			if out.Count == 0 || mv.Min < out.Min {
				out.Min = mv.Min
			}
			if out.Count == 0 || mv.Max > out.Max {
				out.Max = mv.Max
			}
			out.Count += mv.Count
			out.sum += mv.sum
			out.Clamped += mv.Clamped
			if mv.hist == nil {
				continue
			}
			if out.hist == nil {
				out.hist = hdr.NewPacked(1, maxMicros, wholeDigits)
			}
			if dropped := out.hist.Merge(mv.hist); dropped != 0 {
				return nil, fmt.Errorf("%d histogram counts did not fit", dropped)
			}
		}
	}
	// The derived values, computed as Registry.Snapshot computes them.
	switch out.Type {
	case Counter:
		if secs := elapsed.Seconds(); secs > 0 {
			out.Rate = out.Count / secs
		}
	case Rate:
		n := out.Passes + out.Fails
		out.Count = float64(n)
		if n > 0 {
			out.Rate = float64(out.Passes) / float64(n)
		}
	case Trend:
		if out.Count > 0 {
			out.Avg = out.sum / 1e6 / out.Count
			out.Med = out.Percentile(50)
		}
	}
	return out, nil
}

// alignedSeries is one input of a merged series: its point j falls into merged interval
// floorDiv(off+j, ratio) (before the origin shift), where ratio is the merged interval over its own.
type alignedSeries struct {
	s   *Series
	off int64 // its start from the merged origin, in its own intervals, rounded
}

// mergeSeries merges one key's series; see Merge.
func mergeSeries(ss []*Series) (*Series, error) {
	out := &Series{Key: ss[0].Key, Type: ss[0].Type, Kind: ss[0].Kind}
	var ref *Series // the coarsest series with points, the earliest of those
	longest := 0
	for _, s := range ss {
		longest = max(longest, len(s.pts))
		if len(s.pts) > 0 && (ref == nil || s.interval > ref.interval || s.interval == ref.interval && s.start.Before(ref.start)) {
			ref = s
		}
	}
	if ref == nil {
		// No points anywhere: the coarsest interval and the earliest start, for the record.
		out.interval, out.start = ss[0].interval, ss[0].start
		for _, s := range ss[1:] {
			out.interval = max(out.interval, s.interval)
			if s.start.Before(out.start) {
				out.start = s.start
			}
		}
		out.horizon = out.start
		return out, nil
	}
	iv := ref.interval
	var in []alignedSeries
	var horizon time.Duration // from ref.start
	for _, s := range ss {
		if len(s.pts) == 0 {
			continue
		}
		if iv%s.interval != 0 {
			return nil, fmt.Errorf("series intervals %v and %v: the finer one does not divide the coarser", s.interval, iv)
		}
		d := s.start.Sub(ref.start)
		if d <= -maxAlignSpan || d >= maxAlignSpan {
			return nil, fmt.Errorf("series starting at %v and %v are too far apart to align", s.start, ref.start)
		}
		a := alignedSeries{s: s, off: roundDiv(int64(d), int64(s.interval))}
		in = append(in, a)
		// The horizon moves with the points (the alignment rounded their offset).
		if h := s.horizon.Sub(s.start); h > 0 && h < maxAlignSpan {
			horizon = max(horizon, time.Duration(a.off)*s.interval+h)
		}
	}
	limit := int64(max(DefaultMaxSeriesPoints, longest))
	lo, hi := alignedSpan(in, iv)
	for hi-lo >= limit {
		if iv > math.MaxInt64/2 {
			return nil, fmt.Errorf("series spanning %d intervals of %v cannot be compacted further", hi-lo+1, iv)
		}
		iv *= 2
		lo, hi = alignedSpan(in, iv)
	}
	out.interval = iv
	out.start = ref.start.Add(time.Duration(lo) * iv)
	if out.Type == Gauge {
		out.pts = mergeGaugePoints(in, iv, lo, hi)
	} else {
		var err error
		if out.pts, err = mergePointsAligned(in, iv, lo, hi); err != nil {
			return nil, err
		}
	}
	out.horizon = ref.start.Add(horizon)
	for t, p := range out.pts {
		if p != nil && out.start.Add(time.Duration(t)*iv).Before(out.horizon) {
			p.coarsen() // new points, not yet shared
		}
	}
	for len(out.pts) > 0 && out.pts[len(out.pts)-1] == nil {
		out.pts = out.pts[:len(out.pts)-1] // as a registry's: up to the last interval with data
	}
	return out, nil
}

// alignedSpan returns the first and last merged interval that the inputs cover at interval iv,
// relative to the origin.
func alignedSpan(in []alignedSeries, iv time.Duration) (lo, hi int64) {
	lo, hi = math.MaxInt64, math.MinInt64
	for _, a := range in {
		r := int64(iv / a.s.interval)
		lo = min(lo, floorDiv(a.off, r))
		hi = max(hi, floorDiv(a.off+int64(len(a.s.pts))-1, r))
	}
	return lo, hi
}

// mergePointsAligned adds up the inputs' points per merged interval, exactly (histograms
// merged bucket by bucket, at one digit where any input's point had aged to it).
func mergePointsAligned(in []alignedSeries, iv time.Duration, lo, hi int64) ([]*pointData, error) {
	pts := make([]*pointData, hi-lo+1)
	hists := make([]histSum, len(pts))
	for _, a := range in {
		r := int64(iv / a.s.interval)
		for j, p := range a.s.pts {
			if p == nil {
				continue
			}
			t := floorDiv(a.off+int64(j), r) - lo
			q := pts[t]
			if q == nil {
				q = &pointData{}
				pts[t] = q
			}
			q.merge(p.n, p.sum, p.min, p.max, p.passes)
			if dropped := hists[t].addPoint(p); dropped != 0 {
				return nil, fmt.Errorf("%d histogram counts did not fit", dropped)
			}
		}
	}
	for t, hs := range hists {
		if hs.h != nil {
			pts[t].setHist(hs.h)
		}
	}
	return pts, nil
}

// mergeGaugePoints adds up gauges per merged interval: each input's point there (its samples,
// its min, max and last value), or, where it set nothing, the last value it had set before.
// An interval where no input set the gauge has no point, as in a registry.
func mergeGaugePoints(in []alignedSeries, iv time.Duration, lo, hi int64) []*pointData {
	n := hi - lo + 1
	// Each input's points, first compacted to the merged interval.
	own := make([][]*pointData, len(in))
	for i, a := range in {
		own[i] = make([]*pointData, n)
		r := int64(iv / a.s.interval)
		for j, p := range a.s.pts {
			if p == nil || p.n == 0 {
				continue
			}
			t := floorDiv(a.off+int64(j), r) - lo
			q := own[i][t]
			if q == nil {
				q = &pointData{}
				own[i][t] = q
			}
			q.merge(p.n, p.sum, p.min, p.max, 0)
			q.last = p.last // points come in time order: the latest wins
		}
	}
	pts := make([]*pointData, n)
	last := make([]*float64, len(in)) // nil until the input first sets the gauge
	for t := range pts {
		sum := &pointData{}
		for i := range in {
			switch p := own[i][t]; {
			case p != nil:
				sum.n += p.n
				sum.sum += p.sum
				sum.min += p.min
				sum.max += p.max
				sum.last += p.last
				last[i] = &p.last
			case last[i] != nil:
				sum.min += *last[i]
				sum.max += *last[i]
				sum.last += *last[i]
			}
		}
		if sum.n > 0 {
			pts[t] = sum
		}
	}
	return pts
}

// floorDiv is a/b rounded down, for b > 0.
func floorDiv(a, b int64) int64 {
	q := a / b
	if a%b != 0 && a < 0 {
		q--
	}
	return q
}

// roundDiv is a/b rounded to the nearest integer, halves away from zero, for b > 0.
func roundDiv(a, b int64) int64 {
	q, r := a/b, a%b
	if r < 0 {
		r = -r
	}
	if r >= b-r {
		if a < 0 {
			q--
		} else {
			q++
		}
	}
	return q
}
