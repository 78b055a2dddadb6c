package httpclient

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rawServer is a TCP server whose every connection is handed to a test's handler: the place
// for behaviour no well-mannered server shows.
type rawServer struct {
	ln       net.Listener
	accepted atomic.Int64
	wg       sync.WaitGroup
	mu       sync.Mutex
	conns    []net.Conn
}

// startRaw listens on a free loopback port and serves every connection with handle. Cleanup
// closes the listener and every connection and waits for the handlers.
func startRaw(t testing.TB, handle func(c net.Conn)) *rawServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &rawServer{ln: ln}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.accepted.Add(1)
			s.mu.Lock()
			s.conns = append(s.conns, c)
			s.mu.Unlock()
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer c.Close()
				handle(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		s.mu.Lock()
		for _, c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		s.wg.Wait()
	})
	return s
}

// url returns http://addr/path for the server.
func (s *rawServer) url(path string) string { return "http://" + s.ln.Addr().String() + path }

// readHead reads one request head (through the blank line) from br; false at EOF or error.
func readHead(br *bufio.Reader) bool {
	for {
		l, err := br.ReadString('\n')
		if err != nil {
			return false
		}
		if l == "\r\n" {
			return true
		}
	}
}

// serveOne reads a request and writes reply, then keeps the connection open until the client
// closes it.
func serveOne(reply string) func(net.Conn) {
	return func(c net.Conn) {
		br := bufio.NewReader(c)
		if readHead(br) {
			io.WriteString(c, reply)
		}
		io.Copy(io.Discard, br)
	}
}

// stall reads the request and then sends nothing until the client gives up.
func stall(c net.Conn) {
	br := bufio.NewReader(c)
	readHead(br)
	io.Copy(io.Discard, br)
}

func TestHostileServers(t *testing.T) {
	t.Parallel()
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name     string
		handle   func(net.Conn)
		wantCode int
	}{
		// The peer aborts with RST after part of the response.
		{"reset mid-response", func(c net.Conn) {
			br := bufio.NewReader(c)
			readHead(br)
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc")
			time.Sleep(10 * time.Millisecond)
			c.(*net.TCPConn).SetLinger(0)
		}, ErrorCodeResetByPeer},
		// Not HTTP at all.
		{"garbage", serveOne("SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02 garbage\r\n\r\n"), ErrorCodeMalformedResponse},
		// Binary noise without any newline, then close.
		{"binary noise", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			c.Write([]byte{0x16, 0x03, 0x01, 0x00, 0xff, 0xfe, 0x00})
		}, ErrorCodeIncompleteResponse},
		// A chunked body that never ends: the request times out while receiving.
		{"endless chunked body", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
			chunk := "400\r\n" + strings.Repeat("x", 0x400) + "\r\n"
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				if _, err := io.WriteString(c, chunk); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}, ErrorCodeTimeout},
		// An endless body without framing (until close).
		{"endless body until close", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\n\r\n")
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); {
				if _, err := io.WriteString(c, strings.Repeat("y", 4096)); err != nil {
					return
				}
				time.Sleep(time.Millisecond)
			}
		}, ErrorCodeTimeout},
		// Nothing after the request: the request times out while waiting.
		{"stall before headers", stall, ErrorCodeTimeout},
		// Headers fed one byte every 5 ms (slowloris in reverse): the deadline is absolute.
		{"drip-fed headers", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			for _, b := range []byte("HTTP/1.1 200 OK\r\nX-Slow: " + strings.Repeat("z", 1000)) {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(5 * time.Millisecond)
			}
		}, ErrorCodeTimeout},
		// Half the body, then silence.
		{"stall mid-body", serveOne("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n01234"), ErrorCodeTimeout},
		// The status line, then silence.
		{"stall inside headers", serveOne("HTTP/1.1 200 OK\r\nX-A: 1\r\n"), ErrorCodeTimeout},
		// One header line of 100 KiB, beyond MaxHeaderBytes.
		{"100 KiB header line", serveOne("HTTP/1.1 200 OK\r\nX-Big: " + strings.Repeat("h", 100<<10) + "\r\nContent-Length: 0\r\n\r\n"),
			ErrorCodeHeaderTooLarge},
		// Thousands of small header lines, beyond MaxHeaderBytes in total.
		{"too many header lines", serveOne("HTTP/1.1 200 OK\r\n" + strings.Repeat("X-A: 1\r\n", 20000) + "\r\n"),
			ErrorCodeHeaderTooLarge},
		// FIN after 10 of 100 announced body bytes.
		{"close before full body", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789")
		}, ErrorCodeIncompleteResponse},
		// FIN inside the chunked framing.
		{"close inside chunked body", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nabc")
		}, ErrorCodeIncompleteResponse},
		// FIN inside the header section.
		{"close inside headers", func(c net.Conn) {
			readHead(bufio.NewReader(c))
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Le")
		}, ErrorCodeIncompleteResponse},
		// FIN right after reading the request, on a fresh connection (no retry).
		{"close without response", func(c net.Conn) {
			readHead(bufio.NewReader(c))
		}, ErrorCodeIncompleteResponse},
		// Content-Length that is not a number.
		{"bad content-length", serveOne("HTTP/1.1 200 OK\r\nContent-Length: 12abc\r\n\r\n"), ErrorCodeMalformedResponse},
		// Two different Content-Lengths: a response-splitting attempt.
		{"conflicting content-length", serveOne("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab"), ErrorCodeMalformedResponse},
		// A chunk size that is not hex.
		{"bad chunk size", serveOne("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"), ErrorCodeMalformedResponse},
		// A chunk size that overflows int64.
		{"huge chunk size", serveOne("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"), ErrorCodeMalformedResponse},
		// A header line folded onto the next (obsolete, a smuggling vector).
		{"obs-fold", serveOne("HTTP/1.1 200 OK\r\nX-A: 1\r\n 2\r\nContent-Length: 0\r\n\r\n"), ErrorCodeMalformedResponse},
		// An unrequested protocol switch.
		{"101 switching protocols", serveOne("HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"), ErrorCodeMalformedResponse},
		// Endless interim responses.
		{"endless 1xx", serveOne(strings.Repeat("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", 20)), ErrorCodeMalformedResponse},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRaw(t, tt.handle)
			c := New(Options{Timeout: timeout})
			defer c.Close()
			var resp Response
			start := time.Now()
			c.Do(context.Background(), &Request{URL: srv.url("/")}, &resp)
			if el := time.Since(start); el > timeout+2*time.Second {
				t.Errorf("Do returned after %v with a timeout of %v", el, timeout)
			}
			if resp.ErrorCode != tt.wantCode {
				t.Fatalf("code %d (%v), want %d", resp.ErrorCode, resp.Err, tt.wantCode)
			}
			var e *Error
			if !errors.As(resp.Err, &e) || e.Code != tt.wantCode || !strings.Contains(resp.Err.Error(), srv.url("/")) {
				t.Errorf("Err %v is not an *Error naming the URL with code %d", resp.Err, tt.wantCode)
			}
		})
	}
}

