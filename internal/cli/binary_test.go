package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// The ramp binary the command-line tests run, built once per test binary (the first test
// that needs it builds it; TestMain removes it).
var (
	rampBin     string
	rampBinErr  error
	rampBinOnce sync.Once
	rampBinDir  string
)

// rampBinary builds ./cmd/ramp once and returns its path.
func rampBinary(t *testing.T) string {
	t.Helper()
	rampBinOnce.Do(func() {
		rampBinDir, rampBinErr = os.MkdirTemp("", "ramp-bin-")
		if rampBinErr != nil {
			return
		}
		rampBin = filepath.Join(rampBinDir, "ramp")
		cmd := exec.Command("go", "build", "-o", rampBin, "../../cmd/ramp")
		if out, err := cmd.CombinedOutput(); err != nil {
			rampBinErr = errors.New(string(out))
		}
	})
	if rampBinErr != nil {
		t.Fatalf("go build ./cmd/ramp: %v", rampBinErr)
	}
	return rampBin
}

// execRamp runs the built binary with args and returns its exit code, stdout and stderr.
func execRamp(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, rampBinary(t), args...)
	cmd.Dir = t.TempDir()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		return exit.ExitCode(), stdout.String(), stderr.String()
	case err != nil:
		t.Fatalf("ramp %s: %v", strings.Join(args, " "), err)
	}
	return 0, stdout.String(), stderr.String()
}

// A scenario for the flag tests: a short constant rate against the test's server, with a
// check, a threshold, a threshold on a sub-metric and k6's empty list that only shows one.
const flagsScenario = `
scenarios:
  constant:
    executor: constant-arrival-rate
    rate: 20
    timeUnit: 1s
    duration: ${DURATION:-1s}
    preAllocatedVUs: 5
    maxVUs: 10
flows:
  default:
    - request:
        name: root
        url: ${BASE_URL}/
        checks:
          - status: 200
thresholds:
  http_req_failed: ["rate<0.01"]
  "http_req_duration{name:root}": ["p(95)<5000"]
  "http_reqs{scenario:constant}": []
`

