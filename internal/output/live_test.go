package output

import (
	"io"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Aggregating a batch allocates nothing once its series exist: the live outputs add no
// allocation per request.
func TestLiveWritePointsAllocatesNothing(t *testing.T) {
	live := NewLive(LiveOptions{NativeHistograms: true})
	tags := metrics.NewTags(map[string]string{"name": "list", "status": "200"})
	now := time.Now()
	batch := []metrics.Point{
		{Metric: metrics.HTTPReqs, Time: now, Value: 1, Tags: tags},
		{Metric: metrics.HTTPReqDuration, Time: now, Value: 3.2, Tags: tags},
		{Metric: metrics.HTTPReqFailed, Time: now, Value: 0, Tags: tags},
		{Metric: metrics.VUs, Time: now, Value: 5},
	}
	_ = live.WritePoints(batch)
	if n := testing.AllocsPerRun(1000, func() { _ = live.WritePoints(batch) }); n != 0 {
		t.Errorf("%v allocations per batch", n)
	}
}

func BenchmarkLiveWritePoints(b *testing.B) {
	live := NewLive(LiveOptions{NativeHistograms: true})
	tags := metrics.NewTags(map[string]string{"name": "list", "status": "200", "method": "GET"})
	now := time.Now()
	// One request's eleven points.
	var batch []metrics.Point
	for _, m := range []string{metrics.HTTPReqs, metrics.HTTPReqDuration, metrics.HTTPReqBlocked, metrics.HTTPReqConnecting,
		metrics.HTTPReqTLSHandshaking, metrics.HTTPReqSending, metrics.HTTPReqWaiting, metrics.HTTPReqReceiving,
		metrics.HTTPReqFailed, metrics.DataSent, metrics.DataReceived} {
		batch = append(batch, metrics.Point{Metric: m, Time: now, Value: 1.5, Tags: tags})
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = live.WritePoints(batch)
	}
}

// BenchmarkRecordHTTP is the per-request cost a VU pays to record a request into the
// registry, with no output, with the live outputs' aggregator, and with NDJSON to io.Discard
// for reference: the difference is what --out prometheus-rw= and --metrics-addr add.
func BenchmarkRecordHTTP(b *testing.B) {
	for _, bc := range []struct {
		name string
		out  func() metrics.Output
	}{
		{"none", func() metrics.Output { return nil }},
		{"live", func() metrics.Output { return NewLive(LiveOptions{NativeHistograms: true}) }},
		{"ndjson", func() metrics.Output { return NewNDJSON(io.Discard) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			reg, err := metrics.NewRegistry(metrics.Config{Output: bc.out()})
			if err != nil {
				b.Fatal(err)
			}
			rec := reg.Recorder()
			tags := metrics.NewTags(map[string]string{"name": "list", "method": "GET", "scenario": "default"})
			s := metrics.HTTPSample{Tags: tags, Status: 200, Expected: true, Waiting: 900 * time.Microsecond,
				Duration: time.Millisecond, Sent: 100, Received: 1000}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s.Time = time.Now()
				s.Duration = time.Duration(500+i%1000) * time.Microsecond
				rec.HTTP(&s)
				if i++; i%8 == 0 {
					rec.Flush() // a VU flushes after each iteration
				}
			}
			rec.Flush()
		})
	}
}
