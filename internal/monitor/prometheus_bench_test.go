package monitor_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// BenchmarkPrometheusSample scrapes and parses an exposition the size of mina's (Go runtime
// and process collectors plus a histogram over 20 routes × 3 statuses) and picks four series:
// the monitor's own cost per tick, beside the load.
func BenchmarkPrometheusSample(b *testing.B) {
	reg := prometheus.NewRegistry()
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "req_seconds", Help: "Latency."}, []string{"route", "status"})
	reg.MustRegister(h, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for r := range 20 {
		for _, s := range []string{"200", "404", "500"} {
			h.WithLabelValues(fmt.Sprintf("/api/r%d", r), s).Observe(0.01)
		}
	}
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	b.Cleanup(srv.Close)
	m, err := prometheusMonitor("b", srv.URL+"/metrics", []monitor.PromSeries{
		{Name: "count", Metric: "req_seconds_count"},
		{Name: "errors", Metric: "req_seconds_count", Labels: map[string]string{"status": "500"}, Rate: true},
		{Name: "fast", Metric: "req_seconds_bucket", Labels: map[string]string{"le": "0.025"}},
		{Name: "goroutines", Metric: "go_goroutines"},
	}, time.Second)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { m.Close() })
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Sample(ctx); err != nil {
			b.Fatal(err)
		}
	}
}
