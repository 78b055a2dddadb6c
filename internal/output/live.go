package output

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Live keeps a running total of every metric per distinct set of tags, for the exporters that
// show a test while it runs: Prometheus remote write (RemoteWrite) and a scrape endpoint
// (Handler). It implements metrics.Output.
//
// It aggregates as the points arrive and never blocks on the network: WritePoints takes one
// lock per batch (a Recorder hands over 128 points at a time), looks each point's series up
// by its TagSet pointer and adds the value — a counter's sum, a gauge's last value, a rate's
// passes and total, a trend's native histogram. The exporters read it with Collect, once a
// second; what they do with it cannot slow the load.
//
// Names follow k6's experimental-prometheus-rw output with ramp's prefix: a counter is
// ramp_<name>_total, a gauge ramp_<name>, a rate ramp_<name>_rate (the share of non-zero
// samples so far), a trend either one native histogram ramp_<name>_seconds (time trends in
// seconds; others ramp_<name>) or one gauge per TrendStats entry, ramp_<name>_p95 and so on.
// Every series is cumulative from the start of the run, as Prometheus counters are, so a
// sample the network loses costs resolution, never a request: the next one carries the total.
type Live struct {
	opts  LiveOptions
	stats []trendStat // opts.TrendStats, parsed once

	mu       sync.Mutex
	byTags   map[*metrics.TagSet]*tagEntry
	labelSet map[string]*labelSet
	series   map[seriesKey]*liveSeries
	order    []*liveSeries
	overflow int64 // points of series over MaxSeries, not aggregated
	first    time.Time
}

var _ metrics.Output = (*Live)(nil)

// LiveOptions configure a Live.
type LiveOptions struct {
	// Prefix goes before every metric name; "ramp_" when empty.
	Prefix string
	// NativeHistograms exports trends as native histograms (k6's
	// K6_PROMETHEUS_RW_TREND_AS_NATIVE_HISTOGRAM) instead of TrendStats gauges.
	NativeHistograms bool
	// TrendStats are the gauges of a trend, in k6's names (K6_PROMETHEUS_RW_TREND_STATS):
	// p(N), min, max, avg, med, count, sum. DefaultTrendStats when empty.
	TrendStats []string
	// MaxSeries bounds the series kept (DefaultMaxSeries when 0): a tag with a value per
	// request (an id in a url) must not grow memory without end. Points of further series
	// are counted (Overflow), not kept.
	MaxSeries int
	// TargetRate, when set, is the intended arrival rate at an offset from the first point,
	// exported as the gauge ramp_target_rate while it is defined.
	TargetRate func(time.Duration) (float64, bool)
	// Labels are added to every series (a suite's test name), unless a tag has the name.
	Labels []Label
}

// DefaultTrendStats are the trend gauges exported when none are named.
var DefaultTrendStats = []string{"p(50)", "p(90)", "p(95)", "p(99)", "max"}

// DefaultMaxSeries is LiveOptions.MaxSeries when 0.
const DefaultMaxSeries = 10000

// ParseTrendStats parses k6's comma-separated trend stats, "p(95),p(99),max".
func ParseTrendStats(s string) ([]string, error) {
	var out []string
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		if _, err := parseStat(f); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("trend stats %q: name at least one of p(N), min, max, avg, med, count, sum", s)
	}
	return out, nil
}

// trendStat is one parsed trend stat: a quantile (q ≥ 0) or a named aggregate.
type trendStat struct {
	suffix string // "p95", "max"
	q      float64
	name   string
}

func parseStat(s string) (trendStat, error) {
	if s == "sum" { // the exporters' one stat beyond the summary's
		return trendStat{suffix: s, q: -1, name: s}, nil
	}
	method, p, err := metrics.TrendStatMethod(s)
	if err != nil {
		return trendStat{}, fmt.Errorf("trend stat %q: want p(N) with N in 0..100, min, max, avg, med, count or sum", s)
	}
	if method == "p" {
		return trendStat{suffix: "p" + strings.ReplaceAll(strconv.FormatFloat(p, 'f', -1, 64), ".", ""), q: p / 100}, nil
	}
	return trendStat{suffix: method, q: -1, name: method}, nil
}

