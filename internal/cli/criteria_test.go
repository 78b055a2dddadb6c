package cli

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// A run against a mina whose trends route answers 300 ms late breaks a windowed p95 rule on
// that route, and says when it was first broken; the other route's rule holds.
func TestCriteriaWindowedP95AgainstInjectedLatency(t *testing.T) {
	if testing.Short() {
		t.Skip("starts mina")
	}
	srv, err := startMina(context.Background(), minaConfig{users: 3, meetings: 10,
		extraArgs: []string{"--inject-latency", "300ms", "--inject-route", "/api/analytics/trends"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	dir := t.TempDir()
	file := writeScenario(t, `
data:
  users: { file: "${TOKENS_CSV}", mode: random }
scenarios:
  s: { executor: constant-arrival-rate, rate: 40, timeUnit: 1s, duration: 4s, preAllocatedVUs: 20, maxVUs: 100 }
flows:
  default:
    - request: { name: trends, url: "${BASE_URL}/api/analytics/trends?days=7", headers: { Authorization: "Bearer ${users.token}" } }
    - request: { name: health, url: "${BASE_URL}/health" }
criteria:
  - name: trends p95 under 200 ms
    rule: windowed
    metric: http_req_duration{name:trends}
    aggregate: p(95)
    window: 1s
    condition: "<200"
    for: 1s
  - name: health p95 under 200 ms
    rule: windowed
    metric: http_req_duration{name:health}
    aggregate: p(95)
    window: 1s
    condition: "<200"
    for: 1s
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.baseURL, "-e", "TOKENS_CSV="+srv.tokensCSV,
		"--summary-export", filepath.Join(dir, "s.json"), "--no-color")
	if code != ExitFail {
		t.Fatalf("exit %d, want 1\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if len(s.Criteria) != 2 {
		t.Fatalf("criteria %+v", s.Criteria)
	}
	trends, health := s.Criteria[0], s.Criteria[1]
	if !strings.Contains(stdout, "first broken at") {
		t.Errorf("the text summary does not say when the rule broke:\n%s", stdout)
	}
	if trends.Result != "fail" || trends.FirstBrokenAt == nil || *trends.FirstBrokenAt > 2 {
		t.Errorf("trends criterion %+v: want a failure first broken within the first 2 s", trends)
	}
	if health.Result != "pass" {
		t.Errorf("health criterion %+v: want a pass", health)
	}
}

// A monitor that cannot reach its source is reported in the summary, and the run goes on.
func TestUnreachableMonitorReportedRunGoesOn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0") // a port that refuses: listen, then close
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate+`monitors:
  - { name: gone, kind: redis, url: "redis://127.0.0.1:`+strconv.Itoa(port)+`/0" }
`)
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=2s",
		"--summary-export", filepath.Join(dir, "s.json"), "--no-color")
	if code != ExitPass {
		t.Fatalf("exit %d, want 0: an unreachable monitor must not stop or fail the run\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	if s.Metrics.RequestsTotal < 150 {
		t.Errorf("%d requests: the load did not go on", s.Metrics.RequestsTotal)
	}
	found := false
	for _, m := range s.Monitors {
		if strings.HasPrefix(m.Name, "gone") && m.Error != "" {
			found = true
		}
	}
	if !found {
		b, _ := os.ReadFile(filepath.Join(dir, "s.json"))
		t.Fatalf("the unreachable monitor is not reported: %s", b)
	}
	if !strings.Contains(stdout, "monitor gone could not read its source") {
		t.Errorf("the text summary does not say the monitor failed:\n%s", stdout)
	}
}
