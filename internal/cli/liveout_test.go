package cli

import (
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/output/promtest"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/segment"
)

// freeLoopback returns a loopback address whose port was free a moment ago.
func freeLoopback(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// scrapeCounter reads http://addr/metrics and returns the sum of name's samples.
func scrapeCounter(addr, name string) (float64, string, error) {
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", err
	}
	sum, found := 0.0, false
	re := regexp.MustCompile(`(?m)^` + name + `\{[^}]*\} (\S+)$`)
	for _, m := range re.FindAllStringSubmatch(string(b), -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			return 0, "", err
		}
		sum, found = sum+v, true
	}
	if !found {
		return 0, string(b), fmt.Errorf("no %s in the scrape", name)
	}
	return sum, string(b), nil
}

// passedOrBusy is a run that passed, or that was inconclusive only because this shared
// machine delayed the generator's schedule (its self-check): either way the load was all
// sent, which is what these tests of the outputs need.
func passedOrBusy(code int, s *report.Summary) bool {
	if code == ExitPass {
		return true
	}
	return code == ExitInconclusive && s.Generator.Overloaded && s.Load.Delivered && len(s.VerdictReasons) == 1
}

// A run with --out prometheus-rw=, --metrics-addr and --out csv= at once: the endpoint answers
// mid-run (and Prometheus scrapes it), and what reaches Prometheus by remote write equals the
// summary — the request count exactly, the p95 within one native-histogram bucket.
func TestRunPrometheusOutputs(t *testing.T) {
	srv := okServer(t)
	metricsAddr := freeLoopback(t)
	prom := promtest.Start(t, metricsAddr)
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	csvPath := filepath.Join(dir, "samples.csv")

	type scraped struct {
		v   float64
		err error
	}
	mid := make(chan scraped, 1)
	go func() {
		time.Sleep(2 * time.Second)
		v, body, err := scrapeCounter(metricsAddr, "ramp_http_reqs_total")
		if err == nil && !strings.Contains(body, "ramp_http_req_duration_p95") && !strings.Contains(body, "ramp_http_req_duration_seconds") {
			err = fmt.Errorf("no trend in the scrape:\n%s", body)
		}
		mid <- scraped{v, err}
	}()
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL,
		"-e", "RATE=200", "-e", "DURATION=4s", "--no-color",
		"--out", "prometheus-rw="+prom.WriteURL(), "--metrics-addr", metricsAddr, "--out", "csv="+csvPath,
		"--summary-export", filepath.Join(dir, "summary.json"))
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	if !passedOrBusy(code, s) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s\nprometheus:\n%s", code, stdout, stderr, prom.Log())
	}
	m := <-mid
	if m.err != nil || m.v <= 0 || m.v >= float64(s.Metrics.RequestsTotal) {
		t.Errorf("mid-run scrape: ramp_http_reqs_total %v (%v); want some of the %d requests", m.v, m.err, s.Metrics.RequestsTotal)
	}
	if len(s.Outputs) != 1 || s.Outputs[0].SamplesDropped != 0 || s.Outputs[0].SamplesSent == 0 {
		t.Fatalf("summary outputs %+v: want one prometheus-rw output that dropped nothing", s.Outputs)
	}
	if !strings.Contains(stdout, "prometheus-rw "+prom.WriteURL()) {
		t.Errorf("the text summary does not account for the remote write:\n%s", stdout)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := prom.Scalar(ctx, `sum(ramp_http_reqs_total{job=""})`)
	if err != nil || got != float64(s.Metrics.RequestsTotal) {
		t.Fatalf("ramp_http_reqs_total read back %v (%v); the summary counted %d", got, err, s.Metrics.RequestsTotal)
	}
	p95, err := prom.Scalar(ctx, `histogram_quantile(0.95, sum(ramp_http_req_duration_seconds{job=""}))`)
	if err != nil || math.Abs(p95*1000-s.Metrics.ResponseTimes.P95)/s.Metrics.ResponseTimes.P95 > 0.025 {
		t.Errorf("p95 read back %.4f ms (%v); the summary's %.4f ms, one bucket is 2.2%% wide", p95*1000, err, s.Metrics.ResponseTimes.P95)
	}
	if rate, err := prom.Scalar(ctx, `max_over_time(ramp_target_rate{job=""}[1m])`); err != nil || rate != 200 {
		t.Errorf("ramp_target_rate read back %v (%v), want 200", rate, err)
	}
	// The scraped series went stale when the run ended: look back over the run.
	if n, err := prom.Scalar(ctx, `max(max_over_time(ramp_http_reqs_total{job="ramp"}[1m]))`); err != nil || n <= 0 {
		up, _ := prom.Query(ctx, `max_over_time(up[1m])`)
		resp, _ := http.Get(prom.URL + "/api/v1/targets")
		b, _ := io.ReadAll(resp.Body)
		t.Errorf("Prometheus never scraped --metrics-addr: %v %v; up %v; targets %s", n, err, up, b)
	}

	// The CSV: k6's header, one http_reqs row per request, the tags in their columns.
	f, err := os.Open(csvPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(output.CSVHeader, ",") {
		t.Fatalf("csv header %v", rows[0])
	}
	reqs := 0
	for _, r := range rows[1:] {
		if r[0] == "http_reqs" {
			reqs++
			if r[2] != "1.000000" || r[7] != "GET" || r[12] != "200" || r[10] != "constant" {
				t.Fatalf("csv row %v: want value 1.000000, method GET, status 200, scenario constant", r)
			}
		}
	}
	if reqs != int(s.Metrics.RequestsTotal) {
		t.Errorf("csv has %d http_reqs rows, the summary %d requests", reqs, s.Metrics.RequestsTotal)
	}
}

// Prometheus killed halfway: the run still delivers its rate and passes, and the summary says
// how many samples were dropped.
func TestRunPrometheusStoppedHalfway(t *testing.T) {
	srv := okServer(t)
	prom := promtest.Start(t, "")
	dir := t.TempDir()
	file := writeScenario(t, constantRate)
	time.AfterFunc(2*time.Second, prom.Stop)
	start := time.Now()
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL,
		"-e", "RATE=200", "-e", "DURATION=4s", "--no-color", "--out", "prometheus-rw="+prom.WriteURL(),
		"--summary-export", filepath.Join(dir, "summary.json"))
	if d := time.Since(start); d > 12*time.Second {
		t.Errorf("a 4 s run took %v with the receiver down", d)
	}
	s := readSummary(t, filepath.Join(dir, "summary.json"))
	if !passedOrBusy(code, s) {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if s.Metrics.RequestsTotal < 780 || s.Metrics.RequestsTotal > 820 || !s.Load.Delivered {
		t.Errorf("%d requests, delivered %v: want the 800 planned", s.Metrics.RequestsTotal, s.Load.Delivered)
	}
	if len(s.Outputs) != 1 || s.Outputs[0].SamplesDropped == 0 || s.Outputs[0].SamplesSent == 0 || s.Outputs[0].LastError == "" {
		t.Fatalf("summary outputs %+v: want samples sent, then dropped with the error", s.Outputs)
	}
	if want := fmt.Sprintf("%d dropped", s.Outputs[0].SamplesDropped); !strings.Contains(stdout, want) {
		t.Errorf("the text summary does not say %q:\n%s", want, stdout)
	}
}

// A suite sends each test's series labelled test=NAME, each equal to that test's summary.
func TestSuitePrometheusRemoteWrite(t *testing.T) {
	srv := okServer(t)
	prom := promtest.Start(t, "")
	dir := t.TempDir()
	for name, rate := range map[string]string{"a-first": "100", "b-second": "50"} {
		body := strings.ReplaceAll(strings.ReplaceAll(constantRate, "${RATE:-100}", rate), "${DURATION:-2s}", "1s")
		if err := os.WriteFile(filepath.Join(dir, name+".yaml"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	results := filepath.Join(t.TempDir(), "results")
	code, stdout, stderr := runRamp(context.Background(), "suite", dir, "--base-url", srv.URL, "--cooldown", "0s",
		"--results", results, "--no-color", "--out", "prometheus-rw="+prom.WriteURL())
	if code != ExitPass && code != ExitInconclusive {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for _, name := range []string{"a-first", "b-second"} {
		s := readSummary(t, filepath.Join(results, name+".json"))
		if len(s.Outputs) != 1 || s.Outputs[0].SamplesDropped != 0 {
			t.Errorf("%s: outputs %+v", name, s.Outputs)
		}
		got, err := prom.Scalar(ctx, `sum(ramp_http_reqs_total{test="`+name+`"})`)
		if err != nil || got != float64(s.Metrics.RequestsTotal) || got == 0 {
			t.Errorf("%s: ramp_http_reqs_total read back %v (%v), the summary counted %d", name, got, err, s.Metrics.RequestsTotal)
		}
	}
}

// A segment's live series carry segment=A:B, so that the segments of one run stay apart.
func TestRunSegmentLabelsLiveSeries(t *testing.T) {
	srv := okServer(t)
	addr := freeLoopback(t)
	file := writeScenario(t, constantRate)
	body := make(chan string, 1)
	go func() {
		time.Sleep(1500 * time.Millisecond)
		_, b, err := scrapeCounter(addr, "ramp_http_reqs_total")
		if err != nil {
			b = err.Error()
		}
		body <- b
	}()
	code, stdout, stderr := runRamp(context.Background(), "run", file, "--base-url", srv.URL, "-e", "RATE=100",
		"--segment", "1/2", "--metrics-addr", addr, "--quiet")
	if code != ExitPass && code != ExitInconclusive {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if b := <-body; !regexp.MustCompile(`ramp_http_reqs_total\{[^}]*segment="0:1/2"`).MatchString(b) {
		t.Errorf("no segment label in the scrape:\n%s", b)
	}
}

// A segment's live ramp_target_rate is its share of the test's, so that the segments' series
// add up to the whole in Prometheus; a whole run's is the test's own.
func TestSegmentShareOfTargetRate(t *testing.T) {
	rate := func(d time.Duration) (float64, bool) { return 400, d < time.Minute }
	for _, tt := range []struct {
		seg  string
		want float64
	}{{"0:1", 400}, {"1/4:1/2", 100}, {"0:1/3", 400.0 / 3}} {
		seg, err := segment.Parse(tt.seg, "")
		if err != nil {
			t.Fatal(err)
		}
		got, ok := segmentShare(rate, seg)(time.Second)
		if !ok || got < tt.want-1e-9 || got > tt.want+1e-9 {
			t.Errorf("%s: %v, %v; want %v", tt.seg, got, ok, tt.want)
		}
		if _, ok := segmentShare(rate, seg)(2 * time.Minute); ok {
			t.Errorf("%s: a target past the scenarios' end", tt.seg)
		}
	}
	if segmentShare(nil, segment.Segment{}) != nil {
		t.Error("no arrival-rate scenario: no target")
	}
}
