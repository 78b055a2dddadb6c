package httpclient

import (
	"bufio"
	"context"
	"net"
	"testing"
)

// With shared Readers, a keep-alive connection gives its read buffer back after each exchange
// and borrows one for the next, on the same connection; a response followed by bytes nobody
// asked for keeps its buffer, and the connection is not reused.
func TestReadersLendBuffersPerExchange(t *testing.T) {
	extra := []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcGARBAGE")
	tests := []struct {
		name       string
		handle     func(net.Conn)
		wantIdle   bool  // the idle connection holds no buffer
		wantAccept int64 // connections the server saw for three requests
	}{
		{"clean responses", serveCanned, true, 1},
		{"bytes after the response", func(c net.Conn) { serveReply(c, extra) }, false, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startRaw(t, tt.handle)
			readers := NewReaders(0)
			c := New(Options{Readers: readers})
			defer c.Close()
			for i := range 3 {
				var resp Response
				c.Do(context.Background(), &Request{URL: srv.url("/")}, &resp)
				if resp.Err != nil || string(resp.Body) != "abc" {
					t.Fatalf("request %d: %v, body %q", i, resp.Err, resp.Body)
				}
				cn := c.origins[0].cn
				if tt.wantIdle && (cn == nil || cn.br != nil) {
					t.Fatalf("request %d: idle connection %+v, want kept and holding no buffer", i, cn)
				}
				if !tt.wantIdle && cn != nil && cn.br == nil {
					t.Fatalf("request %d: unread bytes were dropped with the buffer", i)
				}
			}
			if got := srv.accepted.Load(); got != tt.wantAccept {
				t.Errorf("server accepted %d connections, want %d", got, tt.wantAccept)
			}
		})
	}
}

// A client whose buffer size differs from the pool's keeps its own buffers.
func TestReadersOfAnotherSizeUnused(t *testing.T) {
	c := New(Options{Readers: NewReaders(8 << 10), ReadBufferSize: 4 << 10})
	if c.readers != nil {
		t.Fatal("the client took a pool of 8 KiB buffers for its 4 KiB reads")
	}
}

// serveReply answers every request on c with reply.
func serveReply(c net.Conn, reply []byte) {
	defer c.Close()
	br := bufio.NewReader(c)
	for {
		for {
			l, err := br.ReadSlice('\n')
			if err != nil {
				return
			}
			if len(l) <= 2 {
				break
			}
		}
		if _, err := c.Write(reply); err != nil {
			return
		}
	}
}