// NewLive returns an empty aggregator. The options must have been checked (ParseTrendStats).
func NewLive(o LiveOptions) *Live {
	if o.Prefix == "" {
		o.Prefix = "ramp_"
	}
	if len(o.TrendStats) == 0 {
		o.TrendStats = DefaultTrendStats
	}
	if o.MaxSeries <= 0 {
		o.MaxSeries = DefaultMaxSeries
	}
	stats := make([]trendStat, len(o.TrendStats))
	for i, s := range o.TrendStats {
		stats[i], _ = parseStat(s) // checked by ParseTrendStats
	}
	return &Live{
		opts:     o,
		stats:    stats,
		byTags:   map[*metrics.TagSet]*tagEntry{},
		labelSet: map[string]*labelSet{},
		series:   map[seriesKey]*liveSeries{},
	}
}

// Label is one Prometheus label.
type Label struct{ Name, Value string }

// labelSet is the labels of one distinct set of tags, sorted by name; key identifies it.
type labelSet struct {
	labels []Label
	key    string
}

// tagEntry caches, for one TagSet pointer, its labels and the series of each metric seen
// with it: a request's eleven points share one TagSet, so one map lookup by pointer and a
// short scan of constant metric names (equal pointers, compared first) find all of them.
type tagEntry struct {
	labels *labelSet
	series []*liveSeries
}

func (te *tagEntry) find(metric string) *liveSeries {
	for _, s := range te.series {
		if s.metric == metric {
			return s
		}
	}
	return nil
}

type seriesKey struct {
	metric string
	labels *labelSet
}

type liveSeries struct {
	metric string
	typ    metrics.Type
	kind   metrics.ValueKind
	labels *labelSet
	value  float64 // counter: sum; gauge: last
	passes uint64  // rate
	total  uint64  // rate
	hist   *nativeHist
}

// maxTagPointers bounds the cache of TagSet pointers; recorders share a few hundred.
const maxTagPointers = 1 << 16

// WritePoints aggregates points. It never blocks on anything but the aggregator's own lock
// and never fails.
func (l *Live) WritePoints(points []metrics.Point) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lastTags *metrics.TagSet
	var te *tagEntry
	k := 0 // the point's place in its run of points with the same tags: a hint into te.series
	for i := range points {
		p := &points[i]
		if l.first.IsZero() {
			l.first = p.Time
		}
		if te == nil || p.Tags != lastTags {
			if te = l.byTags[p.Tags]; te == nil {
				te = l.entry(p.Tags)
			}
			lastTags, k = p.Tags, 0
		}
		var s *liveSeries
		if k < len(te.series) && te.series[k].metric == p.Metric {
			s = te.series[k] // a request's points come in the same order every time
		} else {
			s = te.find(p.Metric)
		}
		k++
		if s == nil {
			if s = l.series[seriesKey{p.Metric, te.labels}]; s == nil {
				if s = l.newSeries(p.Metric, te.labels); s == nil {
					l.overflow++
					continue
				}
			}
			te.series = append(te.series, s)
		}
		switch s.typ {
		case metrics.Counter:
			s.value += p.Value
		case metrics.Gauge:
			s.value = p.Value
		case metrics.Rate:
			s.total++
			if p.Value != 0 {
				s.passes++
			}
		case metrics.Trend:
			v := p.Value
			if s.kind == metrics.Time {
				v /= 1000 // ms → s
			}
			s.hist.observe(v)
		}
	}
	return nil
}

// entry returns the cache entry of t, with its canonical label set. The caller holds l.mu.
func (l *Live) entry(t *metrics.TagSet) *tagEntry {
	var ls labelSet
	var key strings.Builder
	t.Each(func(k, v string) {
		ls.labels = append(ls.labels, Label{Name: labelName(k), Value: strings.ToValidUTF8(v, "\uFFFD")})
	})
	for _, c := range l.opts.Labels {
		if _, ok := t.Get(c.Name); !ok {
			ls.labels = append(ls.labels, c)
		}
	}
	sort.SliceStable(ls.labels, func(i, j int) bool { return ls.labels[i].Name < ls.labels[j].Name })
	// Two tags that make the same label name ("a-b", "a_b") would make Prometheus refuse the
	// whole request: the first, in tag order, keeps the name.
	ls.labels = slices.CompactFunc(ls.labels, func(a, b Label) bool { return a.Name == b.Name })
	for _, lb := range ls.labels {
		key.WriteString(lb.Name)
		key.WriteByte(0)
		key.WriteString(lb.Value)
		key.WriteByte(0)
	}
	ls.key = key.String()
	canon := l.labelSet[ls.key]
	if canon == nil {
		canon = &ls
		l.labelSet[ls.key] = canon
	}
	if len(l.byTags) >= maxTagPointers {
		clear(l.byTags)
	}
	te := &tagEntry{labels: canon}
	l.byTags[t] = te
	return te
}

