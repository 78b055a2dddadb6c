package cli

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/hrsleep"
)

// The same arrival-rate test run as one process and as 2 and 4 segments started together,
// merged: the same requests (exactly: the segments' shares add up), percentiles within 2% of
// the single run's, the same verdict — and a throughput criterion that each segment alone
// breaks holds on the summed series, while one that the whole breaks fails the merge.
func TestSegmentsMergeToTheWhole(t *testing.T) {
	var served atomic.Int64
	// The server answers in 20ms to within tens of microseconds: on the runtime's timer its
	// sleep would end up to a millisecond late, by how idle this process (the server and every
	// ramp run of the test) happens to be, and the percentiles compared below would drift by
	// more than the 2% they test.
	var sleeper hrsleep.Sleeper
	defer sleeper.Close()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		served.Add(1)
		sleeper.Until(r.Context(), time.Now().Add(20*time.Millisecond+hrsleep.Lead))
	}))
	defer srv.Close()
	file := writeScenario(t, `
scenarios:
  s: { executor: constant-arrival-rate, rate: 100, timeUnit: 1s, duration: 3s, preAllocatedVUs: 10, maxVUs: 40 }
flows:
  default:
    - request: { name: slow, url: "${BASE_URL}/" }
thresholds:
  http_req_failed: ["rate<0.01"]
  http_reqs: ["rate>=90"]
criteria:
  - { name: throughput, rule: windowed, metric: http_reqs, window: 1s, condition: ">=80" }
`)
	dir := t.TempDir()
	single := filepath.Join(dir, "single.json")
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--quiet", "--summary-export", single)
	if code != ExitPass {
		t.Fatalf("single run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	whole := readSummary(t, single)
	for _, n := range []int{2, 4} {
		t.Run(fmt.Sprintf("%d segments", n), func(t *testing.T) {
			at := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
			snaps := make([]string, n)
			codes := make([]int, n)
			var wg sync.WaitGroup
			for i := range n {
				snaps[i] = filepath.Join(dir, fmt.Sprintf("seg-%d-%d.snap", n, i))
				wg.Go(func() {
					codes[i], _, _ = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--quiet",
						"--segment", fmt.Sprintf("%d/%d", i+1, n), "--start-at", at, "--out", "snapshot="+snaps[i])
				})
			}
			wg.Wait()
			for i, c := range codes {
				// Alone, a segment sends 100/n per second: under its throughput rules.
				if c != ExitFail {
					t.Errorf("segment %d/%d alone: exit %d, want 1", i+1, n, c)
				}
			}
			merged := filepath.Join(dir, fmt.Sprintf("merged-%d.json", n))
			code, stdout, stderr := runRamp(context.Background(), append([]string{"merge", "--quiet", "--summary-export", merged}, snaps...)...)
			if code != ExitPass {
				t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
			}
			m := readSummary(t, merged)
			if m.Metrics.RequestsTotal != whole.Metrics.RequestsTotal || m.Verdict != whole.Verdict {
				t.Errorf("merged %d requests, verdict %s; single %d, %s", m.Metrics.RequestsTotal, m.Verdict, whole.Metrics.RequestsTotal, whole.Verdict)
			}
			for _, p := range []struct {
				name   string
				m, one float64
			}{{"p50", m.Metrics.ResponseTimes.P50, whole.Metrics.ResponseTimes.P50},
				{"p95", m.Metrics.ResponseTimes.P95, whole.Metrics.ResponseTimes.P95}} {
				if math.Abs(p.m-p.one) > 0.02*p.one {
					t.Errorf("merged %s %vms, single %vms: more than 2%% apart", p.name, p.m, p.one)
				}
			}
			if len(m.Segments) != n || m.Criteria[0].Result != "pass" {
				t.Errorf("segments %+v, criterion %+v", m.Segments, m.Criteria[0])
			}
			// Without one of them the merge is refused.
			code, _, stderr = runRamp(context.Background(), append([]string{"merge"}, snaps[1:]...)...)
			if code != ExitUsage || !strings.Contains(stderr, "missing") {
				t.Errorf("a missing segment: exit %d\n%s", code, stderr)
			}
		})
	}
	if want := 3 * whole.Metrics.RequestsTotal; served.Load() != want {
		t.Errorf("the server saw %d requests, want %d (three runs of the whole)", served.Load(), want)
	}
}

