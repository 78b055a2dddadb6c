package output

import (
	"bufio"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// CSVHeader is the header of k6's CSV output (`k6 run --out csv=FILE`), which ramp's CSV
// output (--out csv=PATH) writes unchanged so that spreadsheets and scripts built for k6 read
// it: one row per sample, the k6 system tags in their own columns and every other tag in
// extra_tags as key=value pairs joined by '&', in key order. timestamp is in Unix seconds and
// metric_value in k6's units (milliseconds for trends), both as k6 formats them.
var CSVHeader = []string{"metric_name", "timestamp", "metric_value", "check", "error", "error_code",
	"group", "method", "name", "proto", "scenario", "service", "status", "subproto",
	"tls_version", "url", "extra_tags"}

// csvColumns are the tag columns of CSVHeader, in order (after metric_value).
var csvColumns = CSVHeader[3 : len(CSVHeader)-1]

// CSV writes points as k6's CSV output. It implements metrics.Output like NDJSON: safe for
// concurrent use, every batch written whole, blocking while the file does.
type CSV struct {
	mu      sync.Mutex
	w       *csv.Writer
	bw      *bufio.Writer
	closers []io.Closer
	row     []string
	extra   strings.Builder
	err     error
	closed  bool
}

var _ metrics.Output = (*CSV)(nil)

// NewCSV returns a writer to w that has written the header. Close flushes but does not
// close w.
func NewCSV(w io.Writer) *CSV {
	bw := bufio.NewWriterSize(w, 256<<10)
	c := &CSV{w: csv.NewWriter(bw), bw: bw, row: make([]string, len(CSVHeader))}
	c.err = c.w.Write(CSVHeader)
	return c
}

// CreateCSV creates (or truncates) path and returns a writer that owns it; a path ending in
// ".gz" is gzip-compressed, as k6 does.
func CreateCSV(path string) (*CSV, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("output: csv file %q: %w", path, err)
	}
	if !strings.HasSuffix(path, ".gz") {
		c := NewCSV(f)
		c.closers = []io.Closer{f}
		return c, nil
	}
	z := gzip.NewWriter(f)
	c := NewCSV(z)
	c.closers = []io.Closer{z, f}
	return c, nil
}

// WritePoints writes one row per point. After a write error every call returns it.
func (c *CSV) WritePoints(points []metrics.Point) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return errors.New("output: csv: write after Close")
	}
	for i := range points {
		if c.err != nil {
			break
		}
		c.err = c.w.Write(c.fill(&points[i]))
	}
	return c.err
}

// fill sets c.row to the row of p.
func (c *CSV) fill(p *metrics.Point) []string {
	row := c.row
	row[0] = p.Metric
	row[1] = strconv.FormatInt(p.Time.Unix(), 10)
	row[2] = strconv.FormatFloat(p.Value, 'f', 6, 64)
	for i, col := range csvColumns {
		row[3+i], _ = p.Tags.Get(col)
	}
	c.extra.Reset()
	p.Tags.Each(func(k, v string) {
		if isCSVColumn(k) {
			return
		}
		if c.extra.Len() > 0 {
			c.extra.WriteByte('&')
		}
		c.extra.WriteString(k)
		c.extra.WriteByte('=')
		c.extra.WriteString(v)
	})
	row[len(row)-1] = c.extra.String()
	return row
}

func isCSVColumn(k string) bool {
	for _, col := range csvColumns {
		if col == k {
			return true
		}
	}
	return false
}

// Close flushes, closes what CreateCSV opened and returns the first error.
func (c *CSV) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil
	}
	c.closed = true
	err := c.err
	c.w.Flush()
	if ferr := c.w.Error(); err == nil && ferr != nil {
		err = ferr
	}
	if ferr := c.bw.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	for _, cl := range c.closers {
		if cerr := cl.Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	if err != nil {
		return fmt.Errorf("output: csv: %w", err)
	}
	return nil
}

// Multi hands every batch to each of its outputs in turn and returns the first error.
type Multi []metrics.Output

var _ metrics.Output = Multi(nil)

// WritePoints implements metrics.Output.
func (m Multi) WritePoints(points []metrics.Point) error {
	var first error
	for _, o := range m {
		if err := o.WritePoints(points); err != nil && first == nil {
			first = err
		}
	}
	return first
}
