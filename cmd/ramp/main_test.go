package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestMain runs the real main when a test starts this binary as ramp.
func TestMain(m *testing.M) {
	if os.Getenv("RAMP_TEST_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// A real SIGINT stops a running test gracefully: exit 3, and the summary is still written.
func TestSIGINTExits3WithSummary(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(`
scenarios:
  s: { executor: constant-arrival-rate, rate: 50, timeUnit: 1s, duration: 60s, preAllocatedVUs: 5 }
flows:
  default:
    - request: { url: "${BASE_URL}/" }
`), 0o644); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(dir, "summary.json")
	cmd := exec.Command(os.Args[0], "run", file, "--base-url", srv.URL, "--quiet", "--summary-export", summary)
	cmd.Env = append(os.Environ(), "RAMP_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("ramp did not stop within 30 s of SIGINT")
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v, want code 3", err)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatalf("no summary after SIGINT: %v", err)
	}
	var s struct {
		Interrupted bool `json:"interrupted"`
		Metrics     struct {
			RequestsTotal int `json:"requests_total"`
		} `json:"metrics"`
	}
	if err := json.Unmarshal(b, &s); err != nil || !s.Interrupted || s.Metrics.RequestsTotal == 0 {
		t.Fatalf("summary after SIGINT: %s (%v)", b, err)
	}
}

// After a SIGINT during the load, teardown still runs (as in k6); a second SIGINT ends it at
// once: ramp exits 3 within a second of it, and the summary of what ran is written, saying
// the run was interrupted and why teardown did not finish.
func TestSecondSIGINTEndsTeardownAtOnce(t *testing.T) {
	teardownStarted := make(chan struct{}, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/teardown" {
			select {
			case teardownStarted <- struct{}{}:
			default:
			}
			select { // a teardown that would hang for its whole 60 s timeout
			case <-r.Context().Done():
			case <-time.After(60 * time.Second):
			}
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(`
scenarios:
  s: { executor: constant-arrival-rate, rate: 20, timeUnit: 1s, duration: 60s, preAllocatedVUs: 5 }
flows:
  default:
    - request: { url: "${BASE_URL}/" }
teardown:
  - request: { url: "${BASE_URL}/teardown" }
thresholds:
  http_req_failed: ["rate<0.01"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	summary := filepath.Join(dir, "summary.json")
	cmd := exec.Command(os.Args[0], "run", file, "--base-url", srv.URL, "--quiet", "--summary-export", summary)
	cmd.Env = append(os.Environ(), "RAMP_TEST_MAIN=1")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(1500 * time.Millisecond)
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case <-teardownStarted:
	case err := <-done:
		t.Fatalf("ramp exited (%v) without running teardown after the first SIGINT", err)
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("teardown did not start within 10 s of the first SIGINT")
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	second := time.Now()
	var err error
	select {
	case err = <-done:
	case <-time.After(10 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("ramp did not stop within 10 s of the second SIGINT")
	}
	if took := time.Since(second); took > time.Second {
		t.Errorf("ramp took %v to stop after the second SIGINT, want within 1 s", took)
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 3 {
		t.Fatalf("exit: %v, want code 3", err)
	}
	b, err := os.ReadFile(summary)
	if err != nil {
		t.Fatalf("no summary after the second SIGINT: %v", err)
	}
	var s struct {
		Pass          bool   `json:"pass"`
		Verdict       string `json:"verdict"`
		TeardownError string `json:"teardown_error"`
	}
	if err := json.Unmarshal(b, &s); err != nil || s.Pass || s.Verdict != "interrupted" || !strings.Contains(s.TeardownError, "second interrupt") {
		t.Fatalf("summary after two SIGINTs: %s (%v)", b, err)
	}
}
