package httpclient

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// parser reads one HTTP/1.x response from a connection's bufio.Reader into a Response.
//
// The accepted grammar (RFC 9112, strict where leniency would let garbage pass as a response,
// lenient where real servers differ: a bare LF ends a line, the reason phrase may be missing):
//
//	response     = status-line *( field-line ) CRLF [ body ]
//	status-line  = "HTTP/1." ( "0" / "1" ) SP 3DIGIT [ SP reason ] CRLF
//	field-line   = token ":" OWS value OWS CRLF        ; no space before ":", no obs-fold
//	body         = chunked / fixed / until-close / none
//	chunked      = *( chunk-size [ ext ] CRLF data CRLF ) "0" [ ext ] CRLF *( trailer CRLF ) CRLF
//	chunk-size   = 1*15HEXDIG
//
// Framing, in order: HEAD, 1xx, 204 and 304 have no body; Transfer-Encoding ending in
// "chunked" is chunked (and wins over Content-Length, after which the connection is not
// reused); any other Transfer-Encoding reads until close; Content-Length (all copies equal)
// is fixed; otherwise the body runs until the server closes. Interim 1xx responses are
// skipped (101 is an error: the client never asks to switch protocols).
//
// The status line, the fields and the trailer fields each count against MaxHeaderBytes;
// lines longer than the bufio buffer are assembled in a scratch buffer up to that bound.
type parser struct {
	br       *bufio.Reader
	long     *[]byte // scratch for lines longer than br's buffer; owned by the Client
	maxHead  int
	budget   int
	keep     bool  // keep body bytes in resp.Body
	maxBody  int64 // how many body bytes to keep
	resp     *Response
	noBody   bool // the request was HEAD
	lineSeen bool // a line of this response was read (EOF is no longer "closed while idle")
}

// framing says how the response body is delimited, and whether the connection may be reused.
type framing struct {
	chunked       bool
	untilClose    bool
	contentLength int64 // -1 when absent
	keepAlive     bool
}

// httpPrefix begins every status line.
var httpPrefix = []byte("HTTP/1.")

// maxInterim bounds how many 1xx responses may precede the final one.
const maxInterim = 8

// read reads a whole response. It reports whether the connection may carry another request.
func (p *parser) read() (keepAlive bool, err error) {
	var f framing
	for interim := 0; ; interim++ {
		f, err = p.head()
		if err != nil {
			return false, incomplete(err)
		}
		if p.resp.Status >= 200 {
			break
		}
		if p.resp.Status == 101 || interim == maxInterim {
			return false, fmt.Errorf("%w: unexpected interim status %d", ErrMalformedResponse, p.resp.Status)
		}
		p.resp.resetHeader()
		p.budget = p.maxHead
	}
	s := p.resp.Status
	switch {
	case p.noBody || s == 204 || s == 304:
		return f.keepAlive, nil
	case f.chunked:
		err = p.chunked()
	case f.untilClose:
		f.keepAlive = false
		err = p.untilClose()
	default:
		err = p.fixed(f.contentLength)
	}
	return f.keepAlive && err == nil, incomplete(err)
}

// incomplete marks an end of stream met while reading a response.
func incomplete(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("%w: %w", ErrIncompleteResponse, err)
	}
	return err
}

