package report

import (
	"fmt"
	"html/template"
	"io"
	"sort"
	"strings"
	"text/tabwriter"

	"github.com/ramp-dev/ramp/internal/capacity"
)

// CapacityStepLine is one step of a capacity search as it ends, for progress.
func CapacityStepLine(s capacity.Step) string {
	mark := "✓ holds"
	if !s.Holds {
		mark = "✗ " + s.Verdict
	}
	if s.GeneratorOverloaded {
		mark += " (generator behind schedule)"
	}
	return fmt.Sprintf("  %-7s %7.0f/s  → %7.1f req/s  p95 %8.1fms  errors %6.2f%%  dropped %d  %s",
		s.Phase, s.Rate, s.RPS, s.P95, 100*s.ErrorRate, s.Dropped, mark)
}

// WriteCapacityText prints a capacity search: the steps by rate (the latency-versus-rate
// table, with a bar chart of p95 and the knee marked), the answer, the bottleneck and the
// strategy's targets.
func WriteCapacityText(w io.Writer, r *capacity.Result) error {
	steps := append([]capacity.Step(nil), r.Steps...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Rate < steps[j].Rate })
	maxP95 := 0.0
	for _, s := range steps {
		maxP95 = max(maxP95, s.P95)
	}
	fmt.Fprintf(w, "\nramp capacity: %s, flow %s — latency versus rate\n\n", r.File, r.Flow)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RATE\tREQ/S\tP50\tP95\tP99\tERRORS\tDROPPED\tRESULT\tP95 CHART")
	for _, s := range steps {
		bar := ""
		if maxP95 > 0 {
			bar = strings.Repeat("█", max(1, int(30*s.P95/maxP95)))
		}
		if s.Rate == r.Knee {
			bar += " ← knee"
		}
		res := "holds"
		if !s.Holds {
			res = s.Verdict
		}
		if s.Phase == "confirm" {
			res += " (confirm)"
		}
		fmt.Fprintf(tw, "%.0f/s\t%.1f\t%.1fms\t%.1fms\t%.1fms\t%.2f%%\t%d\t%s\t%s\n",
			s.Rate, s.RPS, s.P50, s.P95, s.P99, 100*s.ErrorRate, s.Dropped, res, bar)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w)
	switch {
	case r.Found:
		fmt.Fprintf(w, "  Maximum sustainable rate: %.0f iterations/s (±%g%%) = %.0f requests/s, confirmed; %.0f/s did not hold\n",
			r.Max, 100*r.Precision, r.MaxRPS, *r.FailedAt)
	case r.Max > 0:
		fmt.Fprintf(w, "  At least %.0f iterations/s (%.0f requests/s): every rate tried held\n", r.Max, r.MaxRPS)
	default:
		fmt.Fprintf(w, "  No rate held\n")
	}
	if r.Knee > 0 {
		fmt.Fprintf(w, "  Knee: latency climbs beyond %.0f/s (p95 above 1.5× its floor)\n", r.Knee)
	}
	if r.Bottleneck != "" {
		fmt.Fprintf(w, "  Likely bottleneck: %s — %s\n", r.Bottleneck, r.Evidence)
	}
	for _, t := range r.Targets {
		met := "not met"
		if t.Met {
			met = "met"
		}
		fmt.Fprintf(w, "  Strategy target, %s %.0f RPS: %s (%.0f%% of it)\n", t.Name, t.RPS, met, 100*r.MaxRPS/t.RPS)
	}
	for _, n := range r.Notes {
		fmt.Fprintf(w, "  Note: %s\n", n)
	}
	fmt.Fprintf(w, "  %d steps in %.0fs\n\n  %s\n", len(r.Steps), r.Took, strings.ToUpper(string(r.Verdict.Status)))
	for _, reason := range r.Verdict.Reasons {
		fmt.Fprintf(w, "    %s\n", reason.Text)
	}
	return nil
}

