package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/ramp-dev/ramp/internal/compare"
)

// shownRows are the rows a text or Markdown comparison lists: those a budget gates and those
// that moved; the JSON keeps every row (also those a summary kept no windows of).
func shownRows(r *compare.Result) []compare.Row {
	var out []compare.Row
	for _, row := range r.Rows {
		if row.Budget != "" || row.Status != compare.StatusSame && row.Status != compare.StatusNoData {
			out = append(out, row)
		}
	}
	return out
}

// compareCells are a row's cells: metric, stat, baseline, current, change, p, budget, status.
func compareCells(row compare.Row) []string {
	metric := row.Metric
	if row.Test != "" {
		metric = row.Test + " " + metric
	}
	if row.Stage != "" {
		metric += " [" + row.Stage + "]"
	}
	p := "–"
	if row.P != nil {
		p = strconv.FormatFloat(*row.P, 'g', 2, 64)
	}
	change, base, cur := "–", "–", "–"
	if row.Status != compare.StatusNoData || row.Why == "" || strings.Contains(row.Why, "windows") {
		change = compare.FormatChange(row)
		base, cur = statValue(row.Metric, row.Stat, row.Baseline), statValue(row.Metric, row.Stat, row.Current)
	}
	budget := row.Budget
	if budget == "" {
		budget = "–"
	}
	status := row.Status
	if row.Why != "" {
		status += " (" + row.Why + ")"
	}
	return []string{metric, row.Stat, base, cur, change, p, budget, status}
}

// statValue shows a value in its metric's unit: ms for time trends, /s for counter rates, %
// for rate metrics.
func statValue(key, stat string, v float64) string {
	name, _, _ := strings.Cut(key, "{")
	switch {
	case stat != "rate":
		return strconv.FormatFloat(round(v, 3), 'f', -1, 64) + "ms"
	case name == "http_req_failed" || name == "checks":
		return strconv.FormatFloat(round(100*v, 3), 'f', -1, 64) + "%"
	}
	return strconv.FormatFloat(round(v, 2), 'f', -1, 64) + "/s"
}

var compareHeader = []string{"METRIC", "STAT", "BASELINE", "CURRENT", "CHANGE", "P", "BUDGET", "STATUS"}

// WriteComparisonText prints a comparison as a table, then its verdict and reasons.
func WriteComparisonText(w io.Writer, r *compare.Result) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(compareHeader, "\t"))
	for _, row := range shownRows(r) {
		fmt.Fprintln(tw, strings.Join(compareCells(row), "\t"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s (minimum change %g%% and %gms, α %g)\n", compare.Describe(r), 100*r.MinChange, r.MinDelta, r.Alpha)
	fmt.Fprintf(w, "%s\n", strings.ToUpper(string(r.Verdict.Status)))
	for _, reason := range r.Verdict.Reasons {
		fmt.Fprintf(w, "  %s\n", reason.Text)
	}
	return nil
}

// WriteComparisonMarkdown writes a comparison as a PR comment.
func WriteComparisonMarkdown(w io.Writer, r *compare.Result) error {
	var b strings.Builder
	b.WriteString("## Comparison with the baseline\n\n")
	fmt.Fprintf(&b, "**Status**: %s — %s (minimum change %g%% and %gms, α %g)\n\n", statusMark(string(r.Verdict.Status)),
		compare.Describe(r), 100*r.MinChange, r.MinDelta, r.Alpha)
	b.WriteString("| Metric | Stat | Baseline | Current | Change | p | Budget | Status |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---|---|\n")
	for _, row := range shownRows(r) {
		c := compareCells(row)
		c[0] = "`" + c[0] + "`"
		if row.Status == compare.StatusRegression {
			c[7] = "❌ " + c[7]
		}
		b.WriteString("| " + strings.Join(c, " | ") + " |\n")
	}
	if len(r.Verdict.Reasons) > 0 {
		b.WriteString("\n")
		for _, reason := range r.Verdict.Reasons {
			fmt.Fprintf(&b, "- %s\n", reason.Text)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
