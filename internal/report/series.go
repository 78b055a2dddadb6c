package report

import (
	"math"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// distributionQuantiles are the percentile edges of the latency distribution: equal-count
// bins through the body, finer ones in the tail where SLOs live (HdrHistogram's percentile
// spectrum, as bars).
var distributionQuantiles = []float64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 100}

// buildSeries turns the snapshot's per-interval series into the report's chart data.
// sloKey is the trend whose percentiles are charted; target is the intended iteration rate
// per interval (engine.Result.TargetRate).
func buildSeries(snap *metrics.Snapshot, sloKey string, target []engine.RatePoint) *Series {
	reqs, ok := snap.Series(metrics.HTTPReqs)
	if !ok {
		return nil
	}
	interval := reqs.Interval()
	start := snap.Time.Add(-snap.Elapsed)
	s := &Series{IntervalSeconds: interval.Seconds()}
	pts := reqs.Points()
	// The charts begin at the first request: a distributed run's segments start their clocks
	// before they wait for --start-at, and those empty seconds are not the test.
	first := 0
	for first < len(pts) && pts[first].Count == 0 {
		first++
	}
	if first == len(pts) {
		first = 0
	}
	for i := first; i < len(pts); i++ {
		p := pts[i]
		off := p.Time.Sub(start)
		s.T = append(s.T, round(off.Seconds(), 3))
		s.RPS = append(s.RPS, round(p.Sum/interval.Seconds(), 2))
		if i < len(target) && target[i].Set {
			s.TargetRPS = append(s.TargetRPS, fp(round(target[i].Rate, 2)))
			s.IterationsPS = append(s.IterationsPS, fp(round(target[i].Iterations, 2)))
			continue
		}
		s.TargetRPS = append(s.TargetRPS, nil)
		s.IterationsPS = append(s.IterationsPS, nil)
	}
	pts = pts[first:]
	n := len(pts)
	at := func(key string) []metrics.SeriesPoint {
		if ser, ok := snap.Series(key); ok {
			return alignPoints(ser.Points(), pts)
		}
		return make([]metrics.SeriesPoint, n)
	}
	for _, p := range at(sloKey) {
		if p.Count == 0 {
			s.P50, s.P95, s.P99 = append(s.P50, nil), append(s.P95, nil), append(s.P99, nil)
			continue
		}
		s.P50 = append(s.P50, fp(round(p.P50, 3)))
		s.P95 = append(s.P95, fp(round(p.P95, 3)))
		s.P99 = append(s.P99, fp(round(p.P99, 3)))
	}
	for _, p := range at(metrics.HTTPReqFailed) {
		s.Errors = append(s.Errors, float64(p.Passes)) // http_req_failed is true for a failure
	}
	var last float64 // a gauge holds its value between changes, from before the first point too
	if vus, ok := snap.Series(metrics.VUs); ok && len(pts) > 0 {
		for _, p := range vus.Points() {
			if p.Time.Before(pts[0].Time) && p.Count > 0 {
				last = p.Value
			}
		}
	}
	for _, p := range at(metrics.VUs) {
		if p.Count > 0 {
			last = p.Value
		}
		s.VUs = append(s.VUs, last) // a gauge holds its value between changes
	}
	return s
}

// alignPoints returns the points of one series at the times of another (a series may start
// or end at a different interval when its first sample came later).
func alignPoints(pts, on []metrics.SeriesPoint) []metrics.SeriesPoint {
	byTime := make(map[int64]metrics.SeriesPoint, len(pts))
	for _, p := range pts {
		byTime[p.Time.UnixNano()] = p
	}
	out := make([]metrics.SeriesPoint, len(on))
	for i, p := range on {
		out[i] = byTime[p.Time.UnixNano()]
	}
	return out
}

// buildDistribution returns the latency distribution of key as bars between percentile
// edges, each holding the share of samples between them.
func buildDistribution(snap *metrics.Snapshot, key string) []Bucket {
	m, ok := snap.Get(key)
	if !ok || !m.HasData() || m.Type != metrics.Trend {
		return nil
	}
	var out []Bucket
	for i := 1; i < len(distributionQuantiles); i++ {
		lo, hi := distributionQuantiles[i-1], distributionQuantiles[i]
		count := int64(math.Round(m.Count * (hi - lo) / 100))
		out = append(out, Bucket{FromMs: round(m.Percentile(lo), 3), ToMs: round(m.Percentile(hi), 3), Count: count})
	}
	return out
}

// sloLines are the latency targets to draw on the percentile chart, in ms: the headline
// targets, else the percentile upper bounds of the thresholds on the charted trend.
func sloLines(slo SLOTargets, ths []ThresholdResult) map[string]float64 {
	out := map[string]float64{}
	for name, v := range map[string]*float64{"p50": slo.P50Ms, "p95": slo.P95Ms, "p99": slo.P99Ms} {
		if v != nil {
			out[name] = *v
		}
	}
	for _, t := range ths {
		if t.Metric != slo.Metric || (t.Op != "<" && t.Op != "<=") || !strings.HasPrefix(t.Aggregation, "p(") {
			continue
		}
		name := "p" + strings.TrimSuffix(strings.TrimPrefix(t.Aggregation, "p("), ")")
		if _, set := out[name]; !set {
			out[name] = t.Limit
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// errorCodes counts failed requests by error code, or by status for error responses.
func errorCodes(snap *metrics.Snapshot) map[string]int64 {
	out := map[string]int64{}
	for _, m := range snap.Metrics() {
		if m.Name != metrics.HTTPReqs || len(m.Tags) != 1 {
			continue
		}
		switch t := m.Tags[0]; t.Key {
		case "error_code":
			out[t.Value] += int64(m.Count)
		case "status":
			if code, err := strconv.Atoi(t.Value); err == nil && code >= 400 {
				out["status "+t.Value] += int64(m.Count)
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

func fp(f float64) *float64 { return &f }
