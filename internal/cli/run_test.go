package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/report"
)

// TestMain lets the test binary act as the ramp command when a test starts it as a child
// (the embedded mina of `ramp suite` is `<own binary> mina serve`).
func TestMain(m *testing.M) {
	if os.Getenv(asRampEnv) == "1" {
		os.Exit(Run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
	}
	code := m.Run()
	if rampBinDir != "" {
		os.RemoveAll(rampBinDir)
	}
	os.Exit(code)
}

// writeScenario writes a scenario file into a temporary directory and returns its path.
func writeScenario(t *testing.T, body string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "test.yaml")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// runRamp runs the ramp command in-process and returns its exit code and output.
func runRamp(ctx context.Context, args ...string) (int, string, string) {
	var stdout, stderr bytes.Buffer
	code := Run(ctx, args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func readSummary(t *testing.T, path string) *report.Summary {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatalf("summary %s: %v", path, err)
	}
	return &s
}

func okServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	}))
	t.Cleanup(srv.Close)
	return srv
}

const constantRate = `
scenarios:
  constant:
    executor: constant-arrival-rate
    rate: ${RATE:-100}
    timeUnit: 1s
    duration: ${DURATION:-2s}
    preAllocatedVUs: ${VUS:-10}
    maxVUs: ${MAXVUS:-50}
flows:
  default:
    - request:
        name: root
        url: ${BASE_URL}/
        checks:
          - status: 200
thresholds:
  http_req_failed: ["rate<0.01"]
`

// The seed's JSON schema exactly, plus ramp's extensions; the NDJSON stream holds one
// http_reqs point per request.
func TestRunSummaryAndNDJSON(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=200",
		"--summary-export", filepath.Join(dir, "summary.json"), "--out", "json="+filepath.Join(dir, "samples.ndjson"), "--no-color")
	if code != ExitPass {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		t.Fatal(err)
	}
	var generic map[string]any
	if err := json.Unmarshal(raw, &generic); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"timestamp", "test_type", "duration_seconds", "metrics", "pass", "thresholds", "metric_values", "generator"} {
		if _, ok := generic[key]; !ok {
			t.Errorf("summary lacks %q", key)
		}
	}
	m := generic["metrics"].(map[string]any)
	for _, key := range []string{"requests_total", "requests_per_second", "error_rate", "response_times", "slo_compliance"} {
		if _, ok := m[key]; !ok {
			t.Errorf("summary.metrics lacks %q", key)
		}
	}
	rt := m["response_times"].(map[string]any)
	for _, key := range []string{"avg", "min", "max", "p50", "p95", "p99"} {
		if _, ok := rt[key]; !ok {
			t.Errorf("response_times lacks %q", key)
		}
	}
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	if !s.Pass || s.Metrics.RequestsTotal < 390 || s.Metrics.RequestsTotal > 410 {
		t.Fatalf("pass=%v requests=%d, want a pass with ~400 requests", s.Pass, s.Metrics.RequestsTotal)
	}
	if _, ok := s.MetricValues["http_req_duration{name:root}"]["p(95)"]; !ok {
		t.Errorf("metric_values lacks http_req_duration{name:root} p(95): %v", report.SortedKeys(s.MetricValues))
	}
	g := s.Generator
	if g.CPUMaxPercent <= 0 {
		t.Errorf("generator CPU not measured: %+v", g)
	}
	// NDJSON: one line per point, every line valid JSON, http_reqs points = requests.
	fh, err := os.Open(filepath.Join(dir, "samples.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	sc := bufio.NewScanner(fh)
	reqs := 0
	for sc.Scan() {
		var line struct {
			Type   string `json:"type"`
			Metric string `json:"metric"`
		}
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			t.Fatalf("bad NDJSON line %q: %v", sc.Text(), err)
		}
		if line.Type == "Point" && line.Metric == "http_reqs" {
			reqs++
		}
	}
	if int64(reqs) != s.Metrics.RequestsTotal {
		t.Fatalf("NDJSON has %d http_reqs points, summary says %d requests", reqs, s.Metrics.RequestsTotal)
	}
	if !strings.Contains(stdout, "http_req_duration") || !strings.Contains(stdout, "PASS") {
		t.Errorf("summary output lacks metrics or verdict:\n%s", stdout)
	}
}

// A failing threshold exits 1.
func TestRunFailedThresholdExits1(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	file := writeScenario(t, constantRate)
	code, stdout, _ := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--no-color")
	if code != ExitFail {
		t.Fatalf("exit %d, want 1:\n%s", code, stdout)
	}
	if !strings.Contains(stdout, "✗") || !strings.Contains(stdout, "FAIL") {
		t.Errorf("output does not show the failed threshold:\n%s", stdout)
	}
}

