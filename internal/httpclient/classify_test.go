package httpclient

import (
	"bufio"
	"context"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	sysErr := func(op string, errno syscall.Errno) error {
		return &net.OpError{Op: op, Net: "tcp", Err: os.NewSyscallError(op, errno)}
	}
	tests := []struct {
		name string
		op   string
		err  error
		want int
	}{
		{"refused", opDial, sysErr("connect", syscall.ECONNREFUSED), ErrorCodeDialRefused},                                // nothing listens
		{"dial timeout", opDial, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}, ErrorCodeDialTimeout}, // SYN unanswered
		{"dial context deadline", opDial, context.DeadlineExceeded, ErrorCodeDialTimeout},                                 // DialContext's way
		{"dial unreachable", opDial, sysErr("connect", syscall.ENETUNREACH), ErrorCodeDialErrno},                          // other errno
		{"dial other", opDial, fmt.Errorf("weird"), ErrorCodeDial},                                                        // no errno
		{"reset on read", opRead, sysErr("read", syscall.ECONNRESET), ErrorCodeResetByPeer},                               // RST
		{"reset on write", opWrite, sysErr("write", syscall.ECONNRESET), ErrorCodeResetByPeer},                            // RST
		{"broken pipe", opWrite, sysErr("write", syscall.EPIPE), ErrorCodeBrokenPipe},                                     // peer gone
		{"read timeout", opRead, &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, ErrorCodeTimeout},
		{"other errno", opRead, sysErr("read", syscall.EIO), ErrorCodeUnknownErrno},                     // k6's 1202
		{"tcp other", opRead, &net.OpError{Op: "read", Net: "tcp", Err: fmt.Errorf("x")}, ErrorCodeTCP}, // k6's 1200
		{"eof", opRead, incomplete(io.EOF), ErrorCodeIncompleteResponse},                                // FIN
		{"no such host", opDNS, &net.DNSError{Err: "no such host", IsNotFound: true}, ErrorCodeDNSNoSuchHost},
		{"dns timeout", opDNS, &net.DNSError{Err: "i/o timeout", IsTimeout: true}, ErrorCodeDNS},
		{"unknown CA", opTLS, &tlsVerifyErr{x509.UnknownAuthorityError{}}, ErrorCodeTLSUnknownCA},
		{"hostname", opTLS, &tlsVerifyErr{x509.HostnameError{Host: "x"}}, ErrorCodeTLSHostname},
		{"tls other", opTLS, fmt.Errorf("tls: handshake failure"), ErrorCodeTLS},
		{"tls timeout", opTLS, os.ErrDeadlineExceeded, ErrorCodeTimeout},
		{"malformed", opRead, fmt.Errorf("%w: x", ErrMalformedResponse), ErrorCodeMalformedResponse},
		{"generic", opRead, fmt.Errorf("something else"), ErrorCodeGeneric},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := classify(tt.op, tt.err); got != tt.want {
				t.Errorf("classify(%s, %v) = %d, want %d", tt.op, tt.err, got, tt.want)
			}
		})
	}
}

// tlsVerifyErr wraps a certificate error as crypto/tls does.
type tlsVerifyErr struct{ err error }

func (e *tlsVerifyErr) Error() string { return "tls: " + e.err.Error() }
func (e *tlsVerifyErr) Unwrap() error { return e.err }

func TestTLSFailures(t *testing.T) {
	t.Parallel()
	tlsSrv := httptest.NewTLSServer(http.HandlerFunc(echo))
	t.Cleanup(tlsSrv.Close)
	plain, _ := newServer(t, echo)
	_, tlsPort, _ := net.SplitHostPort(tlsSrv.Listener.Addr().String())
	trusted := tlsSrv.Client().Transport.(*http.Transport).TLSClientConfig
	tests := []struct {
		name string
		url  string
		want int
	}{
		// the certificate names 127.0.0.1 and example.com, not wrong.test: k6's 1311
		{"hostname mismatch", "https://wrong.test:" + tlsPort + "/", ErrorCodeTLSHostname},
		// TLS spoken to a plain HTTP server: k6's generic 1300
		{"not TLS", strings.Replace(plain.URL, "http://", "https://", 1) + "/", ErrorCodeTLS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{Timeout: 2 * time.Second, TLSConfig: trusted,
				Resolver: fakeResolver{"wrong.test": {netip.MustParseAddr("127.0.0.1")}}})
			defer c.Close()
			var resp Response
			c.Do(context.Background(), &Request{URL: tt.url}, &resp)
			if resp.ErrorCode != tt.want {
				t.Errorf("code %d (%v), want %d", resp.ErrorCode, resp.Err, tt.want)
			}
		})
	}
}

// serveEach answers every request on a connection with reply, closing after the first when
// closeAfter, until the client closes.
func serveEach(reply string, closeAfter bool) func(net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		for readHead(br) {
			if _, err := io.WriteString(c, reply); err != nil || closeAfter {
				return
			}
		}
	}
}

func TestConnectionLifetime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		handle    func(net.Conn)
		body      string
		wantConns int64
	}{
		// HTTP/1.0 without keep-alive: the server closes, the client must not reuse
		{"http/1.0", serveEach("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", true), "ok", 3},
		// HTTP/1.0 with keep-alive: reused
		{"http/1.0 keep-alive", serveEach("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", false), "ok", 1},
		// Connection: close on HTTP/1.1
		{"connection close", serveEach("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok", true), "ok", 3},
		// no framing: the body runs until the server closes
		{"body until close", serveEach("HTTP/1.1 200 OK\r\n\r\nuntil close", true), "until close", 3},
		// chunked with extensions and trailers, kept alive
		{"chunked", serveEach("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n", false), "hello world", 1},
		// interim 103 before the response
		{"early hints", serveEach("HTTP/1.1 103 Early Hints\r\nLink: </a.css>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", false), "ok", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRaw(t, tt.handle)
			c := New(Options{Timeout: 2 * time.Second})
			defer c.Close()
			var resp Response
			for i := range 3 {
				c.Do(context.Background(), &Request{URL: srv.url("/")}, &resp)
				if resp.Err != nil || string(resp.Body) != tt.body {
					t.Fatalf("request %d: %v %q, want %q", i, resp.Err, resp.Body, tt.body)
				}
			}
			if got := srv.accepted.Load(); got != tt.wantConns {
				t.Errorf("%d connections for 3 requests, want %d", got, tt.wantConns)
			}
		})
	}
}
