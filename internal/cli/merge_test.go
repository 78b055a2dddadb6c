package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// One snapshot of a whole run merges into the run's own result: the same requests, the same
// percentiles, the same verdict — judged again from the snapshot alone.
func TestMergeOneSnapshotIsTheRun(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	file := writeScenario(t, constantRate+`  http_reqs: ["rate>=40"]
`)
	snap := filepath.Join(dir, "whole.snap")
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=40", "-e", "DURATION=2s",
		"--out", "snapshot="+snap, "--summary-export", filepath.Join(dir, "run.json"), "--quiet")
	if code != ExitPass {
		t.Fatalf("run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, stderr = runRamp(context.Background(), "merge", snap, "--summary-export", filepath.Join(dir, "merged.json"), "--no-color",
		"--junit", filepath.Join(dir, "junit.xml"), "--markdown", filepath.Join(dir, "summary.md"), "--report", filepath.Join(dir, "r.html"))
	if code != ExitPass {
		t.Fatalf("merge: exit %d\n%s\n%s", code, stdout, stderr)
	}
	// What ramp run writes, ramp merge writes: JUnit (a case per threshold), Markdown, HTML.
	junit, _ := os.ReadFile(filepath.Join(dir, "junit.xml"))
	md, _ := os.ReadFile(filepath.Join(dir, "summary.md"))
	html, _ := os.ReadFile(filepath.Join(dir, "r.html"))
	if !strings.Contains(string(junit), `tests="2" failures="0"`) || !strings.Contains(string(md), "✅ PASS") || !strings.Contains(string(html), "PASS") {
		t.Errorf("merge's JUnit, Markdown or HTML:\n%s\n%s", junit, md)
	}
	run, merged := readSummary(t, filepath.Join(dir, "run.json")), readSummary(t, filepath.Join(dir, "merged.json"))
	if merged.Verdict != run.Verdict || merged.Metrics.RequestsTotal != run.Metrics.RequestsTotal ||
		merged.Metrics.ResponseTimes != run.Metrics.ResponseTimes || merged.Metrics.RequestsPerSecond != run.Metrics.RequestsPerSecond {
		t.Errorf("merged %+v %s\nrun %+v %s", merged.Metrics, merged.Verdict, run.Metrics, run.Verdict)
	}
	if len(merged.Thresholds) != 2 || merged.Thresholds[1].Status != "pass" {
		t.Errorf("merged thresholds %+v: want the file's two, judged again", merged.Thresholds)
	}
}

// Snapshots that are not the segments of one test are refused before anything is judged:
// exit 2 with a clear reason.
func TestMergeRefusesMismatchedSnapshots(t *testing.T) {
	srv := okServer(t)
	dir := t.TempDir()
	take := func(name, body string, args ...string) string {
		path := filepath.Join(dir, name)
		all := append([]string{"run", writeScenario(t, body), "--base-url", srv.URL, "-e", "DURATION=1s", "--out", "snapshot=" + path, "--quiet"}, args...)
		if code, _, stderr := runRamp(context.Background(), all...); code != ExitPass {
			t.Fatalf("run: exit %d\n%s", code, stderr)
		}
		return path
	}
	a := take("a.snap", constantRate)
	b := take("b.snap", constantRate+"  http_reqs: [\"count>1\"]\n")
	c := take("c.snap", constantRate, "-e", "RATE=50")
	junk := filepath.Join(dir, "junk.snap")
	if err := os.WriteFile(junk, []byte("RAMPRUN\n\x07garbage"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		files []string
		want  string
	}{
		{"different files", []string{a, b}, "different tests"},
		{"different variables", []string{a, c}, "different tests"},
		{"the same segment twice", []string{a, a}, "each segment once"},
		{"not a snapshot", []string{junk}, "not a ramp run snapshot"},
		{"missing file", []string{filepath.Join(dir, "none.snap")}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runRamp(context.Background(), append([]string{"merge"}, tt.files...)...)
			if code != ExitUsage || !strings.Contains(stderr, tt.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s", code, tt.want, stderr)
			}
		})
	}
}
