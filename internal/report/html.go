package report

// The HTML report (load-test-report.html) is one self-contained file: the page template and
// its stylesheet are embedded in the binary and inlined into the page, and the charts are
// inline SVG drawn in Go (chart.go). No chart library and no JavaScript: nothing to fetch at
// view time, nothing to break in an old or locked-down browser, a page that prints, and
// output that is the same bytes for the same input. html/template escapes every figure and
// name that comes from a scenario.

import (
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/verdict"
)

//go:embed html/report.html.tmpl html/style.css
var htmlFiles embed.FS

// htmlTemplate parses the embedded page template, its stylesheet inlined. WriteHTML parses
// it on every call: the template is small, and a package-level parsed template would be
// global state.
func htmlTemplate() (*template.Template, error) {
	css, err := htmlFiles.ReadFile("html/style.css")
	if err != nil {
		return nil, fmt.Errorf("html report: reading the embedded stylesheet: %w", err)
	}
	t, err := template.New("report.html.tmpl").Funcs(template.FuncMap{
		"css": func() template.CSS { return template.CSS(css) },
	}).ParseFS(htmlFiles, "html/report.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("html report: parsing the embedded template: %w", err)
	}
	return t, nil
}

// WriteHTML renders the suite's HTML report to w: executive summary, tests table, SLO
// compliance matrix, then per test its charts, self-checks, thresholds, criteria and
// recommendations. A test whose Summary is nil is listed without figures.
func WriteHTML(w io.Writer, s *Suite) error {
	if s == nil {
		return errors.New("html report: no suite to render")
	}
	t, err := htmlTemplate()
	if err != nil {
		return err
	}
	if err := t.Execute(w, newHTMLView(s)); err != nil {
		return fmt.Errorf("html report: %w", err)
	}
	return nil
}

// SingleTestSuite wraps one test's summary as a suite of one, for `ramp run --report`: the
// suite's verdict is the test's, and so is its timestamp.
func SingleTestSuite(name string, s *Summary) *Suite {
	t := SuiteTest{Name: name, Summary: s}
	if s == nil {
		return NewSuite("", "", false, false, false, verdict.Combine(nil, nil), []SuiteTest{t})
	}
	t.File, t.Pass, t.Verdict = s.File, s.Pass, s.Verdict
	v := verdict.Verdict{Status: verdict.Status(s.Verdict), Reasons: s.VerdictReasons}
	return NewSuite(s.Timestamp, "", false, false, s.Interrupted, v, []SuiteTest{t})
}

// htmlView is what the template renders: every figure already formatted.
type htmlView struct {
	// Verdict is the suite's ("PASS", "FAIL", "INCONCLUSIVE", "INTERRUPTED"), VerdictClass
	// its colour, Reasons why it is not a pass.
	Verdict, VerdictClass string
	Reasons               []htmlReason
	Interrupted           bool
	Title                 string
	Target                string
	Timestamp             string
	Mode                  string
	Figures               []htmlFigure
	Tests                 []htmlTestRow
	Matrix                htmlMatrix
	Details               []htmlDetail
	// Comparison is the comparison with the baseline (ramp suite --baseline); Trends each
	// test's figures across the results folder's last runs.
	Comparison *htmlComparison
	Trends     []htmlTrend
}

// htmlFigure is one key figure of the executive summary.
type htmlFigure struct {
	Label, Value, Detail string
	Bad                  bool
}

// htmlTestRow is one row of the tests table.
type htmlTestRow struct {
	Name, Anchor, Type, Duration, Requests, RPS, P50, P95, P99, ErrorRate string
	Verdict, Class                                                        string
	// Failures are the SLOs the test broke; Notes the summary's warnings.
	Failures, Notes []string
}

// htmlMatrix is the SLO compliance matrix: one row per distinct SLO, one column per test.
type htmlMatrix struct {
	Tests []string
	Rows  []htmlMatrixRow
}

type htmlMatrixRow struct {
	Kind, Label string
	Cells       []htmlCell
}

// htmlCell is one SLO in one test; Has is false when the test does not set that SLO.
type htmlCell struct {
	Has                     bool
	Target, Observed, Class string
	Title                   string
}

