package criteria

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// Source gives the criteria their data.
//
// Contract: MetricSeries returns the time series of a canonical metric key (as
// metrics.Snapshot.Series does), false when the key is not tracked. MonitorSeries returns a
// monitor series' points in time order and its unit ("bytes", "percent", "" …), false when the
// monitor produced nothing (unavailable, not configured). Start is when the load began: the
// origin of Outcome.FirstBrokenAt. Calls must be safe while the run goes on: criteria are
// evaluated during the run for abortOnFail.
type Source interface {
	MetricSeries(key string) (*metrics.Series, bool)
	MonitorSeries(name string) (points []MonitorPoint, unit string, ok bool)
	Start() time.Time
	// Unconfigured says why a monitor series has no source in this run (its monitor is not
	// configured: no URL, no PID…); ok is false when the series has a source.
	Unconfigured(series string) (why string, ok bool)
}

// MonitorPoint is one sample of a monitor series.
type MonitorPoint struct {
	Time  time.Time
	Value float64
}

// Outcome is the judgement of one criterion.
type Outcome struct {
	// Name is the criterion's; Rule the rule in words (Criterion.Text).
	Name, Rule string
	// Observed is the figure judged: the worst window, the longest breach in seconds, the
	// count of violations, the growth…; Unit says which: "ms", "s" (a breach), "bytes", "RPS",
	// "/s" (other counters), "fraction" (a rate metric's share, a ratio), "windows",
	// "requests", a monitor's own unit, or "" for a plain number. HasValue is false with no data.
	Observed float64
	Unit     string
	HasValue bool
	// Result is "pass", "warn" or "fail".
	Result string
	// Broken says the rule's condition was broken at FirstBrokenAt (offset from the load's
	// start): when it failed (or, for severity warn, warned), the moment it did; otherwise the
	// first brief breach that stayed within the rule's allowance.
	Broken        bool
	FirstBrokenAt time.Duration
	// Detail explains: no data, the worst window, a brief breach…
	Detail string
	// Severity is the criterion's: "fail" or "warn".
	Severity string
	// AbortOnFail is the criterion's: a "fail" result stops the run.
	AbortOnFail bool
}

// skipped marks o skipped when a monitor series c reads has no source in this run.
func skipped(c Criterion, src Source, o *Outcome) bool {
	for _, name := range []string{c.Series, c.Over} {
		if why, ok := src.Unconfigured(name); name != "" && ok {
			o.Result, o.Detail = ResultSkipped, "skipped: "+why
			return true
		}
	}
	return false
}

// Evaluate judges every criterion against src; outcomes[i] is that of cs[i]. It is
// safe to call during the run (on a fresh snapshot) and at its end.
func Evaluate(cs []Criterion, src Source) []Outcome {
	out := make([]Outcome, len(cs))
	for i, c := range cs {
		o := Outcome{Name: c.Name, Rule: c.Text(), Severity: c.Severity, AbortOnFail: c.AbortOnFail, Result: ResultPass}
		switch {
		case src == nil:
			o.noData("no data source")
		case c.unjudgeable != "":
			o.Result, o.Detail = ResultNoData, c.unjudgeable
		case c.Metric == "" && skipped(c, src, &o):
		case c.Metric != "":
			evalMetric(c, src, &o)
		default:
			evalMonitor(c, src, &o)
		}
		if o.Result == ResultFail && c.Severity == ResultWarn {
			o.Result = ResultWarn
		}
		out[i] = o
	}
	return out
}

// ObservedText shows Observed with its unit for reports: "1010.5ms", "1.1 GB", "412.5 RPS",
// "35s", "3 windows", "97.5%" (a fraction without unit); "no data" without a value.
func (o Outcome) ObservedText() string {
	if !o.HasValue {
		return "no data"
	}
	return FormatUnit(o.Observed, o.Unit)
}

