package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// ramp validate: a valid file is ok (exit 0), an invalid one is reported with its line and
// makes the exit code 2; -e feeds the variables a file needs.
func TestValidateCommand(t *testing.T) {
	good := writeScenario(t, constantRate)
	bad := writeScenario(t, strings.Replace(constantRate, "executor: constant-arrival-rate", "executor: constant-arival-rate", 1))
	code, stdout, stderr := runRamp(context.Background(), "validate", "-e", "BASE_URL=http://127.0.0.1:1", good)
	if code != ExitPass || !strings.Contains(stdout, good+": ok") {
		t.Fatalf("valid file: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runRamp(context.Background(), "validate", "-e", "BASE_URL=http://127.0.0.1:1", good, bad)
	if code != ExitUsage || !strings.Contains(stdout, good+": ok") || !strings.Contains(stderr, bad+":4:") ||
		!strings.Contains(stderr, "constant-arrival-rate") {
		t.Fatalf("invalid file: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
}

// ramp run --report writes an HTML report of the test; ramp report re-renders a results
// directory's report from its JSON files alone.
func TestReportCommands(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	html := filepath.Join(dir, "run.html")
	code, stdout, stderr := runRamp(context.Background(), "run", writeScenario(t, constantRate), "--base-url", srv.URL,
		"-e", "DURATION=1s", "--report", html, "--summary-export", filepath.Join(dir, "t.json"), "--quiet")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "<svg") || !strings.Contains(string(b), "PASS") {
		t.Fatalf("run --report: %v, %d bytes", err, len(b))
	}

	// A results directory as ramp suite leaves it, without its HTML report.
	results := filepath.Join(dir, "results")
	sum := readSummary(t, filepath.Join(dir, "t.json"))
	suite := report.NewSuite(sum.Timestamp, srv.URL, false, false, false, verdict.Verdict{Status: verdict.Status(sum.Verdict)}, []report.SuiteTest{
		{Name: "t", File: "t.yaml", SummaryFile: "t.json", Pass: sum.Pass, Verdict: sum.Verdict, Summary: sum}})
	if err := os.MkdirAll(results, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := writeJSON(filepath.Join(results, "t.json"), sum); err != nil {
		t.Fatal(err)
	}
	if err := writeSuiteResults(results, suite); err != nil {
		t.Fatal(err)
	}
	page := filepath.Join(results, "load-test-report.html")
	if err := os.Remove(page); err != nil {
		t.Fatal(err)
	}
	code, _, stderr = runRamp(context.Background(), "report", results)
	if code != ExitPass {
		t.Fatalf("ramp report: exit %d\n%s", code, stderr)
	}
	if b, err := os.ReadFile(page); err != nil || !strings.Contains(string(b), "<svg") {
		t.Fatalf("ramp report did not re-render the page: %v", err)
	}
	// A directory with no summary.json is a clear error.
	if code, _, stderr := runRamp(context.Background(), "report", dir); code != ExitUsage || !strings.Contains(stderr, "summary.json") {
		t.Fatalf("ramp report on a bare directory: exit %d\n%s", code, stderr)
	}
}

// Asking a command for its help is not a usage error: the help goes to stdout, exit 0.
func TestHelpExitsZero(t *testing.T) {
	for _, cmd := range []string{"run", "suite", "merge", "setup"} {
		code, stdout, stderr := runRamp(context.Background(), cmd, "--help")
		if code != ExitPass || !strings.Contains(stdout, "Usage:\n  ramp "+cmd) {
			t.Errorf("ramp %s --help: exit %d\n%s\n%s", cmd, code, stdout, stderr)
		}
	}
}