// htmlDetail is one test's section.
type htmlDetail struct {
	Name, Anchor, File, Verdict, Class string
	Missing                            bool
	Banners                            []string
	Notes                              []string
	Charts                             []template.HTML
	// Faults list the chaos timeline's faults, which the time charts shade.
	Faults       []string
	Distribution template.HTML
	Monitors     []template.HTML
	Generator    [][2]string
	GeneratorBad bool
	Load         [][2]string
	LoadBad      bool
	// Stages are the rows of the stages table, every cell formatted; Parts the tables of a
	// distributed run's segments and regions.
	Stages [][]string
	Parts  []htmlParts
	// Endpoints, Checks and Phases are the breakdown tables, every cell formatted.
	Endpoints, Checks, Phases [][]string
	Thresholds                []htmlCheck
	Criteria                  []htmlCheck
	Recommendations           []string
	// Traced are the slowest and the failed traced requests: rows of formatted cells.
	TracedSlowest, TracedFailed [][]string
}

// htmlParts is one table of a distributed run's parts.
type htmlParts struct {
	Title, Label string
	Rows         [][]string
}

// partsTable formats a distributed run's segments or regions.
func partsTable(title, label string, parts []PartResult) []htmlParts {
	if len(parts) == 0 {
		return nil
	}
	t := htmlParts{Title: title, Label: label}
	for _, p := range parts {
		start := "on time"
		if p.LateSeconds > 0 {
			start = fmtSeconds(p.LateSeconds) + " late"
		}
		t.Rows = append(t.Rows, []string{p.Name, fmtInt(p.Requests), fmtNum(p.RPS), msOrDash(p.P50), msOrDash(p.P95),
			msOrDash(p.P99), fmtPercent(p.ErrorRate), fmtInt(p.Dropped), start})
	}
	return []htmlParts{t}
}

// htmlReason is one reason of the verdict, coloured by the status it leads to.
type htmlReason struct{ Text, Class string }

// htmlCheck is one row of a thresholds or criteria table.
type htmlCheck struct {
	Name, Rule, Observed, Result, Class, Detail string
}

func newHTMLView(s *Suite) htmlView {
	v := htmlView{Interrupted: s.Interrupted, Target: s.Target, Timestamp: fmtTimestamp(s.Timestamp), Mode: "full"}
	v.Verdict, v.VerdictClass = verdictBadge(s.Verdict)
	for _, r := range s.VerdictReasons {
		_, class := verdictBadge(string(r.Status))
		v.Reasons = append(v.Reasons, htmlReason{Text: r.Text, Class: class})
	}
	if s.Quick {
		v.Mode = "quick (durations compressed)"
	}
	if s.Embedded {
		v.Target += " (embedded mina)"
	}
	v.Title = "Load test report"
	if len(s.Tests) == 1 {
		v.Title = "Load test report — " + s.Tests[0].Name
	}
	v.Figures = keyFigures(s)
	v.Matrix.Tests = make([]string, len(s.Tests))
	anchors := map[string]int{}
	for i, t := range s.Tests {
		v.Matrix.Tests[i] = t.Name
		anchor := anchorFor(t.Name, anchors)
		v.Tests = append(v.Tests, testRow(t, anchor))
		v.Details = append(v.Details, testDetail(t, anchor))
	}
	v.Matrix.Rows = matrixRows(s.Tests)
	v.Comparison = newHTMLComparison(s.Baseline, s.Comparison)
	if v.Comparison == nil && len(s.Tests) == 1 && s.Tests[0].Summary != nil && s.Tests[0].Summary.Comparison != nil {
		v.Comparison = newHTMLComparison("", s.Tests[0].Summary.Comparison)
	}
	v.Trends = newHTMLTrends(s.History)
	return v
}

// fmtTimestamp shows an RFC 3339 time in UTC to the second; other text as it is.
func fmtTimestamp(ts string) string {
	t, err := time.Parse(time.RFC3339, ts)
	if err != nil {
		return ts
	}
	return t.UTC().Format("2006-01-02 15:04:05 UTC")
}

// anchorFor makes a unique id from a test name: letters, digits, '-' and '_' kept.
func anchorFor(name string, seen map[string]int) string {
	var b strings.Builder
	b.WriteString("test-")
	for _, r := range strings.ToLower(name) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	base := b.String()
	id := base
	for n := 2; seen[id] > 0; n++ { // "a b" and "a-b" share a base: number the later ones
		id = fmt.Sprintf("%s-%d", base, n)
	}
	seen[id]++
	return id
}