// capacityPage is the capacity search's HTML page: the answer, the latency-versus-rate and
// errors-versus-rate charts (the knee and the answer as references), and the steps.
const capacityPage = `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Capacity — {{.File}}</title><style>{{css}}</style></head>
<body><main>
<header><div class="verdict {{.Class}}">{{.Verdict}}</div><div><h1>Capacity — {{.File}}</h1><p>flow {{.Flow}}</p>
{{range .Lines}}<p class="banner">{{.}}</p>{{end}}</div></header>
<section><h2>Latency and errors versus rate</h2><div class="charts">{{range .Charts}}<figure>{{.}}</figure>{{end}}</div></section>
<section><h2>Steps</h2><div class="scroll"><table class="results"><thead><tr><th>Phase</th><th class="num">Rate</th><th class="num">Req/s</th><th class="num">p50</th><th class="num">p95</th><th class="num">p99</th><th class="num">Errors</th><th class="num">Dropped</th><th>Result</th></tr></thead><tbody>
{{range .Rows}}<tr>{{range $i, $c := .}}<td{{if and (ge $i 1) (le $i 7)}} class="num"{{end}}>{{$c}}</td>{{end}}</tr>{{end}}
</tbody></table></div></section>
</main></body></html>
`

// WriteCapacityHTML renders a capacity search as one self-contained page.
func WriteCapacityHTML(w io.Writer, r *capacity.Result) error {
	css, err := htmlFiles.ReadFile("html/style.css")
	if err != nil {
		return err
	}
	t, err := template.New("capacity").Funcs(template.FuncMap{"css": func() template.CSS { return template.CSS(css) }}).Parse(capacityPage)
	if err != nil {
		return err
	}
	var text strings.Builder
	if err := WriteCapacityText(&text, r); err != nil {
		return err
	}
	var lines []string
	for _, l := range strings.Split(text.String(), "\n") {
		if strings.HasPrefix(l, "  ") && !strings.HasPrefix(l, "    ") && strings.TrimSpace(l) != "" && strings.TrimSpace(l) != strings.ToUpper(string(r.Verdict.Status)) {
			lines = append(lines, strings.TrimSpace(l))
		}
	}
	steps := append([]capacity.Step(nil), r.Steps...)
	sort.SliceStable(steps, func(i, j int) bool { return steps[i].Rate < steps[j].Rate })
	x := make([]float64, len(steps))
	p50, p95, p99, errs := make([]*float64, len(steps)), make([]*float64, len(steps)), make([]*float64, len(steps)), make([]*float64, len(steps))
	var rows [][]string
	for i, s := range steps {
		x[i] = s.Rate
		p50[i], p95[i], p99[i], errs[i] = fp(s.P50), fp(s.P95), fp(s.P99), fp(100*s.ErrorRate)
		res := "holds"
		if !s.Holds {
			res = s.Verdict
		}
		rows = append(rows, []string{s.Phase, fmtNum(s.Rate) + "/s", fmtNum(s.RPS), fmtMs(s.P50), fmtMs(s.P95), fmtMs(s.P99),
			fmtPercent(s.ErrorRate), fmtInt(s.Dropped), res})
	}
	rate := func(v float64) string { return fmtNum(v) + "/s" }
	view := struct {
		File, Flow, Verdict, Class string
		Lines                      []string
		Charts                     []template.HTML
		Rows                       [][]string
	}{File: r.File, Flow: r.Flow, Lines: lines, Rows: rows}
	view.Verdict, view.Class = verdictBadge(string(r.Verdict.Status))
	view.Charts = []template.HTML{
		timeChart{Title: "Latency versus arrival rate", YLabel: "ms", X: x, XLabel: "arrival rate (iterations/s)", XFormat: rate,
			Lines: []chartLine{{Name: "p50", Color: "#1c7ed6", Values: p50}, {Name: "p95", Color: "#d9480f", Values: p95},
				{Name: "p99", Color: "#862e9c", Values: p99}}, Format: fmtMs}.render(),
		timeChart{Title: "Errors versus arrival rate", YLabel: "%", X: x, XLabel: "arrival rate (iterations/s)", XFormat: rate,
			Lines: []chartLine{{Name: "errors", Color: "#c92a2a", Values: errs}}}.render(),
	}
	return t.Execute(w, view)
}
