package scenario

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

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/tmpl"
)

// maxFeederBytes is the flow runner's bound on a data file (package flow, maxFeederBytes):
// a larger file is not read here either.
const maxFeederBytes = 512 << 20

// feederColumns reads the columns of a data file as the flow runner will (package flow,
// loadFeeder): a CSV file's header row, or the union of the keys of a JSON array's objects.
// ok is false when the file cannot be read or parsed now; the runner reports that when the
// test starts, and templates are not checked against it.
func feederColumns(path string) (columns []string, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	raw, err := io.ReadAll(io.LimitReader(f, maxFeederBytes+1))
	if err != nil || len(raw) > maxFeederBytes {
		return nil, false
	}
	raw = bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	var set map[string]bool
	if strings.EqualFold(filepath.Ext(path), ".json") {
		set, err = jsonColumns(raw)
	} else {
		set, err = csvColumns(raw)
	}
	if err != nil || len(set) == 0 {
		return nil, false
	}
	for c := range set {
		columns = append(columns, c)
	}
	sort.Strings(columns)
	return columns, true
}

// csvColumns reads a CSV header row, its names trimmed of spaces.
func csvColumns(raw []byte) (map[string]bool, error) {
	header, err := csv.NewReader(bytes.NewReader(raw)).Read()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, h := range header {
		set[strings.TrimSpace(h)] = true
	}
	return set, nil
}

// jsonColumns reads a JSON array of objects and returns every key of every object.
func jsonColumns(raw []byte) (map[string]bool, error) {
	var rows []map[string]json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, r := range rows {
		if r == nil {
			return nil, errors.New("an element is not an object")
		}
		for k := range r {
			set[k] = true
		}
	}
	return set, nil
}

// checkColumn reports a reference ${feeder.column} whose feeder's file was read and has no
// such column: the flow runner refuses it before any traffic. r is the reference (as found in
// n's text at r.Offset); references to anything but a feeder with known columns pass.
func (c *compiler) checkColumn(n *yaml.Node, path string, r tmpl.Ref) bool {
	root := r.Root()
	columns, ok := c.columns[root]
	if !c.feeders[root] || !ok {
		return true
	}
	elems := r.Path()
	if len(elems) == 0 || elems[0].IsIndex {
		return true
	}
	col := elems[0].Field
	for _, have := range columns {
		if have == col {
			return true
		}
	}
	hint := fmt.Sprintf("its columns are %s", quoteList(columns))
	if s := suggestName(col, columns); s != "" {
		hint = fmt.Sprintf("did you mean %q? %s", s, hint)
	}
	offset := r.Offset
	if n != nil && strings.HasPrefix(n.Value[min(r.Offset, len(n.Value)):], "${"+r.Name) {
		offset += len("${" + root + ".") // point at the column
	}
	c.errAtCol(n, offset, path, fmt.Sprintf("data %s has no column %q", root, col), hint)
	return false
}
