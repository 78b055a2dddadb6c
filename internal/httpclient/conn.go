package httpclient

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"time"
)

// Resolver looks up a host's addresses. *net.Resolver satisfies it; tests pass their own to
// exercise DNS failures without touching the network.
type Resolver interface {
	// LookupNetIP returns the addresses of host for network "ip", or an error (a
	// *net.DNSError with IsNotFound set when the name does not exist).
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

var _ Resolver = (*net.Resolver)(nil)

// meteredConn counts the bytes that cross the socket, below TLS, for data_sent and
// data_received.
type meteredConn struct {
	net.Conn
	read, written int64
}

var _ net.Conn = (*meteredConn)(nil)

// Read counts what it reads.
func (m *meteredConn) Read(p []byte) (int, error) {
	n, err := m.Conn.Read(p)
	m.read += int64(n)
	return n, err
}

// Write counts what it writes.
func (m *meteredConn) Write(p []byte) (int, error) {
	n, err := m.Conn.Write(p)
	m.written += int64(n)
	return n, err
}

// conn is one keep-alive connection to an origin, owned by one Client (no locking).
type conn struct {
	raw      net.Conn     // the TCP connection
	metered  *meteredConn // raw, counted
	rw       net.Conn     // what requests go through: metered, or TLS over metered
	br       *bufio.Reader
	lastUsed time.Time // end of the last exchange, for the idle liveness probe
	https    bool
}

// close closes the connection; errors are of no interest to a client that drops it.
func (cn *conn) close() { _ = cn.rw.Close() }

// origin is a scheme and authority the client has sent to: whether it is allowed, where it
// resolves, and its open connection.
type origin struct {
	https     bool
	authority string // as in the URL (owned copy: the URL string may be a reused buffer)
	host      string
	ip        bool // host is an IP literal: never looked up
	port      int
	hostport  string // host:port with the default port filled in, as Allow sees it
	allowed   bool
	addrs     []netip.Addr
	resolved  time.Time // when addrs were looked up
	cn        *conn
}

// dnsTTL is how long an origin's resolved addresses are reused for new connections (k6's
// default DNS TTL).
const dnsTTL = 5 * time.Minute

// dialTimes records when the phases of a new connection started and ended.
type dialTimes struct {
	dnsStart, dnsEnd, connStart, connEnd, tlsStart, tlsEnd time.Time
}

// dial opens a connection to o: DNS (unless the host is an IP or cached), TCP connect to each
// address in turn until one answers, then TLS for https. op says which step failed.
func (c *Client) dial(ctx context.Context, o *origin, deadline time.Time, dt *dialTimes) (cn *conn, op string, err error) {
	dialDeadline := c.opts.Now().Add(c.opts.DialTimeout)
	if deadline.Before(dialDeadline) {
		dialDeadline = deadline
	}
	dctx, cancel := context.WithDeadline(ctx, dialDeadline)
	defer cancel()
	if err := c.resolve(dctx, o, dt); err != nil {
		return nil, opDNS, err
	}
	dt.connStart = c.opts.Now()
	var raw net.Conn
	for _, a := range o.addrs {
		raw, err = c.dialer.DialContext(dctx, "tcp", netip.AddrPortFrom(a, uint16(o.port)).String())
		if err == nil || dctx.Err() != nil {
			break
		}
	}
	dt.connEnd = c.opts.Now()
	if err != nil {
		return nil, opDial, err
	}
	m := &meteredConn{Conn: raw}
	cn = &conn{raw: raw, metered: m, rw: m, https: o.https}
	if o.https {
		dt.tlsStart = dt.connEnd
		tc := tls.Client(m, c.tlsConfig(o.host))
		if err := raw.SetDeadline(deadline); err != nil {
			_ = raw.Close()
			return nil, opTLS, err
		}
		if err := tc.HandshakeContext(ctx); err != nil {
			_ = raw.Close()
			return nil, opTLS, err
		}
		dt.tlsEnd = c.opts.Now()
		cn.rw = tc
	}
	cn.br = bufio.NewReaderSize(cn.rw, c.opts.ReadBufferSize)
	return cn, "", nil
}

// resolve fills o.addrs, IPv4 first (k6's default preference), reusing a lookup younger than
// dnsTTL.
func (c *Client) resolve(ctx context.Context, o *origin, dt *dialTimes) error {
	if o.ip {
		return nil // newOrigin set the address
	}
	if len(o.addrs) > 0 && c.opts.Now().Sub(o.resolved) < dnsTTL {
		return nil
	}
	dt.dnsStart = c.opts.Now()
	addrs, err := c.opts.Resolver.LookupNetIP(ctx, "ip", o.host)
	dt.dnsEnd = c.opts.Now()
	if err != nil {
		return err
	}
	if len(addrs) == 0 {
		return &net.DNSError{Err: "no such host", Name: o.host, IsNotFound: true}
	}
	slices.SortStableFunc(addrs, func(a, b netip.Addr) int {
		return boolInt(b.Unmap().Is4()) - boolInt(a.Unmap().Is4())
	})
	o.addrs, o.resolved = addrs, dt.dnsEnd
	return nil
}

// boolInt is 1 for true.
func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// tlsConfig returns the TLS configuration for a server name: HTTP/1.1 by ALPN, verification
// as the options say.
func (c *Client) tlsConfig(serverName string) *tls.Config {
	cfg := &tls.Config{}
	if c.opts.TLSConfig != nil {
		cfg = c.opts.TLSConfig.Clone()
	}
	cfg.ServerName = serverName
	cfg.NextProtos = []string{"http/1.1"}
	if c.opts.InsecureSkipTLSVerify {
		cfg.InsecureSkipVerify = true
	}
	if cfg.ClientSessionCache == nil {
		if c.sessions == nil {
			c.sessions = tls.NewLRUClientSessionCache(maxOrigins)
		}
		cfg.ClientSessionCache = c.sessions
	}
	return cfg
}

// newOrigin describes a scheme and authority not seen before and asks Allow about it.
func (c *Client) newOrigin(t *target) *origin {
	o := &origin{
		https:     t.https,
		authority: string([]byte(t.authority)), // own copy, not a view of the caller's URL
		host:      string([]byte(t.host)),
		port:      t.port,
	}
	if ip, err := netip.ParseAddr(o.host); err == nil {
		o.ip, o.addrs = true, []netip.Addr{ip}
	}
	o.hostport = net.JoinHostPort(o.host, strconv.Itoa(o.port))
	o.allowed = c.opts.Allow == nil || c.opts.Allow(o.hostport)
	return o
}

// maxOrigins bounds how many origins a client remembers (and keeps a connection to); the
// least recently used is forgotten and its connection closed.
const maxOrigins = 8

// origin returns the remembered origin for t, creating it if needed. The lookup compares
// strings and allocates nothing.
func (c *Client) origin(t *target) *origin {
	for i, o := range c.origins {
		if o.https == t.https && o.authority == t.authority {
			if i > 0 { // move to front: the lookup order is most recently used first
				copy(c.origins[1:i+1], c.origins[:i])
				c.origins[0] = o
			}
			return o
		}
	}
	o := c.newOrigin(t)
	if len(c.origins) == maxOrigins {
		last := c.origins[maxOrigins-1]
		if last.cn != nil {
			last.cn.close()
		}
		c.origins = c.origins[:maxOrigins-1]
	}
	c.origins = slices.Insert(c.origins, 0, o)
	return o
}
