package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// lockedBuffer is a log destination safe for the server's goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

const tracedScenario = `
options:
  tracing:
    propagation: w3c
    sampleRate: 0.5
scenarios:
  constant:
    executor: constant-arrival-rate
    rate: 100
    timeUnit: 1s
    duration: 2s
    preAllocatedVUs: 10
    maxVUs: 50
flows:
  default:
    - request:
        name: health
        url: ${BASE_URL}/health
thresholds:
  http_req_failed: ["rate<0.01"]
`

// A traceparent ramp sends reaches mina's log line and its request-duration histogram as an
// exemplar, for the same request; ramp's NDJSON, summary and report carry the same trace id.
func TestTraceparentFromRampToMina(t *testing.T) {
	logs := &lockedBuffer{}
	m := &app.Main{
		Config: app.Config{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "mina.db"), CacheTTL: time.Minute, TokenTTL: time.Minute},
		Addr:   "127.0.0.1:0", Migrate: true, Logger: slog.New(slog.NewTextHandler(logs, nil)),
	}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })

	dir := t.TempDir()
	file := writeScenario(t, tracedScenario)
	ndjson := filepath.Join(dir, "samples.ndjson")
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", m.URL(), "--no-color",
		"--out", "json="+ndjson, "--summary-export", filepath.Join(dir, "summary.json"), "--report", filepath.Join(dir, "report.html"))
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	if !passedOrBusy(code, s) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}

	// ramp's side: the http_req_duration samples, by trace id.
	durations := map[string]float64{} // trace id → ms
	untraced := 0
	f, err := os.Open(ndjson)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct {
			Type   string
			Metric string
			Data   struct {
				Value    float64
				Metadata struct {
					TraceID string `json:"trace_id"`
				}
			}
		}
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		if l.Type != "Point" || l.Metric != "http_req_duration" {
			continue
		}
		if id := l.Data.Metadata.TraceID; id != "" {
			if !regexp.MustCompile(`^[0-9a-f]{32}$`).MatchString(id) || durations[id] != 0 {
				t.Fatalf("trace id %q: malformed or reused", id)
			}
			durations[id] = l.Data.Value
		} else {
			untraced++
		}
	}
	total := len(durations) + untraced
	if total != int(s.Metrics.RequestsTotal) || len(durations) < total/4 || len(durations) > total*3/4 {
		t.Fatalf("%d of %d requests traced (summary: %d); want about half at sampleRate 0.5", len(durations), total, s.Metrics.RequestsTotal)
	}

	// mina's log: one line per traced request, with its trace id, and none for the others.
	logged := regexp.MustCompile(`msg=request .*route="GET /health" status=200 .*trace_id=([0-9a-f]{32})`).FindAllStringSubmatch(logs.String(), -1)
	if len(logged) != len(durations) {
		t.Errorf("mina logged %d traced requests, ramp traced %d", len(logged), len(durations))
	}
	for _, l := range logged {
		if _, ok := durations[l[1]]; !ok {
			t.Errorf("mina logged trace id %s, which ramp never sent", l[1])
		}
	}

	// mina's histogram: exemplars carry ramp's trace ids, and each one's duration (the
	// server's) is within ramp's duration of that same request.
	req, _ := http.NewRequest("GET", m.URL()+"/metrics", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	exemplars := regexp.MustCompile(`(?m)^mina_http_request_duration_seconds_bucket\{route="GET /health",status="200",le="[^"]+"\} \d+ # \{trace_id="([0-9a-f]{32})"\} (\S+)`).FindAllStringSubmatch(string(body), -1)
	if len(exemplars) == 0 {
		t.Fatalf("no exemplar on mina's request-duration histogram:\n%s", body)
	}
	for _, e := range exemplars {
		rampMs, ok := durations[e[1]]
		if !ok {
			t.Errorf("exemplar trace id %s: ramp never sent it", e[1])
			continue
		}
		serverS, _ := strconv.ParseFloat(e[2], 64)
		if serverS*1000 > rampMs {
			t.Errorf("trace %s: the server measured %.3f ms, more than ramp's %.3f ms for the whole request: not the same request", e[1], serverS*1000, rampMs)
		}
	}

	// ramp's summary and report list the slowest traced requests by trace id.
	if s.Traced == nil || len(s.Traced.Slowest) == 0 {
		t.Fatal("summary has no traced requests")
	}
	slowest := s.Traced.Slowest[0]
	if ms, ok := durations[slowest.TraceID]; !ok || ms < slowest.DurationMs-0.001 || !strings.Contains(logs.String(), "trace_id="+slowest.TraceID) {
		t.Errorf("the slowest traced request %+v is not one ramp sent and mina logged", slowest)
	}
	for id, ms := range durations {
		if ms > slowest.DurationMs+0.001 {
			t.Errorf("trace %s took %.3f ms, slower than the summary's slowest %.3f ms", id, ms, slowest.DurationMs)
		}
	}
	if !strings.Contains(stdout, "slowest traced  trace "+slowest.TraceID) {
		t.Errorf("the text summary does not name the slowest trace id %s:\n%s", slowest.TraceID, stdout)
	}
	html, err := os.ReadFile(filepath.Join(dir, "report.html"))
	if err != nil || !bytes.Contains(html, []byte(slowest.TraceID)) {
		t.Errorf("the HTML report does not show the slowest trace id %s (%v)", slowest.TraceID, err)
	}
}