// FormatUnit shows a criterion's figure v in its unit (Outcome.Unit, or a monitor series'
// unit), as ObservedText describes: the one way every output writes a criterion's figure,
// in the units its rule is written in (bytes as SI, "500MB" = 500,000,000, as k6 does).
func FormatUnit(v float64, unit string) string {
	switch unit {
	case "ms":
		return threshold.Format(v, metrics.Time)
	case "s":
		return threshold.Format(v*1000, metrics.Time)
	case "bytes":
		return threshold.Format(v, metrics.Data)
	case "fraction", "ratio":
		return threshold.FormatPercent(v)
	case "percent":
		return threshold.Format(v, metrics.Default) + "%"
	case "/s", "per_second":
		return threshold.Format(v, metrics.Default) + "/s"
	case "", "count":
		return threshold.Format(v, metrics.Default)
	}
	return threshold.Format(v, metrics.Default) + " " + unit
}

// ShouldAbort reports the failed abortOnFail outcomes: abort is true when there is at
// least one. A criterion without data warns and never aborts.
func ShouldAbort(outcomes []Outcome) (abort bool, failed []Outcome) {
	for _, o := range outcomes {
		if o.AbortOnFail && o.Result == ResultFail {
			failed = append(failed, o)
		}
	}
	return len(failed) > 0, failed
}

// noData marks an outcome as lacking data.
func (o *Outcome) noData(why string) {
	o.Result, o.HasValue, o.Observed, o.Detail = ResultNoData, false, 0, "no data: "+why
}

// window is the aggregate of one window of a metric series.
type window struct {
	from, to time.Time
	value    float64
	ok       bool // the window holds data
}

// windows cuts s into windows of c.Window (rounded up to a multiple of the interval) from the
// first interval that begins at or after loadStart (what came before, setup, is not the load),
// and aggregates each; whole makes one window of the run. A counter's last window, which holds the interval still
// being filled (or cut short by the end of the run), is left out of rates and counts: it would
// read as a drop in throughput that did not happen.
func windows(c Criterion, s *metrics.Series, loadStart time.Time, whole bool) []window {
	n := s.Len()
	if n == 0 {
		return nil
	}
	iv := s.Interval()
	start := s.At(0).Time
	end := start.Add(time.Duration(n) * iv)
	if lead := loadStart.Sub(start); lead > 0 {
		start = start.Add((lead + iv - 1) / iv * iv)
	}
	w := c.Window
	switch {
	case whole:
		w = end.Sub(start)
	case w <= 0:
		w = iv
	case w%iv != 0:
		w = (w/iv + 1) * iv
	}
	// Series.Window scans every point of the series, so one call per interval is quadratic in
	// the run's length; a single-interval window reads the point itself when the point holds
	// the aggregate (the same histogram, so the same value).
	fast := !whole && w == iv && pointHas(c)
	var out []window
	for from := start; from.Before(end); from = from.Add(w) {
		to := from.Add(w)
		if s.Type == metrics.Counter && to.After(end.Add(-iv)) {
			if whole {
				to = end.Add(-iv)
			} else {
				break
			}
			if !to.After(from) {
				break
			}
		}
		var v float64
		var ok bool
		if fast && to.Sub(from) == iv {
			v, ok = aggregatePoint(c, s.Type, s.At(int(from.Sub(s.At(0).Time)/iv)), iv)
		} else {
			v, ok = aggregateWindow(c, s.Type, s.Window(from, to))
		}
		out = append(out, window{from: from, to: to, value: v, ok: ok})
	}
	return out
}

// aggregateWindow applies c's aggregation to one window. A counter's empty window is a real
// zero; other types have no value without samples.
func aggregateWindow(c Criterion, t metrics.Type, w metrics.WindowValue) (float64, bool) {
	if w.Count == 0 && t != metrics.Counter {
		return 0, false
	}
	switch c.Method {
	case threshold.MethodCount:
		return float64(w.Count), true
	case threshold.MethodRate:
		return w.Rate, true
	case threshold.MethodValue:
		return w.Value, true
	case threshold.MethodMin:
		return w.Min, true
	case threshold.MethodMax:
		return w.Max, true
	case threshold.MethodAvg:
		return w.Avg, true
	case threshold.MethodMed:
		return w.Percentile(50), true
	case threshold.MethodPercentile:
		return w.Percentile(c.Arg), true
	}
	return 0, false
}