// head reads the status line and the header fields.
func (p *parser) head() (framing, error) {
	f := framing{contentLength: -1}
	l, err := p.line()
	if err != nil {
		return f, err
	}
	if len(l) < 12 || !bytes.HasPrefix(l, httpPrefix) || (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
		!isDigit(l[9]) || !isDigit(l[10]) || !isDigit(l[11]) || (len(l) > 12 && l[12] != ' ') {
		return f, fmt.Errorf("%w: status line %q", ErrMalformedResponse, clip(l))
	}
	r := p.resp
	r.Status = int(l[9]-'0')*100 + int(l[10]-'0')*10 + int(l[11]-'0')
	http11 := l[7] == '1'
	r.Proto = "HTTP/1.0"
	if http11 {
		r.Proto = "HTTP/1.1"
	}
	var connClose, connKeepAlive, te bool
	for {
		if l, err = p.line(); err != nil {
			return f, err
		}
		if len(l) == 0 {
			break
		}
		k, v, err := splitField(l)
		if err != nil {
			return f, err
		}
		k0 := int32(len(r.hbuf))
		r.hbuf = append(r.hbuf, k...)
		v0 := int32(len(r.hbuf))
		r.hbuf = append(r.hbuf, v...)
		r.fields = append(r.fields, field{k0, v0, v0, int32(len(r.hbuf))})
		switch len(k) {
		case len("content-length"):
			if equalFold(k, "content-length") {
				if f.contentLength, err = contentLength(v, f.contentLength); err != nil {
					return f, err
				}
			}
		case len("transfer-encoding"):
			if equalFold(k, "transfer-encoding") {
				te = true
				f.chunked = lastTokenIs(v, "chunked")
			}
		case len("connection"):
			if equalFold(k, "connection") {
				connClose = connClose || hasToken(v, "close")
				connKeepAlive = connKeepAlive || hasToken(v, "keep-alive")
			}
		case len("content-encoding"):
			if equalFold(k, "content-encoding") {
				r.encoding = parseCoding(v, r.encoding)
			}
		}
	}
	f.keepAlive = (http11 && !connClose) || (!http11 && connKeepAlive && !connClose)
	switch {
	case te && !f.chunked:
		f.untilClose = true
	case te:
		if f.contentLength >= 0 { // both framings: a smuggling risk; do not reuse
			f.keepAlive = false
		}
	case f.contentLength < 0:
		f.untilClose = true
	}
	return f, nil
}

// line returns the next line without its line ending, counting it against the header
// budget. The slice is valid until the next read from br.
func (p *parser) line() ([]byte, error) {
	l, err := p.br.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		*p.long = append((*p.long)[:0], l...)
		for err == bufio.ErrBufferFull {
			if len(*p.long) > p.budget {
				return nil, fmt.Errorf("%w: more than %d bytes", ErrHeaderTooLarge, p.maxHead)
			}
			l, err = p.br.ReadSlice('\n')
			*p.long = append(*p.long, l...)
		}
		l = *p.long
	}
	if err != nil {
		if err == io.EOF && (len(l) > 0 || p.lineSeen) {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	p.lineSeen = true
	if p.budget -= len(l); p.budget < 0 {
		return nil, fmt.Errorf("%w: more than %d bytes", ErrHeaderTooLarge, p.maxHead)
	}
	l = l[:len(l)-1]
	if len(l) > 0 && l[len(l)-1] == '\r' {
		l = l[:len(l)-1]
	}
	return l, nil
}

// splitField splits a field line into name and value, trimming the value's whitespace.
func splitField(l []byte) (k, v []byte, err error) {
	i := bytes.IndexByte(l, ':')
	if i <= 0 || !isToken(l[:i]) {
		return nil, nil, fmt.Errorf("%w: header line %q", ErrMalformedResponse, clip(l))
	}
	v = trimOWS(l[i+1:])
	if bytes.IndexByte(v, 0) >= 0 || bytes.IndexByte(v, '\r') >= 0 {
		return nil, nil, fmt.Errorf("%w: header line %q has CR or NUL", ErrMalformedResponse, clip(l))
	}
	return l[:i], v, nil
}

// contentLength parses a Content-Length value (a number, or a list of equal numbers) and
// checks it against an earlier one (prev, -1 if none).
func contentLength(v []byte, prev int64) (int64, error) {
	var n int64 = -1
	for rest := v; ; {
		item := rest
		i := bytes.IndexByte(rest, ',')
		if i >= 0 {
			item, rest = rest[:i], rest[i+1:]
		}
		m, ok := parseDecimal(trimOWS(item))
		if !ok || (n >= 0 && m != n) {
			return 0, fmt.Errorf("%w: Content-Length %q", ErrMalformedResponse, clip(v))
		}
		n = m
		if i < 0 {
			break
		}
	}
	if prev >= 0 && n != prev {
		return 0, fmt.Errorf("%w: Content-Length %q after %d", ErrMalformedResponse, clip(v), prev)
	}
	return n, nil
}

// parseDecimal parses 1–18 ASCII digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, c := range b {
		if !isDigit(c) {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// lastTokenIs reports whether the last item of the comma-separated list v is token.
func lastTokenIs(v []byte, token string) bool {
	if i := bytes.LastIndexByte(v, ','); i >= 0 {
		v = v[i+1:]
	}
	return equalFold(trimOWS(v), token)
}

// trimOWS removes the optional whitespace (spaces and tabs) around b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// fixed reads a Content-Length body.
func (p *parser) fixed(n int64) error {
	return p.body(n, bodyFixed)
}

// untilClose reads a body that ends when the server closes the connection.
func (p *parser) untilClose() error {
	return p.body(-1, bodyUntilClose)
}

// bodyPart says what the n bytes given to parser.body are.
type bodyPart uint8

const (
	bodyFixed      bodyPart = iota // the whole rest of the body
	bodyUntilClose                 // everything up to EOF (n is ignored)
	bodyChunk                      // one chunk: more may follow
)

// body reads n bytes (or up to EOF), keeping up to maxBody of them in resp.Body and
// discarding the rest. The kept body's buffer doubles as it fills, up to maxBody, or up to n
// when n is known to be the rest of the body: growing it by one chunk at a time would copy
// a body of many chunks again and again (append's growth for large slices is 1.25×).
func (p *parser) body(n int64, part bodyPart) error {
	r := p.resp
	toEOF := part == bodyUntilClose
	if toEOF {
		n = 1<<63 - 1
	}
	if p.keep {
		keepN := min(n, p.maxBody-int64(len(r.Body)))
		for keepN > 0 {
			if len(r.Body) == cap(r.Body) {
				limit := p.maxBody - int64(len(r.Body))
				if part == bodyFixed {
					limit = keepN
				}
				r.Body = slices.Grow(r.Body, int(min(limit, int64(max(cap(r.Body), 4096)))))
			}
			spare := r.Body[len(r.Body):cap(r.Body)]
			if int64(len(spare)) > keepN {
				spare = spare[:keepN]
			}
			m, err := p.br.Read(spare)
			r.Body = r.Body[:len(r.Body)+m]
			keepN, n = keepN-int64(m), n-int64(m)
			if err == io.EOF && toEOF {
				return nil
			}
			if err != nil {
				return eofIsUnexpected(err)
			}
		}
	}
	for n > 0 {
		d, err := p.br.Discard(int(min(n, 1<<20)))
		n -= int64(d)
		if d > 0 && p.keep {
			r.BodyTruncated = true
		}
		if err == io.EOF && toEOF {
			return nil
		}
		if err != nil {
			return eofIsUnexpected(err)
		}
	}
	return nil
}

// eofIsUnexpected turns io.EOF inside a delimited body into io.ErrUnexpectedEOF.
func eofIsUnexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// chunked reads a chunked body and its trailer fields.
func (p *parser) chunked() error {
	for {
		l, err := p.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return fmt.Errorf("%w: chunk size line longer than %d bytes", ErrMalformedResponse, len(l))
		}
		if err != nil {
			return eofIsUnexpected(err)
		}
		size, err := chunkSize(l)
		if err != nil {
			return err
		}
		if size == 0 {
			p.budget = p.maxHead
			for {
				if l, err = p.line(); err != nil {
					return eofIsUnexpected(err)
				}
				if len(l) == 0 {
					return nil
				}
			}
		}
		if err := p.body(size, bodyChunk); err != nil {
			return err
		}
		c, err := p.br.ReadByte()
		if err == nil && c == '\r' {
			c, err = p.br.ReadByte()
		}
		if err != nil {
			return eofIsUnexpected(err)
		}
		if c != '\n' {
			return fmt.Errorf("%w: chunk data not followed by CRLF", ErrMalformedResponse)
		}
	}
}

// chunkSize parses a chunk-size line: hex digits, optional extensions after ";", CRLF.
func chunkSize(l []byte) (int64, error) {
	s := bytes.TrimRight(l, "\r\n")
	if i := bytes.IndexByte(s, ';'); i >= 0 {
		s = s[:i]
	}
	s = trimOWS(s)
	if len(s) == 0 || len(s) > 15 {
		return 0, fmt.Errorf("%w: chunk size line %q", ErrMalformedResponse, clip(l))
	}
	var n int64
	for _, c := range s {
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, fmt.Errorf("%w: chunk size line %q", ErrMalformedResponse, clip(l))
		}
		n = n<<4 | int64(d)
	}
	return n, nil
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// clip shortens bad input quoted in an error: garbage can be megabytes long.
func clip(b []byte) []byte {
	const max = 64
	if len(b) > max {
		return b[:max]
	}
	return b
}
