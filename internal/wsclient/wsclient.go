// Package wsclient is ramp's WebSocket client: the opening handshake timed for ws_connecting,
// a session whose messages are read by one goroutine into a small bounded inbox, and the
// send, wait-for-a-message, ping and close operations the flow runner's ws steps use.
//
// # Library: github.com/coder/websocket
//
// coder/websocket (v1.8, the continuation of nhooyr.io/websocket, maintained by Coder) is
// chosen over gorilla/websocket because every operation takes a context (a VU's deadline and
// cancellation reach a blocked read, write or ping without extra goroutines or SetDeadline
// bookkeeping), Ping waits for its own pong (ws_ping is a method call), Close performs the
// close handshake with a status code, concurrent writes are safe, and it is small and has no
// dependencies. gorilla/websocket needs a deadline per call, a pong handler wired by hand and a
// lock around writes, which is code ramp would own and test for no gain.
//
// # Memory
//
// A session holds the library's connection (a 4 KiB read and a 4 KiB write buffer, from
// pools), one reader goroutine, and an inbox of at most Options.Inbox messages. When the flow
// does not consume messages as fast as they come (a listener that only waits for some of
// them), the oldest waiting message is dropped and counted as received: the reader never
// blocks, so the server never sees ramp as a slow consumer because of how a flow is written.
// bench/README.md has the measured figures.
package wsclient

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Defaults of Options.
const (
	DefaultTimeout         = 60 * time.Second
	DefaultInbox           = 64
	DefaultMaxMessageBytes = 1 << 20
)

// Options configures a Client. The zero value is usable.
type Options struct {
	// Timeout bounds an opening handshake when Dial is given none (default 60s).
	Timeout time.Duration
	// InsecureSkipTLSVerify accepts any certificate for wss://.
	InsecureSkipTLSVerify bool
	// UserAgent is sent with the handshake when the headers have none.
	UserAgent string
	// Allow, when set, is asked before dialling host:port; false refuses the dial.
	Allow func(hostport string) bool
	// Inbox is how many received messages wait for the flow (default 64); older ones are
	// dropped when more arrive.
	Inbox int
	// MaxMessageBytes bounds a received message (default 1 MiB); a larger one closes the
	// session with 1009 (message too big).
	MaxMessageBytes int64
	// LocalAddrs, when set, are the source IP addresses dials rotate over: more than ~28,000
	// connections to one server port need more than one (the ephemeral port range).
	LocalAddrs []net.IP
}

// Client dials WebSocket sessions. It is safe for concurrent use; one serves a whole run.
type Client struct {
	opts   Options
	httpc  *http.Client
	next   atomic.Uint64
	locals []*net.TCPAddr
}

// New returns a Client.
func New(o Options) *Client {
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.Inbox <= 0 {
		o.Inbox = DefaultInbox
	}
	if o.MaxMessageBytes <= 0 {
		o.MaxMessageBytes = DefaultMaxMessageBytes
	}
	c := &Client{opts: o}
	for _, ip := range o.LocalAddrs {
		c.locals = append(c.locals, &net.TCPAddr{IP: ip})
	}
	tr := &http.Transport{
		Proxy:               nil, // load goes where the file says, never through a proxy
		DialContext:         c.dial,
		TLSClientConfig:     &tls.Config{InsecureSkipVerify: o.InsecureSkipTLSVerify}, //nolint:gosec // the user's choice
		DisableCompression:  true,
		MaxIdleConnsPerHost: -1, // handshakes hijack their connections; nothing to keep idle
		ForceAttemptHTTP2:   false,
	}
	c.httpc = &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the opening handshake was redirected; WebSocket handshakes are not followed")
		},
	}
	return c
}

// dial opens a TCP connection, from the next local address when some are set.
func (c *Client) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	d := net.Dialer{}
	if n := len(c.locals); n > 0 {
		d.LocalAddr = c.locals[int(c.next.Add(1)%uint64(n))]
	}
	return d.DialContext(ctx, network, addr)
}

// Close releases the client's idle resources.
func (c *Client) Close() { c.httpc.CloseIdleConnections() }

// Request is one opening handshake.
type Request struct {
	URL          string // ws:// or wss:// (http:// and https:// are taken as those)
	Header       http.Header
	Subprotocols []string
	Timeout      time.Duration // 0: Options.Timeout
}

// Message is one received data message.
type Message struct {
	Binary bool
	Data   []byte
	At     time.Time // when the reader had it whole
}

// ErrClosed is returned by Next once the session has ended and its inbox is empty; errors.As
// finds a *CloseError in it when the peer sent a close frame.
var ErrClosed = errors.New("websocket session closed")

// CloseError is the peer's close frame.
type CloseError struct {
	Code   int
	Reason string
}

func (e *CloseError) Error() string {
	return fmt.Sprintf("closed by the server with %d %s", e.Code, e.Reason)
}

