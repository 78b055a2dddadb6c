//go:build linux || darwin || freebsd || netbsd || openbsd

package httpclient

import "syscall"

// peerClosed reports whether the peer has closed (or reset) an idle connection, by peeking at
// the socket without blocking. Unsolicited bytes on a plain connection also mean it cannot be
// used (they would be taken for the next response); on TLS they may be a session ticket, so
// only end of stream counts there. One syscall: the client calls it only on connections idle
// for longer than idleProbeAfter.
func (cn *conn) peerClosed() bool {
	sc, ok := cn.raw.(syscall.Conn)
	if !ok {
		return false
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return true
	}
	closed := false
	var buf [1]byte
	err = rc.Read(func(fd uintptr) bool {
		n, _, rerr := syscall.Recvfrom(int(fd), buf[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		switch {
		case rerr == syscall.EAGAIN || rerr == syscall.EWOULDBLOCK || rerr == syscall.EINTR:
		case rerr != nil, n == 0:
			closed = true
		case !cn.https:
			closed = true
		}
		return true // never wait: this is a probe
	})
	return closed || err != nil
}
