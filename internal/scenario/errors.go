package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// Error is one problem in a scenario file, located precisely enough for an editor to jump to
// it and worded so that the user knows what to change.
type Error struct {
	File         string
	Line, Column int
	// Path is the key path of the offending value, e.g. "scenarios.read.maxVUs" or
	// "flows.browse[2].request.url"; empty for problems with the file as a whole.
	Path string
	Msg  string
	// Hint says what to do, e.g. `did you mean "preAllocatedVUs"?`; may be empty.
	Hint string
}

var (
	_ error = (*Error)(nil)
	_ error = (*Errors)(nil)
	_ error = Errors(nil)
)

// Error formats the problem as
//
//	file.yaml:12:5: scenarios.read.maxVUs: expected an integer, got "lots" (hint: …)
//
// leaving out the parts that are unknown (no line for an unreadable file, no path for a
// problem with the whole document, no hint).
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Column)
	}
	b.WriteString(": ")
	if e.Path != "" {
		b.WriteString(e.Path)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Hint != "" {
		b.WriteString(" (hint: ")
		b.WriteString(e.Hint)
		b.WriteString(")")
	}
	return b.String()
}

// Errors is every problem found in one file, sorted by line and column. Compile and Load return
// it as a *Errors so that a caller can list every problem at once rather than fix them one by one.
type Errors []*Error

// Error lists the problems one per line.
func (e Errors) Error() string {
	lines := make([]string, len(e))
	for i, err := range e {
		lines[i] = err.Error()
	}
	return strings.Join(lines, "\n")
}

// As lets errors.As find the list whether the caller asks for an Errors or a *Errors.
func (e *Errors) As(target any) bool {
	switch t := target.(type) {
	case *Errors:
		*t = *e
		return true
	case **Errors:
		*t = e
		return true
	}
	return false
}

// sortErrors orders the list by position; problems without a position come first, and ties keep
// the order in which they were found.
func sortErrors(errs Errors) {
	sort.SliceStable(errs, func(i, j int) bool {
		if errs[i].Line != errs[j].Line {
			return errs[i].Line < errs[j].Line
		}
		return errs[i].Column < errs[j].Column
	})
}
