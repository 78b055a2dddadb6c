package httpclient

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// compress returns body in the named coding ("gzip", "zlib", "raw-deflate").
func compress(t *testing.T, coding string, body []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&b)
	case "zlib":
		w = zlib.NewWriter(&b)
	case "raw-deflate":
		fw, err := flate.NewWriter(&b, flate.BestSpeed)
		if err != nil {
			t.Fatal(err)
		}
		w = fw
	}
	w.Write(body)
	w.Close()
	return b.Bytes()
}

func TestContentEncoding(t *testing.T) {
	t.Parallel()
	plain := []byte(strings.Repeat(`{"id":1,"title":"standup"},`, 100))
	bomb := make([]byte, 8<<20) // 8 MiB of zeros: a few KiB compressed
	tests := []struct {
		name      string
		header    string // Content-Encoding sent
		payload   []byte // bytes on the wire
		max       int64
		wantBody  []byte
		wantTrunc bool
		wantCode  int
	}{
		// gzip, the common case
		{"gzip", "gzip", compress(t, "gzip", plain), 0, plain, false, 0},
		// deflate as the RFC means it: zlib-wrapped
		{"deflate zlib", "deflate", compress(t, "zlib", plain), 0, plain, false, 0},
		// deflate as some servers send it: raw
		{"deflate raw", "deflate", compress(t, "raw-deflate", plain), 0, plain, false, 0},
		// a decompression bomb stops at MaxBodyBytes
		{"bomb", "gzip", compress(t, "gzip", bomb), 1024, bomb[:1024], true, 0},
		// corrupt gzip: k6's 1701
		{"corrupt", "gzip", []byte("\x1f\x8b\x08\x00garbage-not-deflate"), 0, nil, false, ErrorCodeDecompression},
		// not gzip at all under a gzip label: 1701
		{"mislabelled", "gzip", plain, 0, nil, false, ErrorCodeDecompression},
		// brotli is not decoded: the body is kept as received
		{"br kept", "br", []byte("\x0b\x02\x80hello"), 0, []byte("\x0b\x02\x80hello"), false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Encoding", tt.header)
				w.Write(tt.payload)
			})
			c := New(Options{Timeout: 5 * time.Second, MaxBodyBytes: tt.max})
			defer c.Close()
			var resp Response
			for i := range 2 { // the second response reuses the decoder
				c.Do(context.Background(), &Request{URL: srv.URL + "/", Header: []Header{{"Accept-Encoding", "gzip, deflate"}}}, &resp)
				if resp.ErrorCode != tt.wantCode {
					t.Fatalf("request %d: code %d (%v), want %d", i, resp.ErrorCode, resp.Err, tt.wantCode)
				}
				if tt.wantCode != 0 {
					return
				}
				if !bytes.Equal(resp.Body, tt.wantBody) || resp.BodyTruncated != tt.wantTrunc {
					t.Fatalf("request %d: body %d bytes truncated %v, want %d bytes truncated %v",
						i, len(resp.Body), resp.BodyTruncated, len(tt.wantBody), tt.wantTrunc)
				}
			}
		})
	}
}

func TestContentEncodingDiscarded(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Write([]byte("not gzip")) // never looked at: bodies are discarded
	})
	tests := []struct {
		name    string
		opts    Options
		discard bool // Request.DiscardBody
	}{
		// every body discarded by the client's options
		{"options", Options{DiscardBodies: true}, false},
		// this request's body discarded
		{"request", Options{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.opts.Timeout = 5 * time.Second
			c := New(tt.opts)
			defer c.Close()
			var resp Response
			c.Do(context.Background(), &Request{URL: srv.URL + "/", DiscardBody: tt.discard}, &resp)
			if resp.Err != nil || resp.Body != nil {
				t.Errorf("%v, body %q", resp.Err, resp.Body)
			}
		})
	}
}
