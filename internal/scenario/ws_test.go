package scenario

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

const wsFile = `options:
  hosts: ["127.0.0.1:5000"]
flows:
  default:
    - ws:
        name: speaker
        url: "ws://127.0.0.1:5000/ws/meetings/${meeting}/transcript"
        headers: { Authorization: "Bearer ${TOKEN}" }
        subprotocols: [mina.transcript.v1]
        timeout: 3s
        tags: { role: speaker }
        steps:
          - send: { binary: "chunk ${__ITER}", size: 3200, count: 10, every: 100ms, reply: { json: type, equals: partial, timeout: 1s } }
          - send: { text: '{"type":"end_segment"}' }
          - expect: { json: type, equals: final, capture: [ { json: segment.text, as: text } ] }
          - ping: { timeout: 2s }
          - ping:
          - close: { code: 1000, reason: done }
`

// TestWSCompiles: a ws step with every key compiles into the plan with the defaults filled.
func TestWSCompiles(t *testing.T) {
	t.Parallel()
	p, err := Compile("ws.yaml", []byte(wsFile), map[string]string{"TOKEN": "t", "meeting": "7"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	st := p.Flows["default"].Steps[0]
	w := st.WS
	if st.Kind != plan.StepWS || w == nil || w.Name != "speaker" || w.Timeout != 3*time.Second || w.Line != 6 ||
		w.Subprotocols[0] != "mina.transcript.v1" || w.Tags["role"] != "speaker" || len(w.Steps) != 6 {
		t.Fatalf("ws = %+v", w)
	}
	s := w.Steps[0].Send
	if !s.Binary || s.Size != 3200 || s.Count != 10 || s.Every != 100*time.Millisecond || s.Reply == nil ||
		s.Reply.Path != "type" || s.Reply.Equals != "partial" || s.Reply.Timeout != time.Second {
		t.Fatalf("send = %+v, reply %+v", s, s.Reply)
	}
	if s := w.Steps[1].Send; s.Binary || s.Count != 1 || s.Data != `{"type":"end_segment"}` {
		t.Fatalf("text send = %+v", s)
	}
	e := w.Steps[2].Expect
	if e.Timeout != defaultWSExpectTimeout || len(e.Capture) != 1 || e.Capture[0].Var != "text" || e.Name != "ws type == final" {
		t.Fatalf("expect = %+v", e)
	}
	if w.Steps[3].Ping.Timeout != 2*time.Second || w.Steps[4].Ping.Timeout != defaultWSPingTimeout {
		t.Fatalf("pings = %+v %+v", w.Steps[3].Ping, w.Steps[4].Ping)
	}
	if c := w.Steps[5].Close; c.Code != 1000 || c.Reason != "done" {
		t.Fatalf("close = %+v", c)
	}
}

// TestWSInvalid: every malformed ws step is reported at its line and column, with what to do.
func TestWSInvalid(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
	head := "flows:\n  default:\n    - ws:\n        url: \"ws://127.0.0.1:5000/ws\"\n"
	tests := []struct {
		name string
		src  string
		want []want
	}{
		{
			// A scheme that is neither WebSocket nor HTTP.
			name: "ftp url",
			src:  "flows:\n  default:\n    - ws: { url: \"ftp://127.0.0.1:5000/ws\", steps: [ { ping: {} } ] }\n",
			want: []want{{"3:18", `not an absolute ws://, wss://, http:// or https:// URL`}},
		},
		{
			// A host that is not the target's never receives a session.
			name: "host not allowed",
			src:  "flows:\n  default:\n    - ws: { url: \"ws://example.com/ws\", steps: [ { ping: {} } ] }\n",
			want: []want{{"3:18", `host "example.com:80" is not allowed`}},
		},
		{
			// A session without steps does nothing.
			name: "no steps",
			src:  "flows:\n  default:\n    - ws: { url: \"ws://127.0.0.1:5000/ws\" }\n",
			want: []want{{"3:11", `missing required key "steps"`}},
		},
		{
			// A typo of a step kind, with a did-you-mean.
			name: "unknown step",
			src:  head + "        steps:\n          - sned: { text: hi }\n",
			want: []want{{"6:13", `unknown key "sned"`}},
		},
		{
			// Two kinds in one step.
			name: "two kinds",
			src:  head + "        steps:\n          - { ping: {}, close: {} }\n",
			want: []want{{"6:25", `holds exactly one of send, expect, ping or close`}},
		},
		{
			// A send needs text or binary, not both.
			name: "text and binary",
			src:  head + "        steps:\n          - send: { text: a, binary: b }\n",
			want: []want{{"6:30", `text or binary, not both`}},
		},
		{
			// A count of zero sends nothing.
			name: "zero count",
			src:  head + "        steps:\n          - send: { text: a, count: 0 }\n",
			want: []want{{"6:37", `count 0: want 1 to 1000000`}},
		},
		{
			// An expect needs something to match.
			name: "expect without a matcher",
			src:  head + "        steps:\n          - expect: { timeout: 1s }\n",
			want: []want{{"6:21", `expect needs json or regex`}},
		},
		{
			// A bad regex is caught before any traffic.
			name: "bad regex",
			src:  head + "        steps:\n          - expect: { regex: \"(\" }\n",
			want: []want{{"6:30", `bad regular expression`}},
		},
		{
			// A zero timeout could never match.
			name: "zero timeout",
			src:  head + "        steps:\n          - expect: { json: type, timeout: 0s }\n",
			want: []want{{"6:44", `timeout must be more than 0`}},
		},
		{
			// A message has no headers to capture.
			name: "header capture",
			src:  head + "        steps:\n          - expect: { json: type, capture: [ { header: X, as: x } ] }\n",
			want: []want{{"6:46", `a ws message has no header`}},
		},
		{
			// A close code a client may not send.
			name: "reserved close code",
			src:  head + "        steps:\n          - close: { code: 1006 }\n",
			want: []want{{"6:28", `close code 1006 is not one a client may send`}},
		},
		{
			// Nothing runs after a close.
			name: "step after close",
			src:  head + "        steps:\n          - close: {}\n          - ping: {}\n",
			want: []want{{"7:13", `a step after close never runs`}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, tt.src, vars)
			for _, w := range tt.want {
				found := false
				for _, e := range errs {
					if fmt.Sprintf("%d:%d", e.Line, e.Column) == w.pos && strings.Contains(e.Error(), w.frag) {
						found = true
					}
				}
				if !found {
					t.Errorf("no error at %s containing %q; got:\n%v", w.pos, w.frag, errs)
				}
			}
			if len(errs) != len(tt.want) {
				t.Errorf("got %d errors, want %d:\n%v", len(errs), len(tt.want), errs)
			}
			if !strings.HasPrefix(errs[0].Error(), "testdata/bad.yaml:") {
				t.Errorf("error %q does not start with file:line", errs[0])
			}
		})
	}
}
