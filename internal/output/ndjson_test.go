package output

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// line is one decoded line of the file, in k6's format.
type line struct {
	Type   string `json:"type"`
	Metric string `json:"metric"`
	Data   struct {
		Name     string            `json:"name"`
		Type     string            `json:"type"`
		Contains string            `json:"contains"`
		Time     time.Time         `json:"time"`
		Value    *float64          `json:"value"`
		Tags     map[string]string `json:"tags"`
	} `json:"data"`
}

// readLines decodes every line of r strictly, failing the test on invalid JSON.
func readLines(t *testing.T, r io.Reader) []line {
	t.Helper()
	var out []line
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for n := 1; sc.Scan(); n++ {
		var l line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("line %d is not valid JSON: %v\n%s", n, err, sc.Bytes())
		}
		out = append(out, l)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNDJSONFromARegistry(t *testing.T) {
	t.Parallel()
	const goroutines, perGoroutine = 16, 300
	path := filepath.Join(t.TempDir(), "out.json")
	out, err := Create(path)
	if err != nil {
		t.Fatal(err)
	}
	reg, err := metrics.NewRegistry(metrics.Config{Output: out})
	if err != nil {
		t.Fatal(err)
	}
	tags := []*metrics.TagSet{
		metrics.NewTags(map[string]string{"name": "list", "scenario": "read"}),
		metrics.NewTags(map[string]string{"name": "create", "scenario": "write"}),
	}
	start := time.Now()
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			rec := reg.Recorder()
			for i := range perGoroutine {
				d := time.Duration(g*perGoroutine+i+1) * time.Microsecond
				rec.HTTP(&metrics.HTTPSample{
					Time: start, Tags: tags[i%2], Status: 200, Expected: true,
					Waiting: d, Duration: d, Sent: 10, Received: 20,
				})
				if i%3 == 0 {
					rec.Check(tags[0], `body has "id"`, true)
				}
				if i%100 == 99 {
					rec.Flush() // an iteration ends
				}
			}
			rec.Iteration(tags[0], time.Second, true)
			// No final Flush: Close must hand over what is left.
		})
	}
	wg.Wait()
	reg.SetVUs(goroutines, goroutines)
	reg.DroppedIteration(tags[1])
	if err := reg.Close(); err != nil {
		t.Fatalf("registry Close: %v", err)
	}
	if err := out.Close(); err != nil {
		t.Fatalf("output Close: %v", err)
	}
	snap := reg.Snapshot()

	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := readLines(t, f)
	points := map[string]int{}
	metricLines := map[string]int{}
	durations := map[float64]bool{}
	for i, l := range lines {
		switch l.Type {
		case "Metric":
			metricLines[l.Metric]++
			if points[l.Metric] > 0 {
				t.Errorf("line %d: Metric line for %s after its points", i+1, l.Metric)
			}
			if l.Data.Name != l.Metric || l.Data.Type == "" || l.Data.Type == "unknown" {
				t.Errorf("line %d: bad Metric line %+v", i+1, l)
			}
		case "Point":
			if metricLines[l.Metric] != 1 {
				t.Fatalf("line %d: point of %s before its Metric line", i+1, l.Metric)
			}
			if l.Data.Value == nil || l.Data.Time.IsZero() {
				t.Fatalf("line %d: point without value or time: %+v", i+1, l)
			}
			points[l.Metric]++
			if l.Metric == metrics.HTTPReqDuration {
				if durations[*l.Data.Value] {
					t.Fatalf("line %d: duration %v written twice", i+1, *l.Data.Value)
				}
				durations[*l.Data.Value] = true
			}
		default:
			t.Fatalf("line %d: type %q", i+1, l.Type)
		}
	}
	// One Point line per sample of each metric, and as many http_reqs lines as requests.
	reqs := goroutines * perGoroutine
	want := map[string]int{
		metrics.HTTPReqs: reqs, metrics.HTTPReqDuration: reqs, metrics.HTTPReqFailed: reqs,
		metrics.DataSent: reqs, metrics.Checks: goroutines * perGoroutine / 3,
		metrics.Iterations: goroutines, metrics.DroppedIterations: 1, metrics.VUs: 1,
	}
	for name, w := range want {
		if points[name] != w {
			t.Errorf("%s: %d Point lines, want %d", name, points[name], w)
		}
	}
	if got := mustCount(t, snap, metrics.HTTPReqs); got != points[metrics.HTTPReqs] {
		t.Errorf("registry counted %d http_reqs, file has %d", got, points[metrics.HTTPReqs])
	}
	if got := mustCount(t, snap, metrics.Checks); got != points[metrics.Checks] {
		t.Errorf("registry counted %d checks, file has %d", got, points[metrics.Checks])
	}
	if len(durations) != reqs {
		t.Errorf("%d distinct durations, want %d", len(durations), reqs)
	}
	if got := out.Points(); got != int64(len(lines)-len(metricLines)) {
		t.Errorf("Points() = %d, file has %d Point lines", got, len(lines)-len(metricLines))
	}
	// k6's units and dynamic tags.
	for _, l := range lines {
		if l.Type == "Point" && l.Metric == metrics.HTTPReqDuration {
			if l.Data.Tags["status"] != "200" || l.Data.Tags["expected_response"] != "true" || l.Data.Tags["name"] == "" {
				t.Errorf("duration point tags = %v", l.Data.Tags)
			}
			if v := *l.Data.Value; v <= 0 || v > float64(goroutines*perGoroutine)/1000 {
				t.Errorf("duration %v ms outside the recorded range", v)
			}
			break
		}
	}
}

