package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/ramp-dev/ramp/internal/verdict"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenSuite is a suite of two tests: one passing, one failing a latency threshold and a
// criterion, with a warning note — every branch of the Markdown and JUnit writers.
func goldenSuite() *Suite {
	pass := &Summary{
		Timestamp: "2026-11-26T19:30:00Z", TestType: "api_read_load", DurationSeconds: 810,
		Metrics: Metrics{RequestsTotal: 337500, RequestsPerSecond: 416.67, ErrorRate: 0.0002,
			ResponseTimes: ResponseTimes{Avg: 12.5, Min: 0.4, Max: 120, P50: 8.2, P95: 31.4, P99: 58.9}},
		Pass: true, Verdict: "pass",
		Thresholds: []ThresholdResult{
			thr("http_req_duration{type:api_read}", "p(50)<300", 8.2, true),
			thr("http_req_duration{type:api_read}", "p(95)<800", 31.4, true),
			thr("http_req_duration{type:api_read}", "p(99)<1500", 58.9, true),
			thr("http_req_failed", "rate<0.0005", 0.0002, true),
		},
		SLO: SLOTargets{Metric: "http_req_duration{type:api_read}", P50Ms: fp(300), P95Ms: fp(800), P99Ms: fp(1500), ErrorRate: fp(0.0005)},
	}
	fail := &Summary{
		Timestamp: "2026-11-26T19:45:00Z", TestType: "slo_verification", DurationSeconds: 600,
		Metrics: Metrics{RequestsTotal: 240000, RequestsPerSecond: 400, ErrorRate: 0,
			ResponseTimes: ResponseTimes{Avg: 250, Min: 200, Max: 1300, P50: 240, P95: 1010.5, P99: 1250}},
		Thresholds: []ThresholdResult{
			thr("http_req_duration{type:api_read}", "p(95)<800", 1010.5, false),
			thr("http_reqs", "rate>=400", 400, true),
			{Metric: "checks{check:available}", Expression: "rate>0.9995", Status: "no data", Aggregation: "rate", Op: ">", Limit: 0.9995, Unit: "%"},
		},
		Criteria: []CriterionResult{
			{Name: "p95 within 20% of its SLO", Rule: "margin http_req_duration{type:api_read} p(95) 800 20%", Observed: fp(1010.5), Result: "fail", FirstBrokenAt: fp(12)},
			{Name: "memory growth", Rule: "growth process.rss < 500MB", Observed: fp(12.5), Result: "pass"},
			{Name: "no deadlocks", Rule: "max of db.deadlocks, fail above 0", Result: "skipped", Detail: "skipped: no monitor db runs in this test"},
			{Name: "cache hit rate", Rule: "final app.cache_hit_rate, fail below 0.5", Result: "no data", Severity: "warn", Detail: "no data: monitor series app.cache_hit_rate unavailable"},
		},
		SLO:     SLOTargets{Metric: "http_req_duration{type:api_read}", P95Ms: fp(800)},
		Notes:   []string{"generator overloaded — results not trustworthy: schedule lag p99 14ms exceeds 10ms"},
		Verdict: "fail",
		VerdictReasons: []verdict.Reason{
			{Status: verdict.Fail, Text: "threshold http_req_duration{type:api_read} p(95)<800 failed", Kind: verdict.KindThreshold},
			{Status: verdict.Fail, Text: `criterion "p95 within 20% of its SLO" failed: 1010.5ms above the SLO 800ms`, Kind: verdict.KindCriterion},
			{Status: verdict.Inconclusive, Text: "threshold checks{check:available} rate>0.9995: no data", Kind: verdict.KindThreshold},
			{Status: verdict.Inconclusive, Text: "generator overloaded — results not trustworthy: schedule lag p99 14ms exceeds 10ms"},
		},
	}
	tests := []SuiteTest{
		{Name: "01-api-read-load", File: "01-api-read-load.yaml", SummaryFile: "01-api-read-load.json", Pass: true, Verdict: "pass", Summary: pass},
		{Name: "04-slo-verification", File: "04-slo-verification.yaml", SummaryFile: "04-slo-verification.json", Verdict: "fail", Summary: fail},
	}
	return NewSuite("2026-11-26T19:30:00Z", "http://127.0.0.1:5000", true, true, false, combine(tests), tests)
}

