package monitor_test

import (
	"context"
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
	m, err := monitor.PrometheusMonitor("app", e.url, []monitor.PromSeries{
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
			m, err := monitor.PrometheusMonitor("p", tt.url, tt.series, time.Second)
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
	m, err := monitor.PrometheusMonitor("mina", srv.URL+"/metrics", []monitor.PromSeries{
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
