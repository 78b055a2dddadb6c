package scenario

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/plan"
)

// The keys of a ws step, of its program's steps, and of their bodies.
var (
	wsKeys        = []string{"name", "url", "headers", "subprotocols", "timeout", "tags", "steps"}
	wsStepKinds   = []string{"send", "expect", "ping", "close"}
	wsSendKeys    = []string{"text", "binary", "size", "count", "every", "reply"}
	wsExpectKeys  = []string{"name", "json", "equals", "regex", "timeout", "capture"}
	wsPingKeys    = []string{"timeout"}
	wsCloseKeys   = []string{"code", "reason"}
	wsCaptureSrcs = []string{string(plan.CaptureJSON), string(plan.CaptureRegex)}
)

// Defaults of the ws steps.
const (
	defaultWSExpectTimeout = 10 * time.Second
	defaultWSPingTimeout   = 10 * time.Second
	maxWSSendCount         = 1_000_000
	maxWSMessageSize       = 16 << 20
)

// ws compiles a WebSocket session: a URL, the handshake's headers and subprotocols, and a
// program of send, expect, ping and close steps.
func (c *compiler) ws(n *yaml.Node, path string) *plan.WS {
	o := c.object(n, path, wsKeys)
	if o == nil {
		return nil
	}
	w := &plan.WS{Line: o.node.Line}
	if o.require("url", `e.g. url: "${WS_URL}/ws/meetings/${meeting_id}/transcript"`) {
		v, p := o.get("url")
		if u, ok := c.runtimeText(v, p); ok {
			w.URL = plan.Template(u)
			c.checkWSURL(v, p, u)
		}
	}
	w.Name = string(w.URL)
	o.str("name", &w.Name)
	if v, p := o.get("headers"); v != nil {
		w.Header = c.kvs(v, p, false)
	}
	if v, p := o.get("subprotocols"); v != nil {
		if items, ok := c.list(v, p); ok {
			for i, item := range items {
				if s, ok := c.str(item, index(p, i)); ok && s != "" {
					w.Subprotocols = append(w.Subprotocols, s)
				} else if ok {
					c.errAt(item, index(p, i), "empty subprotocol", "")
				}
			}
		}
	}
	o.duration("timeout", &w.Timeout)
	if v, p := o.get("tags"); v != nil {
		w.Tags = c.stringMap(v, p)
	}
	if o.require("steps", "list what the session does, e.g. steps: [ { send: { text: hello } }, { expect: { regex: hello } } ]") {
		v, p := o.get("steps")
		w.Steps = c.wsSteps(v, p)
	}
	return w
}

// wsSchemes are the schemes of a ws step's URL. The opening handshake is an HTTP request, so
// http:// and https:// are dialled as ws:// and wss://: a file can reuse ${BASE_URL}.
var wsSchemes = []string{"ws", "wss", "http", "https"}

// checkWSURL is checkURL for WebSocket URLs: the same allowlist, more schemes.
func (c *compiler) checkWSURL(n *yaml.Node, path, u string) {
	literal := u
	if i := strings.Index(u, "${"); i >= 0 {
		literal = u[:i]
		if j := strings.Index(literal, "://"); j < 0 || !strings.Contains(literal[j+3:], "/") {
			return // the scheme or host is a run-time value; the runner checks it
		}
	}
	parsed, err := url.Parse(literal)
	if err != nil || parsed.Host == "" || !contains(wsSchemes, parsed.Scheme) {
		c.errAt(n, path, fmt.Sprintf("URL %q is not an absolute ws://, wss://, http:// or https:// URL", u),
			`e.g. "${BASE_URL}/ws/…" (http:// is dialled as ws://) or "ws://127.0.0.1:5000/ws/…"`)
		return
	}
	if !hostAllowed(parsed, c.hosts) {
		c.errAt(n, path, fmt.Sprintf("host %q is not allowed (allowed: %s)", hostPort(parsed), hostsText(c.hosts)),
			fmt.Sprintf("add %q to options.hosts if this host should receive traffic", hostPort(parsed)))
	}
}

