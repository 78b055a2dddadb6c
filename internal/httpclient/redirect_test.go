package httpclient

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestAllow(t *testing.T) {
	t.Parallel()
	blocked := startRaw(t, serveOne("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
	blockedHost := blocked.ln.Addr().String()
	open, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://"+blockedHost+"/stolen", http.StatusFound)
	})
	openHost := strings.TrimPrefix(open.URL, "http://")
	var asked []string
	c := New(Options{Timeout: 2 * time.Second, MaxRedirects: 5, Allow: func(hp string) bool {
		asked = append(asked, hp)
		return hp == openHost
	}})
	defer c.Close()
	var resp Response
	tests := []struct {
		name string
		url  string
	}{
		{"refused host", "http://" + blockedHost + "/"},        // never dialled
		{"redirect to refused host", open.URL + "/go"},         // the redirect is refused, not followed
		{"refused host again", "http://" + blockedHost + "/x"}, // the decision is remembered
	}
	for _, tt := range tests {
		c.Do(context.Background(), &Request{URL: tt.url}, &resp)
		if resp.ErrorCode != ErrorCodeBlockedHostname || !strings.Contains(resp.Err.Error(), blockedHost) {
			t.Errorf("%s: code %d (%v), want %d naming %s", tt.name, resp.ErrorCode, resp.Err, ErrorCodeBlockedHostname, blockedHost)
		}
	}
	time.Sleep(50 * time.Millisecond) // an accept would have happened by now
	if n := blocked.accepted.Load(); n != 0 {
		t.Errorf("the refused host received %d connections", n)
	}
	if len(asked) != 2 {
		t.Errorf("Allow asked %v, want each origin once", asked)
	}
}

func TestAllowHostPortForm(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url, want string
	}{
		{"http://example.test/", "example.test:80"},        // default port filled in
		{"https://example.test/", "example.test:443"},      // https default
		{"http://EXAMPLE.test:8080/", "EXAMPLE.test:8080"}, // as written
		{"http://[::1]:9/", "[::1]:9"},                     // IPv6 in brackets
		{"http://u:p@10.0.0.1/", "10.0.0.1:80"},            // userinfo is not part of it
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			var got string
			c := New(Options{Timeout: time.Second, Allow: func(hp string) bool { got = hp; return false }})
			var resp Response
			c.Do(context.Background(), &Request{URL: tt.url}, &resp)
			if got != tt.want || resp.ErrorCode != ErrorCodeBlockedHostname {
				t.Errorf("Allow(%q), code %d; want Allow(%q), %d", got, resp.ErrorCode, tt.want, ErrorCodeBlockedHostname)
			}
		})
	}
}

func TestRedirects(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if code, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/r/")); err == nil {
			w.Header().Set("Location", "/final?from="+r.URL.Path)
			w.WriteHeader(code)
			io.WriteString(w, "redirect body to be skipped")
			return
		}
		if n, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/loop/")); err == nil {
			http.Redirect(w, r, "/loop/"+strconv.Itoa(n+1), http.StatusFound)
			return
		}
		echo(w, r)
	})
	tests := []struct {
		name       string
		method     string
		path       string
		max        int
		wantStatus int
		wantBody   string
		wantHops   int
	}{
		// 301/302/303 turn a POST into a GET without body
		{"301", "POST", "/r/301", 5, 200, "GET /final?from=/r/301 ", 1},
		{"302", "POST", "/r/302", 5, 200, "GET /final?from=/r/302 ", 1},
		{"303", "PUT", "/r/303", 5, 200, "GET /final?from=/r/303 ", 1},
		// 307/308 keep method and body
		{"307", "POST", "/r/307", 5, 200, "POST /final?from=/r/307 payload", 1},
		{"308", "PUT", "/r/308", 5, 200, "PUT /final?from=/r/308 payload", 1},
		// not following: the redirect itself is the response
		{"max 0", "GET", "/r/302", 0, 302, "redirect body to be skipped", 0},
		// the limit returns the last redirect, without an error (k6's behaviour)
		{"limit", "GET", "/loop/0", 3, 302, "", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := New(Options{Timeout: 2 * time.Second, MaxRedirects: tt.max})
			defer c.Close()
			var resp Response
			c.Do(context.Background(), &Request{Method: tt.method, URL: srv.URL + tt.path, Body: []byte("payload"),
				Header: []Header{{"Content-Type", "text/plain"}}}, &resp)
			if resp.Err != nil || resp.Status != tt.wantStatus || resp.Redirects != tt.wantHops {
				t.Fatalf("err %v status %d hops %d, want %d %d", resp.Err, resp.Status, resp.Redirects, tt.wantStatus, tt.wantHops)
			}
			if tt.wantBody != "" && string(resp.Body) != tt.wantBody {
				t.Errorf("body %q, want %q", resp.Body, tt.wantBody)
			}
			if tt.wantHops > 0 && resp.URL == srv.URL+tt.path {
				t.Errorf("URL %q is not the final one", resp.URL)
			}
		})
	}
}

