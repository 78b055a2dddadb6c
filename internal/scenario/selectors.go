package scenario

import (
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// A metric key's tag selector that names a request, group or scenario the file does not
// define selects no sample: its threshold would silently have no data. The values these three
// tags take are all in the file, so such a selector is an error here. The values are those
// the flow runner puts on samples (package flow, "Tags"):
//
//	name      every request's name, which defaults to its URL template as written, unless the
//	          request's tags set name; the name tag of a scenario's tags (iteration samples)
//	group     "" (steps outside any group) and every group's path as k6 writes it,
//	          "::outer::inner"; the group tag of a request's tags
//	scenario  every scenario's name (the default scenario's is "default"), "setup" and
//	          "teardown" when the file has them; the scenario tag of a request's tags
//
// A scenario's own tags cannot set group or scenario: the built-in tags win over them. Other
// tags (status, method, user tags) are not checked: their values come from the responses or
// from the command line too.
//
// A set is only used when it is known for certain: when a request's name holds a run-time
// reference (${…}), names are not checked; when the flows or the scenarios had errors (a step
// that did not compile names nothing), the tags they define are not checked. (The flow runner
// tags a request with its URL template as written, ${…} and all, so even such a name is known;
// checking it too would be stricter than this rule asks.)

// selectorTags are the tags whose selectors are checked.
var selectorTags = []string{"name", "group", "scenario"}

// tagIndex holds the values the checked tags take in the samples of a run of this file.
type tagIndex struct {
	values map[string]map[string]bool
	// known says, per tag, whether values holds every value the tag can take.
	known map[string]bool
}

// newTagIndex collects the tag values of p. flowsRead and scenariosRead say whether the flows
// (with setup and teardown) and the scenarios compiled without error.
func newTagIndex(p *plan.Plan, flowsRead, scenariosRead bool) *tagIndex {
	x := &tagIndex{values: map[string]map[string]bool{}, known: map[string]bool{}}
	for _, t := range selectorTags {
		x.values[t] = map[string]bool{}
	}
	x.values["group"][""] = true
	templated := false
	var walk func(steps []plan.Step, group string)
	walk = func(steps []plan.Step, group string) {
		for _, s := range steps {
			switch {
			case s.Request != nil:
				// A request's tags win over its name (and over group and scenario).
				name, tagged := s.Request.Tags["name"]
				if !tagged {
					if name = s.Request.Name; name == "" {
						name = string(s.Request.URL)
					}
				}
				templated = templated || strings.Contains(name, "${")
				x.values["name"][name] = true
				for _, t := range selectorTags[1:] {
					if v, ok := s.Request.Tags[t]; ok {
						x.values[t][v] = true
					}
				}
			case s.WS != nil:
				name, tagged := s.WS.Tags["name"]
				if !tagged {
					name = s.WS.Name
				}
				templated = templated || strings.Contains(name, "${")
				x.values["name"][name] = true
				for _, t := range selectorTags[1:] {
					if v, ok := s.WS.Tags[t]; ok {
						x.values[t][v] = true
					}
				}
			case s.Group != nil:
				path := group + "::" + s.Group.Name
				x.values["group"][path] = true
				walk(s.Group.Steps, path)
			case s.Pick != nil:
				for _, ch := range s.Pick {
					walk(ch.Steps, group)
				}
			}
		}
	}
	for _, f := range p.Flows {
		walk(f.Steps, "")
	}
	for name, f := range map[string]*plan.Flow{"setup": p.Setup, "teardown": p.Teardown} {
		if f != nil {
			walk(f.Steps, "")
			x.values["scenario"][name] = true
		}
	}
	for _, sc := range p.Scenarios {
		x.values["scenario"][sc.Name] = true
		if v, ok := sc.Tags["name"]; ok {
			x.values["name"][v] = true
		}
	}
	x.known["name"] = flowsRead && scenariosRead && !templated
	x.known["group"] = flowsRead
	x.known["scenario"] = flowsRead && scenariosRead
	return x
}

// selectorWhat names what each checked tag's values are, for messages.
var selectorWhat = map[string]string{"name": "request", "group": "group", "scenario": "scenario"}

// checkSelectors reports every name, group or scenario selector of the metric key that
// matches no sample of this file, with a did-you-mean. n is the node the key was read from —
// a mapping key for a threshold, or the scalar holding a criterion's metric — and path its
// key path; the error points at the selector's value inside it. A key that does not parse is
// left to the caller, which reports it.
func (c *compiler) checkSelectors(n *yaml.Node, path, key string) {
	if c.tagIndex == nil {
		return
	}
	_, tags, err := metrics.ParseKey(key)
	if err != nil {
		return
	}
	for _, t := range tags {
		if !c.tagIndex.known[t.Key] || c.tagIndex.values[t.Key][t.Value] {
			continue
		}
		what := selectorWhat[t.Key]
		msg := fmt.Sprintf("no %s is named %q: %s:%s selects no sample", what, t.Value, t.Key, t.Value)
		if t.Key == "group" {
			msg = fmt.Sprintf("no group has the path %q: group:%s selects no sample", t.Value, t.Value)
		}
		c.errAtCol(n, selectorOffset(key, t.Key), path, msg, c.tagIndex.hint(t.Key, t.Value))
	}
}

// hint suggests the value a selector probably meant: the closest one, or the list.
func (x *tagIndex) hint(tag, value string) string {
	var candidates []string
	for v := range x.values[tag] {
		if v != "" {
			candidates = append(candidates, v)
		}
	}
	sort.Strings(candidates)
	if tag == "group" && x.values["group"]["::"+value] {
		return fmt.Sprintf(`did you mean "::%s"? k6 writes a group's path from the top, each name after "::"`, value)
	}
	if s := suggestName(value, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	if len(candidates) == 0 {
		return fmt.Sprintf("this file defines no %s to select", selectorWhat[tag])
	}
	const most = 10
	list := candidates
	more := ""
	if len(list) > most {
		list, more = list[:most], fmt.Sprintf(" and %d more", len(candidates)-most)
	}
	return fmt.Sprintf("the %ss of this file: %s%s", selectorWhat[tag], strings.Join(quoteAll(list), ", "), more)
}

// quoteAll quotes each string.
func quoteAll(list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// selectorOffset is the byte offset, in a metric key as written, of the value of its tag
// selector's tag (after any spaces); 0 when it cannot be found. It scans as metrics.ParseKey
// does: tags separated by ',' inside the braces, key and value by the first ':'.
func selectorOffset(key, tag string) int {
	open := strings.IndexByte(key, '{')
	if open < 0 {
		return 0
	}
	pos := open + 1
	for _, part := range strings.Split(key[open+1:], ",") {
		if k, v, ok := strings.Cut(part, ":"); ok && strings.TrimSpace(k) == tag {
			return pos + len(k) + 1 + len(v) - len(strings.TrimLeft(v, " \t"))
		}
		pos += len(part) + 1
	}
	return 0
}
