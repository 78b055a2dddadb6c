package cli

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The verdict cases that once said PASS for runs that proved nothing, each through `ramp run`
// against a real server: the exit code, and the verdict in the summary JSON.

// runVerdict runs file against url with extra arguments and returns the exit code, stdout and
// the summary JSON as written.
func runVerdict(t *testing.T, file, url string, args ...string) (int, string, map[string]any, *summaryView) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "s.json")
	all := append([]string{"run", file, "--base-url", url, "--no-color", "--summary-export", path}, args...)
	code, stdout, stderr := runRamp(context.Background(), all...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("exit %d, no summary: %v\n%s\n%s", code, err, stdout, stderr)
	}
	var raw map[string]any
	var view summaryView
	if err := json.Unmarshal(b, &raw); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &view); err != nil {
		t.Fatal(err)
	}
	return code, stdout, raw, &view
}

// summaryView is what these tests read of the summary JSON.
type summaryView struct {
	Pass           bool   `json:"pass"`
	Verdict        string `json:"verdict"`
	VerdictReasons []struct {
		Status, Text string
	} `json:"verdict_reasons"`
	Metrics struct {
		SLOCompliance map[string]*bool `json:"slo_compliance"`
	} `json:"metrics"`
	Thresholds []struct{ Status string } `json:"thresholds"`
	Criteria   []struct{ Name, Result, Detail string }
}

func (s *summaryView) why() string {
	var parts []string
	for _, r := range s.VerdictReasons {
		parts = append(parts, r.Status+": "+r.Text)
	}
	return strings.Join(parts, "\n")
}

// wantVerdict checks the exit code and the verdict, and that pass is true only for pass.
func wantVerdict(t *testing.T, code int, s *summaryView, wantCode int, want, reason, stdout string) {
	t.Helper()
	if code != wantCode || s.Verdict != want {
		t.Fatalf("exit %d verdict %q, want %d %q; reasons:\n%s\n%s", code, s.Verdict, wantCode, want, s.why(), stdout)
	}
	if s.Pass != (want == "pass") {
		t.Errorf("pass = %v with verdict %s", s.Pass, s.Verdict)
	}
	if reason != "" && !strings.Contains(s.why(), reason) {
		t.Errorf("reasons do not say %q:\n%s", reason, s.why())
	}
	if want != "pass" && strings.Contains(stdout, "PASS") {
		t.Errorf("the text summary says PASS for a %s run:\n%s", want, stdout)
	}
}

// A target that answers too slowly for the VUs allowed: most iterations are dropped, the
// thresholds on what did run hold — and the run proves nothing: inconclusive, exit 4.
func TestVerdictLoadNotDeliveredIsInconclusive(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	defer srv.Close()
	file := writeScenario(t, constantRate)
	code, stdout, _, s := runVerdict(t, file, srv.URL, "-e", "RATE=50", "-e", "VUS=2", "-e", "MAXVUS=2")
	wantVerdict(t, code, s, ExitInconclusive, "inconclusive", "intended load not delivered", stdout)
	if !strings.Contains(stdout, "INCONCLUSIVE") {
		t.Errorf("the text summary does not say INCONCLUSIVE:\n%s", stdout)
	}
}

// A threshold on a sub-metric no request fed (a tag the file does not set statically, so
// validation cannot catch it) has no data: never met, the run inconclusive.
func TestVerdictThresholdWithoutDataIsInconclusive(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate+`  "http_req_duration{status:503}": ["p(95)<800"]
`)
	code, stdout, _, s := runVerdict(t, file, srv.URL, "-e", "DURATION=1s")
	wantVerdict(t, code, s, ExitInconclusive, "inconclusive", "no data", stdout)
	if got := s.Thresholds[1].Status; got != "no data" {
		t.Errorf("threshold status %q, want no data", got)
	}
	if strings.Contains(stdout, "✓ http_req_duration{status:503}") {
		t.Errorf("the text summary marks a threshold without data as met:\n%s", stdout)
	}
}

// A counter that counted nothing counted zero: "no 5xx" holds and the run passes.
func TestVerdictCounterZeroIsData(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate+`  "http_reqs{status:500}": ["count<1"]
`)
	code, stdout, _, s := runVerdict(t, file, srv.URL, "-e", "DURATION=1s")
	wantVerdict(t, code, s, ExitPass, "pass", "", stdout)
}

