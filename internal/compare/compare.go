// Package compare says whether a run regressed against a baseline (ramp compare, ramp suite
// --baseline): for every metric, sub-metric and statistic both runs measured, the baseline,
// the current value, the change, and whether the change is real — a Mann-Whitney U test
// (package stats) over the per-second windows of both runs, as Go's benchstat judges
// benchmark samples, with a minimum effect below which a change does not count.
//
// A row is gated by a budget (Budget, from the scenario file's `regressions:` or the command
// line) or, when none is given, by the default budgets: the median and p95 of
// http_req_duration may not rise, the rate of http_reqs and checks may not fall, by the
// minimum change; the error rate may not rise by a percentage point. A gated row that is
// worse beyond its limit, significantly, is a regression. The p-values of the gated rows are
// adjusted together (Holm), so that many rows do not make a false alarm likely.
//
// The comparison knows nothing of files: the CLI reads summaries, snapshots and suite
// directories into Runs. Its verdict comes from package verdict.
package compare

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/stats"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Run is one run's figures as a comparison reads them.
type Run struct {
	// Values are the whole-run statistics by metric key and statistic ("p(95)", "rate"),
	// as the summary's metric_values holds them.
	Values map[string]map[string]float64
	// Windows are the same statistics per window of the run (one series interval each,
	// over the load only), NaN where a window has no data.
	Windows map[string]map[string][]float64
	// Interval is the length of a window in seconds; Stages the run's stages, whose
	// windows a comparison also compares on their own (by scenario).
	Interval float64
	Stages   []Stage
}

// Stage is one stage of a scenario: from Start to End seconds after the load began.
type Stage struct {
	Scenario   string
	Index      int
	Start, End float64
}

// stageMetrics are the sub-metrics by scenario compared stage by stage, and the statistics.
var stageMetrics = map[string][]string{
	metrics.HTTPReqDuration: {"med", "p(95)"},
	metrics.HTTPReqs:        {"rate"},
	metrics.HTTPReqFailed:   {"rate"},
}

// Pair is one test measured twice; Base or Cur is nil when one side lacks the test.
type Pair struct {
	Test      string // "" for a single test
	Base, Cur *Run
}

// Options tune a comparison. The zero value is replaced by the defaults.
type Options struct {
	// MinChange is the smallest relative change that counts (0.05: 5%).
	MinChange float64
	// MinDelta is the smallest absolute change of a time statistic that counts, in ms
	// (default DefaultMinDelta; negative: none). A change must pass both minimums: a
	// sub-millisecond API moves by tens of percent with the scheduler and the timer of the
	// machine it runs on, and a run on a shared CI runner shifts by that much as a whole —
	// real, significant, and not a regression anyone would see.
	MinDelta float64
	// Alpha is the significance level of the U test (0.05).
	Alpha float64
	// Budgets gate the rows they name; without any, DefaultBudgets gate.
	Budgets []Budget
}

// Defaults.
const (
	DefaultMinChange = 0.05
	DefaultMinDelta  = 1.0 // ms
	DefaultAlpha     = 0.05
	// MinPoints is the smallest change of a rate metric (a share) that counts: one
	// percentage point.
	MinPoints = 0.01
	// MinWindows is the fewest windows each run needs for a row to be tested: with fewer,
	// no difference could be significant at 5%.
	MinWindows = 4
)

// Row statuses.
const (
	StatusRegression = "regression" // gated, worse beyond its limit, significantly
	StatusWorse      = "worse"      // significantly worse by at least the minimum change, within budget or not gated
	StatusBetter     = "better"     // significantly better by at least the minimum change
	StatusSame       = "~"          // no significant change of at least the minimum
	// StatusUnclear: beyond its budget, but not significantly — too few windows or too
	// noisy to tell; a gated row so is not a pass (inconclusive).
	StatusUnclear = "unclear"
	StatusNoData  = "no data" // one side lacks the metric, or has too few windows
)

