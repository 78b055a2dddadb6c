package api

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric families that /metrics exposes besides the Go and process collectors' go_* and
// process_*. Pool and cache families appear when Config.PoolStats and Config.CacheStats are set.
const (
	MetricRequestDuration = "mina_http_request_duration_seconds" // histogram{route,status}
	MetricPoolOpen        = "mina_db_pool_open_connections"
	MetricPoolInUse       = "mina_db_pool_in_use_connections"
	MetricPoolIdle        = "mina_db_pool_idle_connections"
	MetricPoolWaits       = "mina_db_pool_wait_count_total"
	MetricPoolWaitSeconds = "mina_db_pool_wait_duration_seconds_total"
	MetricCacheHits       = "mina_cache_hits_total"   // counter{cache}
	MetricCacheMisses     = "mina_cache_misses_total" // counter{cache}
)

// durationBuckets resolve the sub-millisecond answers of a cached read as well as a slow
// analytics query.
var durationBuckets = []float64{.0002, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}

// metrics records request durations into the Server's own registry (never the global one).
type metrics struct {
	duration *prometheus.HistogramVec
	mux      *http.ServeMux
	h        http.Handler // promhttp over the registry
}

// newMetrics builds the registry: request durations, pool and cache collectors, Go and process.
func (s *Server) newMetrics() (*metrics, error) {
	reg := prometheus.NewRegistry()
	m := &metrics{
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    MetricRequestDuration,
			Help:    "Time from the request's arrival to the end of its handler, by route pattern and status.",
			Buckets: durationBuckets,
		}, []string{"route", "status"}),
		mux: s.mux,
	}
	cs := []prometheus.Collector{
		m.duration,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	}
	if s.cfg.PoolStats != nil {
		cs = append(cs, poolCollector(s.cfg.PoolStats))
	}
	if s.cfg.CacheStats != nil {
		cs = append(cs, cacheCollector(s.cfg.CacheStats))
	}
	for _, c := range cs {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	s.registry = reg
	m.h = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}})
	return m, nil
}

// slogPrinter adapts the Server's logger to promhttp's error log.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics: " + fmt.Sprint(v...)) }

// metricsHandler serves /metrics.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) { s.metrics.h.ServeHTTP(w, r) }

// middleware observes the duration of every request under its route pattern. A request that
// never reached the mux (an injected fault) is labelled with the pattern it would have matched.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		route := r.Pattern
		if route == "" {
			_, route = m.mux.Handler(r)
		}
		if route == "" {
			route = "unmatched"
		}
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		m.duration.WithLabelValues(route, strconv.Itoa(status)).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

// WriteHeader implements http.ResponseWriter.
func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// poolCollector reads the database pool's state at each scrape.
func poolCollector(stats func() PoolStats) prometheus.Collector {
	return &funcCollector{
		descs: []*prometheus.Desc{
			prometheus.NewDesc(MetricPoolOpen, "Open connections to the database (in use and idle).", nil, nil),
			prometheus.NewDesc(MetricPoolInUse, "Connections currently in use.", nil, nil),
			prometheus.NewDesc(MetricPoolIdle, "Idle connections.", nil, nil),
			prometheus.NewDesc(MetricPoolWaits, "Times a query waited for a free connection.", nil, nil),
			prometheus.NewDesc(MetricPoolWaitSeconds, "Total time spent waiting for a free connection.", nil, nil),
		},
		collect: func(d []*prometheus.Desc, ch chan<- prometheus.Metric) {
			st := stats()
			ch <- prometheus.MustNewConstMetric(d[0], prometheus.GaugeValue, float64(st.Open))
			ch <- prometheus.MustNewConstMetric(d[1], prometheus.GaugeValue, float64(st.InUse))
			ch <- prometheus.MustNewConstMetric(d[2], prometheus.GaugeValue, float64(st.Idle))
			ch <- prometheus.MustNewConstMetric(d[3], prometheus.CounterValue, float64(st.WaitCount))
			ch <- prometheus.MustNewConstMetric(d[4], prometheus.CounterValue, st.WaitDuration.Seconds())
		},
	}
}

// cacheCollector reads the caches' hit and miss counts at each scrape.
func cacheCollector(stats func() []CacheStat) prometheus.Collector {
	return &funcCollector{
		descs: []*prometheus.Desc{
			prometheus.NewDesc(MetricCacheHits, "Lookups answered from the cache, by cache.", []string{"cache"}, nil),
			prometheus.NewDesc(MetricCacheMisses, "Lookups that missed the cache, by cache.", []string{"cache"}, nil),
		},
		collect: func(d []*prometheus.Desc, ch chan<- prometheus.Metric) {
			for _, st := range stats() {
				ch <- prometheus.MustNewConstMetric(d[0], prometheus.CounterValue, float64(st.Hits), st.Name)
				ch <- prometheus.MustNewConstMetric(d[1], prometheus.CounterValue, float64(st.Misses), st.Name)
			}
		},
	}
}

// funcCollector is a Collector of fixed descriptors whose values a function reads at scrape
// time (the values live in their owners: database/sql's pool, the caches' counters).
type funcCollector struct {
	descs   []*prometheus.Desc
	collect func([]*prometheus.Desc, chan<- prometheus.Metric)
}

// Describe implements prometheus.Collector.
func (c *funcCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range c.descs {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *funcCollector) Collect(ch chan<- prometheus.Metric) { c.collect(c.descs, ch) }