// verdictBadge shows a verdict: its word and its colour.
func verdictBadge(v string) (text, class string) {
	switch v {
	case "pass":
		return "PASS", "pass"
	case "inconclusive":
		return "INCONCLUSIVE", "warn"
	case "interrupted":
		return "INTERRUPTED", "warn"
	case "":
		return "NO DATA", "fail"
	}
	return "FAIL", "fail"
}

// testVerdict is a test's badge.
func testVerdict(t SuiteTest) (text, class string) {
	if t.Summary == nil {
		return "NO DATA", "fail"
	}
	return verdictBadge(t.Summary.Verdict)
}

// keyFigures: total requests, peak request rate, the p95 closest to (or furthest over) its
// SLO, and the overall error rate.
func keyFigures(s *Suite) []htmlFigure {
	var total, failed int64
	peak, peakTest := 0.0, ""
	worst, worstRatio, worstTest, worstSLO := 0.0, -1.0, "", 0.0
	for _, t := range s.Tests {
		sum := t.Summary
		if sum == nil {
			continue
		}
		total += sum.Metrics.RequestsTotal
		failed += int64(math.Round(sum.Metrics.ErrorRate * float64(sum.Metrics.RequestsTotal)))
		if r := math.Max(maxOf(seriesRPS(sum)), sum.Metrics.RequestsPerSecond); r > peak {
			peak, peakTest = r, t.Name
		}
		p95 := sum.Metrics.ResponseTimes.P95
		slo := sum.SLOLines["p95"]
		ratio := 0.0
		if slo > 0 {
			ratio = p95 / slo
		}
		// A p95 with an SLO ranks by its ratio; without one, only against others without.
		if ratio > worstRatio || (worstRatio <= 0 && ratio == 0 && p95 > worst) {
			worst, worstRatio, worstTest, worstSLO = p95, ratio, t.Name, slo
		}
	}
	figs := []htmlFigure{
		{Label: "Requests", Value: fmtInt(total), Detail: fmt.Sprintf("%d tests", len(s.Tests))},
		{Label: "Peak rate", Value: fmtNum(peak) + " req/s", Detail: peakTest},
	}
	p95 := htmlFigure{Label: "Worst p95", Value: "—"}
	if worstTest != "" {
		p95.Value, p95.Detail = fmtMs(worst), worstTest
		if worstSLO > 0 {
			p95.Detail = fmt.Sprintf("SLO %s · %s", fmtMs(worstSLO), worstTest)
			p95.Bad = worst > worstSLO
		}
	}
	errRate := htmlFigure{Label: "Error rate", Value: "—"}
	if total > 0 {
		errRate.Value = fmtPercent(float64(failed) / float64(total))
		errRate.Detail = fmtInt(failed) + " failed"
		errRate.Bad = failed > 0
	}
	return append(figs, p95, errRate)
}

func testRow(t SuiteTest, anchor string) htmlTestRow {
	r := htmlTestRow{Name: t.Name, Anchor: anchor}
	r.Verdict, r.Class = testVerdict(t)
	s := t.Summary
	if s == nil {
		r.Notes = []string{"summary missing"}
		return r
	}
	rt := s.Metrics.ResponseTimes
	r.Type, r.Duration = s.TestType, fmtSeconds(math.Round(s.DurationSeconds))
	r.Requests, r.RPS = fmtInt(s.Metrics.RequestsTotal), fmtNum(s.Metrics.RequestsPerSecond)
	r.P50, r.P95, r.P99 = fmtMs(rt.P50), fmtMs(rt.P95), fmtMs(rt.P99)
	r.ErrorRate = fmtPercent(s.Metrics.ErrorRate)
	r.Failures, r.Notes = failedChecks(s), s.Notes
	return r
}

// failedChecks names the thresholds and criteria a test failed, with what was observed, so
// the tests table says why a test failed without a scroll to its section.
func failedChecks(s *Summary) []string {
	var out []string
	for _, th := range s.Thresholds {
		switch th.Status {
		case "fail":
			out = append(out, "failed: "+th.Metric+" "+th.Expression+" ("+thresholdFigure(th)+")")
		case "no data":
			out = append(out, "no data: "+th.Metric+" "+th.Expression)
		}
	}
	for _, cr := range s.Criteria {
		switch cr.Result {
		case "fail":
			out = append(out, "failed: "+cr.Name+" ("+criterionObserved(cr)+")")
		case "no data":
			if cr.Severity != "warn" {
				out = append(out, "no data: "+cr.Name)
			}
		}
	}
	return out
}