func TestConnectionRefused(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	c := New(Options{Timeout: time.Second})
	var resp Response
	c.Do(context.Background(), &Request{URL: "http://" + addr + "/"}, &resp)
	if resp.ErrorCode != ErrorCodeDialRefused || resp.Timings.Duration != 0 {
		t.Errorf("code %d (%v), Duration %v; want %d and no duration", resp.ErrorCode, resp.Err, resp.Timings.Duration, ErrorCodeDialRefused)
	}
}

// okThenClose answers each request with a keep-alive 200 and closes the connection
// afterwards, as a server does when its idle timeout expires.
func okThenClose(c net.Conn) {
	br := bufio.NewReader(c)
	if readHead(br) {
		io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	}
	time.Sleep(20 * time.Millisecond)
}

func TestStaleKeepAliveRetried(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		method string
		idle   time.Duration
	}{
		// The failure is met on the request: GET is idempotent and is sent again.
		{"GET after close", "GET", 100 * time.Millisecond},
		// DELETE is idempotent too.
		{"DELETE after close", "DELETE", 100 * time.Millisecond},
		// POST is not idempotent: the idle probe finds the closed connection before sending.
		{"POST after long idle", "POST", idleProbeAfter + 100*time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := startRaw(t, okThenClose)
			c := New(Options{Timeout: 2 * time.Second})
			defer c.Close()
			var resp Response
			for i := range 3 {
				c.Do(context.Background(), &Request{Method: tt.method, URL: srv.url("/")}, &resp)
				if resp.Err != nil || string(resp.Body) != "ok" {
					t.Fatalf("request %d: %v %q", i, resp.Err, resp.Body)
				}
				time.Sleep(tt.idle)
			}
			if got := srv.accepted.Load(); got != 3 {
				t.Errorf("%d connections, want 3 (one per request)", got)
			}
		})
	}
}

