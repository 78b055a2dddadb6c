package report

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// TextOptions control the end-of-test summary.
type TextOptions struct {
	Color bool
	// TrendStats are the statistics shown of each trend, as k6's --summary-trend-stats names
	// them (metrics.ParseTrendStats); nil shows textTrendStats.
	TrendStats []string
}

// textTrendStats are the trend columns of the text summary by default: k6's, with p(99),
// which the strategy's SLOs name.
var textTrendStats = []string{"avg", "min", "med", "max", "p(90)", "p(95)", "p(99)"}

const (
	green = "\x1b[32m"
	red   = "\x1b[31m"
	amber = "\x1b[33m"
	bold  = "\x1b[1m"
	reset = "\x1b[0m"
)

// WriteText prints the end-of-test summary the way k6 does: thresholds with their observed
// values and ✓/✗, checks, every metric (sub-metrics indented under their metric), then the
// generator self-check, whether the load was delivered, and the verdict.
func WriteText(w io.Writer, s *Summary, snap *metrics.Snapshot, o TextOptions) error {
	p := &printer{w: w, color: o.Color, trendStats: o.TrendStats}
	if p.trendStats == nil {
		p.trendStats = textTrendStats
	}
	p.line("")
	p.line("  %s%s%s  %s  %s", p.c(bold), s.TestType, p.c(reset), s.File, (time.Duration(s.DurationSeconds * float64(time.Second))).Round(time.Millisecond))
	p.stages(s)
	p.parts("SEGMENTS", s.Segments)
	p.parts("REGIONS", s.Regions)
	p.thresholds(s)
	p.criteria(s)
	p.checks(snap)
	p.metrics(s, snap)
	p.generator(s)
	p.monitors(s)
	p.traced(s)
	p.outputs(s)
	p.verdict(s)
	return p.err
}

type printer struct {
	w          io.Writer
	color      bool
	trendStats []string
	err        error
}

func (p *printer) c(code string) string {
	if p.color {
		return code
	}
	return ""
}

func (p *printer) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

func (p *printer) mark(ok bool) string {
	if ok {
		return p.c(green) + "✓" + p.c(reset)
	}
	return p.c(red) + "✗" + p.c(reset)
}

// status marks an outcome: ✓ pass, ✗ fail, ! warn, ? no data (never shown as met), – skipped.
func (p *printer) status(s string) string {
	switch s {
	case "pass":
		return p.mark(true)
	case "warn":
		return p.c(amber) + "!" + p.c(reset)
	case "no data":
		return p.c(amber) + "?" + p.c(reset)
	case "skipped":
		return "–"
	}
	return p.mark(false)
}

func (p *printer) thresholds(s *Summary) {
	if len(s.Thresholds) == 0 {
		return
	}
	p.line("\n  THRESHOLDS")
	width := 0
	for _, t := range s.Thresholds {
		width = max(width, len(t.Metric))
	}
	for _, t := range s.Thresholds {
		p.line("    %s %-*s  %-16s %s", p.status(t.Status), width, t.Metric, t.Expression, thresholdObserved(t))
	}
}

// stages prints each stage's own figures: what was asked and what ran.
func (p *printer) stages(s *Summary) {
	if len(s.Stages) == 0 {
		return
	}
	p.line("\n  STAGES")
	ms := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return threshold.Format(*v, metrics.Time)
	}
	for _, st := range s.Stages {
		p.line("    %-12s %d  %6ss–%-6ss  target %-8s %-12s %8d req  %9s/s  p50 %-8s p95 %-8s p99 %-8s errors %s",
			st.Scenario, st.Index+1, num(st.StartSeconds), num(st.EndSeconds), num(st.Target), st.TargetUnit,
			st.Requests, num(st.RPS), ms(st.P50), ms(st.P95), ms(st.P99), pct(st.ErrorRate))
	}
}

// parts prints a distributed run's segments or regions, each on its own.
func (p *printer) parts(title string, parts []PartResult) {
	if len(parts) == 0 {
		return
	}
	p.line("\n  %s", title)
	ms := func(v *float64) string {
		if v == nil {
			return "-"
		}
		return threshold.Format(*v, metrics.Time)
	}
	for _, r := range parts {
		line := fmt.Sprintf("    %-22s %8d req  %9s/s  p50 %-8s p95 %-8s p99 %-8s errors %s  dropped %d",
			r.Name, r.Requests, num(r.RPS), ms(r.P50), ms(r.P95), ms(r.P99), pct(r.ErrorRate), r.Dropped)
		if r.LateSeconds > 0 {
			line += fmt.Sprintf("  began %ss late", num(r.LateSeconds))
		}
		p.line("%s", line)
	}
}

