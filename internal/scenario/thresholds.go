package scenario

import (
	"errors"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

var thresholdRuleKeys = []string{"threshold", "abortOnFail", "delayAbortEval"}

// thresholds compiles k6 thresholds, in file order: a metric key (a built-in metric, with an
// optional tag selector) and a list of expressions, each a string or k6's object form.
func (c *compiler) thresholds(top *obj) []plan.Threshold {
	n, path := top.get("thresholds")
	if n == nil {
		return nil
	}
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	var out []plan.Threshold
	for _, key := range o.order {
		k := o.keys[key]
		p := join(path, key)
		t := plan.Threshold{Metric: key, Line: k.Line}
		name, _, err := metrics.ParseKey(key)
		known := false
		switch {
		case err != nil:
			c.errAt(k, p, err.Error(), "write name or name{tag:value}, e.g. http_req_duration{name:meetings_list}")
		default:
			if _, known = metrics.Lookup(name); !known {
				c.errAt(k, p, fmt.Sprintf("unknown metric %q", name), didYouMean(name, builtinNames()))
			} else {
				c.checkSelectors(k, p, key)
			}
		}
		v, _ := o.get(key)
		if v == nil {
			c.errAt(k, p, "a threshold needs a list of expressions", `e.g. ["p(95)<800"]`)
			continue
		}
		items, ok := c.list(v, p)
		if !ok {
			continue
		}
		// An empty list is k6's idiom for showing a (sub-)metric in the summary: it is tracked
		// and shown, and judges nothing.
		for i, item := range items {
			if r, ok := c.thresholdRule(item, index(p, i), key, known); ok {
				t.Rules = append(t.Rules, r)
			}
		}
		out = append(out, t)
	}
	return out
}

// thresholdRule compiles one expression, "p(95)<800" or { threshold, abortOnFail,
// delayAbortEval }. The syntax is checked here, to point at the column; whether the
// aggregation fits the metric is asked of threshold.Compile, so that the file is accepted
// exactly when the threshold evaluator will accept it.
func (c *compiler) thresholdRule(n *yaml.Node, path, metric string, known bool) (plan.ThresholdRule, bool) {
	var r plan.ThresholdRule
	n = c.deref(n)
	if n == nil {
		return r, false
	}
	exprNode, exprPath := n, path
	if n.Kind == yaml.MappingNode {
		o := c.object(n, path, thresholdRuleKeys)
		if o == nil || !o.require("threshold", `e.g. threshold: "p(95)<800"`) {
			return r, false
		}
		o.boolean("abortOnFail", &r.AbortOnFail)
		o.duration("delayAbortEval", &r.DelayAbortEval)
		exprNode, exprPath = o.get("threshold")
	}
	s, ok := c.str(exprNode, exprPath)
	if !ok {
		return r, false
	}
	r.Expression = s
	if _, err := threshold.ParseExpression(s); err != nil {
		var se *threshold.SyntaxError
		offset := 0
		if errors.As(err, &se) {
			offset = byteOffset(s, se.Column-1)
		}
		c.errAtCol(exprNode, offset, exprPath, err.Error(), `k6 syntax: aggregation operator number, e.g. "p(95)<800", "rate<0.01", "count>100"`)
		return r, false
	}
	if !known {
		return r, true
	}
	if _, err := threshold.Compile([]plan.Threshold{{Metric: metric, Rules: []plan.ThresholdRule{r}}}); err != nil {
		msg := err.Error()
		var ce *threshold.CompileError
		if errors.As(err, &ce) {
			msg = ce.Err.Error()
		}
		c.errAt(exprNode, exprPath, msg, "")
		return r, false
	}
	return r, true
}

// byteOffset converts a rune index of s into a byte offset.
func byteOffset(s string, runes int) int {
	i := 0
	for off := range s {
		if i == runes {
			return off
		}
		i++
	}
	return len(s)
}

var severities = []string{"fail", "warn"}

// criteria compiles the SLO rules k6 cannot express, a list of maps: name, kind (or rule),
// severity (fail or warn, default fail), abortOnFail, and the rule's own keys, which
// criteria.Parse checks and types — the same parse a run uses, so validate and run agree.
func (c *compiler) criteria(top *obj) []plan.Criterion {
	var out []plan.Criterion
	for _, o := range c.specList(top, "criteria") {
		raw := criteria.Raw{Severity: "fail", Line: o.node.Line, Column: o.node.Column}
		o.str("name", &raw.Name)
		o.str("kind", &raw.Kind)
		if !o.has("kind") && !o.has("rule") {
			c.errAt(o.node, o.path, "a criterion needs a kind or a rule", "e.g. { name: throughput, rule: \"http_reqs rate < 400 for 30s\" }")
			continue
		}
		if o.str("severity", &raw.Severity) && !contains(severities, raw.Severity) {
			v, p := o.get("severity")
			c.errAt(v, p, fmt.Sprintf("unknown severity %q", raw.Severity), didYouMean(raw.Severity, severities))
			continue
		}
		o.boolean("abortOnFail", &raw.AbortOnFail)
		raw.Spec = c.spec(o, "name", "kind", "severity", "abortOnFail")
		parsed, err := criteria.Parse([]criteria.Raw{raw})
		if err != nil {
			for _, e := range unjoin(err) {
				msg := e.Error()
				var ce *criteria.CriterionError
				if errors.As(e, &ce) {
					msg = ce.Err.Error()
					if ce.Name != "" {
						msg = fmt.Sprintf("criterion %q: %s", ce.Name, msg)
					}
				}
				c.errAt(o.node, o.path, msg, "")
			}
			continue
		}
		out = append(out, parsed...)
	}
	return out
}

// unjoin flattens errors.Join's tree into its leaves.
func unjoin(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, unjoin(e)...)
		}
		return out
	}
	return []error{err}
}

