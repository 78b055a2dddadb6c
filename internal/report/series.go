package report

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// distributionQuantiles are the percentile edges of the latency distribution: equal-count
// bins through the body, finer ones in the tail where SLOs live (HdrHistogram's percentile
// spectrum, as bars).
var distributionQuantiles = []float64{0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 50, 55, 60, 65, 70, 75, 80, 85, 90, 95, 97.5, 99, 99.5, 99.9, 100}

// maxChartPoints bounds the points of the charted series: a quick run's intervals are 50 ms,
// and 800 of them make a rate chart of noise (one iteration in one 50 ms interval reads as
// 20 per second). Longer series are cut into groups of k whole intervals, each merged
// exactly (counts summed, histograms merged) over its own span.
const maxChartPoints = 240

// buildSeries turns the snapshot's per-interval series into the report's chart data.
// sloKey is the trend whose percentiles are charted; target is the intended iteration rate
// per interval and what the arrival-rate scenarios achieved (engine.Result.TargetRate).
func buildSeries(snap *metrics.Snapshot, sloKey string, target []engine.RatePoint) *Series {
	reqs, ok := snap.Series(metrics.HTTPReqs)
	if !ok {
		return nil
	}
	interval := reqs.Interval()
	start := snap.Time.Add(-snap.Elapsed)
	pts := reqs.Points()
	if len(pts) == 0 {
		return &Series{IntervalSeconds: interval.Seconds()}
	}
	// The charts begin at the first request: a distributed run's segments start their clocks
	// before they wait for --start-at, and those empty seconds are not the test.
	first := 0
	for first < len(pts) && pts[first].Count == 0 {
		first++
	}
	if first == len(pts) {
		first = 0
	}
	n := len(pts) - first
	k := max(1, (n+maxChartPoints-1)/maxChartPoints)
	s := &Series{IntervalSeconds: round((time.Duration(k) * interval).Seconds(), 3)}
	window := func(key string, from, to time.Time) (metrics.WindowValue, bool) {
		ser, ok := snap.Series(key)
		if !ok {
			return metrics.WindowValue{}, false
		}
		return ser.Window(from, to), true
	}
	last := vusBefore(snap, pts[first].Time) // a gauge holds its value between changes
	for g := first; g < len(pts); g += k {
		end := min(g+k, len(pts))
		from := pts[g].Time
		to := from.Add(time.Duration(end-g) * interval)
		secs := to.Sub(from).Seconds()
		s.T = append(s.T, round(from.Sub(start).Seconds(), 3))
		r, _ := window(metrics.HTTPReqs, from, to)
		s.RPS = append(s.RPS, round(r.Sum/secs, 2))
		target, achieved, set := groupRate(target, g, end)
		if set {
			s.TargetRPS, s.IterationsPS = append(s.TargetRPS, fp(round(target, 2))), append(s.IterationsPS, fp(round(achieved, 2)))
		} else {
			s.TargetRPS, s.IterationsPS = append(s.TargetRPS, nil), append(s.IterationsPS, nil)
		}
		if d, _ := window(sloKey, from, to); d.Count > 0 {
			s.P50 = append(s.P50, fp(round(d.Percentile(50), 3)))
			s.P95 = append(s.P95, fp(round(d.Percentile(95), 3)))
			s.P99 = append(s.P99, fp(round(d.Percentile(99), 3)))
		} else {
			s.P50, s.P95, s.P99 = append(s.P50, nil), append(s.P95, nil), append(s.P99, nil)
		}
		f, _ := window(metrics.HTTPReqFailed, from, to)
		s.Errors = append(s.Errors, float64(f.Passes)) // http_req_failed is true for a failure
		if v, _ := window(metrics.VUs, from, to); v.Count > 0 {
			last = v.Value
		}
		s.VUs = append(s.VUs, last)
	}
	return s
}

// groupRate averages the intended and achieved iteration rates over the intervals [from,
// to) of target (equal intervals: the mean of the rates is the rate of the whole); set is
// false when no arrival-rate scenario runs in any of them.
func groupRate(target []engine.RatePoint, from, to int) (intended, achieved float64, set bool) {
	n := 0
	for i := from; i < to && i < len(target); i++ {
		if target[i].Set {
			intended += target[i].Rate
			achieved += target[i].Iterations
			set = true
		}
		n++
	}
	if n == 0 {
		return 0, 0, false
	}
	return intended / float64(n), achieved / float64(n), set
}

// vusBefore is the VU gauge's last value before t (0 when it had none).
func vusBefore(snap *metrics.Snapshot, t time.Time) float64 {
	var last float64
	if vus, ok := snap.Series(metrics.VUs); ok {
		for _, p := range vus.Points() {
			if p.Time.Before(t) && p.Count > 0 {
				last = p.Value
			}
		}
	}
	return last
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