// newSeries adds the series of metric with ls, or returns nil when MaxSeries are kept. The
// caller holds l.mu.
func (l *Live) newSeries(metric string, ls *labelSet) *liveSeries {
	if len(l.series) >= l.opts.MaxSeries {
		return nil
	}
	b, ok := metrics.Lookup(metric)
	if !ok {
		b = metrics.Builtin{Name: metric, Type: metrics.Counter}
	}
	s := &liveSeries{metric: metric, typ: b.Type, kind: b.Kind, labels: ls}
	if b.Type == metrics.Trend {
		s.hist = &nativeHist{}
	}
	l.series[seriesKey{metric, ls}] = s
	l.order = append(l.order, s)
	return s
}

// labelName makes a tag key a valid Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*, other
// characters as '_'; a name Prometheus reserves ("__…") or that starts with a digit gets a
// "tag_" prefix.
func labelName(k string) string {
	b := []byte(k)
	for i := 0; i < len(b); i++ {
		c := b[i]
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			b[i] = '_'
		}
	}
	s := string(b)
	if !utf8.ValidString(k) {
		s = strings.ToValidUTF8(s, "_")
	}
	if s == "" || strings.HasPrefix(s, "__") || k[0] >= '0' && k[0] <= '9' {
		s = "tag_" + s
	}
	return s
}

// SetNativeHistograms switches how trends are exported from the next Collect on: a receiver
// that refuses native histograms gets gauges instead.
func (l *Live) SetNativeHistograms(on bool) {
	l.mu.Lock()
	l.opts.NativeHistograms = on
	l.mu.Unlock()
}

// Overflow returns how many points were not aggregated because MaxSeries series were kept.
func (l *Live) Overflow() int64 {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.overflow
}

// ExportKind is what an exported series is.
type ExportKind int

// The kinds of exported series.
const (
	ExportCounter ExportKind = iota + 1
	ExportGauge
	ExportHistogram
)

// Exported is one series as the exporters send it: a full metric name, its labels (sorted,
// without __name__) and either a value or a native histogram.
type Exported struct {
	Name   string
	Labels []Label
	Kind   ExportKind
	Value  float64
	Hist   *nativeHist
}

// Collect returns every series as of now, in the order they appeared. The histograms are
// copies: the caller may keep them.
func (l *Live) Collect(now time.Time) []Exported {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]Exported, 0, len(l.order)+1)
	pre := l.opts.Prefix
	for _, s := range l.order {
		base := pre + s.metric
		e := Exported{Labels: s.labels.labels}
		switch s.typ {
		case metrics.Counter:
			e.Name, e.Kind, e.Value = base+"_total", ExportCounter, s.value
		case metrics.Gauge:
			e.Name, e.Kind, e.Value = base, ExportGauge, s.value
		case metrics.Rate:
			e.Name, e.Kind, e.Value = base+"_rate", ExportGauge, float64(s.passes)/float64(max(s.total, 1))
		case metrics.Trend:
			if l.opts.NativeHistograms {
				e.Name, e.Kind, e.Hist = base, ExportHistogram, s.hist.clone()
				if s.kind == metrics.Time {
					e.Name += "_seconds"
				}
				out = append(out, e)
				continue
			}
			for _, st := range l.stats {
				g := e
				g.Name, g.Kind, g.Value = base+"_"+st.suffix, ExportGauge, trendValue(s.hist, st)
				out = append(out, g)
			}
			continue
		}
		out = append(out, e)
	}
	if l.opts.TargetRate != nil && !l.first.IsZero() {
		if r, ok := l.opts.TargetRate(now.Sub(l.first)); ok {
			out = append(out, Exported{Name: pre + "target_rate", Kind: ExportGauge, Value: r, Labels: l.opts.Labels})
		}
	}
	return out
}

// trendValue is one stat of a trend; NaN when it has no sample (Prometheus's "no value").
func trendValue(h *nativeHist, st trendStat) float64 {
	if h.count == 0 && st.name != "count" && st.name != "sum" {
		return math.NaN()
	}
	switch st.name {
	case "min":
		return h.min
	case "max":
		return h.max
	case "avg":
		return h.sum / float64(h.count)
	case "med":
		return h.quantile(0.5)
	case "count":
		return float64(h.count)
	case "sum":
		return h.sum
	}
	return h.quantile(st.q)
}
