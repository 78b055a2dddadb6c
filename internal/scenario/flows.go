package scenario

import (
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// stepKinds are the keys of a step; a step holds exactly one.
var stepKinds = []string{"request", "think", "group", "pick", "ws"}

// flows compiles `flows`: each a non-empty list of steps.
func (c *compiler) flows(top *obj, cookies bool) map[string]*plan.Flow {
	flows := map[string]*plan.Flow{}
	n, path := top.get("flows")
	if n == nil {
		c.errAt(top.node, "flows", "missing required key \"flows\"", "a flow is a list of steps the scenarios run, e.g. flows: { default: [ { request: { url: … } } ] }")
		return flows
	}
	o := c.object(n, path, nil)
	if o == nil {
		return flows
	}
	for _, name := range o.order {
		v, p := o.get(name)
		f := &plan.Flow{Name: name, Cookies: cookies}
		if v == nil {
			c.errAt(o.keys[name], p, fmt.Sprintf("flow %q has no steps", name), "list its steps, e.g. - request: { url: … }")
		} else {
			f.Steps = c.steps(v, p)
		}
		flows[name] = f
	}
	return flows
}

// onceFlow compiles setup or teardown; nil when absent.
func (c *compiler) onceFlow(top *obj, key string, cookies bool) *plan.Flow {
	n, path := top.get(key)
	if n == nil {
		return nil
	}
	return &plan.Flow{Name: key, Steps: c.steps(n, path), Cookies: cookies}
}

// steps compiles a non-empty list of steps.
func (c *compiler) steps(n *yaml.Node, path string) []plan.Step {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		c.errAt(n, path, "no steps", "list at least one request, think, group or pick")
	}
	steps := make([]plan.Step, 0, len(items))
	for i, item := range items {
		if s, ok := c.step(item, index(path, i)); ok {
			steps = append(steps, s)
		}
	}
	return steps
}

// step compiles one step: a mapping with exactly one of request, think, group or pick.
func (c *compiler) step(n *yaml.Node, path string) (plan.Step, bool) {
	o := c.object(n, path, stepKinds)
	if o == nil {
		return plan.Step{}, false
	}
	var kinds []string
	for _, k := range o.order {
		if contains(stepKinds, k) {
			kinds = append(kinds, k)
		}
	}
	if len(kinds) == 0 {
		if len(o.node.Content) == 0 { // unknown keys were reported by object
			c.errAt(o.node, path, "empty step", "a step holds one of request, think, group, pick or ws")
		}
		return plan.Step{}, false
	}
	for _, extra := range kinds[1:] {
		c.errAt(o.keys[extra], join(path, extra), fmt.Sprintf("a step holds exactly one of request, think, group, pick or ws; this one also has %q", kinds[0]),
			fmt.Sprintf("put %q in a step of its own: - %s: …", extra, extra))
	}
	return c.stepOf(o, kinds[0])
}

// stepOf compiles the step held under key kind of o.
func (c *compiler) stepOf(o *obj, kind string) (plan.Step, bool) {
	s := plan.Step{Line: o.keys[kind].Line}
	v, p := o.get(kind)
	if v == nil {
		c.errAt(o.keys[kind], p, kind+" is empty", "")
		return s, false
	}
	switch kind {
	case "request":
		s.Kind, s.Request = plan.StepRequest, c.request(v, p)
		if s.Request == nil {
			return s, false
		}
		s.Request.Line = s.Line
		return s, true
	case "think":
		t, ok := c.think(v, p)
		s.Kind, s.Think = plan.StepThink, &t
		return s, ok
	case "group":
		s.Kind, s.Group = plan.StepGroup, c.group(v, p)
		return s, s.Group != nil
	case "ws":
		s.Kind, s.WS = plan.StepWS, c.ws(v, p)
		return s, s.WS != nil
	default:
		s.Kind, s.Pick = plan.StepPick, c.pick(v, p)
		return s, s.Pick != nil
	}
}

