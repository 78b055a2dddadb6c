package flow

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"sync"
	"time"

	"github.com/tidwall/gjson"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/wsclient"
)

// WebSocket sessions (plan.WS) run as one step of a flow:
//
//	dial ─► connected? ──no──► check "ws connected" fails, session_ok fails
//	          │yes
//	          ▼
//	   send | expect | ping | close … in order; the first step that fails ends the program
//	          │
//	          ▼
//	   close 1000 unless a close step ran ─► ws_session_duration, ws_msgs_received
//
// ws_sessions and ws_connecting are recorded when the session connects (as k6 does), so a
// session still open when the run stops counts; its duration, cut short by ramp, does not.
//
// ws_msg_latency is measured from a sent message to the message an expect (or the send's
// reply) matched. A reply only matches a message received after its own send; a standalone
// expect looks at every waiting message, and records a latency only for a message received
// after the session's last send. The session's samples carry its name and url tags, like a
// request's; its checks (ws connected, and each expect's) feed `checks` and session_ok. A
// failed "ws connected" also carries the handshake's HTTP status (0 when none came back: a
// refused connection, a timeout), as checks{check:ws connected,status:503}.

// wsCheckConnected is the name of the check every session records for its handshake.
const wsCheckConnected = "ws connected"

// wsStep is a prepared plan.WS.
type wsStep struct {
	label        string
	url          *texpr
	headers      []header
	subprotocols []string
	timeout      time.Duration
	tags         *metrics.TagSet
	ops          []wsOp

	// failTags are tags plus the status of a refused handshake (0: no HTTP answer), so that
	// checks{check:ws connected,status:503} says why sessions did not open. Built once per
	// status and kept: a TagSet per failure would defeat the recorder's cache.
	failMu   sync.Mutex
	failTags map[int]*metrics.TagSet
}

// failed returns the tags of a handshake that failed with HTTP status (0 for none).
func (w *wsStep) failed(status int) *metrics.TagSet {
	w.failMu.Lock()
	defer w.failMu.Unlock()
	t, ok := w.failTags[status]
	if !ok {
		if w.failTags == nil {
			w.failTags = map[int]*metrics.TagSet{}
		}
		t = w.tags.With("status", strconv.Itoa(status))
		w.failTags[status] = t
	}
	return t
}

// wsOp is a prepared plan.WSStep.
type wsOp struct {
	kind   plan.WSStepKind
	line   int
	data   *texpr
	binary bool
	size   int
	count  int
	every  time.Duration
	expect *wsExpect // expect, or a send's reply
	ping   time.Duration
	code   int
	reason string
}

// wsExpect is a prepared plan.WSExpectStep.
type wsExpect struct {
	name      string
	path      string
	equals    any
	hasEquals bool
	re        *regexp.Regexp
	timeout   time.Duration
	captures  []capture
}

func (c *compiler) ws(in *plan.WS, groupPath string) (*wsStep, error) {
	name := in.Name
	if name == "" {
		name = string(in.URL)
	}
	w := &wsStep{
		label:        fmt.Sprintf("ws %q (line %d)", name, in.Line),
		subprotocols: in.Subprotocols,
		timeout:      in.Timeout,
	}
	fail := func(line int, err error) (*wsStep, error) { return nil, c.errorf(line, "ws %q: %w", name, err) }
	var err error
	if w.url, err = c.texpr(string(in.URL)); err != nil {
		return fail(in.Line, fmt.Errorf("url: %w", err))
	}
	for _, kv := range in.Header {
		v, err := c.texpr(string(kv.Value))
		if err != nil {
			return fail(in.Line, fmt.Errorf("header %s: %w", kv.Key, err))
		}
		w.headers = append(w.headers, header{key: kv.Key, val: v})
	}
	extra := map[string]string{"name": name, "url": string(in.URL)}
	for k, v := range in.Tags {
		extra[k] = v
	}
	w.tags = c.tags(groupPath, extra)
	if len(in.Steps) == 0 {
		return fail(in.Line, fmt.Errorf("no steps"))
	}
	for _, st := range in.Steps {
		op := wsOp{kind: st.Kind, line: st.Line}
		switch {
		case st.Kind == plan.WSSend && st.Send != nil:
			s := st.Send
			if op.data, err = c.texpr(string(s.Data)); err != nil {
				return fail(st.Line, fmt.Errorf("send: %w", err))
			}
			if s.Count < 1 || s.Every < 0 || s.Size < 0 {
				return fail(st.Line, fmt.Errorf("send: count %d, every %v, size %d: want count >= 1, every >= 0, size >= 0", s.Count, s.Every, s.Size))
			}
			op.binary, op.size, op.count, op.every = s.Binary, s.Size, s.Count, s.Every
			if s.Reply != nil {
				if op.expect, err = newWSExpect(s.Reply); err != nil {
					return fail(st.Line, fmt.Errorf("send reply: %w", err))
				}
			}
		case st.Kind == plan.WSExpect && st.Expect != nil:
			if op.expect, err = newWSExpect(st.Expect); err != nil {
				return fail(st.Line, fmt.Errorf("expect: %w", err))
			}
		case st.Kind == plan.WSPing && st.Ping != nil:
			if op.ping = st.Ping.Timeout; op.ping <= 0 {
				return fail(st.Line, fmt.Errorf("ping: timeout %v: want more than 0", op.ping))
			}
		case st.Kind == plan.WSClose && st.Close != nil:
			op.code, op.reason = st.Close.Code, st.Close.Reason
		default:
			return fail(st.Line, fmt.Errorf("ws step of kind %d has no content", st.Kind))
		}
		w.ops = append(w.ops, op)
	}
	return w, nil
}

