package httpclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Options configure a Client. The zero value is usable: New fills the defaults below.
type Options struct {
	// Timeout bounds a whole Do — connecting, redirects, reading the body — unless
	// Request.Timeout is set. Default 60s (k6's).
	Timeout time.Duration
	// DialTimeout bounds DNS lookup plus TCP connect of a new connection. Default Timeout.
	DialTimeout time.Duration
	// MaxBodyBytes is how many body bytes Response.Body keeps (default 10 MiB); the rest is
	// read and discarded and BodyTruncated set. Negative keeps nothing, as DiscardBodies.
	MaxBodyBytes int64
	// DiscardBodies reads every body and keeps nothing (k6's discardResponseBodies), whatever
	// Request.DiscardBody says; Request.DiscardBody does the same for one request.
	DiscardBodies bool
	// NoConnectionReuse opens a connection per request and sends Connection: close.
	NoConnectionReuse bool
	// InsecureSkipTLSVerify accepts any server certificate.
	InsecureSkipTLSVerify bool
	// UserAgent is sent unless the request has its own; default DefaultUserAgent, "-" sends none.
	UserAgent string
	// MaxRedirects is how many redirects Do follows (0: none). When the limit is reached the
	// last redirect response is returned as it is, without an error, as k6 does.
	MaxRedirects int
	// OnRedirect, when set, is called with each redirect response before it is followed, so
	// that the caller can record every hop as k6 does (each is an http_reqs sample there). In
	// the call, Status, headers, Timings, Sent, Received and URL describe that hop alone; the
	// Response must not be kept. With OnRedirect set, the final Response's Sent and Received
	// cover the final hop only; without it they add up all hops.
	OnRedirect func(hop *Response)
	// Allow reports whether a host:port (default port filled in, IPv6 in brackets) may receive
	// traffic; nil allows all. A refused host gets ErrorCodeBlockedHostname (k6's 1111) and
	// nothing is sent to it — no DNS lookup, no connection. Redirect targets are checked too.
	// It is called once per origin and client, not per request.
	Allow func(hostport string) bool
	// Jar stores cookies from responses and sends them with requests; nil means no cookies.
	// A jar that holds cookies costs allocations on every request (it works on *url.URL and
	// *http.Cookie). One that implements EmptyJar costs nothing while it is empty, and a
	// response without Set-Cookie costs nothing either.
	Jar http.CookieJar
	// MaxHeaderBytes bounds the status line plus header fields of a response (and, separately,
	// its trailer fields). Default 64 KiB; more is ErrorCodeHeaderTooLarge.
	MaxHeaderBytes int
	// ReadBufferSize is the bufio.Reader size per connection. Default 4 KiB. Header lines
	// longer than this still work (up to MaxHeaderBytes), at the cost of a copy.
	ReadBufferSize int
	// Resolver looks up host names; default net.DefaultResolver.
	Resolver Resolver
	// TLSConfig is the base TLS configuration (e.g. RootCAs); nil means the system roots.
	// ServerName and NextProtos are set per connection.
	TLSConfig *tls.Config
	// Now is the clock the phases are read from; nil means time.Now. Tests count its reads.
	// Deadlines are computed from it and enforced by the real clock, so it must keep the
	// real clock's pace.
	Now func() time.Time
}

// DefaultUserAgent is sent when Options.UserAgent is empty.
const DefaultUserAgent = "ramp"

// Defaults of Options.
const (
	DefaultTimeout        = 60 * time.Second
	DefaultMaxBodyBytes   = 10 << 20
	DefaultMaxHeaderBytes = 64 << 10
	DefaultReadBufferSize = 4 << 10
)

// idleProbeAfter is how long a connection may sit idle before the client checks, with one
// non-blocking peek, that the server has not closed it. Below it, a closed connection is found
// when the request fails, and an idempotent request is then retried.
const idleProbeAfter = time.Second

