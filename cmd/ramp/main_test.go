package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
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