// think reads a fixed pause ("500ms", or a number of milliseconds) or a uniform range
// ("1s..3s").
func (c *compiler) think(n *yaml.Node, path string) (plan.Think, bool) {
	if n.Kind == yaml.ScalarNode && n.Tag != "!!str" {
		d, ok := c.duration(n, path)
		return plan.Think{Min: d, Max: d}, ok && c.nonNegativeThink(n, path, d, d)
	}
	s, ok := c.typedText(n, path, `a duration or a range such as "1s..3s"`, "!!str")
	if !ok {
		return plan.Think{}, false
	}
	lo, hi, isRange := strings.Cut(s, "..")
	if !isRange {
		hi = lo
	}
	min, err1 := parseDuration(lo)
	max, err2 := parseDuration(hi)
	if err1 != nil || err2 != nil {
		c.errAt(n, path, fmt.Sprintf("expected a duration or a range such as \"1s..3s\", got %q%s", s, from(n, s)),
			`write "500ms" for a fixed pause or "1s..3s" for a random one`)
		return plan.Think{}, false
	}
	if min > max {
		c.errAt(n, path, fmt.Sprintf("think range %q runs backwards", s), fmt.Sprintf("write %s..%s", hi, lo))
		return plan.Think{}, false
	}
	return plan.Think{Min: min, Max: max}, c.nonNegativeThink(n, path, min, max)
}

func (c *compiler) nonNegativeThink(n *yaml.Node, path string, min, max time.Duration) bool {
	if min < 0 || max < 0 {
		c.errAt(n, path, "think time can't be negative", "")
		return false
	}
	return true
}

var groupKeys = []string{"name", "steps"}

// group compiles a named sub-sequence.
func (c *compiler) group(n *yaml.Node, path string) *plan.Group {
	o := c.object(n, path, groupKeys)
	if o == nil {
		return nil
	}
	g := &plan.Group{}
	if o.require("name", "groups are named: it becomes the group tag") {
		o.str("name", &g.Name)
		if strings.Contains(g.Name, "::") {
			v, p := o.get("name")
			c.errAt(v, p, fmt.Sprintf("group name %q contains \"::\", which separates nested groups", g.Name), "")
		}
	}
	if o.require("steps", "") {
		v, p := o.get("steps")
		g.Steps = c.steps(v, p)
	}
	return g
}

var branchKeys = []string{"weight", "steps", "request", "think", "group", "pick", "ws"}

// pick compiles weighted branches; at least one weight must be positive.
func (c *compiler) pick(n *yaml.Node, path string) []plan.Choice {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	choices := make([]plan.Choice, 0, len(items))
	total := 0.0
	for i, item := range items {
		p := index(path, i)
		o := c.object(item, p, branchKeys)
		if o == nil {
			continue
		}
		ch := plan.Choice{}
		if o.require("weight", "a relative weight such as 80") && o.number("weight", &ch.Weight) {
			if ch.Weight < 0 || math.IsNaN(ch.Weight) || math.IsInf(ch.Weight, 0) {
				v, wp := o.get("weight")
				c.errAt(v, wp, fmt.Sprintf("weight can't be negative, got %v", ch.Weight), "")
				ch.Weight = 0
			}
		}
		total += ch.Weight
		var bodies []string
		for _, k := range o.order {
			if k != "weight" {
				bodies = append(bodies, k)
			}
		}
		switch {
		case len(bodies) == 0:
			c.errAt(o.node, p, "a pick branch needs steps (or a single request, think, group or pick)", "add steps: [ … ]")
		case len(bodies) > 1:
			c.errAt(o.keys[bodies[1]], join(p, bodies[1]), fmt.Sprintf("a pick branch holds one of steps, request, think, group or pick; this one also has %q", bodies[0]),
				"wrap them in steps: [ … ]")
		case bodies[0] == "steps":
			v, sp := o.get("steps")
			if v == nil {
				c.errAt(o.keys["steps"], sp, "no steps", "")
			} else {
				ch.Steps = c.steps(v, sp)
			}
		default:
			if s, ok := c.stepOf(o, bodies[0]); ok {
				ch.Steps = []plan.Step{s}
			}
		}
		choices = append(choices, ch)
	}
	if total <= 0 {
		c.errAt(n, path, "pick has no branch with a positive weight", "give at least one branch a weight above 0, e.g. weight: 80")
	}
	return choices
}