// normalize returns o with zero values replaced by the defaults.
func (o Options) normalize() Options {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = o.Timeout
	}
	switch {
	case o.MaxBodyBytes == 0:
		o.MaxBodyBytes = DefaultMaxBodyBytes
	case o.MaxBodyBytes < 0:
		o.DiscardBodies = true
	}
	switch o.UserAgent {
	case "":
		o.UserAgent = DefaultUserAgent
	case "-":
		o.UserAgent = ""
	}
	o.MaxRedirects = max(o.MaxRedirects, 0)
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
	o.MaxHeaderBytes = min(o.MaxHeaderBytes, 1<<30) // header spans are int32
	if o.ReadBufferSize <= 0 {
		o.ReadBufferSize = DefaultReadBufferSize
	}
	o.ReadBufferSize = max(o.ReadBufferSize, 256)
	if o.Resolver == nil {
		o.Resolver = net.DefaultResolver
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Client is one VU's HTTP/1.1 client: it owns at most one keep-alive connection per origin
// (scheme, host and port) and reuses one write buffer, so a request in steady state takes
// no lock and allocates nothing. It is not safe for concurrent use: give each VU its own.
type Client struct {
	opts     Options
	dialer   net.Dialer
	origins  []*origin // most recently used first, at most maxOrigins
	wbuf     []byte    // request head (and small bodies) being written
	long     []byte    // scratch for response lines longer than the read buffer
	sessions tls.ClientSessionCache
	tgt      target
	hops     []Header // request headers of a redirected request
	dec      *decoder // gzip and deflate bodies; nil until the first one

	// The context watcher runs on another goroutine and interrupts a blocked read by
	// expiring the deadline of the exchange in flight. mu guards what it looks at: the
	// connection of the exchange in flight (nil between exchanges, so a context cancelled
	// after its request finished cannot touch an idle connection) and the generation of the
	// current registration (so a callback of a superseded context, already running when it
	// was replaced, cannot interrupt a newer request).
	mu          sync.Mutex
	active      *conn
	watchGen    uint64
	watchedDone <-chan struct{} // Done channel of the context being watched
	stopWatch   func() bool
}

// New returns a client with opts (defaults filled in).
func New(opts Options) *Client {
	return &Client{opts: opts.normalize(), wbuf: make([]byte, 0, 512)}
}

// Close closes the client's connections. The client may still be used afterwards; it dials
// again.
func (c *Client) Close() error {
	var errs []error
	for _, o := range c.origins {
		if o.cn != nil {
			errs = append(errs, o.cn.rw.Close())
			o.cn = nil
		}
	}
	if c.stopWatch != nil {
		c.stopWatch()
		c.stopWatch, c.watchedDone = nil, nil
	}
	return errors.Join(errs...)
}

// longAgo is a deadline in the past: setting it makes blocked I/O return at once.
var longAgo = time.Unix(1, 0)

// watch arranges for cancellation of ctx to interrupt the exchange in flight. Registering
// costs an allocation, so it is done once per cancellation (Done channel), not per request:
// contexts derived with context.WithValue from a VU's context share its registration.
func (c *Client) watch(ctx context.Context) {
	done := ctx.Done()
	if done == nil || done == c.watchedDone {
		return
	}
	if c.stopWatch != nil {
		c.stopWatch()
	}
	c.watchedDone = done
	c.mu.Lock()
	c.watchGen++
	gen := c.watchGen
	c.mu.Unlock()
	c.stopWatch = context.AfterFunc(ctx, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if gen == c.watchGen && c.active != nil {
			_ = c.active.raw.SetDeadline(longAgo)
		}
	})
}

// Do sends req and fills resp, which it resets first (a nil resp makes Do a no-op). It never panics and returns by the
// request's timeout plus a little slack (or soon after ctx is done). Failures are reported in
// resp.Err and resp.ErrorCode, never by panicking: a status of 4xx or 5xx is not a failure.
func (c *Client) Do(ctx context.Context, req *Request, resp *Response) {
	if resp == nil {
		return // nowhere to report anything: do nothing
	}
	if ctx == nil {
		ctx = context.Background()
	}
	keepBody := !c.opts.DiscardBodies && (req == nil || !req.DiscardBody)
	resp.reset(keepBody)
	resp.Start = c.opts.Now()
	resp.hopStart = resp.Start
	defer c.setEnd(resp)
	if req == nil {
		c.fail(ctx, resp, "", "", opURL, fmt.Errorf("%w: nil *Request", ErrInvalidRequest))
		return
	}
	resp.URL = req.URL
	method := req.Method
	if method == "" {
		method = "GET"
	}
	if ctx.Err() != nil {
		c.fail(ctx, resp, method, req.URL, opURL, ctx.Err())
		return
	}
	timeout := c.opts.Timeout
	if req.Timeout > 0 {
		timeout = req.Timeout
	}
	deadline := resp.Start.Add(timeout)
	c.watch(ctx)
	ex := exchange{method: method, url: req.URL, header: req.Header, body: req.Body, deadline: deadline, keepBody: keepBody}
	for {
		c.roundTrip(ctx, &ex, resp)
		if resp.Err != nil || !c.redirect(ctx, &ex, resp) {
			return
		}
	}
}

