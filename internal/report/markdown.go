package report

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// WriteMarkdown writes the seed's PR-comment table for every test of the suite: P50, P95,
// P99, error rate and throughput against their targets, the status, and below it every
// failed threshold or criterion with observed versus target.
func WriteMarkdown(w io.Writer, s *Suite) error {
	var b strings.Builder
	b.WriteString("## Load Test Results\n\n")
	verdict := "✅ PASS"
	if !s.Pass {
		verdict = "❌ FAIL"
	}
	fmt.Fprintf(&b, "**Status**: %s — %d tests against %s", verdict, len(s.Tests), s.Target)
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
		status := "✅ PASS"
		if !t.Pass {
			status = "❌ FAIL"
		}
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
			if !th.Pass {
				failures = append(failures, fmt.Sprintf("- **%s**: `%s` `%s` — observed %s", t.Name, th.Metric, th.Expression, observedText(th.Observed)))
			}
		}
		for _, c := range sum.Criteria {
			if c.Result == "fail" {
				failures = append(failures, fmt.Sprintf("- **%s**: %s (`%s`) — observed %s", t.Name, c.Name, c.Rule, observedText(c.Observed)))
			}
		}
		for _, n := range sum.Notes {
			failures = append(failures, fmt.Sprintf("- ⚠️ **%s**: %s", t.Name, n))
		}
	}
	if len(failures) > 0 {
		b.WriteString("\n### Failures and warnings\n\n")
		b.WriteString(strings.Join(failures, "\n"))
		b.WriteString("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// sloTargets finds the seed table's targets in a test's thresholds: "<300ms" for p50 etc.
func sloTargets(s *Summary) map[string]string {
	out := map[string]string{}
	for _, th := range s.Thresholds {
		e := strings.ReplaceAll(th.Expression, " ", "")
		switch {
		case strings.HasPrefix(th.Metric, "http_req_duration") && strings.HasPrefix(e, "p(50)"):
			setOnce(out, "p50", strings.TrimPrefix(e, "p(50)")+"ms")
		case strings.HasPrefix(th.Metric, "http_req_duration") && strings.HasPrefix(e, "p(95)"):
			setOnce(out, "p95", strings.TrimPrefix(e, "p(95)")+"ms")
		case strings.HasPrefix(th.Metric, "http_req_duration") && strings.HasPrefix(e, "p(99)"):
			setOnce(out, "p99", strings.TrimPrefix(e, "p(99)")+"ms")
		case th.Metric == "http_req_failed" && strings.HasPrefix(e, "rate"):
			setOnce(out, "error_rate", percentTarget(strings.TrimPrefix(e, "rate")))
		case th.Metric == "http_reqs" && strings.HasPrefix(e, "rate"):
			setOnce(out, "throughput", strings.TrimPrefix(e, "rate"))
		}
	}
	return out
}

// percentTarget shows a rate target as a percentage: "<0.0005" → "<0.05%".
func percentTarget(t string) string {
	i := strings.IndexFunc(t, func(r rune) bool { return r != '<' && r != '>' && r != '=' && r != '!' })
	if i < 0 {
		return t
	}
	v, err := strconv.ParseFloat(t[i:], 64)
	if err != nil {
		return t
	}
	return t[:i] + strconv.FormatFloat(100*v, 'f', -1, 64) + "%"
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
