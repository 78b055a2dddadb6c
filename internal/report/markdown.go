package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/verdict"
)

// WriteMarkdown writes the seed's PR-comment table for every test of the suite: P50, P95,
// P99, error rate and throughput against their targets, the status, and below it every
// failed threshold or criterion with observed versus target.
func WriteMarkdown(w io.Writer, s *Suite) error {
	var b strings.Builder
	b.WriteString("## Load Test Results\n\n")
	fmt.Fprintf(&b, "**Status**: %s — %d tests against %s", statusMark(s.Verdict), len(s.Tests), s.Target)
	if s.Quick {
		b.WriteString(" (quick)")
	}
	if s.Interrupted {
		b.WriteString(" — interrupted")
	}
	b.WriteString("\n\n")
	b.WriteString("| Test | P50 Latency | P95 Latency | P99 Latency | Error Rate | Throughput | Status |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---|\n")
	for _, t := range s.Tests {
		m := t.Summary.Metrics
		slo := sloTargets(t.Summary)
		status := statusMark(t.Summary.Verdict)
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", t.Name,
			withTarget(fmt.Sprintf("%.1fms", m.ResponseTimes.P50), slo["p50"]),
			withTarget(fmt.Sprintf("%.1fms", m.ResponseTimes.P95), slo["p95"]),
			withTarget(fmt.Sprintf("%.1fms", m.ResponseTimes.P99), slo["p99"]),
			withTarget(fmt.Sprintf("%.3f%%", 100*m.ErrorRate), slo["error_rate"]),
			withTarget(fmt.Sprintf("%.0f RPS", m.RequestsPerSecond), slo["throughput"]),
			status)
	}
	var failures []string
	for _, t := range s.Tests {
		sum := t.Summary
		if msg := firstNonEmpty(sum.SetupError, sum.TeardownError, sum.Aborted); msg != "" {
			failures = append(failures, fmt.Sprintf("- **%s**: %s", t.Name, msg))
		}
		for _, th := range sum.Thresholds {
			switch th.Status {
			case "fail":
				failures = append(failures, fmt.Sprintf("- **%s**: `%s` `%s` — observed %s", t.Name, th.Metric, th.Expression, observedText(th.Observed)))
			case "no data":
				failures = append(failures, fmt.Sprintf("- ⚠️ **%s**: `%s` `%s` — no data, not judged", t.Name, th.Metric, th.Expression))
			}
		}
		for _, c := range sum.Criteria {
			switch {
			case c.Result == "fail":
				failures = append(failures, fmt.Sprintf("- **%s**: %s (`%s`) — observed %s", t.Name, c.Name, c.Rule, observedText(c.Observed)))
			case c.Result == "no data" && c.Severity != "warn":
				failures = append(failures, fmt.Sprintf("- ⚠️ **%s**: %s — %s", t.Name, c.Name, c.Detail))
			}
		}
		for _, r := range sum.VerdictReasons {
			if r.Status != verdict.Fail && !r.IsCheck() { // checks are listed above, by name
				failures = append(failures, fmt.Sprintf("- ⚠️ **%s**: %s", t.Name, r.Text))
			}
		}
	}
	if len(failures) > 0 {
		b.WriteString("\n### Failures and warnings\n\n")
		b.WriteString(strings.Join(failures, "\n"))
		b.WriteString("\n")
	}
	if s.Comparison != nil {
		b.WriteString("\n")
		var c strings.Builder
		if err := WriteComparisonMarkdown(&c, s.Comparison); err != nil {
			return err
		}
		// One level below the results' heading.
		b.WriteString(strings.Replace(c.String(), "## Comparison", "### Comparison", 1))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// statusMark shows a verdict in the PR comment.
func statusMark(v string) string {
	switch v {
	case "pass":
		return "✅ PASS"
	case "inconclusive":
		return "⚠️ INCONCLUSIVE"
	case "interrupted":
		return "⏹️ INTERRUPTED"
	}
	return "❌ FAIL"
}

// sloTargets are the seed table's targets of a test: its headline SLO ("<300ms" for p50…)
// and its throughput threshold.
func sloTargets(s *Summary) map[string]string {
	out := map[string]string{}
	ms := func(v *float64) string { return "<" + strconv.FormatFloat(*v, 'f', -1, 64) + "ms" }
	if v := s.SLO.P50Ms; v != nil {
		out["p50"] = ms(v)
	}
	if v := s.SLO.P95Ms; v != nil {
		out["p95"] = ms(v)
	}
	if v := s.SLO.P99Ms; v != nil {
		out["p99"] = ms(v)
	}
	if v := s.SLO.ErrorRate; v != nil {
		out["error_rate"] = "<" + strconv.FormatFloat(100**v, 'f', -1, 64) + "%"
	}
	for _, th := range s.Thresholds {
		if th.Metric == "http_reqs" && th.Aggregation == "rate" {
			setOnce(out, "throughput", th.Op+strconv.FormatFloat(th.Limit, 'f', -1, 64))
		}
	}
	return out
}

func setOnce(m map[string]string, k, v string) {
	if _, ok := m[k]; !ok {
		m[k] = v
	}
}

func withTarget(v, target string) string {
	if target == "" {
		return v
	}
	return v + " (target: " + target + ")"
}

func observedText(v *float64) string {
	if v == nil {
		return "no data"
	}
	return fmt.Sprintf("%g", *v)
}
