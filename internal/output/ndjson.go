// Package output streams a run's sample points out of the process for --out and --metrics-addr:
//
//   - ndjson.go, csv.go: every sample to a file, as k6's JSON lines and k6's CSV (blocking
//     when the disk does: nothing is lost);
//   - live.go: every metric aggregated per tag set as it arrives (counters, gauges, rates,
//     trends as native histograms), for the two live exporters below, which never block the
//     load;
//   - remotewrite.go, rwproto.go: Prometheus remote write 1.0 once a second, through a bounded
//     queue that drops and counts what a slow or dead receiver cannot take;
//   - scrape.go: the same series at /metrics for a Prometheus that scrapes;
//   - snapshot.go: the mergeable run snapshot.
//
// Remote write is encoded by hand with google.golang.org/protobuf's protowire rather than with
// github.com/prometheus/prometheus/prompb: measured on v0.316.0, importing prompb adds the
// prometheus module and github.com/gogo/protobuf (a deprecated runtime) and 40 go.sum lines,
// for five messages ramp only writes; protowire is already in the build through client_golang.
// (The dashboard's test does use the prometheus module's PromQL parser: test-only, and the one
// parser that decides what Grafana's queries mean.)
//
// k6's JSON output format is one JSON object per line, so that tools built for
// `k6 run --out json=FILE` read ramp's files unchanged:
//
//	{"type":"Metric","data":{"name":"http_reqs","type":"counter","contains":"default","thresholds":[],"submetrics":null},"metric":"http_reqs"}
//	{"type":"Point","data":{"time":"2026-01-02T03:04:05.123456789Z","value":1,"tags":{"name":"list","status":"200"}},"metric":"http_reqs"}
//
// A Metric line precedes the first Point of each metric. The samples of a request that carried a
// trace context (options.tracing) have k6's metadata: "metadata":{"trace_id":"4bf9…"}. Values are in k6's units:
// milliseconds for trends, counts or bytes for counters, 0 or 1 for rates.
//
// The encoder is hand-written on the standard library (strconv, time.AppendFormat,
// bufio, compress/gzip) rather than encoding/json: a run at 50,000 requests/s writes some
// 600,000 points per second, and reflection plus a map per point would cost more than the
// requests themselves. Tag objects are encoded once per TagSet and reused.
package output

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/jsontext"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// NDJSON writes points as k6's JSON lines. It implements metrics.Output: WritePoints is safe
// for concurrent use, writes each batch whole and in order, and blocks while the file does
// (nothing is dropped). Close flushes and reports the first write error.
type NDJSON struct {
	mu      sync.Mutex
	w       *bufio.Writer
	closers []io.Closer // closed in order by Close: gzip stream, then file
	seen    map[string]bool
	tags    map[*metrics.TagSet][]byte // encoded tag objects, by shared TagSet
	line    []byte
	points  int64
	err     error
	closed  bool
}

var _ metrics.Output = (*NDJSON)(nil)

// maxCachedTagSets bounds the tag cache; callers are meant to share TagSets, but one that
// does not must not grow memory without end.
const maxCachedTagSets = 4096

// NewNDJSON returns a writer to w. Close flushes but does not close w.
func NewNDJSON(w io.Writer) *NDJSON {
	return &NDJSON{
		w:    bufio.NewWriterSize(w, 256<<10),
		seen: map[string]bool{},
		tags: map[*metrics.TagSet][]byte{},
	}
}

// Create creates (or truncates) the file at path and returns a writer that owns it;
// a path ending in ".gz" is gzip-compressed, as k6 does.
func Create(path string) (*NDJSON, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("output: json file %q: %w", path, err)
	}
	if !strings.HasSuffix(path, ".gz") {
		n := NewNDJSON(f)
		n.closers = []io.Closer{f}
		return n, nil
	}
	z := gzip.NewWriter(f)
	n := NewNDJSON(z)
	n.closers = []io.Closer{z, f}
	return n, nil
}

