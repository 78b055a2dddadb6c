package monitor_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// startChild re-executes the test binary in the given child mode with token among its
// arguments (for finding it by command line), waits until it is running, and kills it by its
// PID when the test ends.
func startChild(t *testing.T, mode, token string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$", token)
	cmd.Env = append(os.Environ(), childEnv+"="+mode, "GOGC=off")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start child: %v", err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	if line, err := bufio.NewReader(out).ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
		t.Fatalf("child said %q, %v; want ready", line, err)
	}
	return cmd, in
}

// sampleUntil reads m every interval until ok accepts the series values or the deadline
// passes, and returns every value of series.
func sampleUntil(t *testing.T, m monitor.Monitor, series string, deadline time.Duration, ok func([]float64) bool) []float64 {
	t.Helper()
	var vals []float64
	end := time.Now().Add(deadline)
	for time.Now().Before(end) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		rs, err := m.Sample(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Sample: %v", err)
		}
		for _, r := range rs {
			if r.Series == series {
				vals = append(vals, r.Value)
			}
		}
		if ok(vals) {
			return vals
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s never satisfied the test within %v: %v", series, deadline, vals)
	return nil
}

func TestProcessMonitorSeesMemoryGrow(t *testing.T) {
	t.Parallel()
	child, start := startChild(t, "grow", "grow-"+fmt.Sprint(rand.Uint64()))
	m := processMonitor("child", child.Process.Pid, time.Second)
	base, err := m.Sample(context.Background())
	if err != nil || len(base) == 0 || base[0].Series != "rss_bytes" {
		t.Fatalf("baseline reading: %v, %v", base, err)
	}
	if _, err := io.WriteString(start, "go\n"); err != nil {
		t.Fatal(err)
	}
	const grown = 40 << 20
	vals := sampleUntil(t, m, "rss_bytes", 15*time.Second, func(v []float64) bool {
		return len(v) > 0 && v[len(v)-1]-base[0].Value >= grown
	})
	t.Logf("rss from %.1f MB to %.1f MB over %d readings", base[0].Value/(1<<20), vals[len(vals)-1]/(1<<20), len(vals))
}

func TestProcessMonitorSeesCPU(t *testing.T) {
	t.Parallel()
	token := "busy-" + fmt.Sprint(rand.Uint64())
	child, _ := startChild(t, "busy", token)
	// Found by a substring of its command line: with process:, and by the monitor's own name.
	ms, _, err := compileRaw([]monitor.Raw{
		{Name: "child", Kind: "process", Spec: map[string]any{"process": token}},
		{Name: token, Kind: "process", Spec: map[string]any{}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer monitor.CloseAll(ms)
	for _, m := range ms {
		vals := sampleUntil(t, m, "cpu_percent", 10*time.Second, func(v []float64) bool {
			return len(v) > 0 && v[len(v)-1] > 10
		})
		t.Logf("busy child %d uses %.0f%% of a core", child.Process.Pid, vals[len(vals)-1])
	}
	// A name nobody has is an error that quotes it.
	missing, _, err := compileRaw([]monitor.Raw{{Name: "x", Kind: "process", Spec: map[string]any{"process": token + "-nobody"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := missing[0].Sample(context.Background()); err == nil || !strings.Contains(err.Error(), token+"-nobody") {
		t.Errorf("Sample of a process nobody runs: %v; want an error quoting its name", err)
	}
}

func TestProcessMonitorByPidfile(t *testing.T) {
	t.Parallel()
	child, _ := startChild(t, "busy", "pidfile")
	path := filepath.Join(t.TempDir(), "child.pid")
	if err := os.WriteFile(path, []byte(fmt.Sprintf("%d\n", child.Process.Pid)), 0o600); err != nil {
		t.Fatal(err)
	}
	ms, _, err := compileRaw([]monitor.Raw{{Name: "child", Kind: "process", Spec: map[string]any{"pidfile": path}}})
	if err != nil {
		t.Fatal(err)
	}
	sampleUntil(t, ms[0], "rss_bytes", 5*time.Second, func(v []float64) bool { return len(v) > 0 && v[0] > 0 })

	// A pidfile holding garbage is an error that quotes it.
	if err := os.WriteFile(path, []byte("mina\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ms[0].Sample(context.Background()); err == nil || !strings.Contains(err.Error(), `"mina\n"`) {
		t.Errorf("Sample with a bad pidfile: %v; want an error quoting its content", err)
	}
}

func TestProcessMonitorReportsExit(t *testing.T) {
	t.Parallel()
	child, _ := startChild(t, "busy", "exit")
	m := processMonitor("child", child.Process.Pid, time.Second)
	if _, err := m.Sample(context.Background()); err != nil {
		t.Fatalf("Sample of a live child: %v", err)
	}
	child.Process.Kill()
	child.Wait()
	_, err := m.Sample(context.Background())
	if err == nil || !strings.Contains(err.Error(), fmt.Sprint(child.Process.Pid)) {
		t.Errorf("Sample after the child exited: %v; want an error naming its pid", err)
	}
}
