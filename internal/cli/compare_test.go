package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/report"
)

// compareScenario loads three endpoints at a constant arrival rate (so that a slower
// endpoint does not lower the others' throughput): 20 s of the file's time, run at
// --time-scale 0.1, give 2 s of load in 100 ms windows.
const compareScenario = `
data:
  users: { file: "${TOKENS_CSV}", mode: random }
scenarios:
  s: { executor: constant-arrival-rate, rate: 60, timeUnit: 1s, duration: "${DURATION:-20s}", preAllocatedVUs: 20, maxVUs: 200 }
flows:
  default:
    - request: { name: meetings_list, url: "${BASE_URL}/api/meetings", headers: { Authorization: "Bearer ${users.token}" } }
    - request: { name: tasks_list, url: "${BASE_URL}/api/tasks", headers: { Authorization: "Bearer ${users.token}" } }
    - request: { name: dashboard, url: "${BASE_URL}/api/analytics/dashboard", headers: { Authorization: "Bearer ${users.token}" } }
thresholds:
  http_req_failed: ["rate<0.01"]
`

// compareRun runs the comparison scenario against a mina and returns its summary's path.
func compareRun(t *testing.T, file string, srv *minaServer, out string, vars ...string) string {
	t.Helper()
	args := []string{"run", file, "--base-url", srv.baseURL, "-e", "TOKENS_CSV=" + srv.tokensCSV,
		"--time-scale", "0.1", "--summary-export", out, "--out", "snapshot=" + out + ".snap", "--quiet", "--no-color"}
	for _, v := range vars {
		args = append(args, "-e", v)
	}
	code, stdout, stderr := runRamp(context.Background(), args...)
	if code == ExitUsage {
		t.Fatalf("run exit 2: %s", stderr)
	}
	if code == ExitInconclusive && generatorOnly(readSummary(t, out)) {
		// This machine is shared: a run whose generator fell behind still measured, and the
		// comparison is what is tested here.
		t.Logf("run %s: generator overloaded on this machine (%v)", filepath.Base(out), readSummary(t, out).VerdictReasons)
		return out
	}
	if code != ExitPass {
		t.Fatalf("run exit %d\n%s\n%s\n%v", code, stdout, stderr, readSummary(t, out).VerdictReasons)
	}
	return out
}

