package report

import (
	"html/template"
	"strconv"

	"github.com/ramp-dev/ramp/internal/compare"
)

// htmlComparison is the comparison with the baseline, formatted.
type htmlComparison struct {
	Baseline, Verdict, Class, Summary string
	Reasons                           []htmlReason
	Rows                              [][]string
	RowClasses                        []string
}

// newHTMLComparison formats a comparison: the rows a budget gates and those that moved.
func newHTMLComparison(baseline string, r *compare.Result) *htmlComparison {
	if r == nil {
		return nil
	}
	c := &htmlComparison{Baseline: baseline, Summary: compare.Describe(r)}
	c.Verdict, c.Class = verdictBadge(string(r.Verdict.Status))
	for _, reason := range r.Verdict.Reasons {
		_, class := verdictBadge(string(reason.Status))
		c.Reasons = append(c.Reasons, htmlReason{Text: reason.Text, Class: class})
	}
	for _, row := range shownRows(r) {
		c.Rows = append(c.Rows, compareCells(row))
		class := ""
		switch row.Status {
		case compare.StatusRegression:
			class = "fail"
		case compare.StatusNoData:
			class = "warn"
		case compare.StatusBetter:
			class = "pass"
		}
		c.RowClasses = append(c.RowClasses, class)
	}
	return c
}

// htmlTrend is one test's figures across the last runs of the results folder.
type htmlTrend struct {
	Name   string
	Charts []template.HTML
	Rows   [][]string
}

// maxTrendRuns is how many runs of the history the trend shows.
const maxTrendRuns = 20

// newHTMLTrends charts each test's p95 and throughput over the last runs, with a table of
// p95, throughput and error rate; nil with fewer than two runs.
func newHTMLTrends(history []HistoryEntry) []htmlTrend {
	if len(history) > maxTrendRuns {
		history = history[len(history)-maxTrendRuns:]
	}
	if len(history) < 2 {
		return nil
	}
	var names []string
	seen := map[string]bool{}
	for _, e := range history {
		for _, t := range e.Tests {
			if !seen[t.Name] {
				seen[t.Name] = true
				names = append(names, t.Name)
			}
		}
	}
	x := make([]float64, len(history))
	for i := range history {
		x[i] = float64(i + 1)
	}
	runLabel := func(v float64) string { return "#" + strconv.Itoa(int(v)) }
	var out []htmlTrend
	for _, name := range names {
		tr := htmlTrend{Name: name}
		p95 := make([]*float64, len(history))
		rps := make([]*float64, len(history))
		for i, e := range history {
			for _, t := range e.Tests {
				if t.Name != name {
					continue
				}
				p95[i], rps[i] = fp(t.P95), fp(t.RPS)
				tr.Rows = append(tr.Rows, []string{runLabel(x[i]), fmtTimestamp(e.Timestamp), fmtMs(t.P95),
					fmtNum(t.RPS), fmtPercent(t.ErrorRate), t.Verdict})
			}
		}
		tr.Charts = []template.HTML{
			timeChart{Title: name + " — p95 across runs", YLabel: "ms", X: x, XLabel: "run", XFormat: runLabel,
				Lines: []chartLine{{Name: "p95", Color: "#d9480f", Values: p95}}, Format: fmtMs}.render(),
			timeChart{Title: name + " — throughput across runs", YLabel: "req/s", X: x, XLabel: "run", XFormat: runLabel,
				Lines: []chartLine{{Name: "req/s", Color: "#1c7ed6", Values: rps}}}.render(),
		}
		out = append(out, tr)
	}
	return out
}
