// Package httpclient is the instrumented HTTP/1.1 client each VU uses: one keep-alive
// connection per origin owned by the VU, k6's request phases timed on that connection, bounded
// body reads, and every failure classified into k6's numeric error_code.
//
// Only HTTP/1.1 (and HTTP/1.0 responses) is spoken, over TCP or over TLS with ALPN
// "http/1.1". HTTP/2 is future work. As in k6, kept bodies with Content-Encoding gzip or
// deflate are decoded (still bounded by MaxBodyBytes; a corrupt one is k6's 1701); br, zstd
// and stacked codings are kept as received. No Accept-Encoding is sent unless the request
// carries one. No proxy is used.
//
// # Use
//
//	c := httpclient.New(httpclient.Options{Timeout: 10 * time.Second, Allow: allowed})
//	defer c.Close()
//	var resp httpclient.Response // one per VU, reused
//	c.Do(ctx, &httpclient.Request{Method: "GET", URL: base + "/api/meetings"}, &resp)
//	switch {
//	case resp.Interrupted(): // the run is stopping: not a measurement
//	case resp.Err != nil:    // failed: tag error_code with resp.ErrorCode
//	default:                 // resp.Status, resp.Body, resp.Timings
//	}
//
// A Client is not safe for concurrent use; each VU owns one. Do never panics on bad input or
// hostile servers and returns within the request's timeout (plus scheduling slack), or soon
// after ctx is done.
//
// # Design, and why not net/http or fasthttp
//
// ramp's budget is about 9 µs of CPU per request for the whole tool. Go's net/http client
// alone costs about 16.5 µs per request on the project's machines (a pooled transport behind
// locks, two goroutines per connection, ~58 allocations per request), so it is out for the hot
// path. This client owns its connections: no pool, no lock, no goroutine per connection. The
// request head is serialized into one reused buffer and written with one write (with the body
// when it is under 4 KiB); the response is parsed in place from a 4 KiB bufio.Reader by a
// hand-written parser (see parser for the grammar). A request in steady state allocates
// nothing (TestSteadyStateAllocatesNothing). Owning the connection is also what makes k6's
// phases exact: dial, TLS, write and first-byte times are read where they happen, and each
// failure is classified knowing which step failed.
//
// Measured with `go test -bench . -count 3` (bench_test.go) on the project's 2-core VM, which
// other work shared at the time: medians, keep-alive GETs of a 3-byte nginx-like reply from a
// tiny server running in a child process with GOMAXPROCS=1. cpu-ns/op is the benchmark
// process's own CPU time per request (the client, its runtime and its syscalls — the server's
// CPU is not in it); ns/op is the round trip and includes the server's turn. Cross-tool figures
// (wrk, k6, vegeta) come from the bench/ scripts, not from here.
//
//	                                    cpu-ns/op        ns/op  allocs/op   B/op
//	50 connections  ramp                    11 500       15 000          0      0
//	                fasthttp.HostClient     10 000       14 500          0      0
//	                net/http                25 600       33 800         58  4 400
//	1 connection    ramp            14 700–19 000  23 000–34 000        0      0
//	                fasthttp.HostClient     16 500       29 800          0      0
//	                net/http                60 300       76 900         58  4 400
//
// ramp uses 0.45× net/http's CPU here, and matches fasthttp within this machine's noise. About
// 75% of ramp's CPU per request is the write and read syscalls themselves (on loopback the
// write also pays for the server side's TCP receive); the client's own work is about 10%:
// parsing 6%, deadlines and clock reads 4%. Parsing alone, from memory (BenchmarkParse): the
// nginx reply with 9 fields takes 375 ns against fasthttp.Response.Read's 430 ns; a small
// chunked reply 228 ns against 270 ns; both allocate nothing. Serializing a request head with
// two headers takes 105 ns (BenchmarkAppendRequest).
//
// So the decision: own the connection and parse by hand. fasthttp's HostClient costs the same
// CPU but has no hooks between writing and the first response byte (no Sending, Waiting,
// Receiving), pools connections behind a lock, and reports failures as its own error values;
// its wire types alone (fasthttp.Response.Read) parse slower than the hand-written parser, do
// not accept header lines longer than the read buffer, and are more lenient about framing.
// fasthttp remains a test-only dependency, for the comparison.
//
// Memory (BenchmarkMemoryPerVU): a VU's client after a request holds 6.1 KiB of Go heap over
// HTTP and 14.1 KiB over HTTPS (crypto/tls's record buffers and session cache), against the
// 32 KiB budget per VU. Buffers that a large response grows (header over 16 KiB, body over
// 256 KiB) are dropped at the next Do rather than kept for the rest of the run. A body that
// is kept grows by doubling up to MaxBodyBytes (10 MiB by default), whatever its framing; a
// body discarded (Request.DiscardBody, Options.DiscardBodies) only passes through the read
// buffer, so a 256 MiB one costs no more memory than a 3-byte one.
//
// net/http is still used where cost does not matter: net/url on redirects, and http.CookieJar
// with http.ParseSetCookie when Options.Jar is set — which allocates per request once the jar
// holds cookies or the response sets one; a jar that reports itself empty (EmptyJar) is not
// asked, so cookies on by default cost nothing against a target that sets none. crypto/tls
// provides TLS.
//
// # Clock reads
//
// A request on a kept-alive connection reads the clock five times, once per phase boundary:
// Do's start, connection ready, request written, first response byte, last body byte
// (Response.End). The idle check and the connection's last use reuse those readings, and a
// caller can time what follows the request (a check, say) with Response.End. Setting the
// connection's deadline reads the clock once more inside the standard library.
//
// # Connections
//
// One connection per origin (scheme, host, port), at most maxOrigins origins per client. A
// connection is reused unless the response says Connection: close, is HTTP/1.0 without
// keep-alive, has its body delimited by the close, or failed; Options.NoConnectionReuse closes
// it after every request. A kept-alive connection that the server closed while it was idle
// is handled as net/http does: when the request fails on it before any response byte
// arrives (EOF, reset, broken pipe), an idempotent request is sent once more on a fresh
// connection, silently. A connection idle for more than a second is first probed with a
// non-blocking peek, so that a POST is not sent to a server that has already hung up.
//
// # Error codes
//
// See the ErrorCode constants: k6's codes wherever k6 has one, and ramp's own in 1800–1899
// for what k6 lumps into 1000 (malformed, oversized or truncated responses, invalid requests)
// and for interruption by the caller's context (1890, Response.Interrupted). Status codes are
// not errors: ErrorCode is 0 for a 404 or a 500.
package httpclient