// matrixRows collects each distinct SLO across the tests, in order of first appearance:
// thresholds by metric and aggregation ("http_req_duration p(95)" — each test's cell shows
// its own bound), criteria by name.
func matrixRows(tests []SuiteTest) []htmlMatrixRow {
	var rows []htmlMatrixRow
	index := map[string]int{}
	// cell places c in the row of key, or — when this test already filled that row (two
	// bounds on one aggregation) — in the row of alt.
	cell := func(key, alt, kind, label, altLabel string, i int, c htmlCell) {
		n, ok := index[key]
		if ok && rows[n].Cells[i].Has {
			key, label = alt, altLabel
			n, ok = index[key]
		}
		if !ok {
			n = len(rows)
			index[key] = n
			rows = append(rows, htmlMatrixRow{Kind: kind, Label: label, Cells: make([]htmlCell, len(tests))})
		}
		if !rows[n].Cells[i].Has { // the same SLO twice in one test: its first result
			rows[n].Cells[i] = c
		}
	}
	for i, t := range tests {
		if t.Summary == nil {
			continue
		}
		for _, th := range t.Summary.Thresholds {
			c := htmlCell{Has: true, Target: th.Expression, Observed: thresholdFigure(th), Class: resultClass(th.Status)}
			full := th.Metric + " " + th.Expression
			agg := th.Metric + " " + th.Aggregation
			cell("t\x00"+agg, "t\x00"+full, "threshold", agg, full, i, c)
		}
		for _, cr := range t.Summary.Criteria {
			// A criterion's rule is a sentence: in the cell it would widen the matrix past the
			// page, so the row names the criterion and the rule is the cell's tooltip.
			title := strings.TrimSuffix(cr.Rule+". "+cr.Detail, ". ")
			c := htmlCell{Has: true, Observed: criterionObserved(cr), Class: resultClass(cr.Result), Title: title}
			cell("c\x00"+cr.Name, "c\x00"+cr.Name+"\x00"+cr.Rule, "criterion", cr.Name, cr.Name+": "+cr.Rule, i, c)
		}
	}
	return rows
}

// thresholdFigure shows a threshold's observed value for the page: as the text summary does
// (thresholdObserved), but a rate or plain number with the page's significant digits —
// "rate=1,013/s", not "rate=1012.6667/s", which would not fit a matrix cell.
func thresholdFigure(th ThresholdResult) string {
	if th.Observed == nil {
		return thresholdObserved(th)
	}
	switch th.Unit {
	case "/s":
		return th.Aggregation + "=" + fmtNum(*th.Observed) + "/s"
	case "":
		return th.Aggregation + "=" + fmtNum(*th.Observed)
	}
	return thresholdObserved(th)
}

// criterionObserved shows a criterion's observed figure in its unit, as criteria writes it
// everywhere (criteria.FormatUnit); "no data" without one.
func criterionObserved(cr CriterionResult) string {
	if cr.Observed == nil {
		return "no data"
	}
	return criteria.FormatUnit(*cr.Observed, cr.Unit)
}

// resultClass is an outcome's colour: pass, warn, nodata (never shown as met), skipped or
// fail.
func resultClass(r string) string {
	switch r {
	case "pass", "warn", "skipped":
		return r
	case "no data":
		return "nodata"
	}
	return "fail"
}

// Chart colours: one per figure, the same in every test's charts.
const (
	colorRPS    = "#0969da"
	colorTarget = "#57606a"
	colorP50    = "#1a7f37"
	colorP95    = "#bf8700"
	colorP99    = "#cf222e"
	colorErrors = "#cf222e"
	colorVUs    = "#8250df"
	colorOther  = "#0550ae"
)

var percentileColors = map[string]string{"p50": colorP50, "p95": colorP95, "p99": colorP99}

