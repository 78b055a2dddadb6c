package output

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Scrape serves a Live's series at /metrics while a test runs (--metrics-addr), for a
// Prometheus that scrapes rather than receives: the same names, labels and values remote
// write sends, in the exposition format client_golang negotiates (native histograms need
// the protobuf format, which Prometheus asks for when its native-histograms feature is on).
// A suite points it at each test's Live in turn (Set).
type Scrape struct {
	mu   sync.Mutex
	live *Live
	srv  *http.Server
	ln   net.Listener
	done chan struct{}
}

var _ prometheus.Collector = (*Scrape)(nil)

// ListenScrape listens on addr and serves /metrics until Close. It has no Live until Set.
func ListenScrape(addr string) (*Scrape, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-addr %s: %w", addr, err)
	}
	s := &Scrape{ln: ln, done: make(chan struct{})}
	reg := prometheus.NewRegistry()
	reg.MustRegister(s)
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError}))
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		defer close(s.done)
		_ = s.srv.Serve(ln)
	}()
	return s, nil
}

// Addr is the address it listens on (the port chosen for ":0").
func (s *Scrape) Addr() string { return s.ln.Addr().String() }

// Set makes live the series served from now on.
func (s *Scrape) Set(live *Live) {
	s.mu.Lock()
	s.live = live
	s.mu.Unlock()
}

// Close stops serving, letting a scrape under way finish for up to a second.
func (s *Scrape) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	err := s.srv.Shutdown(ctx)
	<-s.done
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	return err
}

// Describe sends nothing: the series are not known in advance (an unchecked collector).
func (s *Scrape) Describe(chan<- *prometheus.Desc) {}

// Collect implements prometheus.Collector: every series of the current Live, as of now.
func (s *Scrape) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	live := s.live
	s.mu.Unlock()
	if live == nil {
		return
	}
	for _, e := range live.Collect(time.Now()) {
		names := make([]string, len(e.Labels))
		values := make([]string, len(e.Labels))
		for i, l := range e.Labels {
			names[i], values[i] = l.Name, l.Value
		}
		desc := prometheus.NewDesc(e.Name, "ramp's "+e.Name+", cumulative from the start of the test", names, nil)
		var m prometheus.Metric
		var err error
		switch e.Kind {
		case ExportCounter:
			m, err = prometheus.NewConstMetric(desc, prometheus.CounterValue, e.Value, values...)
		case ExportGauge:
			m, err = prometheus.NewConstMetric(desc, prometheus.GaugeValue, e.Value, values...)
		case ExportHistogram:
			pos := make(map[int]int64, len(e.Hist.b))
			for j, c := range e.Hist.b {
				if c > 0 {
					pos[e.Hist.offset+j] = int64(c)
				}
			}
			m, err = prometheus.NewConstNativeHistogram(desc, e.Hist.count, e.Hist.sum, pos, nil,
				e.Hist.zero, NativeSchema, nativeZeroThreshold, time.Time{}, values...)
		}
		if err != nil {
			ch <- prometheus.NewInvalidMetric(desc, err)
			continue
		}
		ch <- m
	}
}
