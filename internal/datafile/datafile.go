// Package datafile reads the data files of feeders — a CSV file with a header row, or a JSON
// array of objects — in one place, so that the flow runner, which takes rows from them, and the
// scenario compiler, which checks the columns templates name, read a file the same way.
// Only the standard library is used.
package datafile

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// MaxBytes bounds a data file: feeders are held in memory by design.
const MaxBytes = 512 << 20

// Read reads path: a CSV file with a header row (*.csv), or a JSON array of objects (*.json);
// other extensions are sniffed (a leading '[' means JSON). It returns the rows (CSV values are
// strings, JSON numbers keep their text as json.Number) and every column, sorted. A file
// without data rows is an error; every error names the file.
func Read(path string) (rows []map[string]any, columns []string, err error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer fh.Close()
	raw, err := io.ReadAll(io.LimitReader(fh, MaxBytes+1))
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", path, err)
	}
	if len(raw) > MaxBytes {
		return nil, nil, fmt.Errorf("%s is larger than %d MiB", path, MaxBytes>>20)
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	ext := strings.ToLower(filepath.Ext(path))
	if ext == ".json" || (ext != ".csv" && bytes.HasPrefix(bytes.TrimSpace(raw), []byte("["))) {
		rows, err = parseJSONRows(raw)
	} else {
		rows, err = parseCSVRows(raw)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(rows) == 0 {
		return nil, nil, fmt.Errorf("%s has no data rows", path)
	}
	set := map[string]bool{}
	for _, r := range rows {
		for k := range r {
			if !set[k] {
				set[k] = true
				columns = append(columns, k)
			}
		}
	}
	sort.Strings(columns)
	return rows, columns, nil
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
			return nil, fmt.Errorf("element %d is %s, want an object", i, Kind(it))
		}
		rows[i] = obj
	}
	return rows, nil
}

// Kind says what a decoded JSON value is, for messages: "a string", "null", "an array"…
func Kind(v any) string {
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
