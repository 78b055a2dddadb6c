// Package promtest starts Debian's real Prometheus for tests of ramp's Prometheus outputs:
// on a free loopback port, with its remote-write receiver and native histograms on, a
// temporary TSDB, no scrape jobs, and reads back through its HTTP API. A machine without the
// prometheus binary skips those tests, unless RAMP_TEST_PROMETHEUS=1 (scripts/test.sh, CI)
// makes that a failure.
package promtest

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Server is a running Prometheus.
type Server struct {
	// URL is its base URL, http://127.0.0.1:PORT.
	URL string
	cmd *exec.Cmd
	log *strings.Builder
}

// Options say how to start Prometheus.
type Options struct {
	// Scrape, when not empty, is a host:port it scrapes every 500 ms as job "ramp".
	Scrape string
	// NoNativeHistograms leaves the native-histograms feature off (Prometheus 2.x's default).
	NoNativeHistograms bool
}

// Start starts Prometheus for t and stops it when t ends. scrape, when not empty, is a
// host:port it scrapes every 500 ms as job "ramp".
func Start(t *testing.T, scrape string) *Server {
	t.Helper()
	return StartWith(t, Options{Scrape: scrape})
}

// StartWith starts Prometheus as o says, for t.
func StartWith(t *testing.T, o Options) *Server {
	t.Helper()
	scrape := o.Scrape
	bin, err := exec.LookPath("prometheus")
	if err != nil {
		if os.Getenv("RAMP_TEST_PROMETHEUS") == "1" {
			t.Fatalf("RAMP_TEST_PROMETHEUS=1 but no prometheus binary: %v", err)
		}
		t.Skip("no prometheus binary (apt-get install prometheus; RAMP_TEST_PROMETHEUS=1 makes this a failure)")
	}
	dir := t.TempDir()
	cfg := "global:\n  scrape_interval: 1s\n"
	if scrape != "" {
		cfg += fmt.Sprintf("scrape_configs:\n  - job_name: ramp\n    scrape_interval: 500ms\n    static_configs:\n      - targets: [%q]\n", scrape)
	}
	cfgPath := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	s := &Server{URL: "http://" + addr, log: &strings.Builder{}}
	args := []string{
		"--config.file=" + cfgPath,
		"--storage.tsdb.path=" + filepath.Join(dir, "data"),
		"--web.listen-address=" + addr,
		"--web.enable-remote-write-receiver",
		"--log.level=warn",
	}
	if !o.NoNativeHistograms {
		// Prometheus 2.40–2.x needs the feature flag; 3.x has them on and ignores it.
		args = append(args, "--enable-feature=native-histograms")
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := http.Get(s.URL + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK && (scrape == "" || s.hasTarget()) {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus did not become ready in 30s: %v\n%s", err, s.log)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// hasTarget reports whether the scrape job is active: Prometheus 2.x applies its scrape
// configuration some seconds after it is ready, and a short test must not start before.
func (s *Server) hasTarget() bool {
	resp, err := http.Get(s.URL + "/api/v1/targets")
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	var body struct {
		Data struct {
			ActiveTargets []any `json:"activeTargets"`
		} `json:"data"`
	}
	return json.NewDecoder(resp.Body).Decode(&body) == nil && len(body.Data.ActiveTargets) > 0
}

// freeAddr returns a loopback address whose port was free a moment ago.
func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// WriteURL is its remote-write receiver.
func (s *Server) WriteURL() string { return s.URL + "/api/v1/write" }

// Stop stops it (SIGKILL: a test that stops it halfway wants it gone at once) and waits.
func (s *Server) Stop() {
	if s.cmd.ProcessState != nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
}

// Sample is one series of an instant query's answer.
type Sample struct {
	Labels map[string]string
	Value  float64
}

// Query runs an instant PromQL query at now and returns its vector.
func (s *Server) Query(ctx context.Context, expr string) ([]Sample, error) {
	u := s.URL + "/api/v1/query?query=" + url.QueryEscape(expr)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string `json:"resultType"`
			Result     []struct {
				Metric map[string]string `json:"metric"`
				Value  [2]any            `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	if body.Status != "success" {
		return nil, fmt.Errorf("query %s: %s", expr, body.Error)
	}
	var out []Sample
	for _, r := range body.Data.Result {
		str, _ := r.Value[1].(string)
		v, err := strconv.ParseFloat(str, 64)
		if err != nil {
			return nil, fmt.Errorf("query %s: value %v: %w", expr, r.Value[1], err)
		}
		out = append(out, Sample{Labels: r.Metric, Value: v})
	}
	return out, nil
}

// Scalar runs expr, which must answer one series, and returns its value.
func (s *Server) Scalar(ctx context.Context, expr string) (float64, error) {
	v, err := s.Query(ctx, expr)
	if err != nil {
		return 0, err
	}
	if len(v) != 1 {
		return 0, fmt.Errorf("query %s: %d series, want 1: %v", expr, len(v), v)
	}
	return v[0].Value, nil
}

// Log is what Prometheus printed (warnings and errors).
func (s *Server) Log() string { return s.log.String() }