// wsSteps compiles a session's program: a non-empty list of steps, each holding exactly one
// of send, expect, ping or close; nothing may follow a close.
func (c *compiler) wsSteps(n *yaml.Node, path string) []plan.WSStep {
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	if len(items) == 0 {
		c.errAt(n, path, "no steps", "list at least one send, expect, ping or close")
	}
	var out []plan.WSStep
	closed := false
	for i, item := range items {
		p := index(path, i)
		o := c.object(item, p, wsStepKinds)
		if o == nil {
			continue
		}
		if len(o.order) == 0 {
			if len(o.unknown) == 0 {
				c.errAt(o.node, p, "empty step", "a ws step holds one of send, expect, ping or close")
			}
			continue
		}
		for _, extra := range o.order[1:] {
			c.errAt(o.keys[extra], join(p, extra), fmt.Sprintf("a ws step holds exactly one of send, expect, ping or close; this one also has %q", o.order[0]),
				fmt.Sprintf("put %q in a step of its own: - %s: …", extra, extra))
		}
		kind := o.order[0]
		if closed {
			c.errAt(o.keys[kind], join(p, kind), "a step after close never runs", "remove it, or move the close to the end")
		}
		s := plan.WSStep{Line: o.keys[kind].Line}
		v, kp := o.get(kind)
		switch kind {
		case "send":
			s.Kind, s.Send = plan.WSSend, c.wsSend(v, kp, o.keys[kind])
			ok = s.Send != nil
		case "expect":
			s.Kind, s.Expect = plan.WSExpect, c.wsExpect(v, kp, o.keys[kind])
			ok = s.Expect != nil
		case "ping":
			s.Kind, s.Ping = plan.WSPing, &plan.WSPingStep{Timeout: defaultWSPingTimeout}
			if v != nil {
				if po := c.object(v, kp, wsPingKeys); po != nil {
					po.duration("timeout", &s.Ping.Timeout)
					ok = c.positive(po, "timeout", s.Ping.Timeout)
				}
			}
		case "close":
			s.Kind, s.Close = plan.WSClose, &plan.WSCloseStep{Code: 1000}
			closed = true
			if v != nil {
				ok = c.wsClose(v, kp, s.Close)
			}
		}
		if ok {
			out = append(out, s)
		}
	}
	return out
}

// positive reports a zero duration under key of o; the key's value was read already.
func (c *compiler) positive(o *obj, key string, d time.Duration) bool {
	if v, p := o.get(key); v != nil && d <= 0 {
		c.errAt(v, p, key+" must be more than 0", "")
		return false
	}
	return true
}

// wsSend compiles `send: { text | binary, size, count, every, reply }`.
func (c *compiler) wsSend(n *yaml.Node, path string, key *yaml.Node) *plan.WSSendStep {
	if n == nil {
		c.errAt(key, path, "send is empty", `e.g. send: { text: '{"type":"hello"}' }`)
		return nil
	}
	o := c.object(n, path, wsSendKeys)
	if o == nil {
		return nil
	}
	s := &plan.WSSendStep{Count: 1}
	nerr := len(c.errs)
	switch {
	case o.has("text") && o.has("binary"):
		c.errAt(o.keys["binary"], join(path, "binary"), "a message is text or binary, not both", "send them in two steps")
	case o.has("text"), o.has("binary"):
		src := "text"
		if o.has("binary") {
			src, s.Binary = "binary", true
		}
		v, p := o.get(src)
		if t, ok := c.runtimeText(v, p); ok {
			s.Data = plan.Template(t)
		}
	default:
		c.errAt(o.node, path, "send needs text or binary", `e.g. send: { binary: "chunk ${__ITER}", size: 3200 }`)
	}
	if o.count("size", &s.Size) && (s.Size < 1 || s.Size > maxWSMessageSize) {
		v, p := o.get("size")
		c.errAt(v, p, fmt.Sprintf("size %d: want 1 to %d bytes", s.Size, maxWSMessageSize), "")
	}
	if o.count("count", &s.Count) && (s.Count < 1 || s.Count > maxWSSendCount) {
		v, p := o.get("count")
		c.errAt(v, p, fmt.Sprintf("count %d: want 1 to %d messages", s.Count, maxWSSendCount), "")
	}
	o.duration("every", &s.Every)
	if v, p := o.get("reply"); v != nil {
		s.Reply = c.wsExpect(v, p, o.keys["reply"])
	}
	if len(c.errs) != nerr {
		return nil
	}
	return s
}