var requestKeys = []string{"name", "method", "url", "query", "headers", "json", "body", "timeout",
	"tags", "expect", "checks", "capture"}

var methods = []string{"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}

// request compiles one HTTP request template.
func (c *compiler) request(n *yaml.Node, path string) *plan.Request {
	o := c.object(n, path, requestKeys)
	if o == nil {
		return nil
	}
	r := &plan.Request{Method: "GET", Line: o.node.Line}
	if o.require("url", `e.g. url: "${BASE_URL}/api/meetings"`) {
		v, p := o.get("url")
		if u, ok := c.runtimeText(v, p); ok {
			r.URL = plan.Template(u)
			c.checkURL(v, p, u)
		}
	}
	r.Name = string(r.URL)
	o.str("name", &r.Name)
	if o.str("method", &r.Method) {
		r.Method = strings.ToUpper(r.Method)
		if !contains(methods, r.Method) {
			v, p := o.get("method")
			c.errAt(v, p, fmt.Sprintf("unknown method %q", r.Method), didYouMean(r.Method, methods))
		}
	}
	if v, p := o.get("query"); v != nil {
		r.Query = c.kvs(v, p, true)
	}
	if v, p := o.get("headers"); v != nil {
		r.Header = c.kvs(v, p, false)
	}
	if o.has("json") && o.has("body") {
		c.errAt(o.keys["body"], join(path, "body"), "a request has json or body, not both", "keep json for a JSON document, body for raw text")
	}
	if v, p := o.get("json"); v != nil {
		r.JSON, r.HasJSON = c.value(v, p, atRunTime)
	}
	if v, p := o.get("body"); v != nil {
		if b, ok := c.runtimeText(v, p); ok {
			r.Raw = plan.Template(b)
		}
	}
	o.duration("timeout", &r.Timeout)
	if v, p := o.get("tags"); v != nil {
		r.Tags = c.stringMap(v, p)
	}
	if v, p := o.get("expect"); v != nil {
		r.ExpectedStatus = c.statuses(v, p)
	}
	if v, p := o.get("checks"); v != nil {
		r.Checks = c.checks(v, p)
	}
	if v, p := o.get("capture"); v != nil {
		r.Capture = c.captures(v, p)
	}
	return r
}

// runtimeText reads a scalar of a request field, keeping run-time references.
func (c *compiler) runtimeText(n *yaml.Node, path string) (string, bool) {
	n = c.deref(n)
	if n == nil {
		return "", false
	}
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		c.errAt(n, path, "expected a string, got "+describe(n), "")
		return "", false
	}
	return c.expand(n, path, atRunTime)
}

