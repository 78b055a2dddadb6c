package api

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ramp-dev/ramp/internal/mina"
)

// Limit bounds how many requests mina handles at once, so that its capacity is known: with
// MaxInflight slots and a service time S, it serves at most MaxInflight/S requests per second
// (4 slots and 10 ms of injected latency: 400/s). A request that finds every slot taken
// waits in a queue for one; if none frees within MaxWait it is answered 503 with Retry-After,
// never held longer. /metrics and /health bypass the limit, so that the monitors watching a
// saturated server still read it, and so do WebSocket upgrades (a session would hold a slot
// for its whole life).
//
// It exposes, on /metrics:
//
//	mina_inflight_limit                    gauge    the limit, MaxInflight
//	mina_inflight_requests                 gauge    requests holding a slot
//	mina_inflight_queued_requests          gauge    requests waiting for one
//	mina_inflight_queue_wait_seconds_total counter  time spent waiting, all requests together
//	mina_inflight_rejected_total           counter  requests answered 503 after MaxWait
//
// The queue is the bottleneck a capacity search names when queued requests and the wait grow
// while the other resources stay idle.
type Limit struct {
	MaxInflight int           // 0: no limit
	MaxWait     time.Duration // default DefaultMaxWait
}

// DefaultMaxWait is how long a request waits for a slot before it is answered 503.
const DefaultMaxWait = time.Second

// The limit's metric names.
const (
	MetricInflightLimit    = "mina_inflight_limit"
	MetricInflight         = "mina_inflight_requests"
	MetricInflightQueued   = "mina_inflight_queued_requests"
	MetricInflightWait     = "mina_inflight_queue_wait_seconds_total"
	MetricInflightRejected = "mina_inflight_rejected_total"
)

// limiter is a validated Limit: a semaphore and its figures.
type limiter struct {
	Limit
	slots              chan struct{}
	inflight, queued   atomic.Int64
	waitNanos, rejects atomic.Int64
}

func newLimiter(l Limit) (*limiter, error) {
	if l.MaxInflight < 0 {
		return nil, fmt.Errorf("api: max in-flight %d is negative", l.MaxInflight)
	}
	if l.MaxWait < 0 {
		return nil, fmt.Errorf("api: max queue wait %v is negative", l.MaxWait)
	}
	if l.MaxWait == 0 {
		l.MaxWait = DefaultMaxWait
	}
	lim := &limiter{Limit: l}
	if l.MaxInflight > 0 {
		lim.slots = make(chan struct{}, l.MaxInflight)
	}
	return lim, nil
}

// limit returns next behind the limit, or next itself when there is none.
func (s *Server) limit(l *limiter, next http.Handler) http.Handler {
	if l.slots == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The monitors' reads, and WebSocket sessions, which would hold a slot for as long
		// as they stay open, are not limited.
		if r.URL.Path == "/metrics" || r.URL.Path == "/health" || strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
			next.ServeHTTP(w, r)
			return
		}
		if !l.acquire(r) {
			l.rejects.Add(1)
			w.Header().Set("Retry-After", strconv.Itoa(max(1, int(l.MaxWait.Round(time.Second)/time.Second))))
			s.writeError(w, r, mina.Errorf(mina.EUNAVAILABLE, "over capacity: %d requests in flight and no slot freed within %s", l.MaxInflight, l.MaxWait))
			return
		}
		defer l.release()
		next.ServeHTTP(w, r)
	})
}

// acquire takes a slot, waiting up to MaxWait (or until the client goes away).
func (l *limiter) acquire(r *http.Request) bool {
	select {
	case l.slots <- struct{}{}:
		l.inflight.Add(1)
		return true
	default:
	}
	l.queued.Add(1)
	start := time.Now()
	t := time.NewTimer(l.MaxWait)
	defer func() {
		t.Stop()
		l.queued.Add(-1)
		l.waitNanos.Add(int64(time.Since(start)))
	}()
	select {
	case l.slots <- struct{}{}:
		l.inflight.Add(1)
		return true
	case <-t.C:
	case <-r.Context().Done():
	}
	return false
}

func (l *limiter) release() {
	l.inflight.Add(-1)
	<-l.slots
}

// collector exposes the limit's figures at each scrape.
func (l *limiter) collector() prometheus.Collector {
	return &funcCollector{
		descs: []*prometheus.Desc{
			prometheus.NewDesc(MetricInflightLimit, "The most requests handled at once (--max-inflight).", nil, nil),
			prometheus.NewDesc(MetricInflight, "Requests holding a slot now.", nil, nil),
			prometheus.NewDesc(MetricInflightQueued, "Requests waiting for a slot now.", nil, nil),
			prometheus.NewDesc(MetricInflightWait, "Seconds requests have waited for a slot, all together.", nil, nil),
			prometheus.NewDesc(MetricInflightRejected, "Requests answered 503 because no slot freed in time.", nil, nil),
		},
		collect: func(d []*prometheus.Desc, ch chan<- prometheus.Metric) {
			ch <- prometheus.MustNewConstMetric(d[0], prometheus.GaugeValue, float64(l.MaxInflight))
			ch <- prometheus.MustNewConstMetric(d[1], prometheus.GaugeValue, float64(l.inflight.Load()))
			ch <- prometheus.MustNewConstMetric(d[2], prometheus.GaugeValue, float64(l.queued.Load()))
			ch <- prometheus.MustNewConstMetric(d[3], prometheus.CounterValue, time.Duration(l.waitNanos.Load()).Seconds())
			ch <- prometheus.MustNewConstMetric(d[4], prometheus.CounterValue, float64(l.rejects.Load()))
		},
	}
}