// setEnd sets resp.End when no phase did: the exchange failed before its last phase.
func (c *Client) setEnd(resp *Response) {
	if resp.End.IsZero() {
		resp.End = c.opts.Now()
	}
}

// exchange is one request of a Do: the original, or a redirect.
type exchange struct {
	method   string
	url      string
	header   []Header
	body     []byte
	deadline time.Time
	keepBody bool // keep the response body (up to MaxBodyBytes) rather than discard it
}

// fail records a failure in resp, classifying it unless ctx is done (then it is an
// interruption, whatever the network said).
func (c *Client) fail(ctx context.Context, resp *Response, method, rawURL, op string, err error) {
	code := classify(op, err)
	if ctx.Err() != nil {
		code, err = ErrorCodeInterrupted, fmt.Errorf("%w: %w", ErrInterrupted, context.Cause(ctx))
	} else if isTimeout(err) && code != ErrorCodeDialTimeout && code != ErrorCodeDNS {
		code, err = ErrorCodeTimeout, fmt.Errorf("%w: %w", ErrTimeout, err)
	}
	resp.ErrorCode = code
	resp.Err = &Error{Code: code, Op: op, Method: method, URL: rawURL, Err: err}
}

// roundTrip sends one request and reads its response, on the origin's kept-alive connection
// when there is one. When that connection turns out to have been closed by the server before
// any response byte arrived, the request is sent once more on a fresh connection — silently,
// as net/http does — if it is idempotent or was not written at all.
func (c *Client) roundTrip(ctx context.Context, ex *exchange, resp *Response) {
	t := &c.tgt
	if err := parseTarget(ex.url, t); err != nil {
		c.fail(ctx, resp, ex.method, ex.url, opURL, err)
		return
	}
	o := c.origin(t)
	resp.NamedHost = !o.ip
	if !o.allowed {
		c.fail(ctx, resp, ex.method, ex.url, opAllow, fmt.Errorf("%w: %s is not in the allowed hosts", ErrBlockedHostname, o.hostport))
		return
	}
	cookie, err := c.cookies(ex.url)
	if err != nil {
		c.fail(ctx, resp, ex.method, ex.url, opURL, err)
		return
	}
	head := requestHead{method: ex.method, t: t, header: ex.header, bodyLen: len(ex.body),
		userAgent: c.opts.UserAgent, cookie: cookie, close: c.opts.NoConnectionReuse}
	var closeAfter bool
	c.wbuf, closeAfter, err = appendRequest(c.wbuf[:0], &head)
	if err != nil {
		c.fail(ctx, resp, ex.method, ex.url, opURL, err)
		return
	}
	if c.attempt(ctx, o, ex, resp, closeAfter, true) {
		c.attempt(ctx, o, ex, resp, closeAfter, false)
	}
	if cap(c.wbuf) > maxRetainedHeader {
		c.wbuf = make([]byte, 0, 512)
	}
	if resp.Err == nil && c.opts.Jar != nil {
		c.storeCookies(ex.url, resp)
	}
}

// setActive records the connection of the exchange in flight (nil: none) for the watcher.
func (c *Client) setActive(cn *conn) {
	c.mu.Lock()
	c.active = cn
	c.mu.Unlock()
}