// Every flag of issue 14, through the built binary: help, did-you-mean, completion, version,
// k6's shortcuts (through inspect and a run), the outputs and their layouts, and the errors a
// bad value gets (exit 2, nothing sent).
func TestFlagsThroughBinary(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("X-Served-By", "flags-test")
		w.Write([]byte("hello from the target\n"))
	}))
	defer srv.Close()
	file := writeScenario(t, flagsScenario)
	dir := t.TempDir()
	base := []string{"run", file, "--base-url", srv.URL, "--no-color"}
	path := func(name string) string { return filepath.Join(dir, name) }
	with := func(extra ...string) []string { return append(append([]string(nil), base...), extra...) }
	inspect := func(extra ...string) []string {
		return append([]string{"inspect", file, "-e", "BASE_URL=" + srv.URL}, extra...)
	}

	tests := []struct {
		name   string
		args   []string
		code   int
		stdout []string // fragments stdout must hold
		stderr []string // fragments stderr must hold
		not    []string // fragments neither may hold
		check  func(t *testing.T, stdout string)
	}{
		// Help, for every command, exits 0 and shows examples.
		{name: "run --help", args: []string{"run", "--help"}, stdout: []string{"Usage:\n  ramp run FILE", "Examples:", "--vus", "--stage", "--summary-format", "--http-debug"}},
		{name: "root --help", args: []string{"--help"}, stdout: []string{"Available Commands:", "inspect", "completion"}},
		{name: "help run", args: []string{"help", "run"}, stdout: []string{"ramp run FILE"}},
		{name: "inspect -h", args: []string{"inspect", "-h"}, stdout: []string{"ramp inspect FILE", "--json"}},
		{name: "suite --help", args: []string{"suite", "--help"}, stdout: []string{"--parallelism"}},
		{name: "merge --help", args: []string{"merge", "--help"}, stdout: []string{"--summary-format"}},
		{name: "validate --help", args: []string{"validate", "--help"}, stdout: []string{"-e, --env"}},
		{name: "k8s --help", args: []string{"k8s", "--help"}, stdout: []string{"--storage-class"}},
		{name: "setup --help", args: []string{"setup", "--help"}, stdout: []string{"--out"}},
		{name: "report --help", args: []string{"report", "--help"}, stdout: []string{"RESULTS_DIR"}},
		{name: "compare --help", args: []string{"compare", "--help"}, stdout: []string{"ramp compare BASELINE CURRENT", "--budget", "Examples:"}},
		{name: "capacity --help", args: []string{"capacity", "--help"}, stdout: []string{"ramp capacity FILE", "--hold", "Examples:"}},
		{name: "compare mistyped flag", args: []string{"compare", "a", "b", "--min-chnage", "5%"}, code: ExitUsage, stderr: []string{"did you mean --min-change?"}},
		{name: "suite --baseline in help", args: []string{"suite", "--help"}, stdout: []string{"--baseline", "--save-baseline", "--metrics-addr"}},
		{name: "no command", args: []string{}, code: ExitUsage, stderr: []string{"Available Commands:"}},
		// One time-scale rule for run and suite.
		{name: "suite negative --time-scale", args: []string{"suite", "--time-scale", "-1"}, code: ExitUsage, stderr: []string{"--time-scale -1: must be positive"}},
		{name: "suite --quick with --time-scale", args: []string{"suite", "--quick", "--time-scale", "0.5"}, code: ExitUsage, stderr: []string{"exclusive"}},
		{name: "run negative --time-scale", args: with("--time-scale", "-1"), code: ExitUsage, stderr: []string{"--time-scale -1: must be positive"}},
		// Did-you-mean for commands and flags.
		{name: "mistyped command", args: []string{"rnu"}, code: ExitUsage, stderr: []string{`unknown command "rnu"`, "Did you mean this?", "run"}},
		{name: "mistyped flag", args: with("--vu", "2"), code: ExitUsage, stderr: []string{"unknown flag: --vu; did you mean --vus?"}},
		{name: "mistyped flag with =", args: with("--summary-exprt=x.json"), code: ExitUsage, stderr: []string{"did you mean --summary-export?"}},
		{name: "single-dash long flag", args: with("-quick"), code: ExitUsage, stderr: []string{"did you mean --quick? (long flags take two dashes)"}},
		// Shell completion.
		{name: "completion bash", args: []string{"completion", "bash"}, stdout: []string{"bash completion", "__start_ramp"}},
		{name: "completion zsh", args: []string{"completion", "zsh"}, stdout: []string{"#compdef ramp"}},
		{name: "completion fish", args: []string{"completion", "fish"}, stdout: []string{"complete -c ramp"}},
		{name: "completes a flag's values", args: []string{"__complete", "run", "--summary-format", ""}, stdout: []string{"strategy\nk6\n"}},
		{name: "completes scenario files", args: []string{"__complete", "run", ""}, stdout: []string{"yaml\nyml\n"}},
		{name: "completes flags", args: []string{"__complete", "run", "--no-"}, stdout: []string{"--no-summary", "--no-color"}},
		// Version, commit, Go and platform.
		{name: "version", args: []string{"version"}, stdout: []string{"ramp ", "commit", "go       " + runtime.Version(), "platform " + runtime.GOOS + "/" + runtime.GOARCH}},
		{name: "--version", args: []string{"--version"}, stdout: []string{"ramp "}},
		// k6's shortcuts replace the scenarios with "default", as inspect shows.
		{name: "inspect the file", args: inspect("-e", "DURATION=3s"), stdout: []string{"constant  constant-arrival-rate  default  0s     3s   20/1s (20/s) for 3s, VUs 5–10", "http_reqs{scenario:constant}: [] (shown in the summary, judges nothing)"}},
		{name: "--vus --duration", args: inspect("--vus", "3", "--duration", "2s", "--json"), check: func(t *testing.T, out string) {
			sc := inspected(t, out)
			if sc.Name != "default" || sc.Executor != "constant-vus" || sc.VUs != 3 || sc.Duration != "2s" || sc.Exec != "default" {
				t.Errorf("want default constant-vus 3 VUs for 2s, got %+v", sc)
			}
		}},
		{name: "-u -d shorthands", args: inspect("-u", "4", "-d", "1m"), stdout: []string{"default   constant-vus  default  0s     1m0s  4 VUs for 1m0s"}},
		{name: "--iterations", args: inspect("--iterations", "10", "--vus", "2", "--duration", "5s"), stdout: []string{"shared-iterations", "10 iterations shared by 2 VUs, max 5s"}},
		{name: "--iterations alone", args: inspect("-i", "7"), stdout: []string{"7 iterations shared by 1 VUs, max 10m0s"}},
		{name: "--stage repeated, --quick", args: inspect("--stage", "10s:5", "-s", "20s:0", "--vus", "2", "--quick", "--json"), check: func(t *testing.T, out string) {
			sc := inspected(t, out)
			if sc.Executor != "ramping-vus" || sc.StartVUs != 2 || len(sc.Stages) != 2 ||
				sc.Stages[0].Duration != "500ms" || sc.Stages[0].Target != 5 || sc.Stages[1].Duration != "1s" {
				t.Errorf("want ramping-vus from 2 through 500ms→5, 1s→0, got %+v", sc)
			}
		}},
		{name: "--vus alone", args: inspect("--vus", "3"), code: ExitUsage, stderr: []string{"--vus needs --duration, --iterations or --stage"}},
		{name: "--stage with --duration", args: inspect("--stage", "1s:1", "--duration", "1s"), code: ExitUsage, stderr: []string{"exclusive"}},
		{name: "--stage malformed", args: inspect("--stage", "10"), code: ExitUsage, stderr: []string{"--stage 10: want DURATION:TARGET"}},
		{name: "--duration malformed", args: inspect("--duration", "soon"), code: ExitUsage, stderr: []string{`invalid argument "soon" for "-d, --duration"`}},
		// A run with the shortcuts, tags, repeated -o, k6's summary layout, JUnit and Markdown.
		{name: "shortcut run with outputs", args: with("--vus", "2", "--iterations", "6", "--tag", "env=ci", "-e", "X=1", "--env", "Y=2",
			"-o", "json="+path("a.ndjson"), "--out", "json="+path("b.ndjson"), "--summary-export", path("k6.json"), "--summary-format", "k6",
			"--summary-trend-stats", "avg,p(99),count", "--junit", path("junit.xml"), "--markdown", path("summary.md")),
			stdout: []string{"THRESHOLDS", "PASS"}, check: func(t *testing.T, _ string) {
				for _, name := range []string{"a.ndjson", "b.ndjson"} {
					b, err := os.ReadFile(path(name))
					reqs := 0
					for _, l := range strings.Split(string(b), "\n") {
						if strings.Contains(l, `"type":"Point"`) && strings.HasSuffix(l, `"metric":"http_reqs"}`) &&
							strings.Contains(l, `"env":"ci"`) && strings.Contains(l, `"scenario":"default"`) {
							reqs++
						}
					}
					if err != nil || reqs != 6 {
						t.Errorf("--out json=%s: %d requests of scenario default tagged env=ci, want 6 (%v)", name, reqs, err)
					}
				}
				var k6 struct {
					Metrics map[string]map[string]any `json:"metrics"`
				}
				readJSON(t, path("k6.json"), &k6)
				d := k6.Metrics["http_req_duration"]
				if _, ok := d["p(99)"]; !ok || d["count"] != 6.0 || d["p(95)"] != nil {
					t.Errorf("--summary-trend-stats avg,p(99),count: http_req_duration is %v", d)
				}
				if j, err := os.ReadFile(path("junit.xml")); err != nil || !strings.Contains(string(j), "<testcase") {
					t.Errorf("--junit: %v\n%s", err, j)
				}
				if m, err := os.ReadFile(path("summary.md")); err != nil || !strings.Contains(string(m), "|") {
					t.Errorf("--markdown: %v\n%s", err, m)
				}
			}},
		{name: "--quiet hides the progress only", args: with("--quiet"), stdout: []string{"THRESHOLDS", "{scenario:constant}"}, not: []string{"VUs "}},
		{name: "--no-summary", args: with("--no-summary"), stdout: []string{"PASS  2 of 2 thresholds"}, not: []string{"THRESHOLDS"}},
		{name: "--http-debug", args: with("--http-debug", "--no-summary"), stderr: []string{"Request:\nGET " + srv.URL + "/", "X-Served-By: flags-test"}, not: []string{"hello from the target"}},
		{name: "--http-debug=full", args: with("--http-debug=full", "--no-summary"), stderr: []string{"Response:\nHTTP/1.1 200", "hello from the target"}},
		// Bad values: exit 2, nothing sent.
		{name: "--http-debug=all", args: with("--http-debug=all"), code: ExitUsage, stderr: []string{"--http-debug=all: want"}},
		{name: "--summary-format bogus", args: with("--summary-format", "k7"), code: ExitUsage, stderr: []string{`--summary-format "k7"`}},
		{name: "--summary-trend-stats bogus", args: with("--summary-trend-stats", "avg,p95"), code: ExitUsage, stderr: []string{`"p95"`}},
		{name: "--out bogus", args: with("-o", "influxdb=http://x"), code: ExitUsage, stderr: []string{"want json=PATH"}},
		{name: "shortcuts with a snapshot", args: with("--vus", "1", "--duration", "1s", "-o", "snapshot="+path("s.snap")), code: ExitUsage, stderr: []string{"cannot be used with --out snapshot="}},
		{name: "two files", args: with(file), code: ExitUsage, stderr: []string{"name exactly one scenario file (got 2)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := hits.Load()
			code, stdout, stderr := execRamp(t, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, stdout, stderr)
			}
			for _, f := range tt.stdout {
				if !strings.Contains(stdout, f) {
					t.Errorf("stdout lacks %q:\n%s", f, stdout)
				}
			}
			for _, f := range tt.stderr {
				if !strings.Contains(stderr, f) {
					t.Errorf("stderr lacks %q:\n%s", f, stderr)
				}
			}
			for _, f := range tt.not {
				if strings.Contains(stdout, f) || strings.Contains(stderr, f) {
					t.Errorf("output holds %q:\nstdout:\n%s\nstderr:\n%s", f, stdout, stderr)
				}
			}
			if tt.code == ExitUsage && hits.Load() != before {
				t.Errorf("a usage error sent %d requests", hits.Load()-before)
			}
			if tt.check != nil {
				tt.check(t, stdout)
			}
		})
	}
}

