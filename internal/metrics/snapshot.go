package metrics

import (
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Snapshot is a consistent view of a Registry at one moment: every sample is in it whole or
// not at all. It is immutable and safe for concurrent use.
type Snapshot struct {
	Time    time.Time
	Elapsed time.Duration // since NewRegistry
	// Truncated names the automatic families, as "http_req_duration{name}", that reached
	// Config.MaxTagValues: samples with further values feed only the whole metric and the
	// configured sub-metrics.
	Truncated []string

	metrics []*MetricValue
	byKey   map[string]*MetricValue
	series  map[string]*Series
}

// MetricValue is the whole-run value of one metric or sub-metric. Fields that the type lacks
// are zero.
type MetricValue struct {
	Key  string // "http_req_duration{name:x}"
	Name string // "http_req_duration"
	Tags []Tag  // the selector, nil for the whole metric
	Type Type
	Kind ValueKind

	Count         float64 // counter: total; trend, rate, gauge: sample count
	Rate          float64 // counter: per second over Elapsed; rate: Passes/(Passes+Fails)
	Passes, Fails int64   // rate
	Value         float64 // gauge: last value
	Min, Max      float64 // gauge: min/max; trend: min/max (ms)
	Avg, Med      float64 // trend (ms)
	// Clamped counts trend values above one hour, recorded as one hour in the percentiles
	// (Min, Max and Avg stay exact).
	Clamped int64

	hist *hdr.PackedHistogram // trends: µs
	// sum is a trend's exact total (ns): Avg is derived from it, and merging snapshots adds
	// sums rather than averages so that the merged Avg is the one a single registry gives.
	sum float64
}

// Percentile returns the p-th percentile (0–100, e.g. 95 or 99.9) of a trend in ms, within
// 0.1% of the exact value and never outside [Min, Max]; 0 for other types or no data.
func (m *MetricValue) Percentile(p float64) float64 {
	if m.hist == nil {
		return 0
	}
	return clampPercentile(m.hist.ValueAtPercentile(p), m.Min, m.Max)
}

// clampPercentile converts a histogram value (µs, the top of its bucket) to ms and keeps it
// within the exact extremes, so that p(100) is the max, not the top of the max's bucket.
func clampPercentile(us int64, lo, hi float64) float64 {
	return min(max(usToMs(us), lo), hi)
}

// HasData reports whether any sample fed the metric.
func (m *MetricValue) HasData() bool {
	switch m.Type {
	case Counter:
		return m.Count != 0 || m.Rate != 0
	case Rate:
		return m.Passes+m.Fails > 0
	}
	return m.Count > 0
}

// agg merges one key's sinks across shards.
type agg struct {
	n, passes, clamped int64
	sum, min, max      float64
	h                  *hdr.PackedHistogram
}

func (a *agg) addSink(s *sink) {
	if s.n == 0 {
		return
	}
	if a.n == 0 || s.min < a.min {
		a.min = s.min
	}
	if a.n == 0 || s.max > a.max {
		a.max = s.max
	}
	a.n += s.n
	a.sum += s.sum
	a.passes += s.passes
	a.clamped += s.clamped
	if s.typ != Trend {
		return
	}
	if a.h == nil {
		a.h = hdr.NewPacked(1, maxMicros, wholeDigits)
	}
	if s.dense != nil {
		a.h.MergeFrom(s.dense)
	} else {
		a.h.Merge(s.packed)
	}
}

// Snapshot returns a consistent view at r.Now(). It locks each shard in turn, briefly, to
// merge its histograms (under a millisecond for a typical run, see BenchmarkSnapshot); series
// are shared copy-on-write, so calling it every second is fine.
func (r *Registry) Snapshot() *Snapshot {
	now := r.now()
	keys, trunc := r.snapshotKeys()
	aggs := make([]agg, len(keys))
	for _, sh := range r.shards {
		sh.mu.Lock()
		sh.flushAll()
		for id, s := range sh.sinks {
			if s != nil && id < len(aggs) {
				aggs[id].addSink(s)
			}
		}
		sh.mu.Unlock()
	}
	snap := &Snapshot{
		Time:      now,
		Elapsed:   now.Sub(r.start),
		Truncated: trunc,
		byKey:     make(map[string]*MetricValue, len(keys)),
		series:    make(map[string]*Series, len(keys)),
	}
	r.gaugeMu.Lock()
	for _, g := range r.gauges {
		a := &aggs[g.ks.id]
		a.n, a.sum, a.min, a.max = g.n, g.value, g.min, g.max
	}
	// Copy the series under gaugeMu too, so gauge series match gauge values.
	for _, ks := range keys {
		snap.series[ks.key] = ks.series.copy(ks, r.start, r.base)
	}
	r.gaugeMu.Unlock()
	for _, ks := range keys {
		mv := snap.value(ks, &aggs[ks.id])
		if !mv.HasData() && !ks.configured {
			delete(snap.series, ks.key)
			continue
		}
		snap.metrics = append(snap.metrics, mv)
		snap.byKey[ks.key] = mv
	}
	sort.Slice(snap.metrics, func(i, j int) bool { return snap.metrics[i].Key < snap.metrics[j].Key })
	return snap
}

func (snap *Snapshot) value(ks *keyState, a *agg) *MetricValue {
	mv := &MetricValue{Key: ks.key, Name: ks.name, Tags: ks.tags, Type: ks.b.Type, Kind: ks.b.Kind}
	switch ks.b.Type {
	case Counter:
		mv.Count = a.sum
		if secs := snap.Elapsed.Seconds(); secs > 0 {
			mv.Rate = a.sum / secs
		}
	case Rate:
		mv.Count = float64(a.n)
		mv.Passes, mv.Fails = a.passes, a.n-a.passes
		if a.n > 0 {
			mv.Rate = float64(a.passes) / float64(a.n)
		}
	case Gauge:
		mv.Count, mv.Value, mv.Min, mv.Max = float64(a.n), a.sum, a.min, a.max
	case Trend:
		mv.Count, mv.Clamped, mv.hist, mv.sum = float64(a.n), a.clamped, a.h, a.sum
		if a.n > 0 {
			mv.Min, mv.Max, mv.Avg = a.min/1e6, a.max/1e6, a.sum/1e6/float64(a.n)
			mv.Med = mv.Percentile(50)
		}
	}
	return mv
}

// Metrics returns every metric and sub-metric with data, plus every configured sub-metric,
// sorted by key.
func (snap *Snapshot) Metrics() []*MetricValue {
	return append([]*MetricValue(nil), snap.metrics...)
}

// Get returns the value of key, written canonically (FormatKey) or as in a threshold
// ("http_req_duration{ name: x }").
func (snap *Snapshot) Get(key string) (*MetricValue, bool) {
	if mv, ok := snap.byKey[key]; ok {
		return mv, true
	}
	if c, ok := canonical(key); ok {
		mv, ok := snap.byKey[c]
		return mv, ok
	}
	return nil, false
}

// Series returns the time series of key (as for Get).
func (snap *Snapshot) Series(key string) (*Series, bool) {
	if s, ok := snap.series[key]; ok {
		return s, true
	}
	if c, ok := canonical(key); ok {
		s, ok := snap.series[c]
		return s, ok
	}
	return nil, false
}

func canonical(key string) (string, bool) {
	name, tags, err := ParseKey(key)
	if err != nil {
		return "", false
	}
	return FormatKey(name, tags), true
}

// Aggregate answers k6's threshold aggregations:
//
//	counter: count (total), rate (per second over Elapsed)
//	gauge:   value (last), min, max
//	rate:    rate (share of true)
//	trend:   avg, min, max, med, p (arg = percentile, e.g. 95 or 99.9), in ms
//
// ok is false for an aggregation the type lacks, a p outside [0, 100], or a key with no data.
func (snap *Snapshot) Aggregate(key, method string, arg float64) (float64, bool) {
	mv, ok := snap.Get(key)
	if !ok || !mv.HasData() {
		return 0, false
	}
	switch mv.Type {
	case Counter:
		switch method {
		case "count":
			return mv.Count, true
		case "rate":
			return mv.Rate, true
		}
	case Gauge:
		switch method {
		case "value":
			return mv.Value, true
		case "min":
			return mv.Min, true
		case "max":
			return mv.Max, true
		}
	case Rate:
		if method == "rate" {
			return mv.Rate, true
		}
	case Trend:
		switch method {
		case "avg":
			return mv.Avg, true
		case "min":
			return mv.Min, true
		case "max":
			return mv.Max, true
		case "med":
			return mv.Med, true
		case "p":
			if arg < 0 || arg > 100 || arg != arg {
				return 0, false
			}
			return mv.Percentile(arg), true
		}
	}
	return 0, false
}

// WithRateWindow returns a copy of the snapshot whose counter rates are per second over d
// instead of over Elapsed. A run's Elapsed includes setup, teardown and the graceful drain
// of the last responses; "requests per second" means during the load, so the CLI passes the
// load's scheduled length (or, for a run cut short, how long the load ran). d <= 0 returns
// the snapshot itself.
func (snap *Snapshot) WithRateWindow(d time.Duration) *Snapshot {
	if d <= 0 {
		return snap
	}
	out := *snap
	out.metrics = make([]*MetricValue, len(snap.metrics))
	out.byKey = make(map[string]*MetricValue, len(snap.byKey))
	for i, mv := range snap.metrics {
		if mv.Type == Counter {
			c := *mv
			c.Rate = mv.Count / d.Seconds()
			mv = &c
		}
		out.metrics[i] = mv
		out.byKey[mv.Key] = mv
	}
	return &out
}