// newWSExpect prepares an expect: a JSON path (with a value) or a regex, and its captures.
func newWSExpect(in *plan.WSExpectStep) (*wsExpect, error) {
	e := &wsExpect{name: in.Name, path: in.Path, hasEquals: in.HasEquals, timeout: in.Timeout}
	switch {
	case in.Path != "" && in.Regex != "":
		return nil, fmt.Errorf("both a json path and a regex")
	case in.Regex != "":
		re, err := regexp.Compile(in.Regex)
		if err != nil {
			return nil, fmt.Errorf("regex %q: %w", in.Regex, err)
		}
		e.re = re
	case in.Path == "":
		return nil, fmt.Errorf("neither a json path nor a regex")
	}
	if in.HasEquals {
		e.equals = normalizeJSON(in.Equals)
	}
	if e.timeout <= 0 {
		return nil, fmt.Errorf("timeout %v: want more than 0", in.Timeout)
	}
	if e.name == "" {
		e.name = "ws " + in.Path + in.Regex
	}
	for _, cp := range in.Capture {
		if cp.Source == plan.CaptureHeader {
			return nil, fmt.Errorf("capture %s: a message has no headers", cp.Var)
		}
		capt, err := newCapture(cp)
		if err != nil {
			return nil, err
		}
		e.captures = append(e.captures, capt)
	}
	return e, nil
}

// match reports whether a message passes the expect.
func (e *wsExpect) match(data []byte) bool {
	if e.re != nil {
		return e.re.Match(data)
	}
	r := gjson.GetBytes(data, e.path)
	return r.Exists() && (!e.hasEquals || jsonEquals(r, e.equals))
}

// wsSession is the state of one running session.
type wsSession struct {
	s        *wsclient.Session
	tags     *metrics.TagSet
	lastSend time.Time // zero before the first send
	recvMsgs int64     // received messages already recorded
	recvSize int64
}

// ws runs one WebSocket session; it returns false only when ctx ended the iteration.
func (v *VU) ws(ctx context.Context, w *wsStep) bool {
	req, err := v.buildWS(w)
	if err != nil {
		v.failed = true
		v.shared.skip(fmt.Sprintf("%s skipped: %v", w.label, err))
		return ctx.Err() == nil
	}
	s, connecting, status, err := v.shared.ws.Dial(ctx, req)
	if err != nil {
		if ctx.Err() != nil {
			return false
		}
		v.failed = true
		v.sink.CheckAt(v.shared.now(), w.failed(status), wsCheckConnected, false)
		return true
	}
	v.sink.CheckAt(v.shared.now(), w.tags, wsCheckConnected, true)
	v.sink.WSConnected(w.tags, connecting)
	ws := &wsSession{s: s, tags: w.tags}
	closed, ok := false, true
	for i := range w.ops {
		op := &w.ops[i]
		if op.kind == plan.WSClose {
			_ = s.Close(op.code, op.reason)
			closed = true
			break
		}
		if ok = v.wsOp(ctx, ws, op); !ok {
			break
		}
	}
	if ctx.Err() != nil {
		s.Abort() // the run is stopping: the session is cut short by us; its duration is not recorded
		ws.recordReceived(v.sink)
		return false
	}
	if !closed {
		reason := ""
		if !ok {
			reason = "ramp: a step failed"
		}
		_ = s.Close(1000, reason)
	}
	if !ok {
		v.failed = true
	}
	ws.recordReceived(v.sink)
	v.sink.WSSessionEnd(w.tags, v.shared.now().Sub(s.Start()))
	return true
}

// buildWS expands the URL and headers of w.
func (v *VU) buildWS(w *wsStep) (wsclient.Request, error) {
	req := wsclient.Request{Subprotocols: w.subprotocols, Timeout: w.timeout}
	u, err := v.expand(v.url[:0], w.url)
	if err != nil {
		return req, err
	}
	v.url = u
	req.URL = string(u)
	if len(w.headers) > 0 {
		req.Header = make(http.Header, len(w.headers))
		for i := range w.headers {
			h := &w.headers[i]
			if v.scratch, err = v.expand(v.scratch[:0], h.val); err != nil {
				return req, err
			}
			req.Header.Add(h.key, string(v.scratch))
		}
	}
	return req, nil
}

