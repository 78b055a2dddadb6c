package httpclient

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// fuzzSeeds are responses, good and bad, for the fuzzers to start from.
var fuzzSeeds = []string{
	"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc",
	"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n0\r\nTrailer: 1\r\n\r\n",
	"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n",
	"HTTP/1.1 200 OK\r\n\r\nuntil close",
	"HTTP/1.1 301 Moved\r\nLocation: /x\r\nContent-Length: 0\r\n\r\n",
	"HTTP/1.1 200 OK\r\nContent-Length: 5, 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
	"HTTP/1.1 200\nContent-Length: 1\n\nx",
	"HTTP/1.1 2000 OK\r\n\r\n",
	"\x00\xff garbage",
}

func FuzzParser(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, head bool) {
		var resp Response
		var long []byte
		p := parser{br: bufio.NewReaderSize(bytes.NewReader(data), 16), long: &long, maxHead: 512, budget: 512,
			keep: true, maxBody: 64, resp: &resp, noBody: head}
		_, err := p.read()
		if len(resp.Body) > 64 {
			t.Fatalf("kept %d body bytes, bound 64", len(resp.Body))
		}
		if err == nil && (resp.Status < 200 || resp.Status > 999 || resp.Proto == "") {
			t.Fatalf("accepted status %d proto %q", resp.Status, resp.Proto)
		}
		resp.EachHeader(func(k, v string) {
			if !isToken(k) {
				t.Fatalf("header name %q accepted", k)
			}
		})
	})
}

func FuzzResponseFromServer(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	var gz bytes.Buffer
	w := gzip.NewWriter(&gz)
	w.Write([]byte(`{"meetings":[{"id":1}]}`))
	w.Close()
	f.Add(append([]byte(fmt.Sprintf("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", gz.Len())), gz.Bytes()...))
	var payload atomic.Pointer[[]byte]
	srv := startRaw(f, func(c net.Conn) {
		// One response per connection, ended by closing: every input terminates.
		if readHead(bufio.NewReader(c)) {
			c.Write(*payload.Load())
		}
	})
	c := New(Options{Timeout: time.Second, MaxBodyBytes: 1024, MaxHeaderBytes: 1024, ReadBufferSize: 256})
	f.Cleanup(func() { c.Close() })
	f.Fuzz(func(t *testing.T, data []byte) {
		payload.Store(&data)
		var resp Response
		start := time.Now()
		// A fresh connection per input: a response that left the stream in a state the
		// client believed reusable must not leak into the next input.
		c.Close()
		c.Do(context.Background(), &Request{URL: srv.url("/f")}, &resp)
		if time.Since(start) > 3*time.Second {
			t.Fatalf("Do took %v with a 1s timeout", time.Since(start))
		}
		if (resp.Err == nil) != (resp.ErrorCode == 0) {
			t.Fatalf("Err %v with code %d", resp.Err, resp.ErrorCode)
		}
		if resp.Err == nil && (resp.Status < 200 || len(resp.Body) > 1024) {
			t.Fatalf("accepted status %d with %d body bytes", resp.Status, len(resp.Body))
		}
		if resp.ErrorCode == ErrorCodeGeneric {
			t.Fatalf("unclassified error: %v", resp.Err)
		}
	})
}

// FuzzRequestHead checks that no method, URL or header — scenario data can put anything in
// them — makes the client write a head with a field it did not intend: either the request is
// refused, or every line of the head ends in CRLF and the head ends at its first blank line.
func FuzzRequestHead(f *testing.F) {
	f.Add("GET", "http://127.0.0.1:5000/api?q=1", "X-A", "1")
	f.Add("POST", "https://u:p@[::1]:8443/x#frag", "Cookie", "a=b")
	f.Add("GET", "http://h/a\r\nX-Evil: 1", "X-B", "v\nX-Evil: 2")
	f.Add("G\rET", "http://h:0/", "Host", "other")
	f.Fuzz(func(t *testing.T, method, rawURL, key, value string) {
		var tgt target
		if err := parseTarget(rawURL, &tgt); err != nil {
			return
		}
		h := requestHead{method: method, t: &tgt, header: []Header{{key, value}}, userAgent: "ramp", cookie: "c=1"}
		b, _, err := appendRequest(nil, &h)
		if err != nil {
			return
		}
		end := bytes.Index(b, []byte("\r\n\r\n"))
		if end < 0 || end != len(b)-4 {
			t.Fatalf("head does not end at its first blank line: %q", b)
		}
		for i, c := range b {
			if c == '\n' && (i == 0 || b[i-1] != '\r') {
				t.Fatalf("bare LF at %d in %q", i, b)
			}
			if c == '\r' && (i+1 == len(b) || b[i+1] != '\n') {
				t.Fatalf("bare CR at %d in %q", i, b)
			}
		}
	})
}
