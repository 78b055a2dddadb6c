package report

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// SuiteFile is the name of the suite's JSON summary in a results directory.
const SuiteFile = "summary.json"

// LoadSuite reads a results directory back into a Suite, each test's Summary attached: the
// suite from summary.json, each test from its summary_file (relative to dir). It is what
// `ramp report DIR` re-renders. Every error names the file; a summary_file that would leave
// dir is refused, since summary.json may come from elsewhere.
func LoadSuite(dir string) (*Suite, error) {
	path := filepath.Join(dir, SuiteFile)
	var s Suite
	if err := readJSON(path, &s); err != nil {
		return nil, err
	}
	for i := range s.Tests {
		t := &s.Tests[i]
		if t.SummaryFile == "" {
			return nil, fmt.Errorf("%s: test %d (%q) has no summary_file", path, i+1, t.Name)
		}
		if !filepath.IsLocal(filepath.FromSlash(t.SummaryFile)) {
			return nil, fmt.Errorf("%s: test %q: summary_file %q is not a path inside %s", path, t.Name, t.SummaryFile, dir)
		}
		var sum Summary
		if err := readJSON(filepath.Join(dir, filepath.FromSlash(t.SummaryFile)), &sum); err != nil {
			return nil, fmt.Errorf("test %q: %w", t.Name, err)
		}
		t.Summary = &sum
	}
	return &s, nil
}

// readJSON decodes one JSON object from path into v, rejecting trailing data.
func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("reading %s: %w", path, err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return fmt.Errorf("%s: empty file", path)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%s: %w", path, describeJSONError(b, err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return fmt.Errorf("%s: unexpected data after the JSON object", path)
	}
	return nil
}

// describeJSONError adds the line and column to a syntax or type error.
func describeJSONError(b []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(b)) {
		return err
	}
	before := b[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}
