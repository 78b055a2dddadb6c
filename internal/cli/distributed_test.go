package cli

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/output"
)

// A distributed run's setup runs once (ramp setup), its segments read the data (--setup-data)
// instead of running setup, and teardown is the segment's that starts at 0.
func TestSetupOnceForSegments(t *testing.T) {
	var setups, teardowns, good, bad atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/setup":
			setups.Add(1)
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"token": "s3cret"}`))
		case "/teardown":
			teardowns.Add(1)
		default:
			if r.URL.Query().Get("token") == "s3cret" {
				good.Add(1)
			} else {
				bad.Add(1)
			}
		}
	}))
	defer srv.Close()
	file := writeScenario(t, `
setup:
  - request: { url: "${BASE_URL}/setup", capture: [ { json: token, as: token } ] }
scenarios:
  s: { executor: constant-arrival-rate, rate: 20, timeUnit: 1s, duration: 1s, preAllocatedVUs: 2 }
flows:
  default:
    - request: { url: "${BASE_URL}/work", query: { token: "${token}" } }
teardown:
  - request: { url: "${BASE_URL}/teardown" }
thresholds:
  http_req_failed: ["rate<0.01"]
`)
	data := filepath.Join(t.TempDir(), "setup.json")
	code, stdout, stderr := runRamp(context.Background(), "setup", file, "--base-url", srv.URL, "--out", data)
	if code != ExitPass || setups.Load() != 1 {
		t.Fatalf("ramp setup: exit %d, %d setups\n%s\n%s", code, setups.Load(), stdout, stderr)
	}
	if b, _ := os.ReadFile(data); !bytes.Contains(b, []byte(`"token": "s3cret"`)) {
		t.Fatalf("setup.json: %s", b)
	}
	for _, seg := range []string{"1/2", "2/2"} {
		code, stdout, stderr = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--setup-data", data, "--segment", seg, "--quiet")
		if code != ExitPass {
			t.Fatalf("ramp run --setup-data --segment %s: exit %d\n%s\n%s", seg, code, stdout, stderr)
		}
	}
	if setups.Load() != 1 || teardowns.Load() != 1 || good.Load() != 20 || bad.Load() != 0 {
		t.Errorf("setups %d (want 1), teardowns %d (want 1, by the first segment), requests with the token %d (want 20), without %d",
			setups.Load(), teardowns.Load(), good.Load(), bad.Load())
	}
	// A segment of a file with a setup, without the setup's data, is refused: setup runs once.
	code, _, stderr = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--segment", "2/2")
	if code != ExitUsage || !strings.Contains(stderr, "ramp setup") {
		t.Errorf("a segment without --setup-data: exit %d\n%s", code, stderr)
	}
	code, _, stderr = runRamp(context.Background(), "run", file, "--base-url", srv.URL, "--setup-data", filepath.Join(t.TempDir(), "none.json"))
	if code != ExitUsage || !strings.Contains(stderr, "--setup-data") {
		t.Errorf("a missing --setup-data file: exit %d\n%s", code, stderr)
	}
}

// --start-at holds the load until the shared start; a segment that begins late says so, and
// its run is inconclusive. --tag puts its tag on every sample.
func TestStartAtAndTag(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	at := time.Now().Add(1500 * time.Millisecond).UTC()
	snap, ndjson, summary := filepath.Join(dir, "s.snap"), filepath.Join(dir, "s.ndjson"), filepath.Join(dir, "s.json")
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--quiet",
		"--start-at", at.Format(time.RFC3339Nano), "--tag", "region=eu-west", "-o", "snapshot="+snap, "-o", "json="+ndjson,
		"--summary-export", summary)
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	// The charts begin with the load, not with the wait for --start-at.
	if se := readSummary(t, summary).Series; se == nil || len(se.RPS) == 0 || se.RPS[0] == 0 || se.T[0] < 1 {
		t.Errorf("series %+v: want it to begin at the first requests, after the 1.5 s wait", se)
	}
	b, _ := os.ReadFile(snap)
	s, err := output.DecodeRun(b)
	if err != nil {
		t.Fatal(err)
	}
	if late := s.Measured.LoadStart.Sub(at); late < 0 || late > time.Second {
		t.Errorf("the load began %v after --start-at, want at it", late)
	}
	// Every sample of the requests and iterations carries the tag (vus and vus_max are the
	// process's gauges, untagged).
	points, _ := os.ReadFile(ndjson)
	var n, tagged int
	for _, line := range bytes.Split(points, []byte("\n")) {
		if bytes.Contains(line, []byte(`"type":"Point"`)) && !bytes.Contains(line, []byte(`"metric":"vus`)) {
			n++
			if bytes.Contains(line, []byte(`"region":"eu-west"`)) {
				tagged++
			}
		}
	}
	if n == 0 || tagged != n {
		t.Errorf("%d of %d points carry region=eu-west", tagged, n)
	}

	past := time.Now().Add(-3 * time.Second).UTC().Format(time.RFC3339)
	code, stdout, _, sv := runVerdict(t, file, srv.URL, "-e", "DURATION=1s", "--start-at", past)
	wantVerdict(t, code, sv, ExitInconclusive, "inconclusive", "after --start-at", stdout)
	if code, _, stderr := runRamp(context.Background(), "run", file, "--start-at", "tomorrow"); code != ExitUsage || !strings.Contains(stderr, "RFC 3339") {
		t.Errorf("a bad --start-at: exit %d\n%s", code, stderr)
	}
}
