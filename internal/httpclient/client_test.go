package httpclient

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// connCounter counts the TCP connections an httptest server accepts.
type connCounter struct {
	mu  sync.Mutex
	new int
}

func (cc *connCounter) hook(_ net.Conn, s http.ConnState) {
	if s == http.StateNew {
		cc.mu.Lock()
		cc.new++
		cc.mu.Unlock()
	}
}

func (cc *connCounter) count() int {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	return cc.new
}

// newServer starts an httptest server with h that counts its connections.
func newServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *connCounter) {
	t.Helper()
	cc := &connCounter{}
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = cc.hook
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, cc
}

// echo answers with the method, the body and the X-Test header, and sets X-Method.
func echo(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("X-Method", r.Method)
	w.Header().Set("X-Echo", r.Header.Get("X-Test"))
	w.Header().Set("X-UA", r.UserAgent())
	fmt.Fprintf(w, "%s %s %s", r.Method, r.URL.RequestURI(), body)
}

func TestMethodsRoundTrip(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, echo)
	c := New(Options{Timeout: 5 * time.Second})
	defer c.Close()
	tests := []struct {
		method, path, body string
	}{
		{"GET", "/a?x=1", ""},                         // query kept, no body
		{"POST", "/meetings", `{"title":"x"}`},        // body sent with Content-Length
		{"PUT", "/meetings/7", `{"title":"y"}`},       // idempotent write
		{"DELETE", "/meetings/7", ""},                 // no body
		{"POST", "/empty", ""},                        // POST with an empty body: Content-Length 0
		{"PATCH", "/big", strings.Repeat("b", 20000)}, // body larger than the single-write bound
	}
	var resp Response
	for _, tt := range tests {
		t.Run(tt.method+tt.path, func(t *testing.T) {
			req := Request{Method: tt.method, URL: srv.URL + tt.path, Body: []byte(tt.body),
				Header: []Header{{"X-Test", "v-" + tt.method}}}
			c.Do(context.Background(), &req, &resp)
			if resp.Err != nil {
				t.Fatalf("Do: %v (code %d)", resp.Err, resp.ErrorCode)
			}
			want := tt.method + " " + tt.path + " " + tt.body
			if resp.Status != 200 || string(resp.Body) != want {
				t.Errorf("got %d %q, want 200 %q", resp.Status, resp.Body, want)
			}
			if v, _ := resp.HeaderValue("x-echo"); v != "v-"+tt.method {
				t.Errorf("X-Echo = %q", v)
			}
			if v, _ := resp.HeaderValue("X-UA"); v != DefaultUserAgent {
				t.Errorf("User-Agent = %q, want %q", v, DefaultUserAgent)
			}
			if resp.Proto != "HTTP/1.1" || resp.Sent <= int64(len(tt.body)) || resp.Received <= int64(len(want)) {
				t.Errorf("proto %q sent %d received %d", resp.Proto, resp.Sent, resp.Received)
			}
		})
	}
}

func TestKeepAliveReuse(t *testing.T) {
	t.Parallel()
	srv, cc := newServer(t, echo)
	c := New(Options{Timeout: 5 * time.Second})
	defer c.Close()
	var resp Response
	const n = 20
	for i := range n {
		c.Do(context.Background(), &Request{URL: srv.URL + "/"}, &resp)
		if resp.Err != nil {
			t.Fatalf("request %d: %v", i, resp.Err)
		}
		if i == 0 && resp.Timings.Connecting <= 0 {
			t.Errorf("first request: Connecting = %v, want > 0", resp.Timings.Connecting)
		}
		if i > 0 && resp.Timings.Connecting != 0 {
			t.Errorf("request %d: Connecting = %v on a reused connection", i, resp.Timings.Connecting)
		}
	}
	if got := cc.count(); got != 1 {
		t.Errorf("server saw %d connections for %d requests, want 1", got, n)
	}
}