// TestCompareFindsInjectedLatencyOnItsEndpointOnly: a run against mina, then against a mina
// that adds 5 ms to /api/meetings: the comparison names meetings_list, no other endpoint,
// and exits 1.
func TestCompareFindsInjectedLatencyOnItsEndpointOnly(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mina")
	}
	t.Setenv("MINA_CACHE_TTL", "10m") // see TestCompareSameBuildNoRegression
	t.Setenv("MINA_TOKEN_TTL", "10m")
	clean, err := startMina(context.Background(), minaConfig{users: 3, meetings: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer clean.stop()
	slow, err := startMina(context.Background(), minaConfig{users: 3, meetings: 20,
		extraArgs: []string{"--inject-latency", "5ms", "--inject-route", "/api/meetings"}})
	if err != nil {
		t.Fatal(err)
	}
	defer slow.stop()
	dir := t.TempDir()
	file := writeScenario(t, compareScenario)
	// The first run of a fresh server warms it (connections, caches, the heap).
	compareRun(t, file, clean, filepath.Join(dir, "warm.json"))
	compareRun(t, file, slow, filepath.Join(dir, "warm-slow.json"))
	base := compareRun(t, file, clean, filepath.Join(dir, "base.json"))
	cur := compareRun(t, file, slow, filepath.Join(dir, "cur.json"))

	code, stdout, stderr := runRamp(context.Background(), "compare", base, cur, "--format", "json")
	if code != ExitFail {
		t.Fatalf("compare exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	var res compare.Result
	if err := json.Unmarshal([]byte(stdout), &res); err != nil {
		t.Fatal(err)
	}
	endpoints := map[string]bool{}
	for _, r := range res.Regressions() {
		if strings.Contains(r.Metric, "{name:") {
			endpoints[r.Metric] = true
		}
	}
	if !endpoints["http_req_duration{name:meetings_list}"] || len(endpoints) != 1 {
		t.Fatalf("regressed endpoints %v, want http_req_duration{name:meetings_list} only\n%s", endpoints, stdout)
	}
	// Per stage too (shown, not gated): the scenario's one stage moved.
	staged := false
	for _, r := range res.Rows {
		if r.Stage != "" && r.Metric == "http_req_duration{scenario:s}" && r.Stat == "med" && r.P != nil {
			staged = true
		}
	}
	if !staged {
		t.Errorf("no stage row for http_req_duration{scenario:s}")
	}
	// The run snapshots compare as their summaries do.
	code, stdout, stderr = runRamp(context.Background(), "compare", base+".snap", cur+".snap", "--format", "json")
	if code != ExitFail || !strings.Contains(stdout, `"http_req_duration{name:meetings_list}"`) {
		t.Errorf("snapshots: exit %d, want 1\n%s\n%s", code, tail(stdout, 20), stderr)
	}
	// The text and Markdown forms say the same.
	_, text, _ := runRamp(context.Background(), "compare", base, cur)
	if !strings.Contains(text, "http_req_duration{name:meetings_list}") || !strings.Contains(text, "regression") || !strings.Contains(text, "FAIL") {
		t.Errorf("text comparison:\n%s", text)
	}
	_, md, _ := runRamp(context.Background(), "compare", base, cur, "--format", "markdown")
	if !strings.Contains(md, "❌ regression") {
		t.Errorf("markdown comparison:\n%s", md)
	}
	// A budget wider than the change is no regression for that row.
	code, stdout, _ = runRamp(context.Background(), "compare", base, cur,
		"--budget", "http_req_duration{name:meetings_list}: p(95) < +100000%")
	if code != ExitPass {
		t.Errorf("with a wide budget: exit %d\n%s", code, stdout)
	}
}

// TestCompareSameBuildNoRegression: ten pairs of short runs against one mina report no
// regression — consecutive runs of one sequence of eleven, each the baseline of the next —
// and most of them pass outright.
func TestCompareSameBuildNoRegression(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mina")
	}
	// mina's caches expire every 30 s (reads) and 10 s (tokens), and the reads that miss
	// are slower: real changes of the target between runs, which the comparison rightly
	// sees. Ten minutes keeps the target the same through the test.
	t.Setenv("MINA_CACHE_TTL", "10m")
	t.Setenv("MINA_TOKEN_TTL", "10m")
	srv, err := startMina(context.Background(), minaConfig{users: 3, meetings: 20})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	dir := t.TempDir()
	file := writeScenario(t, compareScenario)
	compareRun(t, file, srv, filepath.Join(dir, "warm.json"))
	var runs []string
	for i := range 11 {
		runs = append(runs, compareRun(t, file, srv, filepath.Join(dir, fmt.Sprintf("run-%d.json", i)), "DURATION=12s"))
	}
	passed := 0
	for i := 1; i < len(runs); i++ {
		code, stdout, stderr := runRamp(context.Background(), "compare", runs[i-1], runs[i])
		switch code {
		case ExitPass:
			passed++
		case ExitInconclusive:
			// A change beyond a budget that the windows do not show to be real (the p95 of
			// the six requests an endpoint gets in 100 ms is their maximum, and noisy): not a
			// regression, and not a pass either.
			t.Logf("pair %d: inconclusive\n%s", i, tail(stdout, 4))
		default:
			t.Errorf("pair %d: exit %d, want no regression (same build)\n%s\n%s", i, code, stdout, stderr)
		}
	}
	if passed < 7 {
		t.Errorf("%d of 10 same-build pairs passed; want most", passed)
	}
}

// TestCompareNothingToCompareIsInconclusive: summaries without windows (a run too short to
// test) are not a pass.
func TestCompareNothingToCompareIsInconclusive(t *testing.T) {
	t.Parallel()
	srv := okServer(t)
	file := writeScenario(t, fmt.Sprintf(`
options: { hosts: ["%s"] }
scenarios:
  s: { executor: per-vu-iterations, vus: 1, iterations: 2 }
flows:
  default:
    - request: { url: "%s/" }
thresholds:
  http_req_failed: ["rate<0.01"]
`, strings.TrimPrefix(srv.URL, "http://"), srv.URL))
	dir := t.TempDir()
	for _, n := range []string{"a", "b"} {
		if code, out, errOut := runRamp(context.Background(), "run", file, "--summary-export", filepath.Join(dir, n+".json"), "--quiet"); code != ExitPass {
			t.Fatalf("run: %d %s %s", code, out, errOut)
		}
	}
	code, stdout, stderr := runRamp(context.Background(), "compare", filepath.Join(dir, "a.json"), filepath.Join(dir, "b.json"))
	if code != ExitInconclusive {
		t.Fatalf("exit %d, want 4\n%s\n%s", code, stdout, stderr)
	}
	if code, _, _ := runRamp(context.Background(), "compare", filepath.Join(dir, "a.json"), filepath.Join(dir, "nope.json")); code != ExitUsage {
		t.Errorf("a missing file: exit %d, want 2", code)
	}
}

// generatorOnly reports whether a summary's only non-pass reasons are the generator's own.
func generatorOnly(s *report.Summary) bool {
	for _, r := range s.VerdictReasons {
		if !strings.HasPrefix(r.Text, "generator overloaded") {
			return false
		}
	}
	return len(s.VerdictReasons) > 0
}
