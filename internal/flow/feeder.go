package flow

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/ramp-dev/ramp/internal/plan"
)

// feeder is one data file, loaded once and read by every VU.
//
// Modes: sequential — each iteration that reads the feeder takes the next row, across all
// VUs, wrapping at the end; random — each iteration takes a uniformly random row;
// unique-per-vu — VU n reads row n-1 for its whole life (setup and teardown read row 0).
// A row is taken on the iteration's first reference to the feeder, so iterations that never
// read it consume no row.
type feeder struct {
	name    string
	mode    plan.FeederMode
	rows    []map[string]any
	columns map[string]bool
	next    atomic.Uint64 // sequential: the next row to hand out
}

// maxFeederBytes bounds a data file: feeders are held in memory by design.
const maxFeederBytes = 512 << 20

// loadFeeder reads f.Path: a CSV file with a header row (*.csv), or a JSON array of objects
// (*.json); other extensions are sniffed (a leading '[' means JSON).
func loadFeeder(f plan.Feeder) (*feeder, error) {
	switch f.Mode {
	case plan.FeedSequential, plan.FeedRandom, plan.FeedUniqueVU:
	default:
		return nil, fmt.Errorf("data %s: unknown mode %q (use sequential, random or unique-per-vu)", f.Name, f.Mode)
	}
	fh, err := os.Open(f.Path)
	if err != nil {
		return nil, fmt.Errorf("data %s: %w", f.Name, err)
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, maxFeederBytes+1))
	if err != nil {
		return nil, fmt.Errorf("data %s: read %s: %w", f.Name, f.Path, err)
	}
	if len(raw) > maxFeederBytes {
		return nil, fmt.Errorf("data %s: %s is larger than %d MiB", f.Name, f.Path, maxFeederBytes>>20)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var rows []map[string]any
	ext := strings.ToLower(filepath.Ext(f.Path))
	isJSON := ext == ".json" || (ext != ".csv" && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("[")))
	if isJSON {
		rows, err = parseJSONRows(raw)
	} else {
		rows, err = parseCSVRows(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("data %s: %s: %w", f.Name, f.Path, err)
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("data %s: %s has no data rows", f.Name, f.Path)
	}
	fd := &feeder{name: f.Name, mode: f.Mode, rows: rows, columns: map[string]bool{}}
	for _, r := range rows {
		for k := range r {
			fd.columns[k] = true
		}
	}
	return fd, nil
}

// parseCSVRows reads a header row and the records under it; every record has the header's
// number of fields.
func parseCSVRows(raw []byte) ([]map[string]any, error) {
	r := csv.NewReader(bytes.NewReader(raw))
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return nil, errors.New("empty file: a CSV feeder needs a header row naming the columns")
	}
	if err != nil {
		return nil, fmt.Errorf("header: %w", err)
	}
	seen := map[string]bool{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("header: column %d has no name", i+1)
		}
		if seen[h] {
			return nil, fmt.Errorf("header: column %q appears twice", h)
		}
		seen[h] = true
		header[i] = h
	}
	var rows []map[string]any
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, err // csv errors name the line
		}
		row := make(map[string]any, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		rows = append(rows, row)
	}
}

// parseJSONRows reads a JSON array of objects; numbers keep their text (json.Number).
func parseJSONRows(raw []byte) ([]map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var items []any
	if err := dec.Decode(&items); err != nil {
		return nil, fmt.Errorf("want a JSON array of objects: %w", err)
	}
	if dec.More() {
		return nil, errors.New("want one JSON array of objects, found more after it")
	}
	rows := make([]map[string]any, len(items))
	for i, it := range items {
		obj, ok := it.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("element %d is %s, want an object", i, jsonKind(it))
		}
		rows[i] = obj
	}
	return rows, nil
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// columnList names the feeder's columns, for messages.
func (f *feeder) columnList() string {
	return strings.Join(sortedKeys(f.columns), ", ")
}

// pick returns the row index an iteration of VU id reads, drawing with draw for random mode.
func (f *feeder) pick(id int, draw func(n int) int) int {
	switch f.mode {
	case plan.FeedSequential:
		return int((f.next.Add(1) - 1) % uint64(len(f.rows)))
	case plan.FeedRandom:
		return draw(len(f.rows))
	}
	return max(id-1, 0) // unique-per-vu; NewVU checked the bound
}
