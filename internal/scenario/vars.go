package scenario

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/tmpl"
)

// place says when the value of a scalar must be known.
type place int

const (
	// atCompile: the value shapes the plan (a rate, a duration, a name), so every reference
	// must resolve now, from -e, the environment or its default.
	atCompile place = iota
	// atRunTime: request url, query, headers, json and body, which the flow runner expands
	// per request; references to run-time values are kept as written.
	atRunTime
)

// The built-in run-time variables.
const (
	builtinVU       = "__VU"
	builtinIter     = "__ITER"
	builtinScenario = "__SCENARIO"
)

// expand substitutes the compile-time references of a scalar node's text. At atCompile the
// result is plain text (escapes resolved); at atRunTime it is again a template, with run-time
// references and "$${" escapes kept for the flow runner. It reports every bad reference.
func (c *compiler) expand(n *yaml.Node, path string, at place) (string, bool) {
	s := n.Value
	if !strings.Contains(s, "${") {
		return s, true
	}
	ok := true
	out, err := tmpl.Substitute(s, func(r tmpl.Ref) (string, bool) {
		v, resolved, good := c.resolve(n, path, r, at)
		ok = ok && good
		return v, resolved
	})
	if err != nil {
		var se *tmpl.SyntaxError
		offset := 0
		if errors.As(err, &se) {
			offset = se.Offset
		}
		msg := err.Error()
		if se != nil {
			msg = fmt.Sprintf("bad reference in %q: %s", s, se.Msg)
		}
		c.errAtCol(n, offset, path, msg, "write ${NAME}, ${NAME:-default} or ${fn(args)}; write $${ for a literal ${")
		return "", false
	}
	if !ok {
		return "", false
	}
	if at == atRunTime {
		return out, true
	}
	t, err := tmpl.Parse(out)
	if err != nil {
		c.errAt(n, path, fmt.Sprintf("bad value %q after substitution: %v", out, err), "")
		return "", false
	}
	lit, isLit := t.Literal()
	if !isLit {
		// resolve reported every reference it kept; this is unreachable but must not pass.
		return "", false
	}
	return lit, true
}

// resolve answers one reference: (value, true) to substitute it, ("", false) to keep it.
// good is false when the reference is an error, which resolve has reported.
func (c *compiler) resolve(n *yaml.Node, path string, r tmpl.Ref, at place) (v string, resolved, good bool) {
	if r.Func != "" {
		if at == atCompile {
			c.errAtCol(n, r.Offset, path, fmt.Sprintf("%s() is evaluated per request; it can't set this value", r.Func),
				"functions may appear only in a request's url, query, headers, json or body")
			return "", false, false
		}
		return "", false, c.checkArgs(n, path, r)
	}
	if v, ok := c.vars[r.Name]; ok {
		return v, true, true
	}
	if c.lookupEnv != nil {
		if v, ok := c.lookupEnv(r.Name); ok {
			return v, true, true
		}
	}
	if c.runtime[r.Root()] {
		if at == atCompile {
			c.errAtCol(n, r.Offset, path, fmt.Sprintf("%s is known only at run time (%s); it can't set this value", r.Name, c.runtimeKind(r.Root())),
				"run-time variables may appear only in a request's url, query, headers, json or body")
			return "", false, false
		}
		return "", false, c.checkColumn(n, path, r)
	}
	if r.HasDefault {
		return r.Default, true, true
	}
	hint := fmt.Sprintf("set it with -e %s=… or give a default ${%s:-…}", r.Name, r.Name)
	if s := suggestName(r.Root(), c.knownNames()); s != "" {
		hint = fmt.Sprintf("did you mean %q? or set it with -e %s=… or give a default ${%s:-…}", s, r.Name, r.Name)
	}
	c.errAtCol(n, r.Offset, path, fmt.Sprintf("undefined variable %s", r.Name), hint)
	return "", false, false
}