func testDetail(t SuiteTest, anchor string) htmlDetail {
	d := htmlDetail{Name: t.Name, Anchor: anchor, File: t.File}
	d.Verdict, d.Class = testVerdict(t)
	s := t.Summary
	if s == nil {
		d.Missing = true
		return d
	}
	if d.File == "" {
		d.File = s.File
	}
	d.Banners = banners(s)
	d.Notes = s.Notes
	d.Charts = timeCharts(s)
	d.Faults = faultLines(s.Faults)
	d.Distribution = distChart{Title: "Latency distribution", Buckets: s.Distribution, Refs: sloRefs(s)}.render()
	for _, m := range s.Monitors {
		d.Monitors = append(d.Monitors, monitorChart(m, faultShades(s.Faults)))
	}
	if s.Traced != nil {
		d.TracedSlowest, d.TracedFailed = tracedRows(s.Traced.Slowest), tracedRows(s.Traced.Failed)
	}
	g := s.Generator
	d.GeneratorBad = g.Overloaded
	d.Generator = [][2]string{
		{"Overloaded", yesNo(g.Overloaded)},
		{"Schedule lag p99", fmtMs(g.ScheduleLagP99Ms)},
		{"Schedule lag max", fmtMs(g.ScheduleLagMaxMs)},
		{"CPU max", fmtNum(g.CPUMaxPercent) + "%"},
	}
	if len(g.Reasons) > 0 {
		d.Generator = append(d.Generator, [2]string{"Reasons", strings.Join(g.Reasons, "; ")})
	}
	l := s.Load
	d.LoadBad = !l.Delivered
	d.Load = [][2]string{
		{"Delivered", yesNo(l.Delivered)},
		{"Iterations scheduled", fmtInt(l.IterationsScheduled)},
		{"Iterations dropped", fmtInt(l.IterationsDropped)},
		{"Dropped share", fmtPercent(l.DroppedShare)},
	}
	d.Parts = append(partsTable("Segments", "Segment", s.Segments), partsTable("Regions", "Region", s.Regions)...)
	for _, st := range s.Stages {
		d.Stages = append(d.Stages, []string{st.Scenario, strconv.Itoa(st.Index + 1),
			fmtSeconds(st.StartSeconds) + "–" + fmtSeconds(st.EndSeconds), fmtNum(st.Target) + " " + st.TargetUnit,
			fmtInt(st.Requests), fmtNum(st.RPS), msOrDash(st.P50), msOrDash(st.P95), msOrDash(st.P99), fmtPercent(st.ErrorRate)})
	}
	d.Endpoints, d.Checks, d.Phases = endpointRows(s.Endpoints), checkRows(s.Checks), phaseRows(s.Phases)
	for _, th := range s.Thresholds {
		d.Thresholds = append(d.Thresholds, htmlCheck{Name: th.Metric, Rule: th.Expression, Observed: thresholdFigure(th),
			Result: strings.ToUpper(th.Status), Class: resultClass(th.Status)})
	}
	for _, cr := range s.Criteria {
		c := htmlCheck{Name: cr.Name, Rule: cr.Rule, Observed: criterionObserved(cr),
			Result: strings.ToUpper(resultClass(cr.Result)), Class: resultClass(cr.Result), Detail: cr.Detail}
		if cr.FirstBrokenAt != nil {
			c.Detail = strings.TrimSpace("first broken at " + fmtSeconds(*cr.FirstBrokenAt) + ". " + c.Detail)
		}
		d.Criteria = append(d.Criteria, c)
	}
	d.Recommendations = Recommend(s)
	return d
}

// endpointRows formats the per-endpoint table: name, requests, rate, p50, p95, p99, errors.
func endpointRows(es []EndpointResult) [][]string {
	var out [][]string
	for _, e := range es {
		errs := fmtInt(e.Errors)
		if e.Errors > 0 {
			errs += " (" + fmtPercent(e.ErrorRate) + ")"
		}
		out = append(out, []string{e.Name, fmtInt(e.Requests), fmtNum(e.RPS) + "/s", fmtMs(e.P50), fmtMs(e.P95), fmtMs(e.P99), errs})
	}
	return out
}

// checkRows formats the checks table: name, passes, fails, share passed.
func checkRows(cs []CheckResult) [][]string {
	var out [][]string
	for _, c := range cs {
		share := "—"
		if all := c.Passes + c.Fails; all > 0 {
			share = fmtShareBelow(c.Passes, all)
		}
		out = append(out, []string{c.Name, fmtInt(c.Passes), fmtInt(c.Fails), share})
	}
	return out
}

// fmtShareBelow writes part/whole as a percentage that never rounds up to 100% while
// something failed: 101,860 of 101,863 is "99.997%", not "100%".
func fmtShareBelow(part, whole int64) string {
	share := float64(part) / float64(whole)
	text := fmtPercent(share)
	if part < whole && text == "100%" { // rounded up: truncate at three decimals instead
		text = strconv.FormatFloat(math.Floor(share*100*1000)/1000, 'f', -1, 64) + "%"
	}
	return text
}