// pointHas reports whether a SeriesPoint carries c's aggregate.
func pointHas(c Criterion) bool {
	if c.Method == threshold.MethodPercentile {
		return c.Arg == 50 || c.Arg == 90 || c.Arg == 95 || c.Arg == 99
	}
	return true
}

// aggregatePoint applies c's aggregation to one point of interval iv, as aggregateWindow does
// to a window.
func aggregatePoint(c Criterion, t metrics.Type, p metrics.SeriesPoint, iv time.Duration) (float64, bool) {
	if p.Count == 0 && t != metrics.Counter {
		return 0, false
	}
	switch c.Method {
	case threshold.MethodCount:
		return float64(p.Count), true
	case threshold.MethodRate:
		if t == metrics.Counter {
			return p.Sum / iv.Seconds(), true
		}
		return float64(p.Passes) / float64(p.Count), true
	case threshold.MethodValue:
		return p.Value, true
	case threshold.MethodMin:
		return p.Min, true
	case threshold.MethodMax:
		return p.Max, true
	case threshold.MethodAvg:
		return p.Sum / float64(p.Count), true
	case threshold.MethodMed:
		return p.P50, true
	case threshold.MethodPercentile:
		switch c.Arg {
		case 50:
			return p.P50, true
		case 90:
			return p.P90, true
		case 95:
			return p.P95, true
		case 99:
			return p.P99, true
		}
	}
	return 0, false
}

// unit names the unit of c's aggregate.
func (c Criterion) unit() string {
	switch {
	case c.Method == threshold.MethodRate && c.Type == metrics.Counter:
		if c.Metric == metrics.HTTPReqs || strings.HasPrefix(c.Metric, metrics.HTTPReqs+"{") {
			return "RPS"
		}
		return "/s"
	case c.Method == threshold.MethodRate:
		return "fraction"
	case c.Kind == metrics.Time:
		return "ms"
	case c.Kind == metrics.Data:
		return "bytes"
	}
	return ""
}

// evalMetric judges the windowed, margin and violations rules.
func evalMetric(c Criterion, src Source, o *Outcome) {
	s, ok := src.MetricSeries(c.Metric)
	if !ok || s == nil {
		o.noData(fmt.Sprintf("metric %s is not tracked (list it with MetricKeys)", c.Metric))
		return
	}
	start := src.Start()
	off := func(t time.Time) time.Duration { return max(0, t.Sub(start)) }
	if c.Rule == RuleViolations && c.PerRequest {
		evalPerRequest(c, s, o, off)
		return
	}
	switch c.Rule {
	case RuleRecovery, RuleDuringFaults, RuleNothingLost:
		evalResilience(c, src, s, o)
		return
	}
	ws := windows(c, s, start, c.Rule == RuleMargin && c.Window == 0)
	seen := false
	for _, w := range ws {
		seen = seen || w.ok
	}
	if !seen {
		o.noData(fmt.Sprintf("metric %s has no samples", c.Metric))
		return
	}
	o.HasValue, o.Unit = true, c.unit()
	switch c.Rule {
	case RuleWindowed:
		evalWindowed(c, ws, o, off)
	case RuleMargin:
		evalMargin(c, ws, o, off)
	case RuleViolations:
		var n int64
		for _, w := range ws {
			if w.ok && !holds(c.Cond, w.value) {
				if n == 0 {
					o.Broken, o.FirstBrokenAt = true, off(w.from)
				}
				n++
			}
		}
		o.Observed, o.Unit = float64(n), "windows"
		if n > c.Max {
			o.Result = ResultFail
		}
		o.Detail = fmt.Sprintf("%d of %d windows broke %s (budget %d)", n, len(ws), condText(c.Cond), c.Max)
	}
}

