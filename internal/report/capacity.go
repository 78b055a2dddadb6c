package report

import (
	"fmt"
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
