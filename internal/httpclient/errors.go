package httpclient

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
)

// Error codes, as k6 reports them in the error_code tag and Response.error_code. The numbers
// and their meanings are k6's (lib/netext/httpext/error_codes.go) wherever k6 has one; ramp's
// own codes live in 1800–1899, a range k6 does not use (k6: 1000–1099 general, 1100 DNS,
// 1200 TCP, 1300 TLS, 1400–1599 HTTP statuses 4xx/5xx as 1000+status, 1600 HTTP/2, 1700
// content).
//
// Where k6 runs on net/http it reports every malformed, truncated or oversized response as
// the generic 1000; ramp owns the wire format and tells them apart (1800–1802). Status codes
// are not errors here: ErrorCode is 0 for any completed exchange, 404 and 500 included; the
// caller derives k6's 1000+status code from Status if it wants one.
const (
	ErrorCodeGeneric         = 1000 // k6: an error that fits no other code
	ErrorCodeInvalidURL      = 1020 // k6: the URL is not an absolute http(s) URL
	ErrorCodeTimeout         = 1050 // k6: the request timed out after the connection was made
	ErrorCodeDNS             = 1100 // k6: generic DNS error
	ErrorCodeDNSNoSuchHost   = 1101 // k6: no IP for the host
	ErrorCodeBlockedHostname = 1111 // k6: the host is not allowed (Options.Allow); nothing sent
	ErrorCodeTCP             = 1200 // k6: generic TCP error after the dial
	ErrorCodeBrokenPipe      = 1201 // k6: writing to a connection the peer closed
	ErrorCodeUnknownErrno    = 1202 // k6: an unclassified errno after the dial
	ErrorCodeDial            = 1210 // k6: generic dial error
	ErrorCodeDialTimeout     = 1211 // k6: the TCP connect timed out
	ErrorCodeDialRefused     = 1212 // k6: connection refused
	ErrorCodeDialErrno       = 1213 // k6: an unclassified errno while dialling
	ErrorCodeResetByPeer     = 1220 // k6: connection reset by peer (RST)
	ErrorCodeTLS             = 1300 // k6: generic TLS error (handshake failed, not TLS at all…)
	ErrorCodeTLSUnknownCA    = 1310 // k6: certificate signed by an unknown authority
	ErrorCodeTLSHostname     = 1311 // k6: certificate does not match the host name
	ErrorCodeDecompression   = 1701 // k6: a gzip or deflate body that does not decompress

	// ErrorCodeMalformedResponse (ramp): the bytes received are not an HTTP/1.x response — a
	// bad status line, header line, Content-Length or chunk framing, or an unrequested
	// protocol switch. k6 reports these as 1000.
	ErrorCodeMalformedResponse = 1800
	// ErrorCodeHeaderTooLarge (ramp): the status line and header fields (or the trailer
	// fields) exceed Options.MaxHeaderBytes. k6 reports this as 1000.
	ErrorCodeHeaderTooLarge = 1801
	// ErrorCodeIncompleteResponse (ramp): the server closed the connection (FIN) before a
	// complete response: before the status line, inside the header, or before the last body
	// byte that Content-Length or the chunked framing announced. k6 reports this as 1000
	// ("unexpected EOF").
	ErrorCodeIncompleteResponse = 1802
	// ErrorCodeInvalidRequest (ramp): the request cannot be written as HTTP/1.1 — a method or
	// header name that is not a token, a header value or URL with control characters (which
	// would let scenario data inject headers). Nothing is sent.
	ErrorCodeInvalidRequest = 1810
	// ErrorCodeInterrupted (ramp): the caller's context was cancelled or reached its own
	// deadline (the run stopped, a graceful stop expired). It is not the server's fault:
	// callers should not count it in http_req_failed; Response.Interrupted reports it.
	ErrorCodeInterrupted = 1890
)

// Sentinel errors for errors.Is on Response.Err. Network errors keep their own types
// (*net.OpError, *net.DNSError, x509 errors) inside the chain.
var (
	ErrInvalidURL         = errors.New("invalid URL")
	ErrInvalidRequest     = errors.New("invalid request")
	ErrBlockedHostname    = errors.New("hostname is blocked")
	ErrTimeout            = errors.New("request timeout")
	ErrInterrupted        = errors.New("request interrupted")
	ErrMalformedResponse  = errors.New("malformed HTTP response")
	ErrHeaderTooLarge     = errors.New("response header too large")
	ErrIncompleteResponse = errors.New("connection closed before a complete response")
	ErrDecompression      = errors.New("response body does not decompress")
)