// phaseRows formats the timing-phase table: phase, avg, its share of the average request,
// p50, p95, p99, max. Only sending, waiting and receiving make http_req_duration (k6's
// definition); blocked and connecting come before it and get no share.
func phaseRows(ps []PhaseResult) [][]string {
	inDuration := func(phase string) bool { return phase == "sending" || phase == "waiting" || phase == "receiving" }
	total := 0.0
	for _, p := range ps {
		if inDuration(p.Phase) {
			total += p.Avg
		}
	}
	var out [][]string
	for _, p := range ps {
		share := "—"
		if total > 0 && inDuration(p.Phase) {
			share = fmtPercent(p.Avg / total)
		}
		out = append(out, []string{p.Phase, fmtMs(p.Avg), share, fmtMs(p.P50), fmtMs(p.P95), fmtMs(p.P99), fmtMs(p.Max)})
	}
	return out
}

// banners are the warnings that make a test's figures suspect or incomplete.
func banners(s *Summary) []string {
	var out []string
	if s.Generator.Overloaded {
		out = append(out, "The load generator was overloaded: latencies include its own delays and the results are not trustworthy.")
	}
	if !s.Load.Delivered {
		out = append(out, fmt.Sprintf("The intended load was not delivered: %s of %s scheduled iterations were dropped (%s, tolerance %s).",
			fmtInt(s.Load.IterationsDropped), fmtInt(s.Load.IterationsScheduled), fmtPercent(s.Load.DroppedShare), fmtPercent(s.Load.Tolerance)))
	}
	if s.Interrupted {
		out = append(out, "Interrupted by the user: the figures cover only what ran.")
	}
	if s.Aborted != "" {
		out = append(out, "Aborted early: "+s.Aborted)
	}
	if s.SetupError != "" {
		out = append(out, "Setup failed: "+s.SetupError)
	}
	if s.TeardownError != "" {
		out = append(out, "Teardown failed: "+s.TeardownError)
	}
	return out
}