// checkURL checks a request URL whose scheme and host are literal once compile-time variables
// are substituted: it must be http(s) and its host must be on the allowlist, so that a typo
// never sends load somewhere else. URLs that start with a run-time reference are checked by
// the runner.
func (c *compiler) checkURL(n *yaml.Node, path, u string) {
	literal := u
	if i := strings.Index(u, "${"); i >= 0 {
		literal = u[:i]
		rest := literal
		if j := strings.Index(rest, "://"); j < 0 || !strings.Contains(rest[j+3:], "/") {
			return // the host itself is (partly) a run-time value
		}
	}
	parsed, err := url.Parse(literal)
	if err != nil || parsed.Host == "" || (parsed.Scheme != "http" && parsed.Scheme != "https") {
		c.errAt(n, path, fmt.Sprintf("URL %q is not an absolute http:// or https:// URL", u),
			`start it with ${BASE_URL}, e.g. "${BASE_URL}/api/meetings"`)
		return
	}
	if hostAllowed(parsed, c.hosts) {
		return
	}
	hint := fmt.Sprintf("add %q to options.hosts if this host should receive traffic", hostPort(parsed))
	if len(c.hosts) == 0 && c.baseURL == "" {
		hint = fmt.Sprintf("set BASE_URL (-e BASE_URL=…) or list %q under options.hosts", hostPort(parsed))
	}
	c.errAt(n, path, fmt.Sprintf("host %q is not allowed (allowed: %s)", hostPort(parsed), hostsText(c.hosts)), hint)
}

func hostsText(hosts []string) string {
	if len(hosts) == 0 {
		return "none"
	}
	return strings.Join(hosts, ", ")
}

// kvs compiles query parameters or headers, in file order. A query value may be a list, which
// repeats the parameter.
func (c *compiler) kvs(n *yaml.Node, path string, lists bool) []plan.KV {
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	var kvs []plan.KV
	for _, k := range o.order {
		v, p := o.get(k)
		if v == nil {
			kvs = append(kvs, plan.KV{Key: k})
			continue
		}
		values := []*yaml.Node{v}
		if v.Kind == yaml.SequenceNode && lists {
			values = v.Content
		}
		for i, item := range values {
			ip := p
			if len(values) > 1 || v.Kind == yaml.SequenceNode {
				ip = index(p, i)
			}
			if s, ok := c.runtimeText(item, ip); ok {
				kvs = append(kvs, plan.KV{Key: k, Value: plan.Template(s)})
			}
		}
	}
	return kvs
}

// stringMap compiles a map of tags: any scalar value, as text.
func (c *compiler) stringMap(n *yaml.Node, path string) map[string]string {
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	m := make(map[string]string, len(o.order))
	for _, k := range o.order {
		v, p := o.get(k)
		if v == nil {
			m[k] = ""
			continue
		}
		if s, ok := c.scalar(v, p, "a string"); ok {
			m[k] = s
		}
	}
	return m
}

// statuses reads one HTTP status or a list of them.
func (c *compiler) statuses(n *yaml.Node, path string) []int {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
		if len(items) == 0 {
			c.errAt(n, path, "empty list of statuses", "list at least one, e.g. [200, 201]")
		}
	}
	var out []int
	for i, item := range items {
		p := path
		if n.Kind == yaml.SequenceNode {
			p = index(path, i)
		}
		s, ok := c.integer(item, p)
		if !ok {
			continue
		}
		if s < 100 || s > 599 {
			c.errAt(item, p, fmt.Sprintf("%d is not an HTTP status", s), "statuses run from 100 to 599")
			continue
		}
		out = append(out, int(s))
	}
	return out
}

var checkKinds = []string{"status", "body_contains", "json_path", "header", "duration"}

// checks compiles a request's checks. Each has exactly one kind key and an optional name; the
// default name says what is checked ("status is 200").
func (c *compiler) checks(n *yaml.Node, path string) []plan.Check {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	var out []plan.Check
	for i, item := range items {
		p := index(path, i)
		o := c.object(item, p, append([]string{"name"}, checkKinds...))
		if o == nil {
			continue
		}
		var kinds []string
		for _, k := range o.order {
			if k != "name" {
				kinds = append(kinds, k)
			}
		}
		if len(kinds) == 0 {
			c.errAt(o.node, p, "a check needs one of "+quoteList(checkKinds), "e.g. - status: 200")
			continue
		}
		for _, extra := range kinds[1:] {
			c.errAt(o.keys[extra], join(p, extra), fmt.Sprintf("a check tests one thing; this one also has %q", kinds[0]), "split it into two checks")
		}
		ch, ok := c.check(o, kinds[0])
		if !ok {
			continue
		}
		o.str("name", &ch.Name)
		out = append(out, ch)
	}
	return out
}

