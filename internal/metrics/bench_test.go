package metrics

import (
	"fmt"
	"testing"
	"time"
)

// benchTemplates are the request templates of a typical scenario: a few names, shared TagSets.
func benchTemplates(n int) []*TagSet {
	out := make([]*TagSet, n)
	for i := range out {
		out[i] = NewTags(map[string]string{
			"scenario": "read", "method": "GET", "name": fmt.Sprintf("endpoint_%d", i),
			"url": fmt.Sprintf("http://127.0.0.1/api/e%d", i), "group": "",
		})
	}
	return out
}

func benchRegistry(b *testing.B) *Registry {
	return mustRegistry(b, Config{Submetrics: []string{
		"http_req_duration{name:endpoint_1}", "http_reqs{status:200}", "http_req_failed{scenario:read}",
	}})
}

// BenchmarkRecordHTTP measures the hot path: one HTTP sample into a registry with a few
// names and configured sub-metrics. Target: < 500 ns/op and 0 allocs/op.
func BenchmarkRecordHTTP(b *testing.B) {
	tpl := benchTemplates(8)
	start := time.Now()
	sample := func(i int) HTTPSample {
		d := time.Duration(200_000 + (i*7919)%5_000_000)
		return HTTPSample{
			Time: start.Add(time.Duration(i) * 20 * time.Microsecond), Tags: tpl[i%len(tpl)],
			Status: 200, Expected: true, Waiting: d, Sending: 3000, Receiving: 5000,
			Duration: d + 8000, Sent: 120, Received: 900,
		}
	}
	b.Run("serial", func(b *testing.B) {
		reg := benchRegistry(b)
		rec := reg.Recorder()
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			s := sample(i)
			rec.HTTP(&s)
			i++
		}
	})
	b.Run("parallel", func(b *testing.B) {
		reg := benchRegistry(b)
		b.ReportAllocs()
		b.RunParallel(func(pb *testing.PB) {
			rec := reg.Recorder()
			i := 0
			for pb.Next() {
				s := sample(i)
				rec.HTTP(&s)
				i++
			}
		})
	})
	// Thousands of VUs share the shards: 500 goroutines per core.
	b.Run("parallel-500xcpu", func(b *testing.B) {
		reg := benchRegistry(b)
		b.ReportAllocs()
		b.SetParallelism(500)
		b.RunParallel(func(pb *testing.PB) {
			rec := reg.Recorder()
			i := 0
			for pb.Next() {
				s := sample(i)
				rec.HTTP(&s)
				i++
			}
		})
	})
}

// BenchmarkSnapshot measures a snapshot of a registry that has seen a few minutes of samples
// on every shard, as the live display and threshold evaluation take every second.
func BenchmarkSnapshot(b *testing.B) {
	reg := benchRegistry(b)
	tpl := benchTemplates(8)
	start := time.Now()
	for i := range len(reg.shards) * 4 {
		rec := reg.Recorder()
		for j := range 20_000 {
			d := time.Duration(200_000 + (j*7919)%5_000_000)
			rec.HTTP(okSample(tpl[j%len(tpl)], start.Add(time.Duration(j+i)*10*time.Millisecond), d))
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		s := reg.Snapshot()
		if _, ok := s.Aggregate("http_req_duration", "p", 95); !ok {
			b.Fatal("no p95")
		}
	}
}