// Dial performs the opening handshake and starts the session's reader. connecting is the
// time from the dial to the 101 response (ws_connecting); it is set on failure too. Status
// is the handshake's HTTP status when the server answered (401, 403, 404 …).
func (c *Client) Dial(ctx context.Context, req Request) (s *Session, connecting time.Duration, status int, err error) {
	u, err := url.Parse(req.URL)
	if err != nil || u.Host == "" {
		return nil, 0, 0, fmt.Errorf("%q is not a ws:// or wss:// URL", req.URL)
	}
	switch u.Scheme { // the handshake is an HTTP request: http:// is ws://, https:// is wss://
	case "ws", "http":
		u.Scheme = "ws"
	case "wss", "https":
		u.Scheme = "wss"
	default:
		return nil, 0, 0, fmt.Errorf("%q is not a ws:// or wss:// URL", req.URL)
	}
	if c.opts.Allow != nil && !c.opts.Allow(hostPort(u)) {
		return nil, 0, 0, fmt.Errorf("host %s is not on the allowlist (options.hosts)", hostPort(u))
	}
	timeout := req.Timeout
	if timeout <= 0 {
		timeout = c.opts.Timeout
	}
	header := req.Header
	if c.opts.UserAgent != "" && header.Get("User-Agent") == "" {
		header = header.Clone()
		if header == nil {
			header = http.Header{}
		}
		header.Set("User-Agent", c.opts.UserAgent)
	}
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	conn, resp, err := websocket.Dial(dctx, u.String(), &websocket.DialOptions{
		HTTPClient:      c.httpc,
		HTTPHeader:      header,
		Subprotocols:    req.Subprotocols,
		CompressionMode: websocket.CompressionDisabled,
	})
	connecting = time.Since(start)
	if resp != nil {
		status = resp.StatusCode
	}
	if err != nil {
		if dctx.Err() == context.DeadlineExceeded && ctx.Err() == nil {
			return nil, connecting, status, fmt.Errorf("opening handshake timed out after %v", timeout)
		}
		return nil, connecting, status, err
	}
	conn.SetReadLimit(c.opts.MaxMessageBytes)
	s = &Session{
		conn:   conn,
		start:  start,
		ring:   make([]Message, c.opts.Inbox),
		notify: make(chan struct{}, 1),
		done:   make(chan struct{}),
	}
	go s.read()
	return s, connecting, status, nil
}

// hostPort is a URL's host with its port made explicit.
func hostPort(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "wss" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port)
}

// Session is one connected WebSocket. Send, Next, Ping and Close are called by one goroutine
// (the VU's); the reader runs in its own.
type Session struct {
	conn  *websocket.Conn
	start time.Time

	mu      sync.Mutex
	ring    []Message
	head, n int
	err     error // why the reader stopped, once done is closed
	notify  chan struct{}
	done    chan struct{}

	received, receivedBytes atomic.Int64
}

// Start is when the session's dial began.
func (s *Session) Start() time.Time { return s.start }

// Subprotocol is the subprotocol the server chose, "" for none.
func (s *Session) Subprotocol() string { return s.conn.Subprotocol() }

// read moves messages into the inbox until the connection ends.
func (s *Session) read() {
	ctx := context.Background() // the connection's close ends a blocked read
	for {
		typ, b, err := s.conn.Read(ctx)
		if err != nil {
			s.mu.Lock()
			s.err = readErr(err)
			s.mu.Unlock()
			close(s.done)
			return
		}
		s.received.Add(1)
		s.receivedBytes.Add(int64(len(b)))
		m := Message{Binary: typ == websocket.MessageBinary, Data: b, At: time.Now()}
		s.mu.Lock()
		if s.n == len(s.ring) { // full: the oldest waiting message goes
			s.ring[s.head] = Message{}
			s.head = (s.head + 1) % len(s.ring)
			s.n--
		}
		s.ring[(s.head+s.n)%len(s.ring)] = m
		s.n++
		s.mu.Unlock()
		select {
		case s.notify <- struct{}{}:
		default:
		}
	}
}

// readErr turns the library's read error into ErrClosed, with the peer's close frame.
func readErr(err error) error {
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		return fmt.Errorf("%w: %w", ErrClosed, &CloseError{Code: int(ce.Code), Reason: ce.Reason})
	}
	return fmt.Errorf("%w: %w", ErrClosed, err)
}

// Received returns how many messages and bytes the reader has received so far.
func (s *Session) Received() (msgs, bytes int64) {
	return s.received.Load(), s.receivedBytes.Load()
}

// Send writes one message.
func (s *Session) Send(ctx context.Context, binary bool, data []byte) error {
	typ := websocket.MessageText
	if binary {
		typ = websocket.MessageBinary
	}
	return s.conn.Write(ctx, typ, data)
}

// Next returns the oldest waiting message, waiting for one until ctx ends. It returns
// ErrClosed (wrapping the reason) once the session has ended and nothing waits.
func (s *Session) Next(ctx context.Context) (Message, error) {
	for {
		s.mu.Lock()
		if s.n > 0 {
			m := s.ring[s.head]
			s.ring[s.head] = Message{}
			s.head = (s.head + 1) % len(s.ring)
			s.n--
			s.mu.Unlock()
			return m, nil
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-s.done:
			s.mu.Lock()
			empty, err := s.n == 0, s.err
			s.mu.Unlock()
			if empty {
				return Message{}, err
			}
		case <-ctx.Done():
			return Message{}, ctx.Err()
		}
	}
}

// Ping sends a ping and waits for its pong; it returns the round trip.
func (s *Session) Ping(ctx context.Context) (time.Duration, error) {
	start := time.Now()
	err := s.conn.Ping(ctx)
	return time.Since(start), err
}

// Ended reports whether the connection has ended, and why.
func (s *Session) Ended() (bool, error) {
	select {
	case <-s.done:
		s.mu.Lock()
		defer s.mu.Unlock()
		return true, s.err
	default:
		return false, nil
	}
}

// Close performs the close handshake with code and reason (bounded by the library's own
// 5 s), then waits for the reader. Closing an ended session only releases it.
func (s *Session) Close(code int, reason string) error {
	err := s.conn.Close(websocket.StatusCode(code), reason)
	<-s.done
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

// Abort closes the connection without a close handshake (the run is stopping).
func (s *Session) Abort() {
	_ = s.conn.CloseNow()
	<-s.done
}