// evalWindowed finds the longest run of consecutive broken windows. A window without data
// (no requests for a latency rule) ends a run: nothing was measured to be broken.
func evalWindowed(c Criterion, ws []window, o *Outcome, off func(time.Time) time.Duration) {
	var runStart time.Time
	var run, longest time.Duration
	worst, haveWorst := 0.0, false
	exceeded := false
	for _, w := range ws {
		if !w.ok || holds(c.Cond, w.value) {
			run = 0
			continue
		}
		if !haveWorst || fartherFrom(c.Cond, w.value, worst) {
			worst, haveWorst = w.value, true
		}
		if run == 0 {
			runStart = w.from
			if !o.Broken {
				o.Broken, o.FirstBrokenAt = true, off(w.from)
			}
		}
		run += w.to.Sub(w.from)
		longest = max(longest, run)
		if run > c.For && !exceeded {
			exceeded = true
			// The moment the breach outlasted the allowance.
			o.FirstBrokenAt = off(runStart.Add(c.For))
		}
	}
	if exceeded {
		o.Result = ResultFail
	}
	if c.For > 0 {
		o.Observed, o.Unit = longest.Seconds(), "s"
	} else if haveWorst {
		o.Observed = worst
	} else {
		o.Observed = bestWorst(c, ws)
	}
	switch {
	case exceeded:
		o.Detail = fmt.Sprintf("broken for %s in a row (worst window %s)", longest, FormatUnit(worst, c.unit()))
	case o.Broken:
		o.Detail = fmt.Sprintf("broken briefly, for %s at most (worst window %s)", longest, FormatUnit(worst, c.unit()))
	}
}

// fartherFrom reports whether a breaks cond worse than b.
func fartherFrom(cond plan.Condition, a, b float64) bool {
	switch cond.Op {
	case threshold.OpLess, threshold.OpLessEqual:
		return a > b
	case threshold.OpGreater, threshold.OpGreaterEqual:
		return a < b
	}
	return math.Abs(a-cond.Value) > math.Abs(b-cond.Value)
}

// bestWorst is the window value nearest to breaking cond, when none broke it.
func bestWorst(c Criterion, ws []window) float64 {
	v, have := 0.0, false
	for _, w := range ws {
		if w.ok && (!have || fartherFrom(c.Cond, w.value, v)) {
			v, have = w.value, true
		}
	}
	return v
}

// evalMargin judges the aggregate (or the worst window) against slo and slo×(1+margin).
func evalMargin(c Criterion, ws []window, o *Outcome, off func(time.Time) time.Duration) {
	limit, u := c.SLO*(1+c.Margin), c.unit()
	worst, at, have := 0.0, time.Time{}, false
	for _, w := range ws {
		if w.ok && (!have || w.value > worst) {
			worst, at, have = w.value, w.from, true
		}
	}
	o.Observed = worst
	switch {
	case worst > limit:
		o.Result = ResultFail
		o.Detail = fmt.Sprintf("%s above the SLO %s by more than %s (limit %s)",
			FormatUnit(worst, u), FormatUnit(c.SLO, u), threshold.FormatPercent(c.Margin), FormatUnit(limit, u))
	case worst > c.SLO:
		o.Result = ResultWarn
		o.Detail = fmt.Sprintf("%s above the SLO %s, within the %s margin",
			FormatUnit(worst, u), FormatUnit(c.SLO, u), threshold.FormatPercent(c.Margin))
	}
	if o.Result != ResultPass {
		o.Broken = true
		for _, w := range ws {
			// The first window past the limit that decided the result.
			if w.ok && (w.value > limit || (o.Result == ResultWarn && w.value > c.SLO)) {
				o.FirstBrokenAt = off(w.from)
				return
			}
		}
		o.FirstBrokenAt = off(at)
	}
}

