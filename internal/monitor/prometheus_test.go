package monitor_test

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/mock"
	"github.com/ramp-dev/ramp/internal/monitor"
)

// exporter is a real client_golang registry served over HTTP.
type exporter struct {
	url      string
	requests *prometheus.CounterVec
	inFlight prometheus.Gauge
	latency  prometheus.Histogram
}

func newExporter(t *testing.T) *exporter {
	t.Helper()
	e := &exporter{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "app_requests_total", Help: "Requests."}, []string{"pool", "code"}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{Name: "app_in_flight", Help: "In flight."}),
		latency: prometheus.NewHistogram(prometheus.HistogramOpts{Name: "app_latency_seconds", Help: "Latency.",
			Buckets: []float64{0.1, 0.5, 1}}),
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(e.requests, e.inFlight, e.latency)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/metrics"
	return e
}

// byName indexes readings by series.
func byName(rs []monitor.Reading) map[string]monitor.Reading {
	out := map[string]monitor.Reading{}
	for _, r := range rs {
		out[r.Series] = r
	}
	return out
}

// timedSample returns the readings and the times just before and after the reading.
func timedSample(t *testing.T, m monitor.Monitor) (map[string]monitor.Reading, time.Time, time.Time) {
	t.Helper()
	before := time.Now()
	rs, err := m.Sample(context.Background())
	after := time.Now()
	if err != nil {
		t.Fatalf("Sample: %v", err)
	}
	return byName(rs), before, after
}