func mustCount(t *testing.T, snap *metrics.Snapshot, key string) int {
	t.Helper()
	mv, ok := snap.Get(key)
	if !ok {
		t.Fatalf("no %s in the snapshot", key)
	}
	return int(mv.Count)
}

func TestNDJSONEncodesAnyInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		point metrics.Point
		value any // nil means JSON null
	}{
		// Quotes, backslashes, newlines and control characters in tags are escaped.
		{"escapes", metrics.Point{Metric: "checks", Value: 1,
			Tags: metrics.NewTags(map[string]string{"check": "body has \"id\"\n\\ \x01 \t"})}, 1.0},
		// Non-ASCII survives; invalid UTF-8 becomes U+FFFD rather than an invalid file.
		{"utf-8", metrics.Point{Metric: "http_reqs", Value: 2,
			Tags: metrics.NewTags(map[string]string{"name": "réunion ✓ \xff"})}, 2.0},
		// JSON has no NaN or infinity: null instead.
		{"nan", metrics.Point{Metric: "vus", Value: math.NaN()}, nil},
		{"inf", metrics.Point{Metric: "vus", Value: math.Inf(-1)}, nil},
		// Tiny and huge values keep their precision.
		{"tiny", metrics.Point{Metric: "http_req_duration", Value: 1.5e-9}, 1.5e-9},
		{"huge", metrics.Point{Metric: "data_received", Value: 3e22}, 3e22},
		// A metric ramp does not know still gets a Metric line.
		{"unknown metric", metrics.Point{Metric: "my_metric", Value: 7}, 7.0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			n := NewNDJSON(&buf)
			if err := n.WritePoints([]metrics.Point{tt.point}); err != nil {
				t.Fatal(err)
			}
			if err := n.Close(); err != nil {
				t.Fatal(err)
			}
			rows := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n")
			if len(rows) != 2 {
				t.Fatalf("got %d lines, want a Metric and a Point line:\n%s", len(rows), buf.String())
			}
			var pt struct {
				Data struct {
					Value any               `json:"value"`
					Tags  map[string]string `json:"tags"`
				} `json:"data"`
			}
			if err := json.Unmarshal([]byte(rows[1]), &pt); err != nil {
				t.Fatalf("invalid JSON %s: %v", rows[1], err)
			}
			if pt.Data.Value != tt.value {
				t.Errorf("value = %v, want %v", pt.Data.Value, tt.value)
			}
			tt.point.Tags.Each(func(k, v string) {
				want := strings.ToValidUTF8(v, "\uFFFD")
				if pt.Data.Tags[k] != want {
					t.Errorf("tag %s = %q, want %q", k, pt.Data.Tags[k], want)
				}
			})
		})
	}
}

func TestNDJSONConcurrentWriters(t *testing.T) {
	t.Parallel()
	const writers, batches, perBatch = 8, 50, 20
	var buf bytes.Buffer
	n := NewNDJSON(&buf)
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			batch := make([]metrics.Point, perBatch)
			for b := range batches {
				for i := range batch {
					batch[i] = metrics.Point{Metric: "http_reqs", Time: time.Unix(int64(w), int64(b*perBatch+i)), Value: 1}
				}
				if err := n.WritePoints(batch); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if err := n.Close(); err != nil {
		t.Fatal(err)
	}
	lines := readLines(t, &buf)
	if len(lines) != 1+writers*batches*perBatch {
		t.Fatalf("%d lines, want %d", len(lines), 1+writers*batches*perBatch)
	}
	// Each writer's points appear once each, in the order it wrote them.
	last := map[int64]int{}
	for _, l := range lines[1:] {
		w, seq := l.Data.Time.Unix(), l.Data.Time.Nanosecond()
		if prev, ok := last[w]; ok && seq != prev+1 {
			t.Fatalf("writer %d: point %d after %d", w, seq, prev)
		}
		last[w] = seq
	}
}

// failWriter fails every write after the first n bytes.
type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		return 0, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestNDJSONReportsWriteErrors(t *testing.T) {
	t.Parallel()
	n := NewNDJSON(&failWriter{n: 10})
	p := []metrics.Point{{Metric: "http_reqs", Value: 1}}
	_ = n.WritePoints(p) // buffered: may not fail yet
	err := n.Close()
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("Close = %v, want the write error", err)
	}
	if err := n.WritePoints(p); err == nil {
		t.Error("WritePoints after Close: want an error")
	}
	if err := n.Close(); err != nil {
		t.Errorf("second Close = %v, want nil", err)
	}
}

func TestCreate(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	t.Run("gzip", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(dir, "out.json.gz")
		n, err := Create(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := n.WritePoints([]metrics.Point{{Metric: "vus", Value: 3}}); err != nil {
			t.Fatal(err)
		}
		if err := n.Close(); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		z, err := gzip.NewReader(f)
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		if lines := readLines(t, z); len(lines) != 2 || *lines[1].Data.Value != 3 {
			t.Fatalf("lines = %+v", lines)
		}
	})
	t.Run("bad path", func(t *testing.T) {
		t.Parallel()
		_, err := Create(filepath.Join(dir, "missing", "out.json"))
		if err == nil || !strings.Contains(err.Error(), "missing") {
			t.Fatalf("err = %v, want one naming the path", err)
		}
	})
}