// check compiles the check held under key kind.
func (c *compiler) check(o *obj, kind string) (plan.Check, bool) {
	ch := plan.Check{Kind: plan.CheckKind(kind)}
	v, p := o.get(kind)
	if v == nil {
		c.errAt(o.keys[kind], p, kind+" needs a value", "")
		return ch, false
	}
	nerr := len(c.errs)
	switch kind {
	case "status":
		ch.Statuses = c.statuses(v, p)
		parts := make([]string, len(ch.Statuses))
		for i, s := range ch.Statuses {
			parts[i] = strconv.Itoa(s)
		}
		ch.Name = "status is " + strings.Join(parts, " or ")
	case "body_contains":
		ch.Contains, _ = c.str(v, p)
		ch.Name = "body contains " + ch.Contains
	case "json_path":
		ch.Path, ch.Equals, ch.HasEquals = c.pathEquals(v, p, "path")
		ch.Name = describeCheck(ch.Path, ch.Equals, ch.HasEquals)
	case "header":
		ch.Header, ch.Equals, ch.HasEquals = c.pathEquals(v, p, "name")
		ch.Name = "header " + describeCheck(ch.Header, ch.Equals, ch.HasEquals)
	case "duration":
		if do := c.object(v, p, []string{"below"}); do != nil && do.require("below", "e.g. duration: { below: 500ms }") {
			if do.duration("below", &ch.Below) && ch.Below <= 0 {
				bv, bp := do.get("below")
				c.errAt(bv, bp, "below must be more than 0", "")
			}
		}
		ch.Name = fmt.Sprintf("duration < %s", ch.Below)
	}
	return ch, len(c.errs) == nerr
}

// pathEquals reads `key: target` or `key: { <field>: target, equals: value }`.
func (c *compiler) pathEquals(n *yaml.Node, path, field string) (string, any, bool) {
	if n.Kind != yaml.MappingNode {
		s, _ := c.str(n, path)
		if s == "" {
			c.errAt(n, path, "expected a non-empty string", "")
		}
		return s, nil, false
	}
	o := c.object(n, path, []string{field, "equals"})
	var target string
	if o.require(field, "") {
		o.str(field, &target)
	}
	var eq any
	has := false
	if o.keys["equals"] != nil {
		v, p := o.get("equals")
		if v == nil {
			return target, nil, true // equals: null
		}
		eq, has = c.value(v, p, atCompile)
	}
	return target, eq, has
}

// describeCheck names a json_path or header check: "total == 1000" or "meetings.0.id exists".
func describeCheck(target string, eq any, has bool) string {
	if !has {
		return target + " exists"
	}
	return fmt.Sprintf("%s == %v", target, eq)
}

var captureKeys = []string{"json", "header", "regex", "as", "all"}

var captureSources = []string{string(plan.CaptureJSON), string(plan.CaptureHeader), string(plan.CaptureRegex)}

// captures compiles a request's captures.
func (c *compiler) captures(n *yaml.Node, path string) []plan.Capture {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	var out []plan.Capture
	for i, item := range items {
		p := index(path, i)
		o := c.object(item, p, captureKeys)
		if o == nil {
			continue
		}
		var cp plan.Capture
		var sources []string
		for _, k := range o.order {
			if contains(captureSources, k) {
				sources = append(sources, k)
			}
		}
		switch len(sources) {
		case 0:
			c.errAt(o.node, p, "a capture needs one of json, header or regex", "e.g. { json: meetings.0.id, as: meeting_id }")
		default:
			for _, extra := range sources[1:] {
				c.errAt(o.keys[extra], join(p, extra), fmt.Sprintf("a capture reads one source; this one also has %q", sources[0]), "split it into two captures")
			}
			cp.Source = plan.CaptureSource(sources[0])
			if o.str(sources[0], &cp.Expr) {
				c.checkCaptureExpr(o, sources[0], cp.Expr)
			}
		}
		if o.require("as", "the variable later steps read, e.g. as: meeting_id") && o.str("as", &cp.Var) && !identifier.MatchString(cp.Var) {
			v, ap := o.get("as")
			c.errAt(v, ap, fmt.Sprintf("%q is not a variable name", cp.Var), "use letters, digits and _, starting with a letter or _")
		}
		if c.isBuiltin(cp.Var) {
			v, ap := o.get("as")
			c.errAt(v, ap, fmt.Sprintf("%q is a built-in variable", cp.Var), "choose another name")
		}
		o.boolean("all", &cp.All)
		out = append(out, cp)
	}
	return out
}

