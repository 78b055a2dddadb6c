package scenario

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxAliases bounds how many alias dereferences one file may cause, so that a "billion laughs"
// document gets an error instead of an exponential walk.
const maxAliases = 10000

// deref follows aliases to the node they name.
func (c *compiler) deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode {
		c.aliases++
		if c.aliases > maxAliases {
			if !c.aliasErr {
				c.aliasErr = true
				c.errAt(n, "", "too many alias expansions", "the file expands anchors more than 10000 times; write the values out")
			}
			return nil
		}
		n = n.Alias
	}
	return n
}

// join appends a key to a key path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// index appends a list index to a key path.
func index(path string, i int) string {
	return fmt.Sprintf("%s[%d]", path, i)
}

// describe names what a node holds, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	if n == nil {
		return "nothing"
	}
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.Tag {
		case "!!null":
			return "nothing (null)"
		case "!!str":
			return strconv.Quote(n.Value)
		}
		return n.Value
	}
	return "an alias"
}

// obj is a mapping node whose keys have been checked: no duplicates, none unknown.
type obj struct {
	c    *compiler
	node *yaml.Node
	path string
	vals map[string]*yaml.Node
	keys map[string]*yaml.Node
	// order lists the keys as written.
	order []string
	// unknown lists the keys reported as unknown, so that a misspelt required key is
	// reported once (as a typo), not twice (as a typo and as missing).
	unknown []string
}

// object checks that n is a mapping whose keys are all in allowed (any key when allowed is nil),
// each once. It reports every problem and returns nil only when n is not a mapping at all.
// Merge keys (<<: *anchor) are expanded; explicit keys win over merged ones.
func (c *compiler) object(n *yaml.Node, path string, allowed []string) *obj {
	n = c.deref(n)
	if n == nil {
		return nil
	}
	if n.Kind != yaml.MappingNode {
		c.errAt(n, path, "expected a mapping (key: value lines), got "+describe(n), "")
		return nil
	}
	o := &obj{c: c, node: n, path: path, vals: map[string]*yaml.Node{}, keys: map[string]*yaml.Node{}}
	merged := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := c.deref(n.Content[i]), n.Content[i+1]
		if k == nil {
			continue
		}
		if k.Kind != yaml.ScalarNode {
			c.errAt(k, path, "a key must be a plain name, got "+describe(k), "")
			continue
		}
		if k.Tag == "!!merge" {
			c.merge(o, v, merged)
			continue
		}
		name := k.Value
		if first, dup := o.keys[name]; dup && !merged[name] {
			c.errAt(k, join(path, name), fmt.Sprintf("duplicate key %q (first at line %d)", name, first.Line), "remove one of them")
			continue
		}
		if allowed != nil && !contains(allowed, name) {
			c.errAt(k, join(path, name), fmt.Sprintf("unknown key %q", name), didYouMean(name, allowed))
			o.unknown = append(o.unknown, name)
			continue
		}
		if !merged[name] {
			o.order = append(o.order, name)
		}
		delete(merged, name)
		o.keys[name], o.vals[name] = k, v
	}
	return o
}

// merge adds the pairs of a merge key's mapping (or list of mappings) to o, without overriding.
func (c *compiler) merge(o *obj, v *yaml.Node, merged map[string]bool) {
	v = c.deref(v)
	if v == nil {
		return
	}
	var sources []*yaml.Node
	switch v.Kind {
	case yaml.MappingNode:
		sources = []*yaml.Node{v}
	case yaml.SequenceNode:
		for _, s := range v.Content {
			if s = c.deref(s); s != nil {
				sources = append(sources, s)
			}
		}
	}
	for _, s := range sources {
		if s.Kind != yaml.MappingNode {
			c.errAt(s, o.path, "a merge key (<<) needs a mapping, got "+describe(s), "")
			continue
		}
		sub := c.object(s, o.path, nil)
		if sub == nil {
			continue
		}
		for _, name := range sub.order {
			if _, ok := o.keys[name]; ok {
				continue
			}
			o.order = append(o.order, name)
			o.keys[name], o.vals[name] = sub.keys[name], sub.vals[name]
			merged[name] = true
		}
	}
}

// get returns the value of key and its path; nil when absent or null.
func (o *obj) get(key string) (*yaml.Node, string) {
	v := o.c.deref(o.vals[key])
	if v == nil || v.Kind == yaml.ScalarNode && v.Tag == "!!null" {
		return nil, join(o.path, key)
	}
	return v, join(o.path, key)
}

// has says whether key is present with a non-null value.
func (o *obj) has(key string) bool {
	v, _ := o.get(key)
	return v != nil
}

// require reports a missing key, at the mapping's position.
func (o *obj) require(key, hint string) bool {
	if o.has(key) {
		return true
	}
	for _, u := range o.unknown {
		if suggestName(u, []string{key}) == key {
			return false // already reported as a typo of key
		}
	}
	o.c.errAt(o.node, join(o.path, key), fmt.Sprintf("missing required key %q", key), hint)
	return false
}

// str reads an optional string key into dst; see compiler.str.
func (o *obj) str(key string, dst *string) bool {
	if v, p := o.get(key); v != nil {
		s, ok := o.c.str(v, p)
		if ok {
			*dst = s
		}
		return ok
	}
	return false
}

// integer reads an optional integer key into dst.
func (o *obj) integer(key string, dst *int64) bool {
	if v, p := o.get(key); v != nil {
		i, ok := o.c.integer(v, p)
		if ok {
			*dst = i
		}
		return ok
	}
	return false
}

// count reads an optional integer key into an int.
func (o *obj) count(key string, dst *int) bool {
	var i int64
	if !o.integer(key, &i) {
		return false
	}
	*dst = int(i)
	return true
}