func TestInterruptedByContext(t *testing.T) {
	t.Parallel()
	srv := startRaw(t, stall)
	c := New(Options{Timeout: 10 * time.Second})
	defer c.Close()
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	var resp Response
	start := time.Now()
	c.Do(ctx, &Request{URL: srv.url("/")}, &resp)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("Do returned %v after the cancellation", el)
	}
	if !resp.Interrupted() || !errors.Is(resp.Err, ErrInterrupted) || !errors.Is(resp.Err, context.Canceled) {
		t.Errorf("code %d err %v: want an interruption", resp.ErrorCode, resp.Err)
	}
	c.Do(ctx, &Request{URL: srv.url("/")}, &resp)
	if !resp.Interrupted() {
		t.Errorf("Do with a done context: code %d err %v", resp.ErrorCode, resp.Err)
	}
}

func TestTLSStall(t *testing.T) {
	t.Parallel()
	srv := startRaw(t, func(c net.Conn) { io.Copy(io.Discard, c) }) // accepts, never answers
	c := New(Options{Timeout: 300 * time.Millisecond})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{URL: strings.Replace(srv.url("/"), "http://", "https://", 1)}, &resp)
	if resp.ErrorCode != ErrorCodeTimeout {
		t.Errorf("code %d (%v), want %d", resp.ErrorCode, resp.Err, ErrorCodeTimeout)
	}
}

func TestNilRequest(t *testing.T) {
	t.Parallel()
	c := New(Options{})
	var resp Response
	c.Do(context.Background(), nil, &resp)
	if resp.ErrorCode != ErrorCodeInvalidRequest {
		t.Errorf("nil request: code %d (%v)", resp.ErrorCode, resp.Err)
	}
	c.Do(context.Background(), &Request{URL: "http://127.0.0.1:1/"}, nil) // nowhere to report: must not panic
}

// ctxKey keys test values in contexts.
type ctxKey struct{}

func TestInterruptedSharedDone(t *testing.T) {
	t.Parallel()
	// The first request on a connection is answered, the second never is.
	srv := startRaw(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		if readHead(br) {
			io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
		}
		io.Copy(io.Discard, br)
	})
	c := New(Options{Timeout: 10 * time.Second})
	defer c.Close()
	vuCtx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var resp Response
	// Per-iteration contexts derived with WithValue share the VU context's Done channel, and so
	// the watcher registered by the first request.
	c.Do(context.WithValue(vuCtx, ctxKey{}, 1), &Request{URL: srv.url("/")}, &resp)
	if resp.Err != nil {
		t.Fatalf("first request: %v", resp.Err)
	}
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	c.Do(context.WithValue(vuCtx, ctxKey{}, 2), &Request{URL: srv.url("/")}, &resp)
	if el := time.Since(start); el > 5*time.Second || !resp.Interrupted() {
		t.Errorf("after %v: code %d (%v), want an interruption", el, resp.ErrorCode, resp.Err)
	}
}

func TestInvalidInput(t *testing.T) {
	t.Parallel()
	srv := startRaw(t, serveOne("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	tests := []struct {
		name     string
		req      Request
		wantCode int
	}{
		{"relative URL", Request{URL: "/api/meetings"}, ErrorCodeInvalidURL},                        // no scheme
		{"ftp scheme", Request{URL: "ftp://127.0.0.1/"}, ErrorCodeInvalidURL},                       // not http(s)
		{"empty host", Request{URL: "http:///x"}, ErrorCodeInvalidURL},                              // no host
		{"bad port", Request{URL: "http://127.0.0.1:99999/"}, ErrorCodeInvalidURL},                  // out of range
		{"control char in path", Request{URL: srv.url("/a\r\nX-Injected: 1")}, ErrorCodeInvalidURL}, // header injection via URL
		{"method with space", Request{Method: "GET /x", URL: srv.url("/")}, ErrorCodeInvalidRequest},
		{"header value with CRLF", Request{URL: srv.url("/"), Header: []Header{{"X-A", "1\r\nX-B: 2"}}}, ErrorCodeInvalidRequest},
		{"header name with colon", Request{URL: srv.url("/"), Header: []Header{{"X-A:", "1"}}}, ErrorCodeInvalidRequest},
	}
	t.Cleanup(func() { // after the parallel subtests
		if n := srv.accepted.Load(); n != 0 {
			t.Errorf("invalid requests opened %d connections", n)
		}
	})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{Timeout: time.Second})
			var resp Response
			c.Do(context.Background(), &tt.req, &resp)
			if resp.ErrorCode != tt.wantCode || !strings.Contains(resp.Err.Error(), fmt.Sprintf("%q", tt.req.URL)) {
				t.Errorf("code %d (%v), want %d with the URL quoted", resp.ErrorCode, resp.Err, tt.wantCode)
			}
		})
	}
}