// attempt performs one try of an exchange on o. It returns true when the try failed in a way
// that allows one transparent retry (and only when mayRetry).
func (c *Client) attempt(ctx context.Context, o *origin, ex *exchange, resp *Response, closeAfter, mayRetry bool) (retry bool) {
	defer c.setActive(nil)
	cn, reused := o.cn, o.cn != nil
	o.cn = nil // the connection goes back only if the exchange leaves it reusable
	var dt dialTimes
	if reused {
		c.setActive(cn)
		stale := cn.br.Buffered() > 0
		if err := cn.raw.SetDeadline(ex.deadline); err != nil {
			stale = true
		} else if !stale && resp.hopStart.Sub(cn.lastUsed) > idleProbeAfter {
			stale = cn.peerClosed()
		}
		if stale {
			cn.close()
			cn, reused = nil, false
		}
	}
	if cn == nil {
		var op string
		var err error
		cn, op, err = c.dial(ctx, o, ex.deadline, &dt)
		c.setDialTimings(resp, &dt)
		if err != nil {
			resp.End = c.opts.Now()
			resp.Timings.Blocked = resp.End.Sub(resp.hopStart)
			c.fail(ctx, resp, ex.method, ex.url, op, err)
			return false
		}
		c.setActive(cn)
		if err := cn.raw.SetDeadline(ex.deadline); err != nil {
			cn.close()
			c.fail(ctx, resp, ex.method, ex.url, opWrite, err)
			return false
		}
	}
	if ctx.Err() != nil { // cancelled after the watcher looked: it may have missed this conn
		cn.close()
		c.fail(ctx, resp, ex.method, ex.url, opWrite, ctx.Err())
		return false
	}
	r0, w0 := cn.metered.read, cn.metered.written
	keepAlive, op, err, gotByte := c.send(cn, ex, resp)
	resp.Sent += cn.metered.written - w0
	resp.Received += cn.metered.read - r0
	if !reused {
		resp.Sent += w0 // the TLS handshake
		resp.Received += r0
	}
	if err != nil {
		cn.close()
		if mayRetry && reused && !gotByte && ctx.Err() == nil && retryable(err) &&
			(op == opWrite || idempotent(ex.method)) {
			return true
		}
		c.fail(ctx, resp, ex.method, ex.url, op, err)
		return false
	}
	if !keepAlive || closeAfter {
		cn.close()
		return false
	}
	cn.lastUsed = resp.End // the last body byte: no clock read of its own
	o.cn = cn
	return false
}

// setDialTimings fills the connection phases from a dial.
func (c *Client) setDialTimings(resp *Response, dt *dialTimes) {
	tm := &resp.Timings
	if !dt.dnsEnd.IsZero() {
		tm.LookingUp = dt.dnsEnd.Sub(dt.dnsStart)
	}
	if !dt.connEnd.IsZero() {
		tm.Connecting = dt.connEnd.Sub(dt.connStart)
	}
	if !dt.tlsEnd.IsZero() {
		tm.TLSHandshaking = dt.tlsEnd.Sub(dt.tlsStart)
	}
}

// send writes the request on cn and reads the response, timing the phases with one clock read
// per phase boundary (ready, written, first byte, end). It sets resp.End. gotByte reports
// whether any response byte arrived.
func (c *Client) send(cn *conn, ex *exchange, resp *Response) (keepAlive bool, op string, err error, gotByte bool) {
	tm := &resp.Timings
	now := c.opts.Now
	ready := now()
	tm.Blocked = ready.Sub(resp.hopStart)
	if len(ex.body) > 0 && len(ex.body) <= smallBody {
		c.wbuf = append(c.wbuf, ex.body...)
		_, err = cn.rw.Write(c.wbuf)
		c.wbuf = c.wbuf[:len(c.wbuf)-len(ex.body)]
	} else {
		_, err = cn.rw.Write(c.wbuf)
		if err == nil && len(ex.body) > 0 {
			_, err = cn.rw.Write(ex.body)
		}
	}
	wrote := now()
	tm.Sending = wrote.Sub(ready)
	if err != nil {
		tm.Duration, resp.End = tm.Sending, wrote
		return false, opWrite, err, false
	}
	_, err = cn.br.Peek(1)
	first := now()
	tm.Waiting = first.Sub(wrote)
	if err != nil {
		tm.Duration, resp.End = tm.Sending+tm.Waiting, first
		return false, opRead, incomplete(err), false
	}
	p := parser{br: cn.br, long: &c.long, maxHead: c.opts.MaxHeaderBytes, budget: c.opts.MaxHeaderBytes,
		keep: ex.keepBody, maxBody: c.opts.MaxBodyBytes, resp: resp, noBody: ex.method == "HEAD"}
	keepAlive, err = p.read()
	if cap(c.long) > maxRetainedHeader {
		c.long = nil
	}
	resp.End = now()
	tm.Receiving = resp.End.Sub(first)
	tm.Duration = tm.Sending + tm.Waiting + tm.Receiving
	if err != nil {
		return false, opRead, err, true
	}
	if enc := resp.encoding; (enc == codingGzip || enc == codingDeflate) && len(resp.Body) > 0 {
		if c.dec == nil {
			c.dec = &decoder{}
		}
		if err := c.dec.decode(resp, c.opts.MaxBodyBytes); err != nil {
			return false, opRead, err, true
		}
	}
	return keepAlive, "", nil, true
}

// smallBody is the largest body copied behind the head so that both go out in one write.
const smallBody = 4 << 10

