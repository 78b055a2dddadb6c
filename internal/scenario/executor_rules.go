package scenario

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// checkExecutor asks executor.Validate — the checks executor.New makes before a run — about
// the compiled scenario s, and reports each problem at the key it names (the scenario itself
// when the key is not in the file). from is the number of errors recorded before the
// scenario was compiled: a problem with an option the compiler could not read (a wrong
// type, a missing or misspelt key) is not reported again in the executor's words, since the
// value the executor saw is only a stand-in.
func (c *compiler) checkExecutor(o *obj, s plan.Scenario, from int) {
	err := executor.Validate(s)
	var problems executor.Problems
	if err == nil || !errors.As(err, &problems) {
		if err != nil {
			c.errAt(o.node, o.path, err.Error(), "")
		}
		return
	}
	unread := c.unreadOptions(o, from)
	reported := map[string]bool{}
	for _, p := range problems {
		if skipProblem(p.Field, unread) {
			continue
		}
		// maxVUs left out is preAllocatedVUs: one mistake, reported once, at preAllocatedVUs.
		if p.Field == "maxVUs" && !o.has("maxVUs") && reported["preAllocatedVUs"] {
			continue
		}
		reported[p.Field] = true
		n, path, present := c.locate(o, p.Field)
		hint := p.Hint
		if !present && p.Field != "" && p.Field != "stages" {
			if d, ok := optionDefaults[rootKey(p.Field)]; ok {
				hint = strings.TrimPrefix(hint+"; ", "; ") + fmt.Sprintf("%s is not set, so it is %s", p.Field, d)
			}
		}
		c.errAt(n, path, p.Msg, hint)
	}
}

// optionDefaults says, for a problem with an option the file leaves out, where its value
// came from (k6's defaults, as set by the executor functions of scenarios.go).
var optionDefaults = map[string]string{
	"vus":         "1",
	"iterations":  "1",
	"startVUs":    "1",
	"startRate":   "0",
	"timeUnit":    DefaultTimeUnit.String(),
	"maxDuration": "10m",
	"maxVUs":      "preAllocatedVUs",
}

// unreadOptions lists, relative to the scenario ("vus", "stages[1].duration"), the options
// whose value the compiler could not read: those with an error recorded since from, and those
// a misspelt key was reported for.
func (c *compiler) unreadOptions(o *obj, from int) []string {
	var unread []string
	prefix := o.path + "."
	for _, e := range c.errs[from:] {
		if rel, ok := strings.CutPrefix(e.Path, prefix); ok {
			unread = append(unread, rel)
		}
	}
	for _, u := range o.unknown {
		if s := suggestName(u, allKeys()); s != "" {
			unread = append(unread, s)
		}
	}
	// maxVUs left out is preAllocatedVUs, unread when that is.
	if !o.has("maxVUs") && skipProblem("preAllocatedVUs", unread) {
		unread = append(unread, "maxVUs")
	}
	return unread
}

// skipProblem says whether a problem with field depends on an unread option: the same key,
// one inside it ("stages" and "stages[0].target"), or the key holding it. A problem with the
// whole scenario ("") depends on every option but exec and tags.
func skipProblem(field string, unread []string) bool {
	for _, u := range unread {
		switch {
		case field == "":
			if r := rootKey(u); r != "exec" && r != "tags" {
				return true
			}
		case u == field, within(u, field), within(field, u):
			return true
		}
	}
	return false
}

// within says whether path a lies inside path b: "stages[0].target" inside "stages[0]" and
// "stages".
func within(a, b string) bool {
	return strings.HasPrefix(a, b+".") || strings.HasPrefix(a, b+"[")
}

// rootKey is the first key of a relative path: "stages" for "stages[1].target".
func rootKey(field string) string {
	if i := strings.IndexAny(field, ".["); i >= 0 {
		return field[:i]
	}
	return field
}

// locate finds the node of a problem's field ("maxVUs", "stages[1].target", "stages", or ""
// for the scenario) and its key path. It falls back to the nearest enclosing node that is in
// the file; present is false then.
func (c *compiler) locate(o *obj, field string) (n *yaml.Node, path string, present bool) {
	if field == "" {
		return o.node, o.path, true
	}
	path = join(o.path, field)
	root := rootKey(field)
	v, _ := o.get(root)
	if v == nil {
		return o.node, path, false
	}
	rest := field[len(root):]
	for rest != "" {
		switch rest[0] {
		case '[':
			end := strings.IndexByte(rest, ']')
			i, err := strconv.Atoi(rest[1:end])
			rest = rest[end+1:]
			if v = c.deref(v); err != nil || v == nil || v.Kind != yaml.SequenceNode || i >= len(v.Content) {
				return o.node, path, false
			}
			v = v.Content[i]
		case '.':
			key := rest[1:]
			if end := strings.IndexAny(key, ".["); end >= 0 {
				key = key[:end]
			}
			rest = rest[1+len(key):]
			parent := c.deref(v)
			if v = mappingValue(parent, key); v == nil {
				return parent, path, false
			}
		}
	}
	return v, path, true
}

// mappingValue returns the value of key in mapping n, without reporting anything; nil when
// n is not a mapping or has no such key.
func mappingValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