func TestNoConnectionReuse(t *testing.T) {
	t.Parallel()
	srv, cc := newServer(t, echo)
	c := New(Options{Timeout: 5 * time.Second, NoConnectionReuse: true})
	defer c.Close()
	var resp Response
	const n = 5
	for i := range n {
		c.Do(context.Background(), &Request{URL: srv.URL + "/"}, &resp)
		if resp.Err != nil || resp.Timings.Connecting <= 0 {
			t.Fatalf("request %d: err %v, Connecting %v", i, resp.Err, resp.Timings.Connecting)
		}
	}
	if got := cc.count(); got != n {
		t.Errorf("server saw %d connections, want %d", got, n)
	}
}

func TestPhases(t *testing.T) {
	t.Parallel()
	const pause = 50 * time.Millisecond
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow-first-byte":
			time.Sleep(pause)
			io.WriteString(w, "ok")
		case "/slow-body":
			w.Header().Set("Content-Length", "4")
			for range 4 {
				io.WriteString(w, "x")
				w.(http.Flusher).Flush()
				time.Sleep(pause / 4)
			}
		}
	})
	c := New(Options{Timeout: 5 * time.Second})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{URL: srv.URL + "/slow-first-byte"}, &resp)
	tm := resp.Timings
	if resp.Err != nil || tm.Waiting < pause {
		t.Errorf("slow first byte: err %v, Waiting %v, want ≥ %v", resp.Err, tm.Waiting, pause)
	}
	if tm.Duration != tm.Sending+tm.Waiting+tm.Receiving || tm.Blocked < tm.Connecting {
		t.Errorf("inconsistent timings %+v", tm)
	}
	c.Do(context.Background(), &Request{URL: srv.URL + "/slow-body"}, &resp)
	if resp.Err != nil || resp.Timings.Receiving < pause/2 || string(resp.Body) != "xxxx" {
		t.Errorf("slow body: err %v, body %q, Receiving %v, want ≥ %v", resp.Err, resp.Body, resp.Timings.Receiving, pause/2)
	}
}

func TestTLS(t *testing.T) {
	t.Parallel()
	srv := httptest.NewTLSServer(http.HandlerFunc(echo))
	t.Cleanup(srv.Close)
	tlsCfg := srv.Client().Transport.(*http.Transport).TLSClientConfig
	tests := []struct {
		name     string
		opts     Options
		wantCode int
	}{
		// the test server's CA given: the handshake succeeds and is timed
		{"trusted", Options{TLSConfig: tlsCfg}, 0},
		// system roots do not know the test CA: k6's 1310
		{"unknown CA", Options{}, ErrorCodeTLSUnknownCA},
		// verification off: succeeds with the unknown CA
		{"insecure", Options{InsecureSkipTLSVerify: true}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Timeout = 5 * time.Second
			c := New(tt.opts)
			defer c.Close()
			var resp Response
			for i := range 2 {
				c.Do(context.Background(), &Request{URL: srv.URL + "/tls"}, &resp)
				if resp.ErrorCode != tt.wantCode {
					t.Fatalf("code %d (%v), want %d", resp.ErrorCode, resp.Err, tt.wantCode)
				}
				if tt.wantCode != 0 {
					return
				}
				if i == 0 && resp.Timings.TLSHandshaking <= 0 {
					t.Errorf("TLSHandshaking = %v on a new connection", resp.Timings.TLSHandshaking)
				}
				if i == 1 && resp.Timings.TLSHandshaking != 0 {
					t.Errorf("TLSHandshaking = %v on a reused connection", resp.Timings.TLSHandshaking)
				}
				if string(resp.Body) != "GET /tls " {
					t.Errorf("body %q", resp.Body)
				}
			}
		})
	}
}