// A malformed file exits 2 naming the line, and nothing is sent.
func TestRunMalformedFileExits2(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	file := writeScenario(t, strings.Replace(constantRate, "timeUnit: 1s", "timeUnit: 1s\n    maxVUz: 3", 1))
	code, _, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL)
	if code != ExitUsage {
		t.Fatalf("exit %d, want 2", code)
	}
	if !strings.Contains(stderr, file+":7:") || !strings.Contains(stderr, "maxVUz") {
		t.Fatalf("error does not name file:line and the key:\n%s", stderr)
	}
	if hits.Load() != 0 {
		t.Fatalf("%d requests were sent for an invalid file", hits.Load())
	}
}

// SIGINT (a cancelled context) ends the run with exit 3 and still writes the summary.
func TestRunInterruptedExits3WithSummary(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	ctx, cancel := context.WithTimeout(context.Background(), 1500*time.Millisecond)
	defer cancel()
	start := time.Now()
	code, stdout, stderr := runRamp(ctx, "run", file, "--base-url", srv.URL, "-e", "DURATION=60s",
		"--summary-export", filepath.Join(dir, "summary.json"))
	if code != ExitInterrupted {
		t.Fatalf("exit %d, want 3\n%s\n%s", code, stdout, stderr)
	}
	if time.Since(start) > 20*time.Second {
		t.Fatalf("the interrupted run took %v to stop", time.Since(start))
	}
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	if !s.Interrupted || s.Metrics.RequestsTotal == 0 {
		t.Fatalf("summary after interrupt: interrupted=%v requests=%d", s.Interrupted, s.Metrics.RequestsTotal)
	}
}

// A request to a host outside the allowlist is refused (nothing reaches it) and counted; the
// host comes from a response, so only the run-time check can catch it.
func TestRunHostOutsideAllowlistRefused(t *testing.T) {
	var strayHits atomic.Int64
	stray := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { strayHits.Add(1) }))
	defer stray.Close()
	allowed := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"next": %q}`, stray.URL+"/")
	}))
	defer allowed.Close()
	file := writeScenario(t, `
scenarios:
  s:
    executor: per-vu-iterations
    vus: 1
    iterations: 5
flows:
  default:
    - request: { name: allowed, url: "${BASE_URL}/", capture: [ { json: next, as: next } ] }
    - request: { name: stray, url: "${next}" }
`)
	dir := t.TempDir()
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", allowed.URL,
		"--summary-export", filepath.Join(dir, "s.json"))
	if strayHits.Load() != 0 {
		t.Fatalf("the host outside the allowlist received %d requests", strayHits.Load())
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.ErrorCodes["1111"] != 5 {
		t.Fatalf("exit %d; error codes %v, want 5 refused (1111)\n%s\n%s", code, s.ErrorCodes, stdout, stderr)
	}
}

// A literal URL outside the allowlist is caught before any traffic: exit 2.
func TestRunLiteralHostOutsideAllowlistExits2(t *testing.T) {
	var hits atomic.Int64
	stray := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer stray.Close()
	allowed := okServer(t)
	file := writeScenario(t, `
flows:
  default:
    - request: { url: "${BASE_URL}/" }
    - request: { url: "${STRAY}/" }