func TestCookieJar(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/login":
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
			http.SetCookie(w, &http.Cookie{Name: "theme", Value: "dark", Path: "/"})
			http.Redirect(w, r, "/me", http.StatusSeeOther)
		default:
			io.WriteString(w, r.Header.Get("Cookie"))
		}
	})
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := New(Options{Timeout: 2 * time.Second, Jar: jar, MaxRedirects: 3})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{Method: "POST", URL: srv.URL + "/login"}, &resp)
	if resp.Err != nil || string(resp.Body) != "session=abc; theme=dark" {
		t.Fatalf("after login: %v %q", resp.Err, resp.Body)
	}
	c.Do(context.Background(), &Request{URL: srv.URL + "/me", Header: []Header{{"Cookie", "own=1"}}}, &resp)
	if string(resp.Body) != "own=1; session=abc; theme=dark" {
		t.Errorf("own Cookie header merged with the jar: %q", resp.Body)
	}
	noJar := New(Options{Timeout: 2 * time.Second})
	defer noJar.Close()
	noJar.Do(context.Background(), &Request{URL: srv.URL + "/me"}, &resp)
	if len(resp.Body) != 0 {
		t.Errorf("a client without a jar sent cookies: %q", resp.Body)
	}
}

// TestEmptyJar checks that a jar saying it is empty is not asked for cookies, and that
// cookies flow as usual once it holds some.
func TestEmptyJar(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/login" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: "abc", Path: "/"})
		}
		io.WriteString(w, r.Header.Get("Cookie"))
	})
	jar := &countingJar{}
	c := New(Options{Timeout: 2 * time.Second, Jar: jar})
	defer c.Close()
	var resp Response
	for _, step := range []struct {
		path, wantBody string
		wantAsked      int // calls of Cookies so far
	}{
		{"/", "", 0},              // empty: not asked
		{"/login", "", 0},         // still empty when the request goes out; the reply fills it
		{"/me", "session=abc", 1}, // now asked, and the cookie sent
	} {
		c.Do(context.Background(), &Request{URL: srv.URL + step.path}, &resp)
		if resp.Err != nil || string(resp.Body) != step.wantBody || jar.asked != step.wantAsked {
			t.Errorf("%s: err %v, body %q, jar asked %d times; want body %q, asked %d",
				step.path, resp.Err, resp.Body, jar.asked, step.wantBody, step.wantAsked)
		}
	}
}

// countingJar is a lazyJar that counts the calls of Cookies.
type countingJar struct {
	lazyJar
	asked int
}

func (j *countingJar) Cookies(u *url.URL) []*http.Cookie {
	j.asked++
	return j.lazyJar.Cookies(u)
}

// fakeResolver answers lookups from a map, with an error for other names.
type fakeResolver map[string][]netip.Addr

var _ Resolver = fakeResolver(nil)

