package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// goldenSuite is a suite of two tests: one passing, one failing a latency threshold and a
// criterion, with a warning note — every branch of the Markdown and JUnit writers.
func goldenSuite() *Suite {
	pass := &Summary{
		Timestamp: "2026-11-26T19:30:00Z", TestType: "api_read_load", DurationSeconds: 810,
		Metrics: Metrics{RequestsTotal: 337500, RequestsPerSecond: 416.67, ErrorRate: 0.0002,
			ResponseTimes: ResponseTimes{Avg: 12.5, Min: 0.4, Max: 120, P50: 8.2, P95: 31.4, P99: 58.9}},
		Pass: true,
		Thresholds: []ThresholdResult{
			{Metric: "http_req_duration{type:api_read}", Expression: "p(50)<300", Observed: fp(8.2), Pass: true},
			{Metric: "http_req_duration{type:api_read}", Expression: "p(95)<800", Observed: fp(31.4), Pass: true},
			{Metric: "http_req_duration{type:api_read}", Expression: "p(99)<1500", Observed: fp(58.9), Pass: true},
			{Metric: "http_req_failed", Expression: "rate<0.0005", Observed: fp(0.0002), Pass: true},
		},
	}
	fail := &Summary{
		Timestamp: "2026-11-26T19:45:00Z", TestType: "slo_verification", DurationSeconds: 600,
		Metrics: Metrics{RequestsTotal: 240000, RequestsPerSecond: 400, ErrorRate: 0,
			ResponseTimes: ResponseTimes{Avg: 250, Min: 200, Max: 1300, P50: 240, P95: 1010.5, P99: 1250}},
		Thresholds: []ThresholdResult{
			{Metric: "http_req_duration{type:api_read}", Expression: "p(95)<800", Observed: fp(1010.5), Pass: false},
			{Metric: "http_reqs", Expression: "rate>=400", Observed: fp(400), Pass: true},
			{Metric: "checks{check:available}", Expression: "rate>0.9995", Observed: nil, Pass: true},
		},
		Criteria: []CriterionResult{
			{Name: "p95 within 20% of its SLO", Rule: "margin http_req_duration{type:api_read} p(95) 800 20%", Observed: fp(1010.5), Result: "fail", FirstBrokenAt: fp(12)},
			{Name: "memory growth", Rule: "growth process.rss < 500MB", Observed: fp(12.5), Result: "pass"},
		},
		Notes: []string{"generator overloaded — results not trustworthy: schedule lag p99 14ms exceeds 10ms"},
	}
	return NewSuite("2026-11-26T19:30:00Z", "http://127.0.0.1:5000", true, true, false, []SuiteTest{
		{Name: "01-api-read-load", File: "01-api-read-load.yaml", SummaryFile: "01-api-read-load.json", Pass: true, Summary: pass},
		{Name: "04-slo-verification", File: "04-slo-verification.yaml", SummaryFile: "04-slo-verification.json", Pass: false, Summary: fail},
	})
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

func TestSuiteVerdict(t *testing.T) {
	t.Parallel()
	s := goldenSuite()
	if s.Pass {
		t.Fatal("a suite with a failed test passed")
	}
	ok := NewSuite("t", "u", false, false, false, []SuiteTest{s.Tests[0]})
	if !ok.Pass {
		t.Fatal("a suite of passing tests failed")
	}
	if NewSuite("t", "u", false, false, true, []SuiteTest{s.Tests[0]}).Pass {
		t.Fatal("an interrupted suite passed")
	}
	if NewSuite("t", "u", false, false, false, nil).Pass {
		t.Fatal("an empty suite passed")
	}
}