`)
	code, _, stderr := runRamp(context.Background(), "run", file, "--base-url", allowed.URL, "-e", "STRAY="+stray.URL)
	if code != ExitUsage || hits.Load() != 0 || !strings.Contains(stderr, "hosts") {
		t.Fatalf("exit %d, %d stray requests, stderr:\n%s", code, hits.Load(), stderr)
	}
}

// A hostile target — resets, garbage — is counted as errors; ramp neither crashes nor hangs.
func TestRunHostileTarget(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var n atomic.Int64
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func(c net.Conn) {
				defer c.Close()
				buf := make([]byte, 4096)
				c.SetReadDeadline(time.Now().Add(2 * time.Second))
				if _, err := c.Read(buf); err != nil {
					return
				}
				if n.Add(1)%2 == 0 {
					c.Write([]byte("\x00\x01garbage that is not HTTP\r\n\r\n"))
					return
				}
				if tc, ok := c.(*net.TCPConn); ok {
					tc.SetLinger(0) // reset
				}
			}(c)
		}
	}()
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", "http://"+ln.Addr().String(),
		"-e", "DURATION=1s", "--summary-export", filepath.Join(dir, "s.json"))
	if code != ExitFail {
		t.Fatalf("exit %d, want 1 (every request failed)\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.Metrics.ErrorRate < 0.99 || len(s.ErrorCodes) == 0 {
		t.Fatalf("error rate %v codes %v: hostile responses not counted as errors", s.Metrics.ErrorRate, s.ErrorCodes)
	}
}

// When maxVUs is too small for a slow server, iterations are dropped, counted, and the run
// says its load was not delivered.
func TestRunDroppedIterationsSayLoadNotDelivered(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(100 * time.Millisecond)
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	_, stdout, _ := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=100",
		"-e", "VUS=2", "-e", "MAXVUS=2", "--summary-export", filepath.Join(dir, "s.json"), "--no-color")
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.Load.IterationsDropped < 100 || s.Load.Delivered {
		t.Fatalf("load %+v: want many dropped and not delivered", s.Load)
	}
	if v := s.MetricValues["dropped_iterations"]["count"]; int64(v) != s.Load.IterationsDropped {
		t.Fatalf("dropped_iterations metric %v != load.iterations_dropped %d", v, s.Load.IterationsDropped)
	}
	if !strings.Contains(stdout, "intended load not delivered") {
		t.Fatalf("the summary does not say the load was not delivered:\n%s", stdout)
	}
}

// A server that stalls for 1 s shows in the p99 of both duration metrics when VUs suffice.
func TestRunStallSeenInBothDurations(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%50 == 0 { // 2% of requests stall
			time.Sleep(time.Second)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=200", "-e", "VUS=50", "-e", "MAXVUS=400",
		"--summary-export", filepath.Join(dir, "s.json"))
	s := readSummary(t, filepath.Join(dir, "s.json"))
	for _, key := range []string{"http_req_duration", "http_req_duration_corrected"} {
		if p99 := s.MetricValues[key]["p(99)"]; p99 < 900 {
			t.Errorf("%s p(99) = %vms, want the 1 s stall to show", key, p99)
		}
	}
}

// Throughput is per second of the load: at exactly the scheduled rate, rate>=RATE passes
// (setup and the drain of the last responses do not dilute it).
func TestRunThroughputAtScheduledRatePasses(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, constantRate+`  http_reqs: ["rate>=100"]
setup:
  - request: { url: "${BASE_URL}/" }
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--no-color")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// A unique-per-vu feeder with fewer rows than VUs ends the run with a clear message.
func TestRunUniquePerVUOutOfRows(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	csv := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(csv, []byte("token\na\nb\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := writeScenario(t, `
data:
  users: { file: "`+csv+`", mode: unique-per-vu }
scenarios:
  s: { executor: constant-vus, vus: 3, duration: 1s }
flows:
  default:
    - request: { url: "${BASE_URL}/", headers: { Authorization: "Bearer ${users.token}" } }
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--no-color")
	if code != ExitFail || !strings.Contains(stdout+stderr, "unique-per-vu") {
		t.Fatalf("exit %d, want 1 naming unique-per-vu\n%s\n%s", code, stdout, stderr)
	}
}

// A teardown whose invariant fails makes the run fail (exit 1) even when the load passed.
func TestRunTeardownInvariantFailingExits1(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/count" {
			w.Write([]byte(`{"tasks": 3}`)) // the invariant wants 0 tasks left
			return
		}
		w.Write([]byte(`{}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := writeScenario(t, constantRate+`teardown:
  - request:
      url: "${BASE_URL}/count"
      checks:
        - json_path: { path: tasks, equals: 0 }
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s",
		"--summary-export", filepath.Join(dir, "s.json"), "--no-color")
	if code != ExitFail {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	if s := readSummary(t, filepath.Join(dir, "s.json")); s.TeardownError == "" || s.Pass {
		t.Fatalf("summary: teardown_error %q pass %v", s.TeardownError, s.Pass)
	}
	if !strings.Contains(stdout, "teardown failed") {
		t.Errorf("the summary does not say the teardown failed:\n%s", stdout)
	}
}

// A failed setup aborts the run before any load, with exit 1 and a clear message.
func TestRunFailedSetupExits1WithoutLoad(t *testing.T) {
	var load atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		load.Add(1)
	}))
	defer srv.Close()
	file := writeScenario(t, constantRate+`setup:
  - request: { url: "${BASE_URL}/login", checks: [ { status: 200 } ] }
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--no-color")
	if code != ExitFail || !strings.Contains(stdout, "setup failed") {
		t.Fatalf("exit %d, want 1 saying the setup failed\n%s\n%s", code, stdout, stderr)
	}
	if load.Load() != 0 {
		t.Fatalf("%d load requests were sent after a failed setup", load.Load())
	}
}