// checkArgs checks that the bare (unquoted, non-numeric) arguments of a call name something
// known: randomChoice(meeting_ids) reads a captured list, randomInt(1, MAX) a variable.
func (c *compiler) checkArgs(n *yaml.Node, path string, r tmpl.Ref) bool {
	ok := true
	for _, a := range r.Args {
		if _, quoted := tmpl.Unquote(a); quoted {
			continue
		}
		if _, err := strconv.ParseFloat(a, 64); err == nil {
			continue
		}
		root := a
		if i := strings.IndexAny(a, ".["); i >= 0 {
			root = a[:i]
		}
		if r.Func == tmpl.FuncRandomChoice && len(r.Args) > 1 {
			continue // randomChoice(a, b, c): bare words are the choices
		}
		if _, known := c.vars[a]; known {
			continue
		}
		if c.runtime[root] {
			// A feeder's column, read as the runner reads it: as the name ${a}.
			if t, err := tmpl.Parse("${" + a + "}"); err == nil {
				if ref, single := t.Single(); single && ref.Name != "" {
					ref.Offset = r.Offset
					ok = c.checkColumn(n, path, ref) && ok
				}
			}
			continue
		}
		if c.lookupEnv != nil {
			if _, known := c.lookupEnv(a); known {
				continue
			}
		}
		hint := "quote it if it is a literal value"
		if s := suggestName(root, c.knownNames()); s != "" {
			hint = fmt.Sprintf("did you mean %q? %s", s, hint)
		}
		c.errAtCol(n, r.Offset, path, fmt.Sprintf("%s(): undefined variable %s", r.Func, a), hint)
		ok = false
	}
	return ok
}

// baseURLOf is the value BASE_URL has for this file: -e, else the environment, else the
// default of the first ${BASE_URL:-…} reference in the file (in document order), else "".
func (c *compiler) baseURLOf(root *yaml.Node) string {
	if v, ok := c.vars["BASE_URL"]; ok {
		return v
	}
	if v, ok := c.env("BASE_URL"); ok {
		return v
	}
	found, value := false, ""
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || found || seen[n] {
			return
		}
		seen[n] = true
		if n.Kind == yaml.AliasNode {
			walk(n.Alias)
			return
		}
		if n.Kind == yaml.ScalarNode && strings.Contains(n.Value, "${BASE_URL:-") {
			if t, err := tmpl.Parse(n.Value); err == nil {
				for _, r := range t.Refs() {
					if r.Name == "BASE_URL" && r.HasDefault {
						found, value = true, r.Default
						return
					}
				}
			}
		}
		for _, child := range n.Content {
			walk(child)
		}
	}
	walk(root)
	return value
}

// runtimeKind says what a run-time name is, for messages.
func (c *compiler) runtimeKind(root string) string {
	switch {
	case root == builtinVU || root == builtinIter || root == builtinScenario:
		return "a built-in"
	case c.feeders[root]:
		return "a data feeder"
	}
	return "a captured variable"
}

// knownNames lists the names a reference could have meant, for did-you-mean.
func (c *compiler) knownNames() []string {
	var names []string
	for k := range c.vars {
		names = append(names, k)
	}
	for k := range c.runtime {
		names = append(names, k)
	}
	sort.Strings(names)
	return names
}

// collectRuntimeNames finds, before anything is compiled, the names that exist only at run
// time: every capture's `as` anywhere in the file, every feeder under `data`, and the
// built-ins. References to them are kept as templates.
func (c *compiler) collectRuntimeNames(root *yaml.Node) {
	c.runtime = map[string]bool{builtinVU: true, builtinIter: true, builtinScenario: true}
	c.feeders = map[string]bool{}
	if root.Kind != yaml.MappingNode {
		return
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		if root.Content[i].Value == "data" {
			if d := root.Content[i+1]; d.Kind == yaml.MappingNode {
				for j := 0; j < len(d.Content); j += 2 {
					c.runtime[d.Content[j].Value] = true
					c.feeders[d.Content[j].Value] = true
				}
			}
		}
	}
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node, underCapture bool)
	walk = func(n *yaml.Node, underCapture bool) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		switch n.Kind {
		case yaml.AliasNode:
			walk(n.Alias, underCapture)
		case yaml.SequenceNode:
			for _, item := range n.Content {
				walk(item, underCapture)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				if underCapture && k.Value == "as" && v.Kind == yaml.ScalarNode {
					c.runtime[v.Value] = true
				}
				walk(v, k.Value == "capture")
			}
		}
	}
	walk(root, false)
}
