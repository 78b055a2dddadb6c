package httpclient

import (
	"time"
	"unsafe"
)

// Timings are k6's phases of one exchange (the last one, when redirects were followed):
//
//	Do called                                                     last body byte
//	|-------------- Blocked --------------|-Sending-|--Waiting--|--Receiving--|
//	   |-LookingUp-|-Connecting-|-TLSHandshaking-|
//
// Blocked runs from Do (or from the redirect that led to this exchange) to the moment a
// connection is ready to write on: nearly zero on a reused connection, and on a new one it
// includes LookingUp (DNS), Connecting (TCP) and TLSHandshaking, as k6's http_req_blocked
// does. LookingUp is zero unless this exchange looked its host's name up: not for an IP
// literal (see Response.NamedHost), a reused connection, or a name looked up less than five
// minutes before (k6's default DNS TTL). Waiting ends when the first response byte
// arrives; Receiving ends with the last body byte. When an exchange fails, the phases it
// reached are filled and Waiting or Receiving run to the failure.
type Timings struct {
	Blocked, LookingUp, Connecting, TLSHandshaking, Sending, Waiting, Receiving time.Duration
	// Duration is Sending+Waiting+Receiving, as k6's http_req_duration.
	Duration time.Duration
}

// Response is the outcome of Do. The caller keeps one per VU and passes it to every Do: Do
// resets it and reuses its buffers, which is what makes a request allocate nothing.
//
// Body is overwritten by the next Do; copy it to keep it. Strings returned by HeaderValue and
// EachHeader stay valid and unchanged forever (the next Do gives the header buffer up rather
// than reusing it once a header has been looked at).
type Response struct {
	Status        int
	Proto         string    // "HTTP/1.1" or "HTTP/1.0"
	Body          []byte    // up to MaxBodyBytes; nil when discarded (DiscardBodies, Request.DiscardBody)
	BodyTruncated bool      // the body was longer than MaxBodyBytes; the rest was read and dropped
	Start         time.Time // when Do was called
	End           time.Time // when the exchange ended: its last body byte, or its failure
	Timings       Timings
	Sent          int64 // bytes written to the connection(s), TLS and headers included
	Received      int64 // bytes read from the connection(s), TLS and headers included
	Err           error // nil when the exchange completed, whatever the status
	ErrorCode     int   // 0 when the exchange completed; see the ErrorCode constants
	URL           string
	Redirects     int
	// NamedHost reports that the host of the URL (of the last hop) is a name, which DNS
	// resolves, rather than an IP literal: Timings.LookingUp is then a measurement — zero
	// when the connection was reused or the name's lookup was cached — and not a phase
	// that cannot happen.
	NamedHost bool

	hopStart time.Time // when the current exchange (the last redirect hop) began: Blocked's origin
	encoding coding    // the body's Content-Encoding
	hbuf     []byte    // status line and header fields as received
	fields   []field   // spans of hbuf
	exposed  bool      // a string aliasing hbuf was handed out: do not overwrite hbuf
	spare    []byte    // the body buffer, put aside while an exchange discards its body
}

// field locates one header field inside Response.hbuf.
type field struct{ k0, k1, v0, v1 int32 }

// Interrupted reports whether the exchange was cut short by the caller's context rather than
// by the server or the network (ErrorCode is ErrorCodeInterrupted). Such a request measures
// nothing about the target and should not be counted as failed.
func (r *Response) Interrupted() bool { return r.ErrorCode == ErrorCodeInterrupted }

// HeaderValue returns the value of the first header field called name (case-insensitive).
// It allocates nothing; the string stays valid after the next Do.
func (r *Response) HeaderValue(name string) (string, bool) {
	for _, f := range r.fields {
		if equalFold(r.str(f.k0, f.k1), name) {
			r.exposed = true
			return r.str(f.v0, f.v1), true
		}
	}
	return "", false
}

// EachHeader calls fn for every header field in the order received. The strings stay valid
// after the next Do.
func (r *Response) EachHeader(fn func(k, v string)) {
	if len(r.fields) > 0 {
		r.exposed = true
	}
	for _, f := range r.fields {
		fn(r.str(f.k0, f.k1), r.str(f.v0, f.v1))
	}
}

// header is HeaderValue for the client's own use: it does not expose the buffer, so the
// caller must not keep the string past the next Do.
func (r *Response) header(name string) (string, bool) {
	for _, f := range r.fields {
		if equalFold(r.str(f.k0, f.k1), name) {
			return r.str(f.v0, f.v1), true
		}
	}
	return "", false
}

// str returns hbuf[i:j] as a string without copying. Safe because hbuf is append-only for
// the lifetime of a response and never rewritten once exposed (see reset).
func (r *Response) str(i, j int32) string {
	if i == j {
		return ""
	}
	return unsafe.String(&r.hbuf[i], int(j-i))
}

// reset prepares r for a new exchange, which keeps its body when keepBody, keeping buffers
// that are safe and small enough. An exchange that discards its body puts the body buffer
// aside instead of dropping it, so that a VU whose flow mixes requests whose bodies are read
// with requests whose bodies are not still allocates nothing per request.
func (r *Response) reset(keepBody bool) {
	if r.exposed || cap(r.hbuf) > maxRetainedHeader {
		r.hbuf = nil // strings handed out alias the old buffer; leave it to them
	}
	r.hbuf, r.fields, r.exposed = r.hbuf[:0], r.fields[:0], false
	body := r.Body[:0]
	if cap(body) == 0 {
		body = r.spare[:0]
	}
	if cap(body) > maxRetainedBody {
		body = nil
	}
	*r = Response{hbuf: r.hbuf, fields: r.fields}
	if keepBody {
		r.Body = body
	} else {
		r.spare = body
	}
}

// resetHeader forgets the fields of an interim or redirect response before the next one is
// read into the same Response.
func (r *Response) resetHeader() {
	if r.exposed {
		r.hbuf = nil
		r.exposed = false
	}
	r.hbuf, r.fields = r.hbuf[:0], r.fields[:0]
	r.Status, r.Proto, r.encoding = 0, "", codingIdentity
	r.Body, r.BodyTruncated = r.Body[:0], false
}

// Buffers larger than these are not kept for the next exchange, so one large response does
// not pin memory in every VU for the rest of the run.
const (
	maxRetainedHeader = 16 << 10
	maxRetainedBody   = 256 << 10
)
