package metrics_test

import (
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// A VU records its requests through its own Recorder; thresholds read a Snapshot.
func Example() {
	reg, err := metrics.NewRegistry(metrics.Config{
		Submetrics: []string{"http_reqs{status:500}"},
	})
	if err != nil {
		panic(err)
	}
	list := metrics.NewTags(map[string]string{"name": "meetings_list", "method": "GET"})
	rec := reg.Recorder()
	for i := 1; i <= 100; i++ {
		status := 200
		if i%50 == 0 {
			status = 500
		}
		d := time.Duration(i) * time.Millisecond
		rec.HTTP(&metrics.HTTPSample{
			Time: time.Now(), Tags: list, Status: status, Expected: status < 400,
			Waiting: d, Duration: d,
		})
	}
	rec.Flush()
	snap := reg.Snapshot()
	p95, _ := snap.Aggregate("http_req_duration{name:meetings_list}", "p", 95)
	failed, _ := snap.Aggregate("http_req_failed", "rate", 0)
	errors, _ := snap.Aggregate("http_reqs{status:500}", "count", 0)
	fmt.Printf("p(95)=%.0fms failed=%.2f 500s=%.0f\n", p95, failed, errors)
	// Output: p(95)=95ms failed=0.02 500s=2
}
