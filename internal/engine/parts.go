package engine

import (
	"sort"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Part is what one part of a distributed run measured on its own: a segment, or every
// segment of one region (by the `region` tag).
type Part struct {
	Name string
	// Requests, RPS (per second of the part's load) and ErrorRate of its requests;
	// P50/P95/P99 of http_req_duration in ms, when HasLatency.
	Requests      int64
	RPS           float64
	ErrorRate     float64
	P50, P95, P99 float64
	HasLatency    bool
	// Dropped counts its dropped iterations; Late how long after the shared start its load
	// began (0 without one, or when on time).
	Dropped int64
	Late    time.Duration
}

// PartOf computes a part's figures from its measurements.
func PartOf(name string, m Measurements) Part {
	snap := m.Snapshot.WithRateWindow(m.LoadDuration)
	p := Part{Name: name}
	reqs, _ := snap.Aggregate(metrics.HTTPReqs, "count", 0)
	p.Requests = int64(reqs)
	p.RPS, _ = snap.Aggregate(metrics.HTTPReqs, "rate", 0)
	p.ErrorRate, _ = snap.Aggregate(metrics.HTTPReqFailed, "rate", 0)
	if v, ok := snap.Aggregate(metrics.HTTPReqDuration, "p", 50); ok {
		p.P50, p.HasLatency = v, true
		p.P95, _ = snap.Aggregate(metrics.HTTPReqDuration, "p", 95)
		p.P99, _ = snap.Aggregate(metrics.HTTPReqDuration, "p", 99)
	}
	dropped, _ := snap.Aggregate(metrics.DroppedIterations, "count", 0)
	p.Dropped = int64(dropped)
	if !m.StartAt.IsZero() && m.LoadStart.After(m.StartAt) {
		p.Late = m.LoadStart.Sub(m.StartAt)
	}
	return p
}

// Regions groups the segments by region (regions[i] is segment i's `region` tag, "" for
// none) and merges each group: one Part per region, in name order. Segments without a region
// form no part; nil when no segment has one.
func Regions(regions []string, names []string, ms []Measurements) ([]Part, error) {
	groups := map[string][]int{}
	for i, r := range regions {
		if r != "" {
			groups[r] = append(groups[r], i)
		}
	}
	var out []Part
	for r, idx := range groups {
		var gn []string
		var gm []Measurements
		for _, i := range idx {
			gn, gm = append(gn, names[i]), append(gm, ms[i])
		}
		m, err := Merge(gn, gm)
		if err != nil {
			return nil, err
		}
		out = append(out, PartOf("region "+r, m))
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
