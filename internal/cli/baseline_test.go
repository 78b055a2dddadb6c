package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/report"
)

// TestSuiteBaseline: a suite run saved as the baseline, then run again with --baseline: the
// comparison is in summary.json, summary.md, junit.xml and the HTML report; the results
// folder's index.json holds both runs, and the HTML report shows their trend. A second
// run of the same file passes; one at half the rate breaks its budget "rate > -5%" and fails.
func TestSuiteBaseline(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	dir := t.TempDir()
	host := strings.TrimPrefix(srv.URL, "http://")
	write := func(rate int, budget string) {
		src := fmt.Sprintf(`
options: { hosts: ["%s"] }
scenarios:
  s: { executor: constant-arrival-rate, rate: %d, timeUnit: 1s, duration: 10s, preAllocatedVUs: 5, maxVUs: 50 }
flows:
  default:
    - request: { name: home, url: "%s/" }
thresholds:
  http_req_failed: ["rate<0.5"]
regressions:
  http_reqs: ["%s"]
`, host, rate, srv.URL, budget)
		if err := os.WriteFile(filepath.Join(dir, "01-tiny.yaml"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(50, "rate > -5%")
	folder := t.TempDir()
	baseline := filepath.Join(t.TempDir(), "baseline")
	suite := func(results string, extra ...string) (int, string) {
		args := append([]string{"suite", dir, "--base-url", srv.URL, "--time-scale", "0.1", "--cooldown", "0s",
			"--results", filepath.Join(folder, results), "--quiet", "--no-color"}, extra...)
		code, stdout, stderr := runRamp(context.Background(), args...)
		return code, stdout + stderr
	}
	if code, out := suite("run-1", "--save-baseline", baseline); code != ExitPass {
		t.Fatalf("first run: exit %d\n%s", code, out)
	}
	if code, out := suite("run-2", "--baseline", baseline); code != ExitPass {
		t.Fatalf("same server against its baseline: exit %d\n%s", code, out)
	}
	res := filepath.Join(folder, "run-2")
	var s report.Suite
	b, _ := os.ReadFile(filepath.Join(res, "summary.json"))
	if err := json.Unmarshal(b, &s); err != nil || s.Comparison == nil || len(s.Comparison.Rows) == 0 {
		t.Fatalf("summary.json has no comparison: %v", err)
	}
	for file, want := range map[string]string{
		"summary.md":            "Comparison with the baseline",
		"junit.xml":             `name="comparison with the baseline"`,
		"load-test-report.html": `id="comparison"`,
		"01-tiny.json":          `"comparison"`,
	} {
		b, _ := os.ReadFile(filepath.Join(res, file))
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q", file, want)
		}
	}
	html, _ := os.ReadFile(filepath.Join(res, "load-test-report.html"))
	if !strings.Contains(string(html), `id="trend"`) || !strings.Contains(string(html), "p95 across runs") {
		t.Error("the HTML report shows no trend across the two runs")
	}
	var index struct{ Runs []report.HistoryEntry }
	b, _ = os.ReadFile(filepath.Join(folder, "index.json"))
	if err := json.Unmarshal(b, &index); err != nil || len(index.Runs) != 2 || index.Runs[1].Results != "run-2" ||
		len(index.Runs[1].Tests) != 1 || index.Runs[1].Tests[0].RPS <= 0 {
		t.Fatalf("index.json: %v %s", err, b)
	}
	// ramp report re-renders run-2 with its trend (run-1 and run-2).
	if err := os.Remove(filepath.Join(res, "load-test-report.html")); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runRamp(context.Background(), "report", res); code != ExitPass {
		t.Fatalf("ramp report: %d %s %s", code, out, errOut)
	}
	html, _ = os.ReadFile(filepath.Join(res, "load-test-report.html"))
	if !strings.Contains(string(html), `id="trend"`) || !strings.Contains(string(html), `id="comparison"`) {
		t.Error("ramp report lost the trend or the comparison")
	}
	// Half the throughput: "rate > -5%" breaks.
	write(25, "rate > -5%")
	code, out := suite("run-3", "--baseline", baseline)
	if code != ExitFail || !strings.Contains(out, "regression") {
		t.Fatalf("half the throughput: exit %d, want 1\n%s", code, out)
	}
	// A baseline that is not one stops the suite before any load.
	if code, out := suite("run-4", "--baseline", t.TempDir()); code != ExitUsage {
		t.Fatalf("empty baseline directory: exit %d, want 2\n%s", code, out)
	}
}