// wsExpect compiles `expect: { json | regex, equals, timeout, capture, name }`.
func (c *compiler) wsExpect(n *yaml.Node, path string, key *yaml.Node) *plan.WSExpectStep {
	if n == nil {
		c.errAt(key, path, "expect is empty", `e.g. expect: { json: type, equals: partial, timeout: 2s }`)
		return nil
	}
	o := c.object(n, path, wsExpectKeys)
	if o == nil {
		return nil
	}
	e := &plan.WSExpectStep{Timeout: defaultWSExpectTimeout}
	nerr := len(c.errs)
	switch {
	case o.has("json") && o.has("regex"):
		c.errAt(o.keys["regex"], join(path, "regex"), "an expect matches a json path or a regex, not both", "keep one")
	case o.has("json"):
		if o.str("json", &e.Path) && strings.TrimSpace(e.Path) == "" {
			v, p := o.get("json")
			c.errAt(v, p, "empty json path", "")
		}
	case o.has("regex"):
		if o.str("regex", &e.Regex) {
			if _, err := regexp.Compile(e.Regex); err != nil {
				v, p := o.get("regex")
				c.errAt(v, p, fmt.Sprintf("bad regular expression %q: %v", e.Regex, err), "use Go (RE2) syntax")
			}
		}
	default:
		c.errAt(o.node, path, "expect needs json or regex", `e.g. expect: { json: type, equals: final }`)
	}
	if o.keys["equals"] != nil {
		if e.Path == "" {
			c.errAt(o.keys["equals"], join(path, "equals"), "equals compares a json path's value", "add json: <path>")
		}
		if v, p := o.get("equals"); v != nil {
			e.Equals, e.HasEquals = c.value(v, p, atCompile)
		} else {
			e.HasEquals = true // equals: null
		}
	}
	if o.duration("timeout", &e.Timeout) {
		c.positive(o, "timeout", e.Timeout)
	}
	if v, p := o.get("capture"); v != nil {
		e.Capture = c.captures(v, p)
		for i, cp := range e.Capture {
			if !contains(wsCaptureSrcs, string(cp.Source)) && cp.Source != "" {
				at := v
				if v.Kind == yaml.SequenceNode && i < len(v.Content) {
					at = v.Content[i]
				}
				c.errAt(at, index(p, i), fmt.Sprintf("a ws message has no %s", cp.Source), "capture with json or regex")
			}
		}
	}
	e.Name = describeWSExpect(e)
	o.str("name", &e.Name)
	if len(c.errs) != nerr {
		return nil
	}
	return e
}

// describeWSExpect names an expect's check: "ws type == \"final\"" or "ws ~ /hello/".
func describeWSExpect(e *plan.WSExpectStep) string {
	if e.Regex != "" {
		return "ws ~ /" + e.Regex + "/"
	}
	return "ws " + describeCheck(e.Path, e.Equals, e.HasEquals)
}

// wsClose compiles `close: { code, reason }`: a code a client may send.
func (c *compiler) wsClose(n *yaml.Node, path string, cl *plan.WSCloseStep) bool {
	o := c.object(n, path, wsCloseKeys)
	if o == nil {
		return false
	}
	ok := true
	if o.count("code", &cl.Code) && !(cl.Code == 1000 || cl.Code == 1001 || (cl.Code >= 3000 && cl.Code <= 4999)) {
		v, p := o.get("code")
		c.errAt(v, p, fmt.Sprintf("close code %d is not one a client may send", cl.Code), "use 1000 (normal), 1001 (going away) or 3000–4999")
		ok = false
	}
	if o.str("reason", &cl.Reason) && len(cl.Reason) > 123 {
		v, p := o.get("reason")
		c.errAt(v, p, "a close reason is at most 123 bytes", "")
		ok = false
	}
	return ok
}
