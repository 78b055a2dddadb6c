package httpclient

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header is one request header field. A slice keeps the order and allows repeats.
type Header struct{ Key, Value string }

// Request is one HTTP request. Do does not modify it or keep it after returning.
//
// Do writes Host (from the URL unless a Host header is given), User-Agent (Options.UserAgent
// unless given), Content-Length (whenever Body is non-empty or the method is POST, PUT or
// PATCH), Authorization (Basic, from user:password@ in the URL, unless given), Cookie (from
// Options.Jar, merged into a given Cookie header) and Connection: close (NoConnectionReuse).
// Given Content-Length, Transfer-Encoding and Connection headers are dropped: the client owns
// the framing of the connection.
type Request struct {
	Method  string // "" means GET
	URL     string // absolute http:// or https:// URL
	Header  []Header
	Body    []byte
	Timeout time.Duration // overrides Options.Timeout when > 0
	// DiscardBody reads the response body as it arrives and keeps none of it, as
	// Options.DiscardBodies does for every request: Response.Body is nil, while Received and
	// Timings.Receiving still cover every byte and the connection stays reusable. Set it
	// when nothing will look at the body, so that a large one costs no memory.
	DiscardBody bool
}

// target is an absolute URL split the way the client uses it. Its strings are substrings of
// the URL, so parsing allocates nothing.
//
// Accepted form (RFC 3986 restricted to what an HTTP/1.1 client sends):
//
//	url       = scheme "://" [ userinfo "@" ] host [ ":" port ] [ path ] [ "?" query ] [ "#" fragment ]
//	scheme    = "http" / "https"                  ; case-insensitive
//	host      = reg-name / IPv4 / "[" IPv6 "]"    ; no controls, spaces or "\"
//	port      = 1*5DIGIT                          ; 1–65535; empty means the default
//
// The fragment is dropped. Path and query bytes that are spaces or non-ASCII are sent
// percent-encoded; control characters are an error.
type target struct {
	https      bool
	authority  string // host[:port] as written, without userinfo: the Host header and the connection key
	host       string // host name or IP, without brackets: for DNS and SNI
	port       int
	requestURI string // path and query, never empty
	userinfo   string // "user:password" as written, or ""
}

// parseTarget parses raw into t. Errors quote the URL and wrap ErrInvalidURL.
func parseTarget(raw string, t *target) error {
	*t = target{}
	var rest string
	switch {
	case hasPrefixFold(raw, "http://"):
		rest = raw[len("http://"):]
		t.port = 80
	case hasPrefixFold(raw, "https://"):
		rest = raw[len("https://"):]
		t.https, t.port = true, 443
	default:
		return fmt.Errorf("%w %q: want an absolute http:// or https:// URL", ErrInvalidURL, raw)
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	auth, pathQuery := rest[:end], rest[end:]
	if i := strings.LastIndexByte(auth, '@'); i >= 0 {
		t.userinfo, auth = auth[:i], auth[i+1:]
	}
	t.authority = auth
	host, port := auth, ""
	if strings.HasPrefix(auth, "[") {
		j := strings.IndexByte(auth, ']')
		if j < 0 {
			return fmt.Errorf("%w %q: unclosed [ in the host", ErrInvalidURL, raw)
		}
		host, port = auth[1:j], auth[j+1:]
		if port != "" && port[0] != ':' {
			return fmt.Errorf("%w %q: junk after the IPv6 address", ErrInvalidURL, raw)
		}
	} else if i := strings.LastIndexByte(auth, ':'); i >= 0 {
		host, port = auth[:i], auth[i:]
	}
	if host == "" {
		return fmt.Errorf("%w %q: no host", ErrInvalidURL, raw)
	}
	for i := 0; i < len(host); i++ {
		if c := host[i]; c <= ' ' || c == 0x7f || c == '\\' || c == '[' || c == ']' {
			return fmt.Errorf("%w %q: character %q in the host", ErrInvalidURL, raw, c)
		}
	}
	t.host = host
	if len(port) > 1 {
		p, err := strconv.Atoi(port[1:])
		if err != nil || p < 1 || p > 65535 || port[1] == '+' || port[1] == '-' {
			return fmt.Errorf("%w %q: port %q is not a number in 1–65535", ErrInvalidURL, raw, port[1:])
		}
		t.port = p
	}
	if i := strings.IndexByte(pathQuery, '#'); i >= 0 {
		pathQuery = pathQuery[:i]
	}
	for i := 0; i < len(pathQuery); i++ {
		if c := pathQuery[i]; c < ' ' || c == 0x7f {
			return fmt.Errorf("%w %q: control character %q in the path or query", ErrInvalidURL, raw, c)
		}
	}
	switch {
	case pathQuery == "":
		pathQuery = "/"
	case pathQuery[0] == '?':
		pathQuery = "/" + pathQuery // rare; the only allocation of parseTarget
	}
	t.requestURI = pathQuery
	return nil
}

// hasPrefixFold reports whether s begins with prefix, ignoring ASCII case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && equalFold(s[:len(prefix)], prefix)
}

// equalFold reports whether a and b are equal ignoring ASCII case (header names are ASCII).
func equalFold[T ~string | ~[]byte](a T, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x == y {
			continue
		}
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}

// isToken reports whether s is an RFC 9110 token (a method or a field name).
func isToken[T ~string | ~[]byte](s T) bool {
	if len(s) == 0 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !tokenChar[s[i]] {
			return false
		}
	}
	return true
}

