package output

import (
	"io"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// BenchmarkNDJSONWritePoints measures encoding one request's dozen points (one op) with shared
// tags, as recorders hand them over.
func BenchmarkNDJSONWritePoints(b *testing.B) {
	tags := metrics.NewTags(map[string]string{
		"name": "meetings_list", "method": "GET", "scenario": "read", "status": "200",
		"expected_response": "true", "url": "http://127.0.0.1:5000/api/meetings",
	})
	names := []string{"http_reqs", "http_req_duration", "http_req_blocked", "http_req_connecting",
		"http_req_tls_handshaking", "http_req_sending", "http_req_waiting", "http_req_receiving",
		"http_req_failed", "data_sent", "data_received"}
	batch := make([]metrics.Point, len(names))
	now := time.Now()
	for i, n := range names {
		batch[i] = metrics.Point{Metric: n, Time: now, Value: 12.345, Tags: tags}
	}
	n := NewNDJSON(io.Discard)
	b.ReportAllocs()
	for b.Loop() {
		if err := n.WritePoints(batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(batch)), "ns/point")
	_ = n.Close()
}