// Error is the error Do puts in Response.Err: what was being done (Op), to which request, and
// the cause. Code is the same number as Response.ErrorCode.
type Error struct {
	Code   int
	Op     string // "url", "allow", "dns", "dial", "tls", "write", "read"
	Method string
	URL    string
	Err    error
}

// Error formats the failure as `GET "http://h/x": read: connection reset by peer`.
func (e *Error) Error() string {
	return fmt.Sprintf("%s %q: %s: %v", e.Method, e.URL, e.Op, e.Err)
}

// Unwrap returns the cause, so errors.Is and errors.As see through Error.
func (e *Error) Unwrap() error { return e.Err }

// Operations, in the order an exchange goes through them. The op decides how an otherwise
// ambiguous cause is classified: a timeout while dialling is 1211, afterwards 1050.
const (
	opURL   = "url"
	opAllow = "allow"
	opDNS   = "dns"
	opDial  = "dial"
	opTLS   = "tls"
	opWrite = "write"
	opRead  = "read"
)

// classify maps a failure during op to its error code. The caller checks for interruption
// (its context done) before calling classify.
func classify(op string, err error) int {
	switch {
	case errors.Is(err, ErrMalformedResponse):
		return ErrorCodeMalformedResponse
	case errors.Is(err, ErrHeaderTooLarge):
		return ErrorCodeHeaderTooLarge
	case errors.Is(err, ErrInvalidURL):
		return ErrorCodeInvalidURL
	case errors.Is(err, ErrInvalidRequest):
		return ErrorCodeInvalidRequest
	case errors.Is(err, ErrBlockedHostname):
		return ErrorCodeBlockedHostname
	case errors.Is(err, ErrDecompression):
		return ErrorCodeDecompression
	}
	switch op {
	case opDNS:
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) && dnsErr.IsNotFound {
			return ErrorCodeDNSNoSuchHost
		}
		return ErrorCodeDNS
	case opDial:
		return classifyDial(err)
	case opTLS:
		var unknownCA x509.UnknownAuthorityError
		var hostname x509.HostnameError
		switch {
		case errors.As(err, &unknownCA):
			return ErrorCodeTLSUnknownCA
		case errors.As(err, &hostname):
			return ErrorCodeTLSHostname
		case isTimeout(err):
			return ErrorCodeTimeout
		case errors.Is(err, syscall.ECONNRESET):
			return ErrorCodeResetByPeer
		}
		return ErrorCodeTLS
	}
	// write and read
	var errno syscall.Errno
	switch {
	case isTimeout(err):
		return ErrorCodeTimeout
	case errors.Is(err, syscall.ECONNRESET):
		return ErrorCodeResetByPeer
	case errors.Is(err, syscall.EPIPE):
		return ErrorCodeBrokenPipe
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF),
		errors.Is(err, ErrIncompleteResponse):
		return ErrorCodeIncompleteResponse
	case errors.As(err, &errno):
		return ErrorCodeUnknownErrno
	}
	var opErr *net.OpError
	if errors.As(err, &opErr) {
		return ErrorCodeTCP
	}
	return ErrorCodeGeneric
}

// classifyDial maps a failed TCP connect as k6 does: refused, timed out, another errno, or
// a generic dial error.
func classifyDial(err error) int {
	var errno syscall.Errno
	switch {
	case errors.Is(err, syscall.ECONNREFUSED):
		return ErrorCodeDialRefused
	case isTimeout(err):
		return ErrorCodeDialTimeout
	case errors.Is(err, syscall.ECONNRESET):
		return ErrorCodeResetByPeer
	case errors.As(err, &errno):
		return ErrorCodeDialErrno
	}
	return ErrorCodeDial
}

// isTimeout reports whether err is a deadline expiring (the connection's or a dial context's).
func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) ||
		errors.Is(err, ErrTimeout) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// retryable reports whether err, met on a reused keep-alive connection before any byte of the
// response arrived, means the server had closed the connection while it was idle: the request
// can be sent again on a fresh connection (as net/http does).
func retryable(err error) bool {
	return errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE) ||
		errors.Is(err, ErrIncompleteResponse)
}