// number reads an optional number key into dst.
func (o *obj) number(key string, dst *float64) bool {
	if v, p := o.get(key); v != nil {
		f, ok := o.c.number(v, p)
		if ok {
			*dst = f
		}
		return ok
	}
	return false
}

// boolean reads an optional boolean key into dst.
func (o *obj) boolean(key string, dst *bool) bool {
	if v, p := o.get(key); v != nil {
		b, ok := o.c.boolean(v, p)
		if ok {
			*dst = b
		}
		return ok
	}
	return false
}

// duration reads an optional duration key into dst; negative durations are reported.
func (o *obj) duration(key string, dst *time.Duration) bool {
	if v, p := o.get(key); v != nil {
		d, ok := o.c.duration(v, p)
		if ok && d < 0 {
			o.c.errAt(v, p, fmt.Sprintf("%s can't be negative, got %s", key, d), "")
			return false
		}
		if ok {
			*dst = d
		}
		return ok
	}
	return false
}

// scalar returns the text of a scalar node with its compile-time references substituted.
func (c *compiler) scalar(n *yaml.Node, path, want string) (string, bool) {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.errAt(n, path, fmt.Sprintf("expected %s, got %s", want, describe(n)), "")
		return "", false
	}
	return c.expand(n, path, atCompile)
}

// str reads a string. Only YAML strings are accepted: `name: 404` is a number and is reported,
// so that the file means the same to the schema and to ramp.
func (c *compiler) str(n *yaml.Node, path string) (string, bool) {
	n = c.deref(n)
	if n == nil {
		return "", false
	}
	if n.Kind == yaml.ScalarNode && n.Tag != "!!str" && n.Tag != "!!null" {
		c.errAt(n, path, "expected a string, got "+describe(n), fmt.Sprintf("quote it: %q", n.Value))
		return "", false
	}
	return c.scalar(n, path, "a string")
}

// templated says whether a string scalar holds a reference, the only way a string may stand
// where a number, duration or boolean is expected.
func templated(n *yaml.Node) bool {
	return n.Tag == "!!str" && strings.Contains(n.Value, "${")
}

// typedText returns the text of a scalar that must be of YAML type tag (or a reference that
// becomes one); want names the type for the message.
func (c *compiler) typedText(n *yaml.Node, path, want string, tags ...string) (string, bool) {
	n = c.deref(n)
	if n == nil {
		return "", false
	}
	if n.Kind == yaml.ScalarNode && !contains(tags, n.Tag) && !templated(n) {
		c.errAt(n, path, fmt.Sprintf("expected %s, got %s", want, describe(n)), "")
		return "", false
	}
	return c.scalar(n, path, want)
}

// integer reads a whole number (decimal, or YAML's 0x/0o forms).
func (c *compiler) integer(n *yaml.Node, path string) (int64, bool) {
	s, ok := c.typedText(n, path, "an integer", "!!int")
	if !ok {
		return 0, false
	}
	i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 0, 64)
	if err != nil {
		c.errAt(n, path, fmt.Sprintf("expected an integer, got %q%s", s, from(n, s)), "")
		return 0, false
	}
	return i, true
}

// number reads an integer or a decimal number.
func (c *compiler) number(n *yaml.Node, path string) (float64, bool) {
	s, ok := c.typedText(n, path, "a number", "!!int", "!!float")
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		if i, ierr := strconv.ParseInt(s, 0, 64); ierr == nil {
			return float64(i), true
		}
		c.errAt(n, path, fmt.Sprintf("expected a number, got %q%s", s, from(n, s)), "")
		return 0, false
	}
	return f, true
}

// boolean reads true or false.
func (c *compiler) boolean(n *yaml.Node, path string) (bool, bool) {
	s, ok := c.typedText(n, path, "true or false", "!!bool")
	if !ok {
		return false, false
	}
	switch strings.ToLower(s) {
	case "true":
		return true, true
	case "false":
		return false, true
	}
	c.errAt(n, path, fmt.Sprintf("expected true or false, got %q%s", s, from(n, s)), "")
	return false, false
}

// duration reads a duration: a string as parseDuration reads it, or a number of milliseconds.
func (c *compiler) duration(n *yaml.Node, path string) (time.Duration, bool) {
	n = c.deref(n)
	if n == nil {
		return 0, false
	}
	if n.Kind == yaml.ScalarNode && (n.Tag == "!!int" || n.Tag == "!!float") {
		f, err := strconv.ParseFloat(n.Value, 64)
		if err == nil {
			d, err := millis(f)
			if err == nil {
				return d, true
			}
		}
		c.errAt(n, path, fmt.Sprintf("expected a duration, got %s", n.Value), `write it with a unit, e.g. "30s"`)
		return 0, false
	}
	s, ok := c.typedText(n, path, "a duration", "!!str")
	if !ok {
		return 0, false
	}
	d, err := parseDuration(s)
	if err != nil {
		c.errAt(n, path, fmt.Sprintf("expected a duration, got %q%s", s, from(n, s)),
			`use a number with a unit (ms, s, m, h, d), e.g. "500ms", "30s", "1h30m"; a bare number is milliseconds`)
		return 0, false
	}
	return d, true
}

// from explains where a bad value came from when a reference produced it.
func from(n *yaml.Node, got string) string {
	if n.Value != got {
		return fmt.Sprintf(" (from %s)", n.Value)
	}
	return ""
}

// list checks that n is a sequence and returns its items.
func (c *compiler) list(n *yaml.Node, path string) ([]*yaml.Node, bool) {
	n = c.deref(n)
	if n == nil {
		return nil, false
	}
	if n.Kind != yaml.SequenceNode {
		c.errAt(n, path, "expected a list, got "+describe(n), "write the items as `- item` lines or [a, b]")
		return nil, false
	}
	return n.Content, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
