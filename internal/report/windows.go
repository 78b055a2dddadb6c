package report

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// Windows are the per-interval statistics a comparison against a baseline tests (ramp
// compare runs a U test over them): for each metric and sub-metric it reads, one value per
// series interval of the load, nil where an interval has no data. Trends keep avg, med,
// p(90), p(95) and p(99) in ms; counters their rate per second; rate metrics their share.
type Windows struct {
	IntervalSeconds float64                            `json:"interval_seconds"`
	Metrics         map[string]map[string]WindowSeries `json:"metrics"`
}

// WindowSeries is one statistic's windows. In JSON it is one string of numbers separated by
// spaces, "-" for a window without data ("0.52 0.61 - 0.58"): an indented summary would
// otherwise spend a line on every number, and a long run has thousands.
type WindowSeries []*float64

// MarshalJSON writes the series as one string.
func (w WindowSeries) MarshalJSON() ([]byte, error) {
	var b strings.Builder
	for i, v := range w {
		if i > 0 {
			b.WriteByte(' ')
		}
		if v == nil {
			b.WriteByte('-')
			continue
		}
		b.WriteString(strconv.FormatFloat(*v, 'g', -1, 64))
	}
	return json.Marshal(b.String())
}

// UnmarshalJSON reads the string MarshalJSON writes, or a plain JSON array of numbers and
// nulls (what another tool may write).
func (w *WindowSeries) UnmarshalJSON(data []byte) error {
	if trimmed := strings.TrimSpace(string(data)); strings.HasPrefix(trimmed, "[") {
		var vs []*float64
		if err := json.Unmarshal(data, &vs); err != nil {
			return fmt.Errorf("windows: %w", err)
		}
		*w = vs
		return nil
	}
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return fmt.Errorf("windows: want a string of numbers: %w", err)
	}
	out := WindowSeries{}
	for _, f := range strings.Fields(s) {
		if f == "-" {
			out = append(out, nil)
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil {
			return fmt.Errorf("windows: %q is not a number", f)
		}
		out = append(out, &v)
	}
	*w = out
	return nil
}

// windowMetrics are the metrics whose whole value and whose sub-metrics by endpoint (name)
// and scenario a summary keeps windows of.
var windowMetrics = []string{metrics.HTTPReqDuration, metrics.HTTPReqs, metrics.HTTPReqFailed,
	metrics.IterationDuration, metrics.Iterations, metrics.Checks}

// windowTags are the tags whose single-tag sub-metrics get windows.
var windowTags = []string{"name", "scenario"}

// WindowKeys are the keys a plan's summary keeps windows of beyond the default ones: those
// its thresholds and regression budgets name.
func WindowKeys(p *plan.Plan) []string {
	if p == nil {
		return nil
	}
	var out []string
	for _, t := range p.Thresholds {
		out = append(out, t.Metric)
	}
	for _, r := range p.Regressions {
		out = append(out, r.Metric)
	}
	return out
}

// BuildWindows computes the windows of the default metrics and of extra keys, over the
// intervals from the first to the last with requests (the load, not setup or teardown).
func BuildWindows(snap *metrics.Snapshot, extra []string) *Windows {
	reqs, ok := snap.Series(metrics.HTTPReqs)
	if !ok {
		return nil
	}
	pts := reqs.Points()
	first, last := 0, len(pts)-1
	for first < len(pts) && pts[first].Count == 0 {
		first++
	}
	for last >= first && pts[last].Count == 0 {
		last--
	}
	if first > last {
		return nil
	}
	on := pts[first : last+1]
	w := &Windows{IntervalSeconds: reqs.Interval().Seconds(), Metrics: map[string]map[string]WindowSeries{}}
	want := map[string]bool{}
	for _, m := range snap.Metrics() {
		if slices.Contains(windowMetrics, m.Name) && (len(m.Tags) == 0 || len(m.Tags) == 1 && slices.Contains(windowTags, m.Tags[0].Key)) {
			want[m.Key] = true
		}
	}
	for _, k := range extra {
		if mv, ok := snap.Get(k); ok {
			want[mv.Key] = true
		}
	}
	for key := range want {
		ser, ok := snap.Series(key)
		if !ok {
			continue
		}
		if st := windowStats(ser.Type, alignPoints(ser.Points(), on), w.IntervalSeconds); st != nil {
			w.Metrics[key] = st
		}
	}
	return w
}

// windowStats computes each statistic compare reads of one series.
func windowStats(t metrics.Type, pts []metrics.SeriesPoint, secs float64) map[string]WindowSeries {
	out := map[string]WindowSeries{}
	add := func(stat string, v float64, ok bool) {
		if !ok || math.IsNaN(v) || math.IsInf(v, 0) {
			out[stat] = append(out[stat], nil)
			return
		}
		out[stat] = append(out[stat], fp(round(v, 4)))
	}
	for _, p := range pts {
		has := p.Count > 0
		switch t {
		case metrics.Trend:
			avg := 0.0
			if has {
				avg = p.Sum / float64(p.Count)
			}
			add("avg", avg, has)
			add("med", p.P50, has)
			add("p(90)", p.P90, has)
			add("p(95)", p.P95, has)
			add("p(99)", p.P99, has)
		case metrics.Counter:
			add("rate", p.Sum/secs, true) // no sample in an interval is a rate of 0
		case metrics.Rate:
			add("rate", float64(p.Passes)/float64(p.Count), has)
		default:
			return nil
		}
	}
	return out
}

// CompareRun turns a summary into what a comparison reads: its metric values and windows.
func CompareRun(s *Summary) *compare.Run {
	r := &compare.Run{Values: s.MetricValues, Windows: map[string]map[string][]float64{}}
	if s.Windows == nil {
		return r
	}
	r.Interval = s.Windows.IntervalSeconds
	for _, st := range s.Stages {
		r.Stages = append(r.Stages, compare.Stage{Scenario: st.Scenario, Index: st.Index, Start: st.StartSeconds, End: st.EndSeconds})
	}
	for key, st := range s.Windows.Metrics {
		r.Windows[key] = map[string][]float64{}
		for stat, vs := range st {
			w := make([]float64, len(vs))
			for i, v := range vs {
				w[i] = math.NaN()
				if v != nil {
					w[i] = *v
				}
			}
			r.Windows[key][stat] = w
		}
	}
	return r
}

// SnapshotRun is CompareRun for a metrics snapshot (a run snapshot's), whose counter rates
// are per second of the load; extra names keys beyond the default ones to keep.
func SnapshotRun(snap *metrics.Snapshot, extra []string, stages []StageResult) *compare.Run {
	return CompareRun(&Summary{MetricValues: MetricValues(snap), Windows: BuildWindows(snap, extra), Stages: stages})
}
