//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package httpclient

// peerClosed cannot peek at a socket on this platform; a stale connection is then detected
// when the request fails, and idempotent requests are retried.
func (cn *conn) peerClosed() bool { return false }