// What only the whole breaks, the merge catches: each of two segments stays under a throughput
// ceiling that their sum exceeds, so each passes alone and the merged run fails — a threshold
// and a windowed criterion on the summed per-interval series.
func TestMergeCatchesWhatOnlyTheWholeBreaks(t *testing.T) {
	srv := okServer(t)
	file := writeScenario(t, `
scenarios:
  s: { executor: constant-arrival-rate, rate: 100, timeUnit: 1s, duration: 3s, preAllocatedVUs: 10 }
flows:
  default:
    - request: { url: "${BASE_URL}/" }
thresholds:
  http_reqs: ["rate<80"]
criteria:
  - { name: ceiling, rule: windowed, metric: http_reqs, window: 1s, condition: "<80" }
`)
	dir := t.TempDir()
	at := time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano)
	snaps := []string{filepath.Join(dir, "a.snap"), filepath.Join(dir, "b.snap")}
	codes := make([]int, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Go(func() {
			codes[i], _, _ = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--quiet",
				"--execution-segment", []string{"0:1/2", "1/2:1"}[i], "--execution-segment-sequence", "0,1/2,1",
				"--start-at", at, "--out", "snapshot="+snaps[i])
		})
	}
	wg.Wait()
	if codes[0] != ExitPass || codes[1] != ExitPass {
		t.Fatalf("each half alone (50/s) must pass: exits %v", codes)
	}
	merged := filepath.Join(dir, "merged.json")
	code, stdout, _ := runRamp(context.Background(), "merge", snaps[0], snaps[1], "--summary-export", merged, "--no-color")
	s := readSummary(t, merged)
	if code != ExitFail || s.Verdict != "fail" || s.Thresholds[0].Status != "fail" || s.Criteria[0].Result != "fail" {
		t.Fatalf("merge: exit %d, verdict %s, threshold %+v, criterion %+v\n%s", code, s.Verdict, s.Thresholds[0], s.Criteria[0], stdout)
	}
}

// ramp suite --parallelism N runs each test as N segment processes of the ramp binary (here,
// the test binary as ramp), started together and merged: the whole distributed path on one
// machine.
func TestSuiteParallelism(t *testing.T) {
	var served atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { served.Add(1) }))
	defer srv.Close()
	dir := t.TempDir()
	suiteDir := filepath.Join(dir, "suite")
	if err := os.MkdirAll(suiteDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(suiteDir, "01-split.yaml"), []byte(constantRate), 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(dir, "results")
	code, stdout, stderr := runRamp(context.Background(), "suite", suiteDir, "--base-url", srv.URL, "--results", results,
		"--parallelism", "3", "-e", "RATE=60", "--quiet", "--no-color")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	s := readSummary(t, filepath.Join(results, "01-split.json"))
	if s.Metrics.RequestsTotal != 120 || served.Load() != 120 || len(s.Segments) != 3 {
		t.Errorf("%d requests (server: %d), %d segments; want 120 of the 2 s at 60/s, in 3 segments", s.Metrics.RequestsTotal, served.Load(), len(s.Segments))
	}
	var sum int64
	for _, seg := range s.Segments {
		sum += seg.Requests
	}
	if sum != s.Metrics.RequestsTotal {
		t.Errorf("the segments' requests add up to %d, the merged total is %d", sum, s.Metrics.RequestsTotal)
	}
}

// A unique-per-vu feeder stays unique across segments: every VU of every segment reads its own
// row, because VU ids are the segments' global ones.
func TestUniqueFeederAcrossSegments(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]int{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Query().Get("user")]++
		mu.Unlock()
	}))
	defer srv.Close()
	dir := t.TempDir()
	var rows strings.Builder
	rows.WriteString("user\n")
	for i := range 12 {
		fmt.Fprintf(&rows, "u%d\n", i)
	}
	if err := os.WriteFile(filepath.Join(dir, "users.csv"), []byte(rows.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "t.yaml")
	if err := os.WriteFile(file, []byte(`
data:
  users: { file: users.csv, mode: unique-per-vu }
scenarios:
  s: { executor: per-vu-iterations, vus: 12, iterations: 2 }
flows:
  default:
    - request: { url: "${BASE_URL}/", query: { user: "${users.user}" } }
thresholds:
  http_req_failed: ["rate<0.01"]
`), 0o644); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 3 {
		wg.Go(func() {
			if code, _, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--quiet", "--segment", fmt.Sprintf("%d/3", i+1)); code != ExitPass {
				t.Errorf("segment %d/3: exit %d\n%s", i+1, code, stderr)
			}
		})
	}
	wg.Wait()
	if len(seen) != 12 {
		t.Errorf("%d distinct rows read by the 12 VUs of three segments: %v", len(seen), seen)
	}
	for user, n := range seen {
		if n != 2 {
			t.Errorf("row %q read %d times, want 2 (one VU, two iterations)", user, n)
		}
	}
}