// TestGoldenHTML renders the fixture suite of the four Mina tests (seeded: the same bytes on
// every run) and compares the page with testdata/report.html.golden. A change to the page
// shows here as a diff to review; go test -run TestGoldenHTML -update accepts it.
func TestGoldenHTML(t *testing.T) {
	var b bytes.Buffer
	if err := WriteHTML(&b, minaSuite()); err != nil {
		t.Fatal(err)
	}
	var again bytes.Buffer
	if err := WriteHTML(&again, minaSuite()); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(b.Bytes(), again.Bytes()) {
		t.Fatal("two renderings of the same suite differ: the page is not deterministic")
	}
	path := filepath.Join("testdata", "report.html.golden")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -run TestGoldenHTML -update to create it)", err)
	}
	if got := b.Bytes(); !bytes.Equal(got, want) {
		line, col := 1, 1
		for i := 0; i < min(len(got), len(want)); i++ {
			if got[i] != want[i] {
				lo, hi := max(0, i-120), min(len(got), i+120)
				t.Fatalf("the page differs from %s at line %d, column %d (%d bytes, golden %d):\n…%s…\n(go test -run TestGoldenHTML -update accepts the change)",
					path, line, col, len(got), len(want), got[lo:hi])
			}
			if got[i] == '\n' {
				line, col = line+1, 1
			} else {
				col++
			}
		}
		t.Fatalf("the page differs from %s in length: %d bytes, golden %d (go test -run TestGoldenHTML -update accepts the change)", path, len(got), len(want))
	}
}

// combine is the suite verdict over hand-built tests, as the CLI decides it.
func combine(tests []SuiteTest) verdict.Verdict {
	var names []string
	var vs []verdict.Verdict
	for _, t := range tests {
		names = append(names, t.Name)
		if t.Summary != nil {
			vs = append(vs, verdict.Verdict{Status: verdict.Status(t.Summary.Verdict), Reasons: t.Summary.VerdictReasons})
		}
	}
	return verdict.Combine(names, vs)
}

func TestGolden(t *testing.T) {
	tests := []struct {
		file  string
		write func(*bytes.Buffer, *Suite) error
	}{
		{"summary.md", func(b *bytes.Buffer, s *Suite) error { return WriteMarkdown(b, s) }},
		{"junit.xml", func(b *bytes.Buffer, s *Suite) error { return WriteJUnit(b, s) }},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.write(&b, goldenSuite()); err != nil {
				t.Fatal(err)
			}
			path := filepath.Join("testdata", tt.file+".golden")
			if *update {
				if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Errorf("%s differs from %s:\n%s", tt.file, path, b.String())
			}
		})
	}
}

// NewSuite renders the verdict it is given: pass is true only for a pass.
func TestSuiteVerdict(t *testing.T) {
	t.Parallel()
	s := goldenSuite()
	if s.Pass || s.Verdict != "fail" {
		t.Fatalf("a suite with a failed test: pass=%v verdict=%s", s.Pass, s.Verdict)
	}
	for _, st := range []verdict.Status{verdict.Fail, verdict.Inconclusive, verdict.Interrupted} {
		if NewSuite("t", "u", false, false, false, verdict.Verdict{Status: st}, s.Tests).Pass {
			t.Errorf("a suite whose verdict is %s says pass", st)
		}
	}
	if ok := NewSuite("t", "u", false, false, false, verdict.Verdict{Status: verdict.Pass}, s.Tests[:1]); !ok.Pass || ok.Verdict != "pass" {
		t.Errorf("a passing suite: pass=%v verdict=%s", ok.Pass, ok.Verdict)
	}
}