// tokenChar marks the bytes allowed in an RFC 9110 token.
var tokenChar = func() (t [256]bool) {
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	for _, c := range "!#$%&'*+-.^_`|~" {
		t[c] = true
	}
	return t
}()

// validValue reports whether v can be sent as a header field value: no CR, LF or NUL (which
// would end the field early and let data inject headers).
func validValue(v string) bool {
	for i := 0; i < len(v); i++ {
		if c := v[i]; c == '\r' || c == '\n' || c == 0 {
			return false
		}
	}
	return true
}

// requestHead is what appendRequest needs beyond the Request: the resolved method and target
// and the headers the client adds.
type requestHead struct {
	method    string
	t         *target
	header    []Header
	bodyLen   int
	userAgent string
	cookie    string // from the jar; "" for none
	close     bool   // send Connection: close
}

// appendRequest appends the HTTP/1.1 request line and header section of h to b:
//
//	request  = method SP request-target SP "HTTP/1.1" CRLF
//	           "Host: " host CRLF *( field CRLF ) CRLF
//
// It reports whether the given headers asked to close the connection.
func appendRequest(b []byte, h *requestHead) ([]byte, bool, error) {
	if !isToken(h.method) {
		return b, false, fmt.Errorf("%w: method %q is not a token", ErrInvalidRequest, h.method)
	}
	host, hasUA, hasAuth, closeConn := h.t.authority, false, false, h.close
	for i := range h.header {
		k, v := h.header[i].Key, h.header[i].Value
		if !isToken(k) {
			return b, false, fmt.Errorf("%w: header name %q is not a token", ErrInvalidRequest, k)
		}
		if !validValue(v) {
			return b, false, fmt.Errorf("%w: header %s value %q has CR, LF or NUL", ErrInvalidRequest, k, v)
		}
		switch len(k) {
		case len("host"):
			if equalFold(k, "host") {
				host = v
			}
		case len("user-agent"):
			if equalFold(k, "user-agent") {
				hasUA = true
			} else if equalFold(k, "connection") && hasToken(v, "close") {
				closeConn = true
			}
		case len("authorization"):
			hasAuth = hasAuth || equalFold(k, "authorization")
		}
	}
	if !validValue(host) {
		return b, false, fmt.Errorf("%w: host %q has CR, LF or NUL", ErrInvalidRequest, host)
	}
	b = append(b, h.method...)
	b = append(b, ' ')
	b = appendRequestURI(b, h.t.requestURI)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\n"...)
	if !hasUA && h.userAgent != "" {
		b = appendField(b, "User-Agent", h.userAgent)
	}
	if h.t.userinfo != "" && !hasAuth {
		b = append(b, "Authorization: Basic "...)
		b = base64.StdEncoding.AppendEncode(b, []byte(h.t.userinfo))
		b = append(b, "\r\n"...)
	}
	cookieDone := h.cookie == ""
	for i := range h.header {
		k, v := h.header[i].Key, h.header[i].Value
		switch {
		case equalFold(k, "host"), equalFold(k, "content-length"),
			equalFold(k, "transfer-encoding"), equalFold(k, "connection"):
			continue
		case !cookieDone && equalFold(k, "cookie"):
			b = append(b, k...)
			b = append(b, ": "...)
			b = append(b, v...)
			b = append(b, "; "...)
			b = append(b, h.cookie...)
			b = append(b, "\r\n"...)
			cookieDone = true
			continue
		}
		b = appendField(b, k, v)
	}
	if !cookieDone {
		b = appendField(b, "Cookie", h.cookie)
	}
	if h.bodyLen > 0 || h.method == "POST" || h.method == "PUT" || h.method == "PATCH" {
		b = append(b, "Content-Length: "...)
		b = strconv.AppendInt(b, int64(h.bodyLen), 10)
		b = append(b, "\r\n"...)
	}
	if closeConn {
		b = append(b, "Connection: close\r\n"...)
	}
	return append(b, "\r\n"...), closeConn, nil
}

// appendField appends "k: v" CRLF.
func appendField(b []byte, k, v string) []byte {
	b = append(b, k...)
	b = append(b, ": "...)
	b = append(b, v...)
	return append(b, "\r\n"...)
}

// appendRequestURI appends uri, percent-encoding spaces and non-ASCII bytes, as net/url does
// for a path written with them.
func appendRequestURI(b []byte, uri string) []byte {
	const hex = "0123456789ABCDEF"
	start := 0
	for i := 0; i < len(uri); i++ {
		if c := uri[i]; c == ' ' || c >= 0x80 {
			b = append(b, uri[start:i]...)
			b = append(b, '%', hex[c>>4], hex[c&15])
			start = i + 1
		}
	}
	return append(b, uri[start:]...)
}

// hasToken reports whether the comma-separated list v contains token, ignoring case.
func hasToken[T ~string | ~[]byte](v T, token string) bool {
	for len(v) > 0 {
		item := v
		i := 0
		for i < len(v) && v[i] != ',' {
			i++
		}
		item, v = v[:i], v[min(i+1, len(v)):]
		for len(item) > 0 && (item[0] == ' ' || item[0] == '\t') {
			item = item[1:]
		}
		for len(item) > 0 && (item[len(item)-1] == ' ' || item[len(item)-1] == '\t') {
			item = item[:len(item)-1]
		}
		if equalFold(item, token) {
			return true
		}
	}
	return false
}
