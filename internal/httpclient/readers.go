package httpclient

import (
	"bufio"
	"io"
	"sync"
)

// Readers shares read buffers among the connections of many clients. A keep-alive connection
// holds a buffer only while an exchange is in flight and gives it back when the response has
// been read to its end with nothing left over; so 100,000 VUs that hold a connection each and
// think between requests hold a handful of buffers instead of 100,000 × 4 KiB. It is safe for
// concurrent use; the zero value is not: use NewReaders.
type Readers struct {
	size int
	pool sync.Pool // *bufio.Reader of size bytes
}

// NewReaders returns a pool of read buffers of size bytes (DefaultReadBufferSize when
// size <= 0). Clients whose ReadBufferSize differs keep their own buffers.
func NewReaders(size int) *Readers {
	if size <= 0 {
		size = DefaultReadBufferSize
	}
	return &Readers{size: max(size, 256)}
}

// get returns a buffer reading from r.
func (p *Readers) get(r io.Reader) *bufio.Reader {
	if br, ok := p.pool.Get().(*bufio.Reader); ok {
		br.Reset(r)
		return br
	}
	return bufio.NewReaderSize(r, p.size)
}

// put takes back a buffer that holds nothing unread.
func (p *Readers) put(br *bufio.Reader) {
	br.Reset(nil) // no reference to the connection while pooled
	p.pool.Put(br)
}