func TestPrometheusMonitorValuesAndRates(t *testing.T) {
	t.Parallel()
	e := newExporter(t)
	e.requests.WithLabelValues("read", "200").Add(3)
	e.requests.WithLabelValues("read", "500").Add(1)
	e.requests.WithLabelValues("write", "200").Add(4)
	e.inFlight.Set(7)
	for _, v := range []float64{0.05, 0.3, 0.3, 2} {
		e.latency.Observe(v)
	}
	m, err := prometheusMonitor("app", e.url, []monitor.PromSeries{
		{Name: "reads", Metric: "app_requests_total", Labels: map[string]string{"pool": "read"}},
		{Name: "all", Metric: "app_requests_total"},
		{Name: "read_ok", Metric: "app_requests_total", Labels: map[string]string{"pool": "read", "code": "200"}},
		{Name: "read_rate", Metric: "app_requests_total", Labels: map[string]string{"pool": "read"}, Rate: true},
		{Name: "in_flight", Metric: "app_in_flight", Unit: "count"},
		{Name: "lat_count", Metric: "app_latency_seconds_count"},
		{Name: "lat_sum", Metric: "app_latency_seconds_sum"},
		{Name: "lat_fast", Metric: "app_latency_seconds_bucket", Labels: map[string]string{"le": "0.5"}},
	}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	first, before1, after1 := timedSample(t, m)
	want := map[string]float64{"reads": 4, "all": 8, "read_ok": 3, "in_flight": 7, "lat_count": 4, "lat_sum": 2.65, "lat_fast": 3}
	for name, w := range want {
		if r, ok := first[name]; !ok || r.Value != w {
			t.Errorf("first scrape %s = %v (present %v), want %v", name, r.Value, ok, w)
		}
	}
	if r, ok := first["read_rate"]; ok {
		t.Errorf("a rate has no value at the first scrape, got %v", r.Value)
	}
	if first["in_flight"].Unit != "count" {
		t.Errorf("unit of in_flight = %q, want the configured count", first["in_flight"].Unit)
	}

	time.Sleep(200 * time.Millisecond)
	e.requests.WithLabelValues("read", "200").Add(50)
	second, before2, after2 := timedSample(t, m)
	if got := second["reads"].Value; got != 54 {
		t.Errorf("second scrape reads = %v, want 54", got)
	}
	// The rate is 50 over the time between the scrapes, which lies between these bounds.
	r, ok := second["read_rate"]
	lo, hi := 50/after2.Sub(before1).Seconds(), 50/before2.Sub(after1).Seconds()
	if !ok || r.Unit != monitor.UnitPerSecond || r.Value < lo || r.Value > hi {
		t.Errorf("read_rate = %+v (present %v), want per_second within [%.1f, %.1f]", r, ok, lo, hi)
	}
}

func TestPrometheusMonitorErrors(t *testing.T) {
	t.Parallel()
	e := newExporter(t)
	e.inFlight.Set(1)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/garbage" {
			w.Write([]byte("this is {not the text format\n"))
			return
		}
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	t.Cleanup(broken.Close)
	tests := []struct {
		name   string
		url    string
		series []monitor.PromSeries
		want   []string // in the error
		values int      // readings still returned
	}{
		// A series absent from the scrape is named; the others are still read.
		{"missing metric", e.url, []monitor.PromSeries{{Name: "a", Metric: "app_in_flight"}, {Name: "b", Metric: "nope_total"}},
			[]string{"series b", "no metric nope_total"}, 1},
		// A label set nobody carries is quoted.
		{"no matching labels", e.url, []monitor.PromSeries{{Name: "a", Metric: "app_in_flight", Labels: map[string]string{"pool": "x"}}},
			[]string{`no series of app_in_flight has the labels {pool="x"}`}, 0},
		// A histogram by its bare name says what to ask for.
		{"bare histogram", e.url, []monitor.PromSeries{{Name: "a", Metric: "app_latency_seconds"}},
			[]string{"is a histogram: ask for app_latency_seconds_sum"}, 0},
		// A bucket bound the histogram does not have.
		{"unknown bucket", e.url, []monitor.PromSeries{{Name: "a", Metric: "app_latency_seconds_bucket", Labels: map[string]string{"le": "0.3"}}},
			[]string{`no bucket le="0.3"`}, 0},
		// An error status is reported with the URL.
		{"status 503", broken.URL + "/metrics", []monitor.PromSeries{{Name: "a", Metric: "x"}},
			[]string{"503"}, 0},
		// A body that is not the text format.
		{"not text format", broken.URL + "/garbage", []monitor.PromSeries{{Name: "a", Metric: "x"}},
			[]string{"parse"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			m, err := prometheusMonitor("p", tt.url, tt.series, time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			rs, err := m.Sample(context.Background())
			if err == nil {
				t.Fatalf("Sample succeeded with %v; want an error", rs)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if len(rs) != tt.values {
				t.Errorf("got %d readings along with the error, want %d", len(rs), tt.values)
			}
		})
	}
}

// TestPrometheusMonitorReadsMina scrapes the real mina handler's /metrics: the pool-wait
// counter it exposes from database/sql's statistics, as a value and as a rate.
func TestPrometheusMonitorReadsMina(t *testing.T) {
	t.Parallel()
	var (
		mu    sync.Mutex
		waits int64 = 5
	)
	store := &mock.Store{}
	h, err := api.New(api.Config{Users: store, Meetings: store, Tasks: store, Analytics: store,
		PoolStats: func() api.PoolStats {
			mu.Lock()
			defer mu.Unlock()
			return api.PoolStats{Open: 4, InUse: 3, Idle: 1, WaitCount: waits}
		},
		CacheStats: func() []api.CacheStat {
			return []api.CacheStat{{Name: "meetings", Hits: 30, Misses: 10}, {Name: "lists", Hits: 5, Misses: 5}}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	m, err := prometheusMonitor("mina", srv.URL+"/metrics", []monitor.PromSeries{
		{Name: "pool_waits", Metric: api.MetricPoolWaits},
		{Name: "pool_wait_rate", Metric: api.MetricPoolWaits, Rate: true},
		{Name: "pool_in_use", Metric: api.MetricPoolInUse},
		{Name: "meeting_hits", Metric: api.MetricCacheHits, Labels: map[string]string{"cache": "meetings"}},
		{Name: "hits", Metric: api.MetricCacheHits},
	}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	first, _, after1 := timedSample(t, m)
	for name, w := range map[string]float64{"pool_waits": 5, "pool_in_use": 3, "meeting_hits": 30, "hits": 35} {
		if got := first[name].Value; got != w {
			t.Errorf("%s = %v, want %v", name, got, w)
		}
	}
	time.Sleep(100 * time.Millisecond)
	mu.Lock()
	waits += 20
	mu.Unlock()
	second, before2, _ := timedSample(t, m)
	if got := second["pool_waits"].Value; got != 25 {
		t.Errorf("pool_waits after 20 more waits = %v, want 25", got)
	}
	if got := second["pool_wait_rate"].Value; got <= 0 || got > 20/before2.Sub(after1).Seconds() {
		t.Errorf("pool_wait_rate = %v, want (0, %.1f]", got, 20/before2.Sub(after1).Seconds())
	}
}

// exposition serves a Prometheus text exposition that the test rewrites between scrapes.
type exposition struct {
	mu   sync.Mutex
	text string
	url  string
}

func newExposition(t *testing.T) *exposition {
	t.Helper()
	e := &exposition{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		defer e.mu.Unlock()
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		w.Write([]byte(e.text))
	}))
	t.Cleanup(srv.Close)
	e.url = srv.URL + "/metrics"
	return e
}

func (e *exposition) set(text string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.text = text
}

// cacheExposition is a cache's counters, per cache, and a pool's gauges.
func cacheExposition(hitsA, missesA, hitsB, missesB float64, inUse, open float64) string {
	return fmt.Sprintf(`# TYPE app_cache_hits_total counter
app_cache_hits_total{cache="a"} %v
app_cache_hits_total{cache="b"} %v
# TYPE app_cache_misses_total counter
app_cache_misses_total{cache="a"} %v
app_cache_misses_total{cache="b"} %v
# TYPE app_pool_in_use gauge
app_pool_in_use %v
# TYPE app_pool_open gauge
app_pool_open %v
`, hitsA, hitsB, missesA, missesB, inUse, open)
}

// TestPrometheusMonitorRatios scrapes an exposition whose counters change between scrapes and
// checks each ratio series against the arithmetic done by hand.
func TestPrometheusMonitorRatios(t *testing.T) {
	t.Parallel()
	e := newExposition(t)
	over := []string{"app_cache_hits_total", "app_cache_misses_total"}
	m, err := prometheusMonitor("app", e.url, []monitor.PromSeries{
		// Δhits / (Δhits + Δmisses): the hit rate over each interval, both caches together.
		{Name: "hit_rate", Metric: "app_cache_hits_total", Over: over, Rate: true},
		// The same for cache a only: the labels select the divisors too.
		{Name: "hit_rate_a", Metric: "app_cache_hits_total", Over: over, Labels: map[string]string{"cache": "a"}, Rate: true},
		// hits / (hits + misses) since the counters started.
		{Name: "hit_rate_total", Metric: "app_cache_hits_total", Over: over},
		// A gauge over a gauge: pool usage.
		{Name: "pool_usage", Metric: "app_pool_in_use", Over: []string{"app_pool_open"}, Unit: "fraction"},
	}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()

	none := -1.0 // no reading for that series at that scrape
	steps := []struct {
		name       string
		exposition string
		want       map[string]float64
	}{
		// The first scrape sets the baseline of the increases; the totals have values.
		{"baseline", cacheExposition(10, 10, 0, 0, 3, 4),
			map[string]float64{"hit_rate": none, "hit_rate_a": none, "hit_rate_total": 0.5, "pool_usage": 0.75}},
		// +30 hits and +10 misses in a, +0/+10 in b: 30/50 overall, 30/40 in a.
		{"traffic", cacheExposition(40, 20, 0, 10, 2, 4),
			map[string]float64{"hit_rate": 30.0 / 50, "hit_rate_a": 0.75, "hit_rate_total": 40.0 / 70, "pool_usage": 0.5}},
		// No lookups at all, and no open connection: no value, neither 0 nor NaN.
		{"idle", cacheExposition(40, 20, 0, 10, 0, 0),
			map[string]float64{"hit_rate": none, "hit_rate_a": none, "hit_rate_total": 40.0 / 70, "pool_usage": none}},
		// Only cache b was used: a has no rate, the whole has b's.
		{"only b", cacheExposition(40, 20, 9, 11, 1, 4),
			map[string]float64{"hit_rate": 9.0 / 10, "hit_rate_a": none, "hit_rate_total": 49.0 / 80, "pool_usage": 0.25}},
		// The server restarted: counters lower than before are taken as restarted from 0.
		{"restart", cacheExposition(3, 1, 0, 0, 1, 4),
			map[string]float64{"hit_rate": 0.75, "hit_rate_a": 0.75, "hit_rate_total": 0.75, "pool_usage": 0.25}},
	}
	units := map[string]string{"hit_rate": monitor.UnitRatio, "hit_rate_a": monitor.UnitRatio, "hit_rate_total": monitor.UnitRatio, "pool_usage": "fraction"}
	for _, st := range steps {
		e.set(st.exposition)
		time.Sleep(5 * time.Millisecond) // rates need the clock to move between scrapes
		got, _, _ := timedSample(t, m)
		for name, w := range st.want {
			r, ok := got[name]
			switch {
			case w == none && ok:
				t.Errorf("%s: %s = %v, want no reading", st.name, name, r.Value)
			case w != none && !ok:
				t.Errorf("%s: %s has no reading, want %v", st.name, name, w)
			case w != none && (math.Abs(r.Value-w) > 1e-12 || r.Unit != units[name]):
				t.Errorf("%s: %s = %v %s, want %v %s", st.name, name, r.Value, r.Unit, w, units[name])
			}
		}
	}
}

// TestPrometheusMonitorRatioMissingDivisor: a divisor absent from the scrape is named, and
// that series gives no value.
func TestPrometheusMonitorRatioMissingDivisor(t *testing.T) {
	t.Parallel()
	e := newExposition(t)
	e.set(cacheExposition(1, 1, 1, 1, 1, 1))
	m, err := prometheusMonitor("app", e.url, []monitor.PromSeries{
		{Name: "r", Metric: "app_cache_hits_total", Over: []string{"app_cache_hits_total", "app_cache_evictions_total"}},
		{Name: "usage", Metric: "app_pool_in_use", Over: []string{"app_pool_open"}},
	}, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	rs, err := m.Sample(context.Background())
	if err == nil || !strings.Contains(err.Error(), "series r: no metric app_cache_evictions_total") {
		t.Errorf("error %v, want it to name the missing divisor", err)
	}
	if len(rs) != 1 || rs[0].Series != "usage" || rs[0].Value != 1 {
		t.Errorf("readings %+v, want only usage = 1", rs)
	}
}
