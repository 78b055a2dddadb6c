package scenario

import (
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/datafile"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// feederColumns reads the columns of a data file as the flow runner will (package datafile).
// ok is false when the file cannot be read or parsed now; the runner reports that when the
// test starts (and `ramp validate`, which asks the engine), and templates are not checked
// against it here.
func feederColumns(path string) (columns []string, ok bool) {
	_, columns, err := datafile.Read(path)
	return columns, err == nil
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