// inspected reads `ramp inspect --json` and returns its one scenario.
func inspected(t *testing.T, out string) inspectedScenario {
	t.Helper()
	var v inspection
	if err := json.Unmarshal([]byte(out), &v); err != nil || len(v.Scenarios) != 1 {
		t.Fatalf("inspect --json: %v\n%s", err, out)
	}
	return v.Scenarios[0]
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v\n%s", path, err, b)
	}
}

// The jq expressions a k6 user's CI runs on k6's --summary-export — tried first on k6's own
// documented export (testdata/k6-summary-export.json, from k6's "JSON output" page, with
// thresholds as k6 writes them) — read ramp's --summary-format k6 file the same way. The
// default --summary-export stays the strategy's schema.
func TestSummaryFormatK6Jq(t *testing.T) {
	jq, err := exec.LookPath("jq")
	if err != nil {
		t.Fatal("jq is not installed (scripts/test.sh installs it): apt-get install jq")
	}
	srv := okServer(t)
	file := writeScenario(t, flagsScenario)
	dir := t.TempDir()
	k6File, strategyFile := filepath.Join(dir, "k6.json"), filepath.Join(dir, "strategy.json")
	code, stdout, stderr := execRamp(t, "run", file, "--base-url", srv.URL, "-e", "DURATION=2s", "--quiet",
		"--summary-export", k6File, "--summary-format", "k6")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	if code, stdout, stderr = execRamp(t, "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--quiet",
		"--summary-export", strategyFile); code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	run := func(expr, path string) string {
		args := []string{"-e", "-r", expr, path}
		if strings.HasPrefix(expr, "value:") { // a value to compare, which may be false
			args = []string{"-r", strings.TrimPrefix(expr, "value:"), path}
		}
		out, err := exec.Command(jq, args...).CombinedOutput()
		if err != nil {
			t.Errorf("jq -e '%s' %s: %v\n%s", expr, filepath.Base(path), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	// Each expression holds on k6's own file and on ramp's: they are what CI scripts check.
	for _, expr := range []string{
		`.metrics.http_req_duration["p(95)"] < 800`,
		`.metrics.http_req_duration | (.avg and .min and .med and .max and ."p(90)" and ."p(95)") != null`,
		`.metrics.http_reqs.count > 0 and .metrics.http_reqs.rate > 0`,
		`.metrics.http_req_failed.value < 0.01`,
		`.metrics.checks.passes > 0 and .metrics.checks.fails == 0`,
		`.root_group.checks["status is 200"] | .passes > 0 and .fails == 0 and .path == "::status is 200" and .id == "6210a8cd14cd70477eba5c5e4cb3fb5f"`,
		`.root_group.id == "d41d8cd98f00b204e9800998ecf8427e"`,
		// No threshold failed: k6 writes each threshold as {EXPRESSION: failed}.
		`[.metrics[] | .thresholds // {} | .[]] | any | not`,
		`.metrics.vus | .value != null and .min != null and .max != null`,
	} {
		run(expr, filepath.Join("testdata", "k6-summary-export.json"))
		run(expr, k6File)
	}
	// ramp's own figures, where k6 puts them.
	if got := run(`.metrics.http_reqs.count`, k6File); got != "40" {
		t.Errorf("http_reqs.count = %s, want the 40 requests of 20/s for 2s", got)
	}
	if got := run(`value:.metrics["http_req_duration{name:root}"].thresholds["p(95)<5000"]`, k6File); got != "false" {
		t.Errorf("a threshold that held is false (not failed) in k6's layout, got %s", got)
	}
	// The empty list shows its sub-metric, judging nothing.
	if got := run(`.metrics["http_reqs{scenario:constant}"] | [.count, has("thresholds")] | @csv`, k6File); got != "40,false" {
		t.Errorf(`http_reqs{scenario:constant}: [] shows as %s, want 40 requests and no thresholds`, got)
	}
	// The default layout is the strategy's.
	if got := run(`.metrics.response_times.p95 != null and .verdict == "pass"`, strategyFile); got != "true" {
		t.Errorf("the default --summary-export is not the strategy's schema: %s", got)
	}
}
