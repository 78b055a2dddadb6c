package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
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
	log      *slog.Logger
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
		log: s.log,
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
	// OpenMetrics when the scraper asks for it (Prometheus does): the only exposition format
	// that carries exemplars, the trace ids of traced requests.
	m.h = promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorLog: slogPrinter{s}, EnableOpenMetrics: true})
	return m, nil
}

// slogPrinter adapts the Server's logger to promhttp's error log.
type slogPrinter struct{ s *Server }

func (p slogPrinter) Println(v ...any) { p.s.log.Error("metrics: " + fmt.Sprint(v...)) }

// metricsHandler serves /metrics.
func (s *Server) metricsHandler(w http.ResponseWriter, r *http.Request) { s.metrics.h.ServeHTTP(w, r) }

// middleware observes the duration of every request under its route pattern. A request that
// never reached the mux (an injected fault) is labelled with the pattern it would have matched.
//
// A request that carries a valid W3C traceparent (a load generator's sampled request, or a
// traced client's) is logged, one line with its trace id, and its duration is observed with
// the exemplar {trace_id="…"}: a slow request in ramp's report leads to this server's log
// line and to the histogram bucket it fell in. Requests without one are not logged, so
// that a server under load writes one line per sampled request, not per request.
func (m *metrics) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		traceID, traced := TraceID(r.Header.Get("traceparent"))
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
		d := time.Since(start)
		obs := m.duration.WithLabelValues(route, strconv.Itoa(status))
		if !traced {
			obs.Observe(d.Seconds())
			return
		}
		obs.(prometheus.ExemplarObserver).ObserveWithExemplar(d.Seconds(), prometheus.Labels{"trace_id": traceID})
		m.log.Info("request", "method", r.Method, "path", r.URL.Path, "route", route, "status", status,
			"duration", d, "trace_id", traceID)
	})
}

// TraceID returns the trace id of a W3C traceparent header value
// (https://www.w3.org/TR/trace-context/#traceparent-header):
//
//	traceparent = version "-" trace-id "-" parent-id "-" flags
//	version     = 2HEXDIGLC    ; not "ff"; a later version may append "-" fields
//	trace-id    = 32HEXDIGLC   ; not all zeros
//	parent-id   = 16HEXDIGLC   ; not all zeros
//	flags       = 2HEXDIGLC
//
// ok is false for anything else: a malformed header is ignored, never trusted into a log.
func TraceID(h string) (id string, ok bool) {
	if len(h) < 55 || (len(h) > 55 && (h[:2] == "00" || h[55] != '-')) {
		return "", false
	}
	if h[2] != '-' || h[35] != '-' || h[52] != '-' || h[:2] == "ff" {
		return "", false
	}
	for _, f := range [][2]int{{0, 2}, {3, 35}, {36, 52}, {53, 55}} {
		if !lowerHex(h[f[0]:f[1]]) {
			return "", false
		}
	}
	if strings.Trim(h[3:35], "0") == "" || strings.Trim(h[36:52], "0") == "" {
		return "", false
	}
	return h[3:35], true
}

func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
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