// wsOp runs one send, expect or ping; false when it failed (or ctx ended).
func (v *VU) wsOp(ctx context.Context, ws *wsSession, op *wsOp) bool {
	defer ws.recordReceived(v.sink)
	switch op.kind {
	case plan.WSSend:
		return v.wsSend(ctx, ws, op)
	case plan.WSExpect:
		return v.wsExpect(ctx, ws, op.expect, time.Time{})
	case plan.WSPing:
		pctx, cancel := context.WithTimeout(ctx, op.ping)
		defer cancel()
		d, err := ws.s.Ping(pctx)
		if err != nil {
			return false
		}
		v.sink.WSPing(ws.tags, d)
		return true
	}
	return false
}

// wsSend sends op.count messages, op.every apart, each waiting for its reply when op has one.
func (v *VU) wsSend(ctx context.Context, ws *wsSession, op *wsOp) bool {
	var due time.Time
	for i := 0; i < op.count; i++ {
		if i > 0 && op.every > 0 {
			due = due.Add(op.every)
			if wait := due.Sub(v.shared.now()); wait > 0 {
				if !v.sleep(ctx, wait) {
					return false
				}
			} else {
				due = v.shared.now() // late (a slow reply): send now, without a burst to catch up
			}
		}
		msg, err := v.wsMessage(op)
		if err != nil {
			v.shared.skip(fmt.Sprintf("ws send (line %d) skipped: %v", op.line, err))
			return false
		}
		sent := v.shared.now()
		if i == 0 {
			due = sent
		}
		if err := ws.s.Send(ctx, op.binary, msg); err != nil {
			return false
		}
		ws.lastSend = sent
		v.sink.WSMessages(ws.tags, true, 1, int64(len(msg)))
		if op.expect != nil && !v.wsExpect(ctx, ws, op.expect, sent) {
			return false
		}
	}
	return true
}

// wsMessage expands a send's data, repeated or cut to op.size bytes when it has a size.
func (v *VU) wsMessage(op *wsOp) ([]byte, error) {
	b, err := v.expand(v.body[:0], op.data)
	if err != nil {
		return nil, err
	}
	if op.size > 0 {
		switch n := len(b); {
		case n == 0:
			b = append(b, make([]byte, op.size)...)
		case n >= op.size:
			b = b[:op.size]
		default:
			for len(b) < op.size {
				b = append(b, b[:min(n, op.size-len(b))]...)
			}
		}
	}
	v.body = b
	return b, nil
}

// wsExpect waits for a message that matches e and records its check, latency and captures.
// after, when set, is the send this is the reply to: only messages received after it match.
func (v *VU) wsExpect(ctx context.Context, ws *wsSession, e *wsExpect, after time.Time) bool {
	ectx, cancel := context.WithTimeout(ctx, e.timeout)
	defer cancel()
	for {
		m, err := ws.s.Next(ectx)
		if err != nil {
			if ctx.Err() != nil {
				return false
			}
			v.sink.CheckAt(v.shared.now(), ws.tags, e.name, false) // timed out, or the session ended first
			return false
		}
		if (!after.IsZero() && m.At.Before(after)) || !e.match(m.Data) {
			continue
		}
		v.sink.CheckAt(m.At, ws.tags, e.name, true)
		from := after
		if from.IsZero() {
			from = ws.lastSend
		}
		if !from.IsZero() && !m.At.Before(from) {
			v.sink.WSLatency(ws.tags, m.At.Sub(from))
		}
		ok := true
		for i := range e.captures {
			c := &e.captures[i]
			val, found := c.findIn(m.Data)
			if found {
				v.vars[c.Var] = val
			} else {
				delete(v.vars, c.Var)
				ok = false
			}
			v.sink.CheckAt(m.At, ws.tags, c.checkName, found)
		}
		return ok
	}
}

// sleep waits d on the VU's timer; false when ctx ended first.
func (v *VU) sleep(ctx context.Context, d time.Duration) bool {
	v.timer.Reset(d)
	select {
	case <-v.timer.C:
		return true
	case <-ctx.Done():
		v.timer.Stop()
		return false
	}
}

// recordReceived records the messages the session's reader received since the last call.
func (ws *wsSession) recordReceived(sink Sink) {
	n, size := ws.s.Received()
	if dn := n - ws.recvMsgs; dn > 0 {
		sink.WSMessages(ws.tags, false, dn, size-ws.recvSize)
		ws.recvMsgs, ws.recvSize = n, size
	}
}