func (c *compiler) isBuiltin(name string) bool {
	return name == builtinVU || name == builtinIter || name == builtinScenario
}

// checkCaptureExpr checks what can be checked of a capture's expression now.
func (c *compiler) checkCaptureExpr(o *obj, source, expr string) {
	v, p := o.get(source)
	if strings.TrimSpace(expr) == "" {
		c.errAt(v, p, "empty "+source+" expression", "")
		return
	}
	if source == string(plan.CaptureRegex) {
		if _, err := regexp.Compile(expr); err != nil {
			c.errAt(v, p, fmt.Sprintf("bad regular expression %q: %v", expr, err), "use Go (RE2) syntax; group 1, if any, is captured")
		}
	}
}

// value decodes any YAML value for a JSON body, a check's `equals`, or a criterion's spec:
// maps, lists, strings, int64, float64, bools and nil. Strings have their compile-time
// references substituted; a string that is exactly one such reference takes the type of its
// value ("${N:-5}" becomes the number 5), as the spec asks of values typed after substitution.
func (c *compiler) value(n *yaml.Node, path string, at place) (any, bool) {
	n = c.deref(n)
	if n == nil {
		return nil, false
	}
	switch n.Kind {
	case yaml.MappingNode:
		o := c.object(n, path, nil)
		if o == nil {
			return nil, false
		}
		m := make(map[string]any, len(o.order))
		ok := true
		for _, k := range o.order {
			v, good := c.value(o.vals[k], join(path, k), at)
			m[k], ok = v, ok && good
		}
		return m, ok
	case yaml.SequenceNode:
		l := make([]any, len(n.Content))
		ok := true
		for i, item := range n.Content {
			v, good := c.value(item, index(path, i), at)
			l[i], ok = v, ok && good
		}
		return l, ok
	}
	switch n.Tag {
	case "!!null":
		return nil, true
	case "!!bool":
		return c.boolean(n, path)
	case "!!int":
		return c.integer(n, path)
	case "!!float":
		f, ok := c.number(n, path)
		if ok && (math.IsInf(f, 0) || math.IsNaN(f)) {
			c.errAt(n, path, fmt.Sprintf("%s has no JSON form", n.Value), "")
			return nil, false
		}
		return f, ok
	}
	s, ok := c.expand(n, path, at)
	if !ok {
		return nil, false
	}
	if t, err := tmpl.Parse(n.Value); err == nil {
		if _, single := t.Single(); single && !strings.Contains(s, "${") {
			return typed(s), true
		}
	}
	return s, true
}

// typed gives a substituted value its natural type: an integer or a number that prints back
// the same, true or false; anything else stays a string ("007" stays "007").
func typed(s string) any {
	if i, err := strconv.ParseInt(s, 10, 64); err == nil && strconv.FormatInt(i, 10) == s {
		return i
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil && !math.IsInf(f, 0) && !math.IsNaN(f) &&
		strconv.FormatFloat(f, 'f', -1, 64) == s {
		return f
	}
	switch s {
	case "true":
		return true
	case "false":
		return false
	}
	return s
}
