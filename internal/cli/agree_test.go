package cli

import (
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

// `ramp validate` and `ramp run` agree over the corpus of edge files (internal/scenario's
// testdata/edge: bad-* refused, ok-* accepted): a file validate refuses, run refuses before
// any traffic (exit 2); a file validate accepts, run never refuses as a configuration error.
func TestValidateAndRunAgreeOnEdgeCorpus(t *testing.T) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"meetings":[{"id":1}],"status":"ok"}`))
	}))
	defer srv.Close()
	dir := filepath.Join("..", "scenario", "testdata", "edge")
	files, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil || len(files) < 10 {
		t.Fatalf("edge corpus: %v, %d files", err, len(files))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			vcode, _, vstderr := runRamp(context.Background(), "validate", "--", file)
			before := hits.Load()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			rcode, _, rstderr := runRamp(ctx, "run", file, "--base-url", srv.URL, "--quiet")
			bad := strings.HasPrefix(name, "bad-")
			switch {
			case bad && (vcode != ExitUsage || rcode != ExitUsage):
				t.Errorf("validate exit %d, run exit %d: want both 2\nvalidate: %s\nrun: %s", vcode, rcode, vstderr, rstderr)
			case bad && hits.Load() != before:
				t.Errorf("run sent %d requests for a file validate refuses", hits.Load()-before)
			case bad && !strings.Contains(vstderr, name):
				t.Errorf("validate's error does not name the file:\n%s", vstderr)
			case !bad && (vcode != ExitPass || rcode == ExitUsage):
				t.Errorf("validate exit %d, run exit %d: an accepted file must run\nvalidate: %s\nrun: %s", vcode, rcode, vstderr, rstderr)
			}
		})
	}
}

// --out snapshot=PATH writes the run's mergeable snapshot: it decodes to the same figures as
// the summary, with the run's own facts beside them.
func TestRunWritesSnapshot(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	path := filepath.Join(dir, "run.snap")
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=40", "-e", "DURATION=1s",
		"--out", "snapshot="+path, "-o", "json="+filepath.Join(dir, "s.ndjson"), "--summary-export", filepath.Join(dir, "s.json"), "--quiet")
	if code != ExitPass {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := output.DecodeRun(b)
	if err != nil {
		t.Fatal(err)
	}
	s := readSummary(t, filepath.Join(dir, "s.json"))
	reqs, _ := snap.Measured.Snapshot.Aggregate("http_reqs", "count", 0)
	p95, _ := snap.Measured.Snapshot.Aggregate("http_req_duration", "p", 95)
	if int64(reqs) != s.Metrics.RequestsTotal || reqs != 40 || p95 != s.MetricValues["http_req_duration"]["p(95)"] {
		t.Errorf("snapshot: %v requests, p95 %v; summary: %d requests, p95 %v", reqs, p95, s.Metrics.RequestsTotal, s.MetricValues["http_req_duration"]["p(95)"])
	}
	src, _ := os.ReadFile(file)
	if m := snap.Measured; m.Arrivals != 40 || m.LoadDuration != time.Second || snap.Test.File != file || string(snap.Test.Source) != string(src) {
		t.Errorf("snapshot header %+v: want 40 started, a 1 s load, the file and its source", snap)
	}
	if _, err := output.DecodeRun(b[:len(b)/2]); err == nil {
		t.Error("half a snapshot decoded without an error")
	}
}

// Outputs are written through what the user named: a symlink stays a link to the summary,
// /dev/stdout receives the JSON.
func TestRunWritesThroughSymlinkAndStdout(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	target := filepath.Join(dir, "real.json")
	link := filepath.Join(dir, "link.json")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "DURATION=1s", "--quiet", "--summary-export", link)
	if code != ExitPass {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("the symlink was replaced: %v %v", fi, err)
	}
	if s := readSummary(t, target); s.Verdict != "pass" {
		t.Errorf("the link's target holds verdict %q", s.Verdict)
	}
}

// Through `ramp suite`, an inconclusive test is an inconclusive suite: exit 4, and JUnit and
// Markdown say so — never a passed case or a PASS.
func TestSuiteInconclusiveInJUnitAndMarkdown(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(300 * time.Millisecond)
	}))
	defer srv.Close()
	suiteDir := t.TempDir()
	if err := os.WriteFile(filepath.Join(suiteDir, "01-short.yaml"), []byte(constantRate), 0o644); err != nil {
		t.Fatal(err)
	}
	results := filepath.Join(t.TempDir(), "results")
	code, stdout, stderr := runRamp(context.Background(), "suite", suiteDir, "--base-url", srv.URL, "--results", results,
		"-e", "RATE=50", "-e", "VUS=2", "-e", "MAXVUS=2", "--quiet", "--no-color")
	if code != ExitInconclusive {
		t.Fatalf("exit %d, want 4\n%s\n%s", code, stdout, stderr)
	}
	junit, _ := os.ReadFile(filepath.Join(results, "junit.xml"))
	md, _ := os.ReadFile(filepath.Join(results, "summary.md"))
	if !strings.Contains(string(junit), `type="inconclusive"`) || !strings.Contains(string(junit), "intended load not delivered") {
		t.Errorf("junit.xml does not fail the run as inconclusive:\n%s", junit)
	}
	if !strings.Contains(string(md), "INCONCLUSIVE") || strings.Contains(string(md), "PASS") {
		t.Errorf("summary.md:\n%s", md)
	}
	s := readSummary(t, filepath.Join(results, "01-short.json"))
	if s.Verdict != "inconclusive" || s.Pass {
		t.Errorf("the test's summary: verdict %q pass %v", s.Verdict, s.Pass)
	}
}