func (f fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	switch host {
	case "servfail.test":
		return nil, &net.DNSError{Err: "server misbehaving", Name: host, IsTemporary: true}
	}
	if a, ok := f[host]; ok {
		return a, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestDNS(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, echo)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	res := fakeResolver{"api.test": {netip.MustParseAddr("127.0.0.1")}}
	tests := []struct {
		host     string
		wantCode int
	}{
		{"api.test", 0},                          // resolved, LookingUp timed
		{"missing.test", ErrorCodeDNSNoSuchHost}, // k6's 1101
		{"servfail.test", ErrorCodeDNS},          // k6's 1100
	}
	for _, tt := range tests {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			c := New(Options{Timeout: 2 * time.Second, Resolver: res})
			defer c.Close()
			var resp Response
			c.Do(context.Background(), &Request{URL: "http://" + tt.host + ":" + port + "/dns"}, &resp)
			if resp.ErrorCode != tt.wantCode {
				t.Fatalf("code %d (%v), want %d", resp.ErrorCode, resp.Err, tt.wantCode)
			}
			if tt.wantCode == 0 && (resp.Timings.LookingUp <= 0 || resp.Timings.Blocked < resp.Timings.LookingUp+resp.Timings.Connecting) {
				t.Errorf("timings %+v: want LookingUp > 0 inside Blocked", resp.Timings)
			}
		})
	}
}

func TestBasicAuthFromURL(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		u, p, ok := r.BasicAuth()
		io.WriteString(w, u+":"+p+":"+strconv.FormatBool(ok))
	})
	c := New(Options{Timeout: 2 * time.Second})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{URL: strings.Replace(srv.URL, "http://", "http://alice:s3cret@", 1) + "/"}, &resp)
	if resp.Err != nil || string(resp.Body) != "alice:s3cret:true" {
		t.Errorf("%v %q", resp.Err, resp.Body)
	}
}

func TestOnRedirectReportsEachHop(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case "/b":
			time.Sleep(30 * time.Millisecond)
			http.Redirect(w, r, "/c", http.StatusMovedPermanently)
		default:
			io.WriteString(w, "end")
		}
	})
	type hop struct {
		status   int
		url      string
		waiting  time.Duration
		received int64
	}
	var hops []hop
	c := New(Options{Timeout: 2 * time.Second, MaxRedirects: 5, OnRedirect: func(r *Response) {
		hops = append(hops, hop{r.Status, r.URL, r.Timings.Waiting, r.Received})
	}})
	defer c.Close()
	var resp Response
	c.Do(context.Background(), &Request{URL: srv.URL + "/a"}, &resp)
	if resp.Err != nil || string(resp.Body) != "end" || resp.Redirects != 2 {
		t.Fatalf("%v %q after %d redirects", resp.Err, resp.Body, resp.Redirects)
	}
	if len(hops) != 2 || hops[0].status != 302 || hops[1].status != 301 ||
		hops[0].url != srv.URL+"/a" || hops[1].url != srv.URL+"/b" {
		t.Fatalf("hops %+v", hops)
	}
	if hops[1].waiting < 30*time.Millisecond || hops[0].waiting >= 30*time.Millisecond {
		t.Errorf("hop timings are not per hop: %+v", hops)
	}
	plain := New(Options{Timeout: 2 * time.Second, MaxRedirects: 5})
	defer plain.Close()
	var total Response
	plain.Do(context.Background(), &Request{URL: srv.URL + "/a"}, &total)
	if sum := hops[0].received + hops[1].received + resp.Received; hops[0].received == 0 || total.Received != sum {
		t.Errorf("bytes per hop %d+%d+%d = %d; without OnRedirect the total is %d",
			hops[0].received, hops[1].received, resp.Received, sum, total.Received)
	}
	if resp.Timings.Blocked >= 30*time.Millisecond {
		t.Errorf("final hop's Blocked %v includes the earlier hops", resp.Timings.Blocked)
	}
}