// Row is one statistic of one metric of one test, compared.
type Row struct {
	Test   string `json:"test,omitempty"`
	Metric string `json:"metric"` // "http_req_duration{name:meetings_list}"
	Stat   string `json:"stat"`   // "p(95)"
	// Baseline and Current are the medians of the statistic over each run's windows (the
	// centres the U test compares, as benchstat shows them); the whole-run values when a
	// run has too few windows. RunBaseline and RunCurrent are the whole-run values.
	Baseline    float64 `json:"baseline"`
	Current     float64 `json:"current"`
	RunBaseline float64 `json:"run_baseline"`
	RunCurrent  float64 `json:"run_current"`
	// Change is relative ((current − baseline) / baseline) for trends and counters and in
	// points (current − baseline) for rate metrics — Unit says which ("%" or "pp"); null
	// when the baseline is 0 and the current is not.
	Change *float64 `json:"change"`
	Unit   string   `json:"unit"`
	// P is the U test's p-value over the windows (Holm-adjusted for a gated row); null when
	// the row was not tested. N1 and N2 are the windows of each run.
	P      *float64 `json:"p"`
	N1, N2 int      `json:"-"`
	// Budget is the limit that gates the row ("p(95) < +10%"), empty when none does.
	Budget string `json:"budget,omitempty"`
	Status string `json:"status"`
	// Why says, for a row without data, what was missing.
	Why string `json:"why,omitempty"`
	// Stage names the stage a row covers ("stage 2, 30s–90s"), empty for the whole run.
	// Stage rows are shown, not gated: a budget is on the whole run.
	Stage string `json:"stage,omitempty"`

	budget *Budget
}

// Result is a comparison and its verdict.
type Result struct {
	MinChange float64         `json:"min_change"`
	MinDelta  float64         `json:"min_delta_ms"`
	Alpha     float64         `json:"alpha"`
	Rows      []Row           `json:"rows"`
	Verdict   verdict.Verdict `json:"verdict"`
	// Missing names tests that only one side has.
	Missing []string `json:"missing,omitempty"`
}

// Regressions returns the rows that regressed.
func (r *Result) Regressions() []Row {
	var out []Row
	for _, row := range r.Rows {
		if row.Status == StatusRegression {
			out = append(out, row)
		}
	}
	return out
}

// statsOf lists the statistics compared for a metric type, in display order.
func statsOf(t metrics.Type) []string {
	switch t {
	case metrics.Trend:
		return []string{"avg", "med", "p(90)", "p(95)", "p(99)"}
	case metrics.Counter, metrics.Rate:
		return []string{"rate"}
	}
	return nil
}

// DefaultBudgets are the budgets that gate a comparison that states none, for a minimum
// change m: latency (median and p95 of http_req_duration and its sub-metrics) may not rise by
// m, throughput (http_reqs) and checks may not fall by m, the error rate may not rise by a
// point. They apply to every sub-metric of those metrics both runs have.
func DefaultBudgets(m float64) []Budget {
	pct := m * 100
	return []Budget{
		{Metric: metrics.HTTPReqDuration, Stat: "med", Op: "<", Limit: m, Expression: fmt.Sprintf("med < +%g%%", pct)},
		{Metric: metrics.HTTPReqDuration, Stat: "p(95)", Op: "<", Limit: m, Expression: fmt.Sprintf("p(95) < +%g%%", pct)},
		{Metric: metrics.HTTPReqs, Stat: "rate", Op: ">", Limit: -m, Expression: fmt.Sprintf("rate > -%g%%", pct)},
		{Metric: metrics.Checks, Stat: "rate", Op: ">", Limit: -MinPoints, Expression: "rate > -1%"},
		{Metric: metrics.HTTPReqFailed, Stat: "rate", Op: "<", Limit: MinPoints, Expression: "rate < +1%"},
	}
}