// A criterion on PostgreSQL deadlocks in a run without a PostgreSQL monitor is skipped — listed
// with why, never counted as met — and one whose configured monitor delivered nothing has no
// data: inconclusive.
func TestVerdictCriteriaSkippedAndNoData(t *testing.T) {
	srv := okServer(t)
	gone := httptest.NewServer(http.NotFoundHandler())
	gone.Close() // a /metrics that refuses
	file := writeScenario(t, constantRate+`criteria:
  - { name: no deadlocks, rule: max, series: db.deadlocks, fail: 0 }
`)
	code, stdout, _, s := runVerdict(t, file, srv.URL, "-e", "DURATION=1s")
	wantVerdict(t, code, s, ExitPass, "pass", "", stdout)
	if c := s.Criteria[0]; c.Result != "skipped" || !strings.Contains(c.Detail, "no monitor db") {
		t.Errorf("criterion %+v: want skipped, saying no monitor db runs", c)
	}
	if !strings.Contains(stdout, "1 of 1 thresholds and 0 of 0 criteria met") {
		t.Errorf("the verdict line counts a skipped criterion:\n%s", stdout)
	}

	file = writeScenario(t, constantRate+`criteria:
  - { name: pool, rule: max, series: app.db_waits, fail: 1 }
monitors:
  - { name: app, kind: prometheus, url: "`+gone.URL+`/metrics", series: [ { name: db_waits, metric: x_total } ] }
`)
	code, stdout, _, s = runVerdict(t, file, srv.URL, "-e", "DURATION=1s")
	wantVerdict(t, code, s, ExitInconclusive, "inconclusive", `criterion "pool"`, stdout)
	if c := s.Criteria[0]; c.Result != "no data" {
		t.Errorf("criterion %+v: want no data", c)
	}
}

// slo_compliance is null for a target the file does not state, and a stated one is judged.
func TestVerdictSLOComplianceNullWhenNotStated(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate)
	_, _, raw, _ := runVerdict(t, file, srv.URL, "-e", "DURATION=1s")
	c := raw["metrics"].(map[string]any)["slo_compliance"].(map[string]any)
	for _, k := range []string{"p50_met", "p95_met", "p99_met"} {
		if c[k] != nil {
			t.Errorf("%s = %v for a target the file does not state, want null", k, c[k])
		}
	}
	if c["error_rate_met"] != true {
		t.Errorf("error_rate_met = %v for http_req_failed rate<0.01 held, want true", c["error_rate_met"])
	}
}

// --quick compresses criteria windows with the run: "p95 above 50 ms for more than 10 s"
// could never trip in a 3-second run with the windows as written; compressed 20 times, it
// judges the same windows as the full minute and fails.
func TestVerdictQuickScalesCriteriaWindows(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(80 * time.Millisecond)
	}))
	defer srv.Close()
	file := writeScenario(t, constantRate+`criteria:
  - { name: latency, rule: windowed, metric: http_req_duration, aggregate: p(95), window: 1s, condition: "<50", for: 10s }
`)
	code, stdout, _, s := runVerdict(t, file, srv.URL, "-e", "RATE=40", "-e", "DURATION=60s", "--quick")
	wantVerdict(t, code, s, ExitFail, "fail", `criterion "latency" failed`, stdout)
}

// An interrupted run says so and never passes.
func TestVerdictInterrupted(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate)
	path := filepath.Join(t.TempDir(), "s.json")
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	code, stdout, _ := runRamp(ctx, "run", file, "--base-url", srv.URL, "-e", "DURATION=60s", "--summary-export", path, "--no-color")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s summaryView
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	wantVerdict(t, code, &s, ExitInterrupted, "interrupted", "interrupted by the user", stdout)
}

// --quiet --no-summary prints no progress and no summary, but still the one-line verdict.
func TestQuietPrintsVerdictLine(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--quiet", "--no-summary", "--no-color")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if got := strings.TrimSpace(stdout); got != "PASS  1 of 1 thresholds and 0 of 0 criteria met" {
		t.Errorf("--quiet --no-summary printed %q, want only the verdict line", got)
	}
	// --quiet alone hides the progress only, as k6's -q does: the summary still prints.
	code, stdout, stderr = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--quiet", "--no-color")
	if code != ExitPass || !strings.Contains(stdout, "THRESHOLDS") || strings.Contains(stdout, "VUs ") {
		t.Errorf("--quiet: exit %d, want the summary without progress:\n%s\n%s", code, stdout, stderr)
	}
}

// An output path that cannot be written is found before any load: exit 2, naming the flag.
func TestUnwritableOutputFoundBeforeLoad(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	file := writeScenario(t, constantRate)
	blocker := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(blocker, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, flag := range []string{"--summary-export", "--report", "--out"} {
		path := filepath.Join(blocker, "out.json") // a regular file as a directory: unwritable even for root
		arg := path
		if flag == "--out" {
			arg = "json=" + path
		}
		code, _, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, flag, arg)
		if code != ExitUsage || !strings.Contains(stderr, flag) {
			t.Errorf("%s %s: exit %d, want 2 naming the flag:\n%s", flag, arg, code, stderr)
		}
	}
	if hits.Load() != 0 {
		t.Errorf("%d requests were sent before the outputs were checked", hits.Load())
	}
}