// sloRefs are the summary's SLO lines, p50 before p95 before p99.
func sloRefs(s *Summary) []refLine {
	var out []refLine
	for _, k := range SortedKeys(s.SLOLines) {
		c, ok := percentileColors[k]
		if !ok {
			c = colorOther
		}
		out = append(out, refLine{Label: k + " SLO", Value: s.SLOLines[k], Color: c, Text: fmtMs(s.SLOLines[k])})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

// timeCharts: request rate; iteration rate against the target iteration rate (an iteration
// may send several requests, so requests are never drawn against a target of iterations);
// percentiles, with the SLO lines within reach of them; errors per interval; VUs.
func timeCharts(s *Summary) []template.HTML {
	if s.Series == nil || len(s.Series.T) == 0 {
		return []template.HTML{emptyChart("Charts over time")}
	}
	se := s.Series
	per := "interval"
	if se.IntervalSeconds > 0 {
		per = fmtNum(se.IntervalSeconds) + " s"
	}
	perSecond := func(v float64) string { return fmtNum(v) + "/s" }
	shades := faultShades(s.Faults)
	out := []template.HTML{
		timeChart{Title: "Request rate", YLabel: "requests per second", X: se.T, Format: perSecond, Shades: shades,
			Lines: []chartLine{{Name: "requests/s", Color: colorRPS, Values: ptrs(se.RPS)}}}.render(),
	}
	if maxPtr(se.TargetRPS) > 0 && len(se.IterationsPS) > 0 {
		out = append(out, timeChart{Title: "Iteration rate vs target (arrival-rate scenarios)", YLabel: "iterations per second",
			X: se.T, Format: perSecond, Shades: shades, Lines: []chartLine{
				{Name: "iterations/s", Color: colorRPS, Values: se.IterationsPS},
				{Name: "target iterations/s", Color: colorTarget, Values: se.TargetRPS, Dashed: true},
			}}.render())
	}
	return append(out,
		timeChart{Title: "Latency percentiles", YLabel: "ms", X: se.T, Format: fmtNum, Text: fmtMs, LogY: true, Refs: sloRefs(s), Shades: shades, Lines: []chartLine{
			{Name: "p50", Color: colorP50, Values: se.P50},
			{Name: "p95", Color: colorP95, Values: se.P95},
			{Name: "p99", Color: colorP99, Values: se.P99},
		}}.render(),
		timeChart{Title: "Errors per " + per, YLabel: "failed requests", X: se.T, Shades: shades, Lines: []chartLine{
			{Name: "failed requests", Color: colorErrors, Values: ptrs(se.Errors), Fill: true},
		}}.render(),
		timeChart{Title: "Virtual users", YLabel: "VUs", X: se.T, Shades: shades, Lines: []chartLine{
			{Name: "VUs", Color: colorVUs, Values: ptrs(se.VUs), Fill: true},
		}}.render(),
	)
}

// monitorChart draws one target-side series, or says why its monitor read nothing. Tick
// labels carry a short unit (MiB, %, /s) and the axis label says it in words; a share's axis
// stops at 100%.
func monitorChart(m MonitorSeries, shades []shade) template.HTML {
	title := m.Name
	if m.Error != "" {
		return template.HTML(`<p class="empty">` + esc(title) + `: ` + esc(m.Error) + `</p>`)
	}
	ax := unitAxis(m.Unit)
	values := m.V
	if ax.scale != 1 {
		values = scaled(m.V, ax.scale)
	}
	return timeChart{Title: title, YLabel: ax.label, X: m.T, Format: ax.format, Cap: ax.cap, Shades: shades,
		Lines: []chartLine{{Name: m.Name, Color: colorOther, Values: values, Fill: true}}}.render()
}

// axisUnit is how a chart's y axis shows a unit: values multiplied by scale, ticks written
// by format, the axis named label, and a cap the axis does not pass while the data stay
// within it.
type axisUnit struct {
	scale  float64
	format func(float64) string
	label  string
	cap    float64
}

// unitAxis maps a monitor unit ("bytes", "ratio", "percent", "per_second", "count", or any
// unit a scenario names) to its axis.
func unitAxis(unit string) axisUnit {
	switch unit {
	case "bytes": // ticks at round MiB, not at round bytes
		return axisUnit{scale: 1.0 / (1 << 20), format: func(v float64) string { return fmtNum(v) + " MiB" }, label: "MiB"}
	case "ratio":
		return axisUnit{scale: 100, format: func(v float64) string { return fmtNum(v) + "%" }, label: "share (%)", cap: 100}
	case "percent":
		return axisUnit{scale: 1, format: func(v float64) string { return fmtNum(v) + "%" }, label: "percent"}
	case "per_second":
		return axisUnit{scale: 1, format: func(v float64) string { return fmtNum(v) + "/s" }, label: "per second"}
	case "count", "":
		return axisUnit{scale: 1, format: fmtNum, label: "count"}
	}
	// A unit the scenario names: the ticks stay numbers (a long unit would not fit beside
	// them), the axis label names it.
	return axisUnit{scale: 1, format: fmtNum, label: strings.ReplaceAll(unit, "_", " ")}
}

// scaled returns v multiplied by k, gaps kept.
func scaled(v []*float64, k float64) []*float64 {
	out := make([]*float64, len(v))
	for i, x := range v {
		if x != nil {
			out[i] = fp(*x * k)
		}
	}
	return out
}

func ptrs(v []float64) []*float64 {
	out := make([]*float64, len(v))
	for i := range v {
		out[i] = &v[i]
	}
	return out
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// msOrDash shows a latency in ms, or a dash when the stage had no request.
func msOrDash(v *float64) string {
	if v == nil {
		return "—"
	}
	return fmtMs(*v)
}

// tracedRows formats traced requests: trace id, request, status, duration, time.
func tracedRows(rs []TracedRequest) [][]string {
	var rows [][]string
	for _, r := range rs {
		status := strconv.Itoa(r.Status)
		if r.ErrorCode != 0 {
			status += " (error " + strconv.Itoa(r.ErrorCode) + ")"
		}
		rows = append(rows, []string{r.TraceID, strings.TrimSpace(r.Method + " " + r.Name), r.URL, status, fmtMs(r.DurationMs), r.Time})
	}
	return rows
}

// faultLines say what each fault of the chaos timeline was and when it was on (the shaded
// spans of the time charts), or why it never was.
func faultLines(fs []FaultWindow) []string {
	var out []string
	for _, f := range fs {
		line := f.Name + " " + f.Fault + " (" + f.Adapter + ")"
		if f.Start != nil && f.End != nil {
			line += ": " + fmtSeconds(*f.Start) + "–" + fmtSeconds(*f.End)
		}
		if f.Error != "" {
			line += ": " + f.Error
		}
		out = append(out, line)
	}
	return out
}