// Compare compares every pair and decides the verdict: fail when a gated row regressed,
// inconclusive when a gated row (or a whole test) could not be compared or nothing could,
// pass otherwise.
func Compare(pairs []Pair, o Options) *Result {
	if o.MinChange <= 0 {
		o.MinChange = DefaultMinChange
	}
	if o.Alpha <= 0 {
		o.Alpha = DefaultAlpha
	}
	if o.MinDelta == 0 {
		o.MinDelta = DefaultMinDelta
	}
	res := &Result{MinChange: o.MinChange, MinDelta: max(0, o.MinDelta), Alpha: o.Alpha, Rows: []Row{}}
	var in verdict.Comparison
	for _, p := range pairs {
		if p.Base == nil || p.Cur == nil {
			side := "the baseline"
			if p.Cur == nil {
				side = "the current run"
			}
			res.Missing = append(res.Missing, p.Test)
			in.Unjudged = append(in.Unjudged, verdict.Finding{Test: p.Test, Text: fmt.Sprintf("test %s: not in %s", p.Test, side)})
			continue
		}
		var budgets []Budget
		for _, b := range o.Budgets {
			if b.Test == "" || b.Test == p.Test {
				budgets = append(budgets, b)
			}
		}
		explicit := len(budgets) > 0
		if !explicit {
			budgets = DefaultBudgets(o.MinChange)
		}
		res.Rows = append(res.Rows, compareRuns(p, budgets, explicit)...)
		res.Rows = append(res.Rows, compareStages(p)...)
	}
	holm(res.Rows)
	for i := range res.Rows {
		r := &res.Rows[i]
		if r.Status == StatusNoData {
			if r.Budget != "" {
				in.Unjudged = append(in.Unjudged, verdict.Finding{Test: r.Test, Text: fmt.Sprintf("%s %s: %s", label(*r), r.Budget, r.Why)})
			}
			continue
		}
		r.Status = status(*r, r.budget, o)
		if r.Budget == "" {
			continue
		}
		if r.Status == StatusUnclear {
			in.Unjudged = append(in.Unjudged, verdict.Finding{Test: r.Test, Text: fmt.Sprintf("%s %s %s is beyond its budget %s but not significant (p=%.2g over %d and %d windows): run longer",
				label(*r), r.Stat, formatChange(*r), r.Budget, *r.P, r.N1, r.N2)})
			continue
		}
		in.Judged++
		if r.Status == StatusRegression {
			in.Regressions = append(in.Regressions, verdict.Finding{Test: r.Test, Text: fmt.Sprintf("%s %s %s (budget %s, p=%.3g)",
				label(*r), r.Stat, formatChange(*r), r.Budget, *r.P)})
		}
	}
	res.Verdict = verdict.DecideComparison(in)
	return res
}

// label names a row's metric within its test.
func label(r Row) string {
	if r.Test == "" {
		return r.Metric
	}
	return r.Test + ": " + r.Metric
}

// formatChange shows a row's change: "+12.3%", "+0.5pp", "new".
func formatChange(r Row) string {
	if r.Change == nil {
		return "from 0"
	}
	if r.Unit == "pp" {
		return fmt.Sprintf("%+.2fpp", 100**r.Change)
	}
	return fmt.Sprintf("%+.1f%%", 100**r.Change)
}

// FormatChange is formatChange for renderers.
func FormatChange(r Row) string { return formatChange(r) }

