// Package httpclient is the instrumented HTTP/1.1 client each VU uses: one keep-alive
// connection per origin owned by the VU, k6's request phases timed on that connection, bounded
// body reads, and every failure classified into k6's numeric error_code.
//
// Only HTTP/1.1 (and HTTP/1.0 responses) is spoken, over TCP or TLS (ALPN "http/1.1"). HTTP/2
// is future work.
//
// # Why not net/http
//
// ramp's budget is about 9 µs of CPU per request for the whole tool. Go's net/http client
// alone costs about 16.5 µs per request on the project's machines (a connection pool behind
// locks, a goroutine pair per connection, several allocations per request), so it is out for
// the hot path. This client owns its connections instead: no pool, no lock, no goroutine per
// connection; the request head is serialized into one reused buffer and written with one
// write; the response is parsed in place from a small bufio.Reader by a hand-written parser
// (see parser for the grammar). In steady state a request allocates nothing.
//
// net/http is still used where cost does not matter: net/url on redirects, net/http's cookie
// types with Options.Jar. crypto/tls provides TLS.
//
// # Error codes
//
// See the ErrorCode constants: k6's codes wherever k6 has one, and ramp's own in 1800–1899
// for what k6 lumps into 1000 (malformed, oversized or truncated responses, invalid requests)
// and for interruption by the caller's context (1890, Response.Interrupted).
package httpclient
