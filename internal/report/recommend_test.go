package report

import (
	"strings"
	"testing"
)

// healthy is a summary with nothing wrong: p95 120 ms against an 800 ms SLO at 400 req/s.
func healthy() *Summary {
	return &Summary{
		Metrics:  Metrics{RequestsTotal: 24000, RequestsPerSecond: 400, ResponseTimes: ResponseTimes{P95: 120}},
		SLOLines: map[string]float64{"p95": 800},
		Load:     Load{Delivered: true, IterationsScheduled: 24000},
		Series:   &Series{RPS: []float64{380, 412, 405}, VUs: []float64{20, 31, 28}},
		Verdict:  "pass",
	}
}

func TestRecommend(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		modify func(s *Summary)
		want   []string // each must appear, in this order
		absent []string // must appear in none
	}{
		// Nothing wrong: one line with the headroom figure.
		{"headroom", func(*Summary) {}, []string{"120 ms", "85% below", "800 ms", "412 req/s", "headroom"}, []string{"maxVUs"}},
		// No SLO line: headroom still stated, with the p95 and the rate.
		{"headroom without an SLO", func(s *Summary) { s.SLOLines = nil }, []string{"p95 120 ms at up to 412 req/s", "headroom"}, []string{"below its SLO"}},
		// Dropped iterations with the iteration duration known: Little's law gives the VUs
		// needed — 1000/s × 0.25 s = 250.
		{"dropped with iteration duration", func(s *Summary) {
			s.Load = Load{IterationsScheduled: 60000, IterationsDropped: 1200, DroppedShare: 0.02}
			s.Series.TargetRPS = []*float64{fp(400), fp(1000), fp(1000)}
			s.MetricValues = map[string]map[string]float64{"iteration_duration": {"p(95)": 250, "avg": 100}}
		}, []string{"1,200 of 60,000", "2%", "Raise maxVUs to at least 250", "31 VUs were in use"}, []string{"headroom"}},
		// Dropped iterations without an iteration duration: above the peak VUs in use.
		{"dropped without iteration duration", func(s *Summary) {
			s.Load = Load{IterationsScheduled: 1000, IterationsDropped: 10, DroppedShare: 0.01}
		}, []string{"10 of 1,000", "above the 31 VUs", "47"}, nil},
		// Error codes, the most frequent first, each with its likely cause.
		{"error codes", func(s *Summary) {
			s.ErrorCodes = map[string]int64{"status 503": 40, "1050": 123, "1212": 2, "9999": 1}
		}, []string{"1050 ×123 → request timeout: the server is too slow or the timeout too short",
			"status 503 ×40 → server overloaded or failing", "1212 ×2 → connection refused", "9999 ×1"}, []string{"headroom"}},
		// p95 over its SLO names the slowest endpoint.
		{"p95 over its SLO", func(s *Summary) {
			s.Metrics.ResponseTimes.P95 = 1000
			s.MetricValues = map[string]map[string]float64{
				"http_req_duration":                 {"p(95)": 1000},
				"http_req_duration{name:list}":      {"p(95)": 300},
				"http_req_duration{name:dashboard}": {"p(95)": 2100},
				"http_req_duration{status:200}":     {"p(95)": 9000}, // not an endpoint
			}
		}, []string{"p95 1,000 ms is over its SLO of 800 ms (by 25%)", `"dashboard" with p95 2,100 ms`}, []string{"headroom", "9,000"}},
		// p95 within 10% of its SLO: little headroom.
		{"p95 close to its SLO", func(s *Summary) { s.Metrics.ResponseTimes.P95 = 760 }, []string{"760 ms", "5%", "little headroom"}, []string{"No problem"}},
		// Just under 90% of the SLO is not flagged.
		{"p95 at 89% of its SLO", func(s *Summary) { s.Metrics.ResponseTimes.P95 = 712 }, []string{"No problem"}, []string{"little headroom"}},
		// An overloaded generator: a bigger machine.
		{"generator overloaded", func(s *Summary) {
			s.Generator = Generator{Overloaded: true, Reasons: []string{"CPU 97%"}}
		}, []string{"overloaded (CPU 97%)", "bigger machine", "more cores"}, []string{"headroom"}},
		// Memory that grew by 150 MiB from 100 MiB: a leak to look for.
		{"memory growth", func(s *Summary) {
			s.Monitors = []MonitorSeries{{Name: "mina.rss_bytes", Unit: "bytes", V: []*float64{nil, fp(100 << 20), fp(180 << 20), fp(250 << 20)}}}
		}, []string{"mina.rss_bytes grew by 150 MiB", "100 MiB → 250 MiB", "soak"}, []string{"headroom"}},
		// Memory that grew only a little is not flagged.
		{"stable memory", func(s *Summary) {
			s.Monitors = []MonitorSeries{{Name: "mina.rss_bytes", Unit: "bytes", V: []*float64{fp(400 << 20), fp(420 << 20)}}}
		}, []string{"No problem"}, []string{"grew"}},
		// A poor cache hit ratio.
		{"cache misses", func(s *Summary) {
			s.Monitors = []MonitorSeries{{Name: "redis.hit_ratio", Unit: "ratio", V: []*float64{fp(0.2), fp(0.4)}}}
		}, []string{"redis.hit_ratio averaged 30%", "miss the cache"}, nil},
		// A run that did not pass never reads "no problem, headroom": its verdict says why.
		{"inconclusive without advice", func(s *Summary) { s.Verdict = "inconclusive" }, []string{"verdict is INCONCLUSIVE"}, []string{"No problem", "headroom"}},
		{"failed without advice", func(s *Summary) { s.Verdict = "fail" }, []string{"verdict is FAIL"}, []string{"No problem", "headroom"}},
		// A monitor with an error and no values gives no advice and does not panic.
		{"monitor error", func(s *Summary) {
			s.Monitors = []MonitorSeries{{Name: "postgres.connections", Error: "refused"}}
		}, []string{"No problem"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := healthy()
			tc.modify(s)
			got := Recommend(s)
			all := strings.Join(got, "\n")
			if len(got) == 0 {
				t.Fatal("no recommendation")
			}
			pos := 0
			for _, w := range tc.want {
				i := strings.Index(all[pos:], w)
				if i < 0 {
					t.Errorf("missing (or out of order) %q in:\n%s", w, all)
					continue
				}
				pos += i
			}
			for _, a := range tc.absent {
				if strings.Contains(all, a) {
					t.Errorf("unexpected %q in:\n%s", a, all)
				}
			}
		})
	}
}

func TestRecommendNil(t *testing.T) {
	t.Parallel()
	if got := Recommend(nil); got != nil {
		t.Errorf("Recommend(nil) = %q", got)
	}
	// An empty summary (no series, no SLO) still gets its one line.
	if got := Recommend(&Summary{}); len(got) != 1 {
		t.Errorf("Recommend(empty) = %q", got)
	}
}