// WritePoints writes one line per point, preceded by a Metric line for each metric not seen
// before. After a write error every call returns that error.
func (n *NDJSON) WritePoints(points []metrics.Point) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return errors.New("output: json: write after Close")
	}
	if n.err != nil {
		return n.err
	}
	for i := range points {
		p := &points[i]
		if !n.seen[p.Metric] {
			n.seen[p.Metric] = true
			n.line = appendMetric(n.line[:0], p.Metric)
			n.write(n.line)
		}
		n.line = n.appendPoint(n.line[:0], p)
		n.write(n.line)
	}
	n.points += int64(len(points))
	return n.err
}

// Points returns how many Point lines have been written.
func (n *NDJSON) Points() int64 {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.points
}

func (n *NDJSON) write(b []byte) {
	if n.err != nil {
		return
	}
	if _, err := n.w.Write(b); err != nil {
		n.err = fmt.Errorf("output: json: %w", err)
	}
}

// Close flushes the buffer, closes what Create opened and returns the first error of
// any write, flush or close. Later calls return nil; later writes fail.
func (n *NDJSON) Close() error {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.closed {
		return nil
	}
	n.closed = true
	err := n.err
	if ferr := n.w.Flush(); err == nil && ferr != nil {
		err = fmt.Errorf("output: json: %w", ferr)
	}
	for _, c := range n.closers {
		if cerr := c.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("output: json: %w", cerr)
		}
	}
	return err
}

// appendMetric encodes k6's Metric line for name.
func appendMetric(b []byte, name string) []byte {
	bi, _ := metrics.Lookup(name)
	contains := "default"
	switch bi.Kind {
	case metrics.Time:
		contains = "time"
	case metrics.Data:
		contains = "data"
	}
	b = append(b, `{"type":"Metric","data":{"name":`...)
	b = jsontext.AppendString(b, name)
	b = append(b, `,"type":`...)
	b = jsontext.AppendString(b, bi.Type.String())
	b = append(b, `,"contains":"`...)
	b = append(b, contains...)
	b = append(b, `","thresholds":[],"submetrics":null},"metric":`...)
	b = jsontext.AppendString(b, name)
	return append(b, "}\n"...)
}

func (n *NDJSON) appendPoint(b []byte, p *metrics.Point) []byte {
	b = append(b, `{"type":"Point","data":{"time":"`...)
	b = p.Time.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","value":`...)
	b = appendFloat(b, p.Value)
	b = append(b, `,"tags":`...)
	b = append(b, n.encodedTags(p.Tags)...)
	if p.TraceID != "" {
		b = append(b, `,"metadata":{"trace_id":`...)
		b = jsontext.AppendString(b, p.TraceID)
		b = append(b, '}')
	}
	b = append(b, `},"metric":`...)
	b = jsontext.AppendString(b, p.Metric)
	return append(b, "}\n"...)
}

// encodedTags returns the JSON object of t (null when empty, as k6 writes), cached by
// pointer. The caller holds n.mu.
func (n *NDJSON) encodedTags(t *metrics.TagSet) []byte {
	if t.Len() == 0 {
		return []byte("null")
	}
	if enc, ok := n.tags[t]; ok {
		return enc
	}
	enc := []byte{'{'}
	t.Each(func(k, v string) {
		if len(enc) > 1 {
			enc = append(enc, ',')
		}
		enc = jsontext.AppendString(enc, k)
		enc = append(enc, ':')
		enc = jsontext.AppendString(enc, v)
	})
	enc = append(enc, '}')
	if len(n.tags) >= maxCachedTagSets {
		clear(n.tags)
	}
	n.tags[t] = enc
	return enc
}

// appendFloat writes v as a JSON number; NaN and ±Inf, which JSON lacks, become null.
func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return append(b, "null"...)
	}
	if a := math.Abs(v); a != 0 && (a < 1e-6 || a >= 1e21) {
		return strconv.AppendFloat(b, v, 'e', -1, 64)
	}
	return strconv.AppendFloat(b, v, 'f', -1, 64)
}
