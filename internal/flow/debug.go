package flow

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"

	"github.com/ramp-dev/ramp/internal/httpclient"
)

// maxDebugBody bounds the body bytes one debug dump prints; the rest is counted, not shown.
const maxDebugBody = 64 << 10

// DebugHTTP makes every VU's client print each request and response to w as it completes
// (k6's --http-debug): the request line and headers, the status and response headers, and with
// bodies their bodies too (up to 64 KiB each; none when options.discardResponseBodies drops
// them in the client). Dumps of concurrent VUs never interleave. It
// must be called before the first VU is made.
func (s *Shared) DebugHTTP(w io.Writer, bodies bool) {
	d := &debugOut{w: w, bodies: bodies}
	inner := s.newDoer
	s.newDoer = func(jar http.CookieJar) Doer { return &debugDoer{Doer: inner(jar), out: d} }
}

// debugOut is the shared destination of the dumps.
type debugOut struct {
	mu     sync.Mutex
	w      io.Writer
	bodies bool
}

// debugDoer dumps each exchange of the Doer it wraps.
type debugDoer struct {
	Doer
	out *debugOut
	buf bytes.Buffer
}

func (d *debugDoer) Do(ctx context.Context, req *httpclient.Request, resp *httpclient.Response) {
	if d.out.bodies {
		req.DiscardBody = false // the flow would not look at it, but the dump shows it
	}
	d.Doer.Do(ctx, req, resp)
	b := &d.buf
	b.Reset()
	method := req.Method
	if method == "" {
		method = "GET"
	}
	fmt.Fprintf(b, "Request:\n%s %s\n", method, req.URL)
	for _, h := range req.Header {
		fmt.Fprintf(b, "%s: %s\n", h.Key, h.Value)
	}
	if d.out.bodies && len(req.Body) > 0 {
		writeBody(b, req.Body)
	}
	if resp.Err != nil {
		fmt.Fprintf(b, "Response: error: %v\n\n", resp.Err)
	} else {
		fmt.Fprintf(b, "Response:\n%s %d (%s)\n", resp.Proto, resp.Status, resp.Timings.Duration)
		resp.EachHeader(func(k, v string) { fmt.Fprintf(b, "%s: %s\n", k, v) })
		if d.out.bodies && len(resp.Body) > 0 {
			writeBody(b, resp.Body)
		}
		b.WriteByte('\n')
	}
	d.out.mu.Lock()
	_, _ = d.out.w.Write(b.Bytes())
	d.out.mu.Unlock()
}

// writeBody writes a body after a blank line, cut at maxDebugBody.
func writeBody(b *bytes.Buffer, body []byte) {
	b.WriteByte('\n')
	if len(body) > maxDebugBody {
		b.Write(body[:maxDebugBody])
		fmt.Fprintf(b, "\n… %d more bytes\n", len(body)-maxDebugBody)
		return
	}
	b.Write(body)
	if body[len(body)-1] != '\n' {
		b.WriteByte('\n')
	}
}
