package httpclient

import (
	"context"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"
)

// lazyJar is an EmptyJar as the flow runner keeps one per VU: the cookiejar is made when the
// first cookie arrives.
type lazyJar struct{ jar *cookiejar.Jar }

var _ EmptyJar = (*lazyJar)(nil)

func (j *lazyJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if j.jar == nil {
		j.jar, _ = cookiejar.New(nil)
	}
	j.jar.SetCookies(u, cookies)
}

func (j *lazyJar) Cookies(u *url.URL) []*http.Cookie {
	if j.jar == nil {
		return nil
	}
	return j.jar.Cookies(u)
}

func (j *lazyJar) Empty() bool { return j.jar == nil }

// benchReply is what nginx sends for a 3-byte static file: the reply PRODUCT.md's figures
// were measured against.
const benchReply = "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Thu, 26 Nov 2026 19:00:00 GMT\r\n" +
	"Content-Type: text/plain\r\nContent-Length: 3\r\nLast-Modified: Thu, 26 Nov 2026 18:00:00 GMT\r\n" +
	"Connection: keep-alive\r\nETag: \"6766f2a0-3\"\r\nAccept-Ranges: bytes\r\n\r\nabc"

// serveCanned answers every request head on c with benchReply, allocating nothing per request.
func serveCanned(c net.Conn) { serveReply(c, []byte(benchReply)) }

// TestSteadyStateAllocatesNothing checks the design's central promise: once a VU's connection
// is open, a request allocates nothing — with a cancellable context, headers, a kept body.
// Not parallel: allocation counts are process-wide.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	srv := startRaw(t, serveCanned)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	get := Request{URL: srv.url("/api/meetings?page=1")}
	tests := []struct {
		name string
		opts Options
		reqs []Request // sent in turn, so each call of the measured function sends them all
	}{
		// the common case: GET, body kept
		{"get", Options{}, []Request{get}},
		// headers and a body to send
		{"post with headers", Options{}, []Request{{Method: "POST", URL: srv.url("/api/meetings"),
			Header: []Header{{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}},
			Body:   []byte(`{"title":"standup"}`)}}},
		// a cookie jar that is still empty, as a VU's is against a target that sets no
		// cookie: neither asking it nor the response without Set-Cookie costs anything
		{"empty jar", Options{Jar: &lazyJar{}}, []Request{get}},
		// read buffers lent per exchange from a shared pool, as the flow runner's clients do
		{"pooled read buffers", Options{Readers: NewReaders(0)}, []Request{get}},
		// bodies discarded
		{"discard", Options{DiscardBodies: true}, []Request{{URL: srv.url("/")}}},
		// one request's body discarded
		{"discard one", Options{}, []Request{{URL: srv.url("/"), DiscardBody: true}}},
		// a flow mixing requests whose bodies are read and requests whose bodies are not: the
		// kept body's buffer survives the discarding request in between
		{"keep and discard in turn", Options{}, []Request{get, {URL: srv.url("/"), DiscardBody: true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.opts)
			defer c.Close()
			var resp Response
			send := func() {
				for i := range tt.reqs {
					req := &tt.reqs[i]
					c.Do(ctx, req, &resp)
					want := "abc"
					if tt.opts.DiscardBodies || req.DiscardBody {
						want = ""
					}
					if resp.Err != nil || string(resp.Body) != want {
						t.Fatalf("request %d: %v, body %q, want %q", i, resp.Err, resp.Body, want)
					}
				}
			}
			send() // connect, register the context watcher, size buffers
			if allocs := testing.AllocsPerRun(200, send); allocs != 0 {
				t.Errorf("%v allocations per call (%d requests), want 0", allocs, len(tt.reqs))
			}
		})
	}
}

// BenchmarkKeepAliveInProcess sends keep-alive GETs to a server in this process, so that
// allocs/op shows what a request allocates: against "canned" (serveCanned, which allocates
// nothing) it is the client's own figure, with and without an empty cookie jar; against
// "nethttp", an httptest server, it adds net/http's server (allocation counts are
// process-wide). BenchmarkKeepAliveGET measures CPU with the server in another process.
func BenchmarkKeepAliveInProcess(b *testing.B) {
	canned := startRaw(b, serveCanned).url("/")
	nethttp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("abc"))
	}))
	defer nethttp.Close()
	for _, bc := range []struct {
		name, url string
		opts      Options
	}{
		{"canned", canned, Options{}},
		{"canned/empty-jar", canned, Options{Jar: &lazyJar{}}},
		{"nethttp", nethttp.URL + "/", Options{}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := New(bc.opts)
			defer c.Close()
			req := &Request{URL: bc.url}
			var resp Response
			c.Do(context.Background(), req, &resp) // connect outside the measurement
			b.ReportAllocs()
			for b.Loop() {
				c.Do(context.Background(), req, &resp)
				if resp.Err != nil || string(resp.Body) != "abc" {
					b.Fatalf("%v, body %q", resp.Err, resp.Body)
				}
			}
		})
	}
}
