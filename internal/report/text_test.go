package report

import (
	"bytes"
	"strings"
	"testing"
)

// The text summary shows a criterion's figure in human units, as the page does, and says
// "no data" once, with the reason when there is one.
func TestTextCriteriaUnits(t *testing.T) {
	snap := quickRun(t)
	tests := []struct {
		name   string
		c      CriterionResult
		want   string
		absent string
	}{
		{"bytes in IEC units", CriterionResult{Name: "memory", Rule: "growth < 500MB", Result: "pass", Unit: "bytes", Observed: fp(13205504)},
			"memory — growth < 500MB; observed 13.2 MB", "13205504"},
		{"milliseconds", CriterionResult{Name: "p95", Rule: "p(95) < 800ms", Result: "pass", Unit: "ms", Observed: fp(812.5)},
			"observed 812.5ms", ""},
		{"no data with its reason, once", CriterionResult{Name: "pool", Rule: "waits = 0", Result: "no data", Detail: "no data: the monitor delivered nothing"},
			"pool — waits = 0; no data: the monitor delivered nothing", ""},
		{"no data without a reason", CriterionResult{Name: "pool", Rule: "waits = 0", Result: "no data"},
			"pool — waits = 0; no data", ""},
		{"skipped", CriterionResult{Name: "deadlocks", Rule: "= 0", Result: "skipped", Detail: "not configured: SQLite"},
			"deadlocks — = 0; skipped (not configured: SQLite)", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Summary{TestType: "load", File: "t.yaml"}
			s.Criteria = []CriterionResult{tt.c}
			var b bytes.Buffer
			if err := WriteText(&b, s, snap, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			out := b.String()
			if !strings.Contains(out, tt.want) {
				t.Errorf("want %q in\n%s", tt.want, out)
			}
			if tt.absent != "" && strings.Contains(out, tt.absent) {
				t.Errorf("%q should not be printed:\n%s", tt.absent, out)
			}
			if n := strings.Count(out, "no data"); n > 1 {
				t.Errorf("\"no data\" printed %d times:\n%s", n, out)
			}
		})
	}
}

// --summary-trend-stats chooses the trend columns of the text summary, as in k6.
func TestTextTrendStats(t *testing.T) {
	snap := quickRun(t)
	for _, tt := range []struct {
		stats      []string
		want, none []string
	}{
		{nil, []string{"avg=", "med=", "p(95)=", "p(99)="}, []string{"count="}},
		{[]string{"p(99.9)", "count"}, []string{"http_req_duration", "p(99.9)=", "count=1500"}, []string{"avg=", "p(95)="}},
	} {
		var b bytes.Buffer
		if err := WriteText(&b, &Summary{TestType: "load", File: "t.yaml"}, snap, TextOptions{TrendStats: tt.stats}); err != nil {
			t.Fatal(err)
		}
		var line string
		for _, l := range strings.Split(b.String(), "\n") {
			if strings.Contains(l, "http_req_duration.") {
				line = l
			}
		}
		for _, w := range tt.want {
			if !strings.Contains(line, w) && !(w == "http_req_duration" && line != "") {
				t.Errorf("stats %v: want %q in %q", tt.stats, w, line)
			}
		}
		for _, n := range tt.none {
			if strings.Contains(line, n) {
				t.Errorf("stats %v: %q should not be in %q", tt.stats, n, line)
			}
		}
	}
}

// A criterion that broke its warn limit is not "met": the verdict line counts it apart.
func TestVerdictLineWarnIsNotMet(t *testing.T) {
	s := &Summary{Verdict: "pass", Criteria: []CriterionResult{
		{Name: "a", Result: "pass"}, {Name: "b", Result: "warn", Severity: "warn"}, {Name: "c", Result: "skipped"}}}
	if got, want := VerdictLine(s, false), "PASS  0 of 0 thresholds and 1 of 2 criteria met (1 warned)"; got != want {
		t.Errorf("VerdictLine = %q, want %q", got, want)
	}
}