func (p *printer) criteria(s *Summary) {
	if len(s.Criteria) == 0 {
		return
	}
	p.line("\n  CRITERIA")
	for _, c := range s.Criteria {
		mark := p.status(c.Result)
		// Human units as on the page (criterionObserved); "no data" once, even when the
		// detail says why there was none.
		observed := "observed " + criterionObserved(c)
		switch {
		case c.Result == "skipped":
			observed = "skipped"
		case c.Observed == nil && strings.HasPrefix(c.Detail, "no data"):
			observed = c.Detail
		case c.Observed == nil:
			observed = "no data"
		}
		line := fmt.Sprintf("    %s %s — %s; %s", mark, c.Name, c.Rule, observed)
		if c.FirstBrokenAt != nil && c.Result != "pass" {
			line += fmt.Sprintf("; first broken at %ss", num(round(*c.FirstBrokenAt, 1)))
		}
		if c.Detail != "" && c.Result != "pass" && c.Detail != observed {
			line += " (" + c.Detail + ")"
		}
		p.line("%s", line)
	}
}

func (p *printer) monitors(s *Summary) {
	for _, m := range s.Monitors {
		if m.Error != "" {
			p.line("  %s monitor %s could not read its source: %s", p.c(amber)+"!"+p.c(reset), m.Name, m.Error)
		}
		if m.Skipped != "" {
			p.line("  – monitor %s not configured for this run: %s", m.Name, m.Skipped)
		}
	}
}

func (p *printer) checks(snap *metrics.Snapshot) {
	var rows []*metrics.MetricValue
	for _, m := range snap.Metrics() {
		if m.Name == metrics.Checks && len(m.Tags) == 1 && m.Tags[0].Key == "check" {
			rows = append(rows, m)
		}
	}
	if len(rows) == 0 {
		return
	}
	p.line("\n  CHECKS")
	for _, m := range rows {
		total := m.Passes + m.Fails
		share := 0.0
		if total > 0 {
			share = float64(m.Passes) / float64(total)
		}
		p.line("    %s %s  %s  ✓ %d ✗ %d", p.mark(m.Fails == 0), m.Tags[0].Value, pct(share), m.Passes, m.Fails)
	}
}

func (p *printer) metrics(s *Summary, snap *metrics.Snapshot) {
	p.line("\n  METRICS")
	judged := map[string]string{} // metric key → the worst status of its thresholds
	for _, t := range s.Thresholds {
		if was, seen := judged[t.Metric]; !seen || was == "pass" || t.Status == "fail" {
			judged[t.Metric] = t.Status
		}
	}
	byName := map[string][]*metrics.MetricValue{}
	for _, m := range snap.Metrics() {
		byName[m.Name] = append(byName[m.Name], m)
	}
	for _, b := range metrics.Builtins() {
		group := byName[b.Name]
		sort.Slice(group, func(i, j int) bool {
			return len(group[i].Tags) < len(group[j].Tags) || len(group[i].Tags) == len(group[j].Tags) && group[i].Key < group[j].Key
		})
		for _, m := range group {
			if m.Name == metrics.Checks && len(m.Tags) == 1 && m.Tags[0].Key == "check" {
				continue // listed under CHECKS
			}
			label := m.Name
			if len(m.Tags) > 0 {
				label = "  " + strings.TrimPrefix(m.Key, m.Name)
			}
			mark := " "
			if st, has := judged[m.Key]; has {
				mark = p.status(st)
			}
			dots := 34 - len([]rune(label))
			if dots < 3 {
				dots = 3
			}
			p.line("  %s %s%s: %s", mark, label, strings.Repeat(".", dots), describe(snap, m, p.trendStats))
		}
	}
}

func (p *printer) generator(s *Summary) {
	g := s.Generator
	p.line("")
	p.line("  %s generator   schedule lag p99 %sms, max %sms; CPU max %s%% of one core",
		p.mark(!g.Overloaded), num(g.ScheduleLagP99Ms), num(g.ScheduleLagMaxMs), num(g.CPUMaxPercent))
	l := s.Load
	if l.IterationsScheduled > 0 {
		p.line("  %s load        %d of %d scheduled iterations started, %d dropped (%s)",
			p.mark(l.Delivered), l.IterationsScheduled-l.IterationsDropped, l.IterationsScheduled, l.IterationsDropped, pct(l.DroppedShare))
	}
}

// traced prints the three slowest and the three latest failed traced requests, by trace id
// (the report and the JSON list ten of each).
func (p *printer) traced(s *Summary) {
	if s.Traced == nil {
		return
	}
	p.line("")
	for _, l := range []struct {
		title string
		rs    []TracedRequest
	}{{"slowest traced", s.Traced.Slowest}, {"failed traced", s.Traced.Failed}} {
		for i, r := range l.rs[:min(3, len(l.rs))] {
			title := ""
			if i == 0 {
				title = l.title
			}
			p.line("  %-15s trace %s  %s %s  %d  %.2fms", title, r.TraceID, r.Method, r.Name, r.Status, r.DurationMs)
		}
	}
}