// compareRuns compares the metrics both runs of a pair have (and every metric a budget
// names, which is no data when absent).
func compareRuns(p Pair, budgets []Budget, explicit bool) []Row {
	keys := map[string]bool{}
	for k := range p.Base.Values {
		if _, ok := p.Cur.Values[k]; ok {
			keys[k] = true
		}
	}
	if explicit {
		for _, b := range budgets {
			keys[canonical(b.Metric)] = true
		}
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var rows []Row
	for _, key := range sorted {
		name, _, err := metrics.ParseKey(key)
		if err != nil {
			continue
		}
		bi, ok := metrics.Lookup(name)
		if !ok {
			continue
		}
		for _, stat := range statsOf(bi.Type) {
			r := Row{Test: p.Test, Metric: key, Stat: stat, Unit: "%"}
			if bi.Type == metrics.Rate {
				r.Unit = "pp"
			}
			// A default budget gates only what both runs kept windows of: a summary keeps
			// them of the whole metrics and their endpoints and scenarios, not of every tag.
			// Nobody stated it for a sub-metric, so it gates one only with the windows a U
			// test needs: a setup probe or a teardown read of one request is shown, not
			// gated — else every suite with such a step would compare inconclusive against
			// itself. The whole metric and every stated budget still need their windows.
			if b, ok := matchBudget(key, stat, budgets, explicit); ok && (explicit || defaultGates(p, key, stat)) {
				r.Budget, r.budget = b.Expression, &b
			}
			if !explicit || r.Budget != "" || hasBoth(p, key, stat) {
				rows = append(rows, measure(r, p.Base, p.Cur))
			}
		}
	}
	return rows
}

// defaultGates reports whether a default budget gates the row of key and stat: the whole
// metric always, a sub-metric only with MinWindows of each run (counted as the U test counts
// them, after trim).
func defaultGates(p Pair, key, stat string) bool {
	if _, tags, err := metrics.ParseKey(key); err == nil && len(tags) > 0 {
		return len(trim(p.Base.Windows[key][stat])) >= MinWindows && len(trim(p.Cur.Windows[key][stat])) >= MinWindows
	}
	return true // the whole metric always: without windows on a side it is not compared, so inconclusive
}

func hasBoth(p Pair, key, stat string) bool {
	_, a := p.Base.Values[key][stat]
	_, b := p.Cur.Values[key][stat]
	return a && b
}

// matchBudget finds the budget of a row: an explicit budget names the metric key exactly; a
// default budget applies to the metric and every sub-metric of it.
func matchBudget(key, stat string, budgets []Budget, explicit bool) (Budget, bool) {
	name, _, _ := metrics.ParseKey(key)
	for _, b := range budgets {
		if b.Stat != stat {
			continue
		}
		if explicit && canonical(b.Metric) == key || !explicit && b.Metric == name {
			return b, true
		}
	}
	return Budget{}, false
}

// canonical writes a metric key as the summaries do; a key that does not parse stays as is.
func canonical(key string) string {
	name, tags, err := metrics.ParseKey(key)
	if err != nil {
		return key
	}
	return metrics.FormatKey(name, tags)
}

// measure fills a row's values, change and raw p-value.
func measure(r Row, base, cur *Run) Row {
	bv, bok := value(base, r.Metric, r.Stat)
	cv, cok := value(cur, r.Metric, r.Stat)
	if !bok || !cok {
		r.Status, r.Why = StatusNoData, "no data in "+map[bool]string{true: "the current run", false: "the baseline"}[bok]
		return r
	}
	r.RunBaseline, r.RunCurrent = bv, cv
	r.Baseline, r.Current = bv, cv
	r.setChange()
	x := trim(base.Windows[r.Metric][r.Stat])
	y := trim(cur.Windows[r.Metric][r.Stat])
	r.N1, r.N2 = len(x), len(y)
	if len(x) < MinWindows || len(y) < MinWindows {
		r.Status = StatusNoData
		r.Why = fmt.Sprintf("%d and %d windows: the U test needs %d of each run", len(x), len(y), MinWindows)
		return r
	}
	// As benchstat compares the centres of its samples, the change is between the medians
	// of the windows: one stalled second moves a whole run's p95 a long way, the median of
	// its per-second p95s hardly — and the U test judges the same windows.
	r.Baseline, r.Current = median(x), median(y)
	r.setChange()
	u, err := stats.MannWhitneyU(x, y)
	p := 1.0 // every window of both runs the same value: no difference to find
	if err == nil {
		p = u.P
	}
	r.P = &p
	r.Status = StatusSame
	return r
}

// setChange computes the change from Baseline to Current.
func (r *Row) setChange() {
	bv, cv := r.Baseline, r.Current
	r.Change = nil
	switch {
	case r.Unit == "pp":
		c := cv - bv
		r.Change = &c
	case bv != 0:
		c := (cv - bv) / bv
		r.Change = &c
	case cv == 0:
		c := 0.0
		r.Change = &c
	}
}

// median returns the median of w (not empty).
func median(w []float64) float64 {
	s := append([]float64(nil), w...)
	sort.Float64s(s)
	if n := len(s); n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[len(s)/2]
}

// value is a whole-run statistic, or the median of its windows when the run has windows but
// no whole-run figure.
func value(run *Run, key, stat string) (float64, bool) {
	if v, ok := run.Values[key][stat]; ok {
		return v, true
	}
	w := trim(run.Windows[key][stat])
	if len(w) == 0 {
		return 0, false
	}
	return median(w), true
}

// trim drops the windows without data, then the first and the last: the load starts and
// ends inside them, so they hold part of a window's traffic.
func trim(w []float64) []float64 {
	var out []float64
	for _, v := range w {
		if !math.IsNaN(v) {
			out = append(out, v)
		}
	}
	if len(out) <= 2 {
		return nil
	}
	return out[1 : len(out)-1]
}

// holm adjusts the p-values of the gated rows together (Holm–Bonferroni): the i-th smallest
// of m is multiplied by m−i, and each kept at least the one before it.
func holm(rows []Row) {
	var idx []int
	for i, r := range rows {
		if r.Budget != "" && r.P != nil {
			idx = append(idx, i)
		}
	}
	sort.SliceStable(idx, func(a, b int) bool { return *rows[idx[a]].P < *rows[idx[b]].P })
	prev := 0.0
	for j, i := range idx {
		adj := math.Min(1, math.Max(prev, float64(len(idx)-j)**rows[i].P))
		rows[i].P = &adj
		prev = adj
	}
}

// status classifies a tested row.
func status(r Row, b *Budget, o Options) string {
	if r.P == nil {
		return StatusSame
	}
	worse := worseIfHigher(r.Metric)
	var change float64
	switch {
	case r.Change != nil:
		change = *r.Change
	case r.Current > r.Baseline:
		change = math.Inf(1)
	default:
		change = math.Inf(-1)
	}
	minEffect := o.MinChange
	if r.Unit == "pp" {
		minEffect = MinPoints
	}
	if math.Abs(change) < minEffect || isTime(r.Metric) && math.Abs(r.Current-r.Baseline) < o.MinDelta {
		return StatusSame
	}
	breach := b != nil && !b.holds(change)
	switch {
	case *r.P >= o.Alpha && breach:
		return StatusUnclear
	case *r.P >= o.Alpha:
		return StatusSame
	case breach:
		return StatusRegression
	}
	if (change > 0) == worse {
		return StatusWorse
	}
	return StatusBetter
}

// isTime reports whether a metric is a duration (its trend statistics in ms).
func isTime(key string) bool {
	name, _, _ := metrics.ParseKey(key)
	b, ok := metrics.Lookup(name)
	return ok && b.Type == metrics.Trend && b.Kind == metrics.Time
}

// worseIfHigher says which way a metric gets worse: up for latency, errors and dropped
// iterations; down for throughput and checks.
func worseIfHigher(key string) bool {
	name, _, _ := metrics.ParseKey(key)
	switch name {
	case metrics.HTTPReqs, metrics.Iterations, metrics.Checks, metrics.DataReceived, metrics.DataSent:
		return false
	}
	return true
}

// Describe is a one-line account of a result: how many rows, regressions, changes.
func Describe(r *Result) string {
	var reg, worse, better, nodata int
	for _, row := range r.Rows {
		switch row.Status {
		case StatusRegression:
			reg++
		case StatusWorse:
			worse++
		case StatusBetter:
			better++
		case StatusNoData, StatusUnclear:
			if row.Budget != "" {
				nodata++
			}
		}
	}
	parts := []string{fmt.Sprintf("%d statistics compared", len(r.Rows)), fmt.Sprintf("%d regressions", reg)}
	if worse > 0 {
		parts = append(parts, fmt.Sprintf("%d worse, not budgeted or within budget", worse))
	}
	if better > 0 {
		parts = append(parts, fmt.Sprintf("%d better", better))
	}
	if nodata > 0 {
		parts = append(parts, fmt.Sprintf("%d budgeted not judged", nodata))
	}
	return strings.Join(parts, ", ")
}

// compareStages compares each stage both runs have, by its scenario's sub-metrics, over the
// windows inside it (a window belongs to the stage its middle falls in; the first and last
// of a stage are left out like a run's, as they straddle the ramp between stages).
func compareStages(p Pair) []Row {
	var rows []Row
	for _, bs := range p.Base.Stages {
		var cs *Stage
		for i := range p.Cur.Stages {
			if c := &p.Cur.Stages[i]; c.Scenario == bs.Scenario && c.Index == bs.Index {
				cs = c
			}
		}
		if cs == nil || p.Base.Interval <= 0 || p.Cur.Interval <= 0 {
			continue
		}
		tag := []metrics.Tag{{Key: "scenario", Value: bs.Scenario}}
		for _, name := range []string{metrics.HTTPReqDuration, metrics.HTTPReqs, metrics.HTTPReqFailed} {
			key := metrics.FormatKey(name, tag)
			for _, stat := range stageMetrics[name] {
				base := stageRun(p.Base, key, stat, bs)
				cur := stageRun(p.Cur, key, stat, *cs)
				r := Row{Test: p.Test, Metric: key, Stat: stat, Unit: "%",
					Stage: fmt.Sprintf("stage %d, %gs–%gs", bs.Index+1, bs.Start, bs.End)}
				if name == metrics.HTTPReqFailed {
					r.Unit = "pp"
				}
				if _, ok := base.Windows[key]; !ok {
					continue
				}
				rows = append(rows, measure(r, base, cur))
			}
		}
	}
	return rows
}

// stageRun is the part of a run's windows of key and stat inside a stage, as a run of its
// own (no whole-run values: the stage's figure is the median of its windows).
func stageRun(run *Run, key, stat string, st Stage) *Run {
	out := &Run{Values: map[string]map[string]float64{}, Windows: map[string]map[string][]float64{}}
	w, ok := run.Windows[key][stat]
	if !ok {
		return out
	}
	var in []float64
	for i, v := range w {
		if mid := (float64(i) + 0.5) * run.Interval; mid >= st.Start && mid < st.End {
			in = append(in, v)
		}
	}
	out.Windows[key] = map[string][]float64{stat: in}
	return out
}
