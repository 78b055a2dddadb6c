package metrics

import (
	"errors"
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults for the zero fields of Config.
const (
	DefaultSeriesInterval  = time.Second
	DefaultMaxSeriesPoints = 3600
	// DefaultRecentSeriesPoints keeps the last minute at 1 s in full: what a live display, a
	// live criterion or an abort reads.
	DefaultRecentSeriesPoints = 60
	DefaultMaxTagValues       = 500
)

// maxShards bounds the shard count on large machines: each shard holds its own whole-run
// histograms (see the package doc for their size), and at ramp's rates one shard per core up
// to eight keeps lock contention negligible.
const maxShards = 8

// Config configures a Registry. The zero value is usable: every zero field takes its default.
type Config struct {
	// Submetrics are extra keys to track, as written in thresholds and criteria,
	// e.g. "http_req_duration{name:meetings_list}", "http_reqs{status:200}".
	Submetrics []string
	// SeriesInterval is the time-series resolution (default 1s). MaxSeriesPoints bounds each
	// series (default 3600; at least 2): when a series would grow past it, adjacent points are
	// merged exactly and that series' interval doubles.
	SeriesInterval  time.Duration
	MaxSeriesPoints int
	// RecentSeriesPoints is how many of a trend series' last points keep their histograms at
	// two significant digits (1% error; default 60). Older points keep them at one digit
	// (percentiles within 3.2%), in a tenth of the memory, so that a series' memory stops growing
	// with the run's length long before MaxSeriesPoints; counts, sums, min and max stay
	// exact. The package doc has the bound.
	RecentSeriesPoints int
	// MaxTagValues bounds each automatic family of sub-metrics (http_req_duration{name:X} …,
	// checks{check:X}, group_duration{group:X}) to this many distinct values (default 500).
	// Values beyond it still feed the whole metric and any configured sub-metric; the
	// Snapshot names the family in Truncated.
	MaxTagValues int
	// Output, when set, receives every sample point (for --out json=FILE). Nothing is lost:
	// recorders block on it (backpressure) rather than drop.
	Output Output
	// Now is the clock (tests inject one); default time.Now.
	Now func() time.Time
}

// Registry is the in-memory store of one run's samples. Recorders (one per VU goroutine) feed
// it; Snapshot reads it. All methods are safe for concurrent use.
type Registry struct {
	now          func() time.Time
	start        time.Time
	base         time.Duration
	maxPoints    int
	recentPoints int
	maxTagValues int
	out          Output
	shards       []*shard
	nextShard    atomic.Uint32
	closed       atomic.Bool

	mu         sync.Mutex // guards the fields below
	keys       []*keyState
	byKey      map[string]*keyState
	configured []*keyState
	families   map[string]int  // "http_req_duration{name}" → distinct values tracked
	truncated  map[string]bool // families that reached MaxTagValues

	gaugeMu sync.Mutex
	gauges  map[string]*gauge // vus, vus_max

	outMu   sync.Mutex
	pending map[*Recorder]struct{} // recorders holding unflushed points
	outErr  error

	traced tracedLists
}

// keyState is one tracked key: a whole metric or a sub-metric. Immutable but for its series.
type keyState struct {
	id         int
	key, name  string
	tags       []Tag
	b          Builtin
	configured bool
	series     *series
	// seriesHist says whether the series keeps a histogram per point (see phaseTrends).
	seriesHist bool
}

// phaseTrends are the whole trends whose series keep count, sum, min and max per point but no
// histogram: per-interval percentiles of each request phase are rarely charted, and six
// fewer histograms per interval save most of the series' memory and a third of the hot
// path. Their sub-metrics (configured) keep histograms.
var phaseTrends = map[string]bool{
	HTTPReqBlocked: true, HTTPReqLookingUp: true, HTTPReqConnecting: true, HTTPReqTLSHandshaking: true,
	HTTPReqSending: true, HTTPReqWaiting: true, HTTPReqReceiving: true,
}

// NewRegistry returns an empty registry whose clock starts now. It fails on a bad
// sub-metric key, an unknown metric name or a negative setting.
func NewRegistry(cfg Config) (*Registry, error) {
	if cfg.SeriesInterval < 0 {
		return nil, fmt.Errorf("metrics: series interval %v is negative", cfg.SeriesInterval)
	}
	if cfg.MaxSeriesPoints < 0 || cfg.MaxSeriesPoints == 1 {
		return nil, fmt.Errorf("metrics: max series points %d: want 0 (default) or at least 2", cfg.MaxSeriesPoints)
	}
	if cfg.RecentSeriesPoints < 0 {
		return nil, fmt.Errorf("metrics: recent series points %d is negative", cfg.RecentSeriesPoints)
	}
	if cfg.MaxTagValues < 0 {
		return nil, fmt.Errorf("metrics: max tag values %d is negative", cfg.MaxTagValues)
	}
	r := &Registry{
		now:          cfg.Now,
		base:         cfg.SeriesInterval,
		maxPoints:    cfg.MaxSeriesPoints,
		recentPoints: cfg.RecentSeriesPoints,
		maxTagValues: cfg.MaxTagValues,
		out:          cfg.Output,
		byKey:        map[string]*keyState{},
		families:     map[string]int{},
		truncated:    map[string]bool{},
		gauges:       map[string]*gauge{},
		pending:      map[*Recorder]struct{}{},
	}
	if r.now == nil {
		r.now = time.Now
	}
	if r.base == 0 {
		r.base = DefaultSeriesInterval
	}
	if r.maxPoints == 0 {
		r.maxPoints = DefaultMaxSeriesPoints
	}
	if r.recentPoints == 0 {
		r.recentPoints = DefaultRecentSeriesPoints
	}
	if r.maxTagValues == 0 {
		r.maxTagValues = DefaultMaxTagValues
	}
	r.start = r.now()
	for _, b := range builtins {
		r.addKey(b, nil, false)
	}
	for _, name := range []string{VUs, VUsMax} {
		r.gauges[name] = &gauge{ks: r.byKey[name]}
	}
	for _, raw := range cfg.Submetrics {
		name, tags, err := ParseKey(raw)
		if err != nil {
			return nil, fmt.Errorf("metrics: sub-metric: %w", err)
		}
		b, ok := Lookup(name)
		if !ok {
			return nil, fmt.Errorf("metrics: sub-metric %q: unknown metric %q", raw, name)
		}
		ks := r.byKey[FormatKey(name, tags)]
		if ks == nil {
			ks = r.addKey(b, tags, true)
		}
		ks.configured = true
		if len(tags) > 0 && !containsKey(r.configured, ks) {
			r.configured = append(r.configured, ks)
		}
	}
	n := min(runtime.GOMAXPROCS(0), maxShards)
	for range n {
		r.shards = append(r.shards, newShard(r))
	}
	return r, nil
}

// addKey tracks a new key. The caller holds r.mu (or owns r, in NewRegistry).
func (r *Registry) addKey(b Builtin, tags []Tag, configured bool) *keyState {
	ks := &keyState{
		id:         len(r.keys),
		key:        FormatKey(b.Name, tags),
		name:       b.Name,
		tags:       tags,
		b:          b,
		configured: configured,
	}
	ks.series = &series{typ: b.Type, max: r.maxPoints, recent: int64(r.recentPoints)}
	ks.seriesHist = b.Type == Trend && !(len(tags) == 0 && phaseTrends[b.Name])
	r.keys = append(r.keys, ks)
	r.byKey[ks.key] = ks
	return ks
}

func containsKey(list []*keyState, ks *keyState) bool {
	for _, k := range list {
		if k == ks {
			return true
		}
	}
	return false
}

// autoFamilies lists, per metric, the tags whose every value gets its own sub-metric:
// per-name latencies and errors for the summary, per-status and per-error-code request
// counts for the report's error breakdown.
var autoFamilies = map[string][]string{
	HTTPReqDuration: {"name"},
	HTTPReqFailed:   {"name"},
	HTTPReqs:        {"name", "status", "error_code"},
	Checks:          {"check"},
	GroupDuration:   {"group"},
}

// resolve returns the keys a sample of metric name with the given full tags feeds: the whole
// metric, every matching configured sub-metric, and the automatic sub-metrics of its
// families. The caller holds r.mu.
func (r *Registry) resolve(name string, tags *TagSet) []*keyState {
	out := []*keyState{r.byKey[name]}
	for _, ks := range r.configured {
		if ks.name == name && tags.contains(ks.tags) {
			out = append(out, ks)
		}
	}
	for _, tagKey := range autoFamilies[name] {
		v, ok := tags.Get(tagKey)
		if !ok || v == "" {
			continue
		}
		sel := []Tag{{Key: tagKey, Value: v}}
		key := FormatKey(name, sel)
		ks := r.byKey[key]
		if ks == nil {
			family := name + "{" + tagKey + "}"
			if r.families[family] >= r.maxTagValues {
				r.truncated[family] = true
				continue
			}
			r.families[family]++
			ks = r.addKey(r.byKey[name].b, sel, false)
		}
		if !containsKey(out, ks) {
			out = append(out, ks)
		}
	}
	return out
}

// Recorder returns a recorder for one goroutine.
func (r *Registry) Recorder() *Recorder {
	home := int(r.nextShard.Add(1)) % len(r.shards)
	return &Recorder{r: r, home: home}
}

// lockShard locks and returns a shard: home if it is free, else the first free one, else it
// waits for home. Any shard will do, since snapshots merge them all.
func (r *Registry) lockShard(home int) *shard {
	n := len(r.shards)
	for i := range n {
		sh := r.shards[(home+i)%n]
		if sh.mu.TryLock() {
			return sh
		}
	}
	sh := r.shards[home]
	sh.mu.Lock()
	return sh
}

// DroppedIteration counts one iteration that an arrival-rate executor could not start because
// no VU was free. Safe for concurrent use.
func (r *Registry) DroppedIteration(tags *TagSet) {
	if r.closed.Load() {
		return
	}
	t := r.now()
	sh := r.lockShard(int(r.nextShard.Add(1)) % len(r.shards))
	e := sh.entry(cacheKey{tags: tags, kind: kindDropped})
	vals := [1]int64{1}
	sh.record(e, vals[:], r.baseIndex(t), 0)
	sh.mu.Unlock()
	if r.out != nil {
		r.write([]Point{{Metric: DroppedIterations, Time: t, Value: 1, Tags: tags}})
	}
}

// SetVUs sets the vus and vus_max gauges. Safe for concurrent use.
func (r *Registry) SetVUs(active, max int) {
	if r.closed.Load() {
		return
	}
	t := r.now()
	bi := r.baseIndex(t)
	r.gaugeMu.Lock()
	r.gauges[VUs].set(float64(active), bi)
	r.gauges[VUsMax].set(float64(max), bi)
	r.gaugeMu.Unlock()
	if r.out != nil {
		r.write([]Point{
			{Metric: VUs, Time: t, Value: float64(active)},
			{Metric: VUsMax, Time: t, Value: float64(max)},
		})
	}
}

// baseIndex is the number of SeriesIntervals from the registry's start to t, clamped to
// [0, maxBaseIndex] so that a wild clock cannot overflow a series' interval.
func (r *Registry) baseIndex(t time.Time) int64 {
	d := t.Sub(r.start)
	if d <= 0 {
		return 0
	}
	return min(int64(d/r.base), maxBaseIndex)
}

// maxBaseIndex bounds series indexes (2^30 intervals: 34 years at 1 s).
const maxBaseIndex = 1 << 30

// write sends points to the Output and keeps the first error for Close.
func (r *Registry) write(points []Point) {
	if err := r.out.WritePoints(points); err != nil {
		r.outMu.Lock()
		if r.outErr == nil {
			r.outErr = fmt.Errorf("metrics: output: %w", err)
		}
		r.outMu.Unlock()
	}
}

// Close flushes every recorder's buffered points to the Output and every shard's pending
// series points. Later records are ignored. Call it once the recorders have stopped: it
// flushes their buffers from this goroutine. It returns the first error the Output reported.
// It does not close the Output.
func (r *Registry) Close() error {
	if r.closed.Swap(true) {
		return errors.New("metrics: registry already closed")
	}
	r.outMu.Lock()
	recs := make([]*Recorder, 0, len(r.pending))
	for rec := range r.pending {
		recs = append(recs, rec)
	}
	r.outMu.Unlock()
	for _, rec := range recs {
		rec.Flush()
	}
	for _, sh := range r.shards {
		sh.mu.Lock()
		sh.flushAll()
		sh.mu.Unlock()
	}
	r.outMu.Lock()
	defer r.outMu.Unlock()
	return r.outErr
}

// snapshotKeys returns the tracked keys and the truncated families, sorted.
func (r *Registry) snapshotKeys() ([]*keyState, []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := append([]*keyState(nil), r.keys...)
	var trunc []string
	for f := range r.truncated {
		trunc = append(trunc, f)
	}
	sort.Strings(trunc)
	return keys, trunc
}
