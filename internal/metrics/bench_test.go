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
//
// Samples are 20 µs apart (50,000/s), so a new series interval begins every 50,000
// samples; "5000/s" spaces them 200 µs apart, an interval every 5,000, as in the soak
// (bench/soak.sh): run it past 60 intervals (-benchtime=400000x) and the series age
// their points too. Handing an interval over to the series and ageing its points allocate
// (a new point, its histogram), once per key per interval: a fraction of an allocation
// per sample, which allocs/op rounds to 0.
func BenchmarkRecordHTTP(b *testing.B) {
	tpl := benchTemplates(8)
	start := time.Now()
	sampleEvery := func(gap time.Duration) func(i int) HTTPSample {
		return func(i int) HTTPSample {
			d := time.Duration(200_000 + (i*7919)%5_000_000)
			return HTTPSample{
				Time: start.Add(time.Duration(i) * gap), Tags: tpl[i%len(tpl)],
				Status: 200, Expected: true, Waiting: d, Sending: 3000, Receiving: 5000,
				Duration: d + 8000, Sent: 120, Received: 900,
			}
		}
	}
	sample := sampleEvery(20 * time.Microsecond)
	for _, bb := range []struct {
		name   string
		sample func(int) HTTPSample
	}{{"serial", sample}, {"serial-5000/s", sampleEvery(200 * time.Microsecond)}} {
		b.Run(bb.name, func(b *testing.B) {
			reg := benchRegistry(b)
			rec := reg.Recorder()
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				s := bb.sample(i)
				rec.HTTP(&s)
				i++
			}
		})
	}
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