// evalPerRequest counts the requests above the condition's value in the histogram of the whole
// run, merged from the series (1% resolution of values over the last minute, 3.2% before it, as
// the series keep them: a request that close to the value may be counted either way), and finds
// the first interval whose slowest request broke the condition.
func evalPerRequest(c Criterion, s *metrics.Series, o *Outcome, off func(time.Time) time.Duration) {
	if s.Len() == 0 {
		o.noData(fmt.Sprintf("metric %s has no samples", c.Metric))
		return
	}
	iv := s.Interval()
	start := s.At(0).Time
	all := s.Window(start, start.Add(time.Duration(s.Len())*iv))
	if all.Count == 0 {
		o.noData(fmt.Sprintf("metric %s has no samples", c.Metric))
		return
	}
	n := countAbove(all, c.Cond)
	if n > 0 {
		for i := range s.Len() {
			if p := s.At(i); p.Count > 0 && !holds(c.Cond, p.Max) {
				o.Broken, o.FirstBrokenAt = true, off(p.Time)
				break
			}
		}
	}
	o.HasValue, o.Observed, o.Unit = true, float64(n), "requests"
	if n > c.Max {
		o.Result = ResultFail
	}
	o.Detail = fmt.Sprintf("%d of %d requests broke %s (budget %d)", n, all.Count, condText(c.Cond), c.Max)
}

// countAbove estimates how many samples of a trend window break cond (< or <=): the share of
// the histogram above the value, found by bisecting the percentile.
func countAbove(w metrics.WindowValue, cond plan.Condition) int64 {
	if holds(cond, w.Max) {
		return 0
	}
	if !holds(cond, w.Min) {
		return w.Count
	}
	lo, hi := 0.0, 100.0 // Percentile(lo) holds, Percentile(hi) breaks
	for range 40 {
		mid := (lo + hi) / 2
		if holds(cond, w.Percentile(mid)) {
			lo = mid
		} else {
			hi = mid
		}
	}
	// HdrHistogram reads percentile p at rank floor(p/100·N + 0.5): the smallest breaking
	// percentile hi lands on rank k+1, where k samples hold the condition.
	holding := int64(math.Floor(hi/100*float64(w.Count)+0.5)) - 1
	return min(max(w.Count-holding, 1), w.Count) // Max breaks the condition: at least one sample does
}

// SnapshotSource adapts a metrics snapshot and the monitors' series to SeriesSource.
type SnapshotSource struct {
	// Snapshot answers MetricSeries; nil means no metric has data.
	Snapshot *metrics.Snapshot
	// Monitors answers MonitorSeries; nil means no monitor runs.
	Monitors func(name string) (points []MonitorPoint, unit string, ok bool)
	// LoadStart is when the load began.
	LoadStart time.Time
	// Skipped answers Unconfigured; nil means every monitor series has a source.
	Skipped func(series string) (why string, ok bool)
	// Faults are the run's fault windows (FaultWindows), for the resilience rules.
	Faults []FaultWindow
}

var (
	_ Source      = SnapshotSource{}
	_ FaultSource = SnapshotSource{}
)

// FaultWindows returns Faults.
func (s SnapshotSource) FaultWindows() []FaultWindow { return s.Faults }

// MetricSeries returns the snapshot's series of key.
func (s SnapshotSource) MetricSeries(key string) (*metrics.Series, bool) {
	if s.Snapshot == nil {
		return nil, false
	}
	return s.Snapshot.Series(key)
}

// MonitorSeries returns the monitors' series called name.
func (s SnapshotSource) MonitorSeries(name string) ([]MonitorPoint, string, bool) {
	if s.Monitors == nil {
		return nil, "", false
	}
	return s.Monitors(name)
}

// Start returns LoadStart.
func (s SnapshotSource) Start() time.Time { return s.LoadStart }

// Unconfigured answers from the Skipped function; nil means every series has a source.
func (s SnapshotSource) Unconfigured(series string) (string, bool) {
	if s.Skipped == nil {
		return "", false
	}
	return s.Skipped(series)
}