// monitors compiles the target watchers, a list of maps: name, kind, and the watcher's own
// keys, which monitor.Parse checks and types — the parse a run's monitors come from, so
// validate and run agree — each problem reported at its monitor.
func (c *compiler) monitors(top *obj) []plan.Monitor {
	var raws []monitor.Raw
	nodes := map[int]*obj{}
	for _, o := range c.specList(top, "monitors") {
		r := monitor.Raw{Line: o.node.Line, Column: o.node.Column}
		o.str("name", &r.Name)
		if !o.require("kind", "e.g. kind: process, prometheus, postgres or redis") {
			continue // reported; nothing more to check
		}
		o.str("kind", &r.Kind)
		r.Spec = c.spec(o, "name", "kind")
		r.Refs = c.refs(o, "name", "kind")
		raws = append(raws, r)
		nodes[r.Line] = o
	}
	out, err := monitor.Parse(raws)
	for _, e := range unjoin(err) {
		var ce *monitor.ConfigError
		if !errors.As(e, &ce) || nodes[ce.Line] == nil {
			c.errAt(top.node, "monitors", e.Error(), "")
			continue
		}
		o := nodes[ce.Line]
		for _, line := range strings.Split(ce.Err.Error(), "\n") {
			c.errAt(o.node, o.path, fmt.Sprintf("monitor %q: %s", ce.Monitor, line), "")
		}
	}
	return out
}

// refs lists the variables named by each scalar key of o (but skip) written with ${...}
// references; nil when there is none.
func (c *compiler) refs(o *obj, skip ...string) map[string][]string {
	var out map[string][]string
	for _, k := range o.order {
		n := c.deref(o.vals[k])
		if contains(skip, k) || n == nil || n.Kind != yaml.ScalarNode || !strings.Contains(n.Value, "${") {
			continue
		}
		t, err := tmpl.Parse(n.Value)
		if err != nil {
			continue // reported by spec already
		}
		for _, r := range t.Refs() {
			if r.Name == "" || contains(out[k], r.Name) {
				continue
			}
			if out == nil {
				out = map[string][]string{}
			}
			out[k] = append(out[k], r.Name)
		}
	}
	return out
}

// specList reads a list of mappings under key.
func (c *compiler) specList(top *obj, key string) []*obj {
	n, path := top.get(key)
	if n == nil {
		return nil
	}
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	var out []*obj
	for i, item := range items {
		if o := c.object(item, index(path, i), nil); o != nil {
			out = append(out, o)
		}
	}
	return out
}

// spec decodes the keys of o other than skip.
func (c *compiler) spec(o *obj, skip ...string) map[string]any {
	m := map[string]any{}
	for _, k := range o.order {
		if contains(skip, k) {
			continue
		}
		if v, ok := c.value(o.vals[k], join(o.path, k), atCompile); ok {
			m[k] = v
		}
	}
	return m
}