func TestBodyBounds(t *testing.T) {
	t.Parallel()
	const big = 20 << 20
	chunk := bytes.Repeat([]byte("0123456789abcdef"), 4096)
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/small" {
			io.WriteString(w, "small")
			return
		}
		if r.URL.Query().Get("cl") == "1" {
			w.Header().Set("Content-Length", fmt.Sprint(big))
		}
		for n := 0; n < big; n += len(chunk) {
			w.Write(chunk)
		}
	})
	tests := []struct {
		name      string
		opts      Options
		query     string
		discard   bool // Request.DiscardBody
		wantKeep  int
		wantTrunc bool
	}{
		// Content-Length body above the bound: 1 MiB kept, truncated
		{"content-length", Options{MaxBodyBytes: 1 << 20}, "?cl=1", false, 1 << 20, true},
		// chunked body above the bound
		{"chunked", Options{MaxBodyBytes: 1 << 20}, "", false, 1 << 20, true},
		// discarding keeps nothing and is not a truncation
		{"discard", Options{DiscardBodies: true}, "?cl=1", false, 0, false},
		// discarding one request's body: the same, with a Content-Length…
		{"discard one, content-length", Options{MaxBodyBytes: 1 << 20}, "?cl=1", true, 0, false},
		// …and chunked
		{"discard one, chunked", Options{MaxBodyBytes: 1 << 20}, "", true, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.Timeout = 10 * time.Second
			c := New(tt.opts)
			defer c.Close()
			var resp Response
			before := cc.count()
			c.Do(context.Background(), &Request{URL: srv.URL + "/big" + tt.query, DiscardBody: tt.discard}, &resp)
			if resp.Err != nil || len(resp.Body) != tt.wantKeep || resp.BodyTruncated != tt.wantTrunc {
				t.Fatalf("err %v, kept %d truncated %v, want %d %v", resp.Err, len(resp.Body), resp.BodyTruncated, tt.wantKeep, tt.wantTrunc)
			}
			if tt.wantKeep > 0 && !bytes.Equal(resp.Body[:len(chunk)], chunk) {
				t.Errorf("kept body does not start with what was sent")
			}
			if resp.Received < big {
				t.Errorf("Received %d < %d", resp.Received, big)
			}
			c.Do(context.Background(), &Request{URL: srv.URL + "/small"}, &resp)
			if resp.Err != nil || (!tt.opts.DiscardBodies && string(resp.Body) != "small") {
				t.Fatalf("next request: %v %q", resp.Err, resp.Body)
			}
			if got := cc.count() - before; got != 1 {
				t.Errorf("%d connections for 2 requests: the connection was not reused", got)
			}
		})
	}
}

func TestNoBodyResponses(t *testing.T) {
	t.Parallel()
	srv, cc := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/204":
			w.WriteHeader(204)
		case "/304":
			w.WriteHeader(304)
		default:
			w.Header().Set("Content-Length", "11")
			io.WriteString(w, "hello world")
		}
	})
	c := New(Options{Timeout: 5 * time.Second})
	defer c.Close()
	tests := []struct {
		method, path string
		status       int
		body         string
	}{
		{"HEAD", "/", 200, ""},           // Content-Length announced, no body follows
		{"GET", "/204", 204, ""},         // no content
		{"GET", "/304", 304, ""},         // not modified
		{"GET", "/", 200, "hello world"}, // the connection still frames correctly
	}
	var resp Response
	for _, tt := range tests {
		c.Do(context.Background(), &Request{Method: tt.method, URL: srv.URL + tt.path}, &resp)
		if resp.Err != nil || resp.Status != tt.status || string(resp.Body) != tt.body {
			t.Errorf("%s %s: %v %d %q, want %d %q", tt.method, tt.path, resp.Err, resp.Status, resp.Body, tt.status, tt.body)
		}
	}
	if got := cc.count(); got != 1 {
		t.Errorf("%d connections, want 1", got)
	}
}

func TestHeaderStringsSurviveNextDo(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Path", r.URL.Path)
	})
	c := New(Options{Timeout: 5 * time.Second})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{URL: srv.URL + "/first"}, &resp)
	v, ok := resp.HeaderValue("X-Path")
	if !ok || v != "/first" {
		t.Fatalf("X-Path = %q %v", v, ok)
	}
	c.Do(context.Background(), &Request{URL: srv.URL + "/other"}, &resp)
	if v != "/first" {
		t.Errorf("a string from the first response changed to %q", v)
	}
	n := 0
	resp.EachHeader(func(k, v string) { n++ })
	if n < 2 {
		t.Errorf("EachHeader saw %d fields", n)
	}
}