// outputs prints what each live output delivered and dropped.
func (p *printer) outputs(s *Summary) {
	for _, o := range s.Outputs {
		p.line("")
		p.line("  %s %s %s  %d samples sent, %d dropped (%d of %d requests failed)",
			p.mark(o.SamplesDropped == 0), o.Output, o.Target, o.SamplesSent, o.SamplesDropped, o.Failed, o.Requests)
		if o.LastError != "" {
			p.line("      last error: %s", o.LastError)
		}
		if o.TrendsAsGauges {
			p.line("      the receiver refused native histograms: trends were sent as gauges (ramp_<trend>_p95…)")
		}
	}
}

// verdict prints the run's one answer and its reasons; it counts what was met, and never
// counts as met what had no data.
func (p *printer) verdict(s *Summary) {
	p.line("")
	p.line("  %s", VerdictLine(s, p.color))
	for _, r := range s.VerdictReasons {
		if r.Status == verdict.Fail && s.Verdict == string(verdict.Fail) {
			p.line("    %s✗ %s%s", p.c(red), r.Text, p.c(reset))
			continue
		}
		p.line("  %s⚠ %s%s", p.c(amber), r.Text, p.c(reset))
	}
	p.line("")
}

// VerdictLine is the one-line verdict ("PASS  3 of 3 thresholds and 2 of 2 criteria met"),
// what `--quiet` still prints.
func VerdictLine(s *Summary, color bool) string {
	c := func(code string) string {
		if color {
			return code
		}
		return ""
	}
	met, judged := 0, 0
	for _, t := range s.Thresholds {
		judged++
		if t.Status == "pass" {
			met++
		}
	}
	cmet, cjudged, warned := 0, 0, 0
	for _, cr := range s.Criteria {
		if cr.Result == "skipped" {
			continue
		}
		cjudged++
		switch cr.Result {
		case "pass":
			cmet++
		case "warn":
			warned++ // broken, at warn severity: not met, and not held against the run
		}
	}
	counts := fmt.Sprintf("%d of %d thresholds and %d of %d criteria met", met, judged, cmet, cjudged)
	if warned > 0 {
		counts += fmt.Sprintf(" (%d warned)", warned)
	}
	switch verdict.Status(s.Verdict) {
	case verdict.Pass:
		return fmt.Sprintf("%sPASS%s  %s", c(bold+green), c(reset), counts)
	case verdict.Inconclusive:
		return fmt.Sprintf("%sINCONCLUSIVE%s  %s — the run cannot show whether the SLOs hold", c(bold+amber), c(reset), counts)
	case verdict.Interrupted:
		return fmt.Sprintf("%sINTERRUPTED%s  %s — figures cover only what ran", c(bold+amber), c(reset), counts)
	}
	return fmt.Sprintf("%sFAIL%s  %s", c(bold+red), c(reset), counts)
}

// describe formats one metric's figures as k6's summary does for its type.
func describe(snap *metrics.Snapshot, m *metrics.MetricValue, trendStats []string) string {
	a := func(method string, arg float64) float64 { v, _ := snap.Aggregate(m.Key, method, arg); return v }
	switch m.Type {
	case metrics.Trend:
		parts := []string{}
		for _, st := range trendStats {
			method, arg, err := metrics.TrendStatMethod(st)
			switch {
			case err != nil:
				continue // refused where the list was parsed
			case method == "count":
				parts = append(parts, st+"="+num(m.Count))
			default:
				parts = append(parts, st+"="+threshold.Format(a(method, arg), m.Kind))
			}
		}
		return strings.Join(parts, " ")
	case metrics.Counter:
		return fmt.Sprintf("%-10s %s/s", threshold.Format(a("count", 0), m.Kind), threshold.Format(a("rate", 0), m.Kind))
	case metrics.Rate:
		return fmt.Sprintf("%-10s ✓ %d ✗ %d", pct(a("rate", 0)), m.Passes, m.Fails)
	case metrics.Gauge:
		return fmt.Sprintf("%-10s min=%s max=%s", num(a("value", 0)), num(a("min", 0)), num(a("max", 0)))
	}
	return ""
}

// thresholdObserved shows a threshold's observed value in its unit: "p(95)=1.2ms",
// "rate=0.05%", "rate=412.5/s"; "no data" without one.
func thresholdObserved(t ThresholdResult) string {
	if t.Observed == nil {
		return "no data"
	}
	v := *t.Observed
	switch t.Unit {
	case "%":
		return t.Aggregation + "=" + pct(v)
	case "/s":
		return t.Aggregation + "=" + num(v) + "/s"
	case "ms":
		return t.Aggregation + "=" + threshold.Format(v, metrics.Time)
	case "bytes":
		return t.Aggregation + "=" + threshold.Format(v, metrics.Data)
	}
	return t.Aggregation + "=" + threshold.Format(v, metrics.Default)
}

func pct(f float64) string { return strconv.FormatFloat(100*f, 'f', 2, 64) + "%" }

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
