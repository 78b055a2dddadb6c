package cli

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/capacity"
)

// capacityScenario loads mina's index page (no database, no auth: its service time is the
// injected latency and little else) and watches mina's process and its /metrics.
const capacityScenario = `
scenarios:
  web: { executor: constant-arrival-rate, rate: 100, timeUnit: 1s, duration: 1m, preAllocatedVUs: 10, maxVUs: 100, exec: index }
flows:
  index:
    - request: { name: index, url: "${BASE_URL}/" }
thresholds:
  http_req_duration: ["p(95)<200"]
  http_req_failed: ["rate<0.01"]
monitors:
  - name: target
    kind: process
    pid: "${TARGET_PID:-}"
    interval: 250ms
  - name: app
    kind: prometheus
    url: "${MONITOR_METRICS_URL:-}"
    interval: 250ms
    series:
      - { name: inflight, metric: mina_inflight_requests, unit: count }
      - { name: queued, metric: mina_inflight_queued_requests, unit: count }
      - { name: db_waits_per_second, metric: mina_db_pool_wait_count_total, rate: true }
`

// TestCapacityFindsMinaLimit: mina with 4 in-flight slots and 10 ms of service time serves
// about 400 requests per second (4 over the service time); ramp capacity --quick finds it
// within ±10% and names the
// in-flight queue as the bottleneck. Requests that wait over 100 ms for a slot are answered
// 503, so the load beyond the limit fails the error-rate threshold at once.
func TestCapacityFindsMinaLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("a capacity search against mina takes 30-60 s")
	}
	srv, err := startMina(context.Background(), minaConfig{users: 1, meetings: 1,
		extraArgs: []string{"--max-inflight", "4", "--inject-latency", "10ms", "--max-queue-wait", "100ms"}})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.stop()
	file := writeScenario(t, capacityScenario)
	out := filepath.Join(t.TempDir(), "capacity.json")
	page := filepath.Join(t.TempDir(), "capacity.html")
	start := time.Now()
	code, stdout, stderr := runRamp(context.Background(), "capacity", file, "--base-url", srv.baseURL, "--quick",
		"--from", "50", "--to", "2000", "-e", "TARGET_PID="+strconv.Itoa(srv.pid()),
		"-e", "MONITOR_METRICS_URL="+srv.baseURL+"/metrics", "--out", out, "--report", page)
	took := time.Since(start)
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var res capacity.Result
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	t.Logf("capacity %.0f/s (%.0f req/s) in %d steps, %s", res.Max, res.MaxRPS, len(res.Steps), took.Round(time.Second))
	// The nominal 4/10 ms = 400/s assumes the service time is the injected latency alone;
	// the timer's overshoot and the HTTP round trip add about a millisecond, so the limit
	// is 4 over the service time measured at the lowest rate (its median): about 365/s.
	lowest := res.Steps[0]
	for _, s := range res.Steps {
		if s.Rate < lowest.Rate {
			lowest = s
		}
	}
	expected := 4 / (lowest.P50 / 1000)
	t.Logf("service time %.2f ms: expected capacity %.0f/s", lowest.P50, expected)
	if !res.Found || res.Max < 0.9*expected || res.Max > 1.1*expected || res.Max < 340 || res.Max > 440 {
		t.Errorf("max sustainable rate %.0f/s, want 4/service time = %.0f/s ±10%% (nominally 400/s)\n%s", res.Max, expected, stdout)
	}
	if took > 2*time.Minute {
		t.Errorf("took %v, want under two minutes with --quick", took)
	}
	if !strings.Contains(res.Bottleneck, "concurrency limit") || !strings.Contains(res.Evidence, "app.queued") {
		t.Errorf("bottleneck %q (%s), want the in-flight queue named", res.Bottleneck, res.Evidence)
	}
	if html, err := os.ReadFile(page); err != nil || !strings.Contains(string(html), "Latency versus arrival rate") || !strings.Contains(string(html), "<svg") {
		t.Errorf("the HTML page lacks the latency-versus-rate chart: %v", err)
	}
	for _, want := range []string{"Maximum sustainable rate", "Likely bottleneck", "Strategy target, API 1000 RPS: not met", "← knee"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("the report lacks %q:\n%s", want, stdout)
		}
	}
}

// TestCapacityRefusesFileWithoutRules: the capacity is where the rules stop holding, so a
// file without thresholds or criteria is refused before any load.
func TestCapacityRefusesFileWithoutRules(t *testing.T) {
	t.Parallel()
	file := writeScenario(t, `
options: { hosts: ["127.0.0.1:9"] }
scenarios:
  s: { executor: constant-arrival-rate, rate: 10, timeUnit: 1s, duration: 1s, preAllocatedVUs: 1 }
flows:
  default:
    - request: { url: "http://127.0.0.1:9/" }
`)
	code, _, stderr := runRamp(context.Background(), "capacity", file, "--quick")
	if code != ExitUsage || !strings.Contains(stderr, "no threshold") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	code, _, stderr = runRamp(context.Background(), "capacity", file, "--flow", "nope")
	if code != ExitUsage || !strings.Contains(stderr, `no flow "nope"`) {
		t.Fatalf("unknown flow: exit %d: %s", code, stderr)
	}
}