// idempotent reports whether a request with this method may be sent twice (RFC 9110 9.2.2).
func idempotent(method string) bool {
	switch method {
	case "GET", "HEAD", "OPTIONS", "TRACE", "PUT", "DELETE":
		return true
	}
	return false
}

// redirect prepares ex for the redirect that resp asks for, if it is one to follow. The
// rules are net/http's: 301, 302 and 303 turn into a GET without body (HEAD stays HEAD);
// 307 and 308 repeat method and body. Authorization and Cookie headers are not sent to
// another host. Timings are the last hop's; Sent and Received add up across the hops unless
// Options.OnRedirect reports each hop.
func (c *Client) redirect(ctx context.Context, ex *exchange, resp *Response) bool {
	switch resp.Status {
	case 301, 302, 303, 307, 308:
	default:
		return false
	}
	if resp.Redirects >= c.opts.MaxRedirects {
		return false
	}
	loc, ok := resp.header("Location")
	if !ok || loc == "" {
		return false
	}
	base, err := url.Parse(ex.url)
	if err != nil {
		return false
	}
	ref, err := url.Parse(strings.Clone(loc))
	if err != nil {
		c.fail(ctx, resp, ex.method, ex.url, opURL, fmt.Errorf("%w: Location %q: %w", ErrInvalidURL, loc, err))
		return false
	}
	next := base.ResolveReference(ref)
	next.Fragment, next.RawFragment = "", ""
	if next.Host != base.Host {
		c.hops = c.hops[:0]
		for _, h := range ex.header {
			if !equalFold(h.Key, "authorization") && !equalFold(h.Key, "cookie") {
				c.hops = append(c.hops, h)
			}
		}
		ex.header = c.hops
	}
	if s := resp.Status; s == 301 || s == 302 || s == 303 {
		if ex.method != "HEAD" {
			ex.method = "GET"
		}
		ex.body = nil
		hops := c.hops[:0]
		for _, h := range ex.header {
			if !equalFold(h.Key, "content-type") {
				hops = append(hops, h)
			}
		}
		c.hops, ex.header = hops, hops
	}
	if c.opts.OnRedirect != nil {
		c.opts.OnRedirect(resp)
		resp.Sent, resp.Received = 0, 0
	}
	ex.url = next.String()
	resp.URL = ex.url
	resp.Redirects++
	redirects, sent, received, start := resp.Redirects, resp.Sent, resp.Received, resp.Start
	resp.resetHeader()
	resp.Redirects, resp.Sent, resp.Received, resp.Start = redirects, sent, received, start
	resp.hopStart = resp.End // the previous hop's end: no clock read of its own
	resp.End = time.Time{}
	resp.Timings = Timings{}
	return true
}

// EmptyJar is a cookie jar that can tell cheaply that it has no cookie to send. A load test
// keeps a jar per VU by default, and most targets set no cookie: without this, every request
// would parse its URL for the jar to find nothing.
type EmptyJar interface {
	http.CookieJar
	// Empty reports whether Cookies would return nothing for any URL. It may err on the side
	// of false (a jar whose cookies all expired may still say it is not empty).
	Empty() bool
}

// cookies returns the Cookie header value the jar has for rawURL ("" without a jar).
func (c *Client) cookies(rawURL string) (string, error) {
	if c.opts.Jar == nil {
		return "", nil
	}
	if j, ok := c.opts.Jar.(EmptyJar); ok && j.Empty() {
		return "", nil
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("%w %q: %w", ErrInvalidURL, rawURL, err)
	}
	var b strings.Builder
	for i, ck := range c.opts.Jar.Cookies(u) {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(ck.Name)
		b.WriteByte('=')
		b.WriteString(ck.Value)
	}
	return b.String(), nil
}

// storeCookies gives the jar the Set-Cookie fields of resp. A response without any costs
// nothing: the URL is parsed only for cookies to store.
func (c *Client) storeCookies(rawURL string, resp *Response) {
	var cookies []*http.Cookie
	for _, f := range resp.fields {
		if equalFold(resp.str(f.k0, f.k1), "set-cookie") {
			if ck, err := http.ParseSetCookie(strings.Clone(resp.str(f.v0, f.v1))); err == nil {
				cookies = append(cookies, ck)
			}
		}
	}
	if len(cookies) == 0 {
		return
	}
	u, err := url.Parse(rawURL)
	if err != nil {
		return
	}
	c.opts.Jar.SetCookies(u, cookies)
}
