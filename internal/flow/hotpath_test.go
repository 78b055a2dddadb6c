package flow

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// cannedReply is a small JSON reply as an API behind nginx sends it.
const cannedReply = "HTTP/1.1 200 OK\r\nServer: nginx/1.24.0\r\nDate: Thu, 26 Nov 2026 19:00:00 GMT\r\n" +
	"Content-Type: application/json\r\nContent-Length: 36\r\nConnection: keep-alive\r\n\r\n" +
	`{"meetings":[{"id":7}],"total":1000}`

// cannedServer starts a keep-alive server on 127.0.0.1 that answers every request head with
// cannedReply and allocates nothing per request, so that the allocations a test counts (they
// are process-wide) are the client's alone. It returns the base URL.
func cannedServer(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var conns []net.Conn
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			wg.Add(1)
			go func() {
				defer wg.Done()
				serveCanned(c)
			}()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// serveCanned answers each request head read from c (requests here have no body) with
// cannedReply until c fails.
func serveCanned(c net.Conn) {
	defer c.Close()
	br := bufio.NewReaderSize(c, 4096)
	reply := []byte(cannedReply)
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

// hotVU returns a VU, recording into a real registry, whose flow "main" is one GET of
// base+"/api/meetings" with a status check: the simplest flow a load test runs. The plan
// keeps cookies on, as a scenario file does by default. A non-nil now is the clock of the
// flow runner, of the VU's HTTP client and of the registry.
func hotVU(t testing.TB, base string, now func() time.Time) (*VU, *plan.Flow) {
	t.Helper()
	p := onePlan(req(plan.Request{Name: "list", URL: plan.Template(base + "/api/meetings"),
		Checks: []plan.Check{{Kind: plan.CheckStatus, Statuses: []int{200}}}}))
	reg, err := metrics.NewRegistry(metrics.Config{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewShared(p, reg)
	if err != nil {
		t.Fatal(err)
	}
	if now != nil {
		s.now = now
		s.newDoer = func(jar http.CookieJar) Doer {
			o := clientOptions(p.Options)
			o.Jar, o.Now = jar, now
			return httpclient.New(o)
		}
	}
	return newVU(t, s, 1), p.Flows["main"]
}

// TestClockReadsPerIteration counts the clock reads of an iteration of hotVU's flow in steady
// state: the iteration's start and end, and the request's five phase boundaries (start,
// connection ready, written, first byte, last byte). Recording the request, its check and
// the iteration reuses those readings. (Setting the connection's deadline reads the clock
// inside the standard library too; that one is not counted here.)
func TestClockReadsPerIteration(t *testing.T) {
	var reads atomic.Int64
	now := func() time.Time {
		reads.Add(1)
		return time.Now()
	}
	v, f := hotVU(t, cannedServer(t), now)
	for i := range int64(3) {
		if !v.Run(t.Context(), f, Iteration{Scenario: "s", VUIter: i}) {
			t.Fatalf("iteration %d failed", i)
		}
	}
	const iterations, want = 10, 7
	reads.Store(0)
	for i := range int64(iterations) {
		if !v.Run(t.Context(), f, Iteration{Scenario: "s", VUIter: i}) {
			t.Fatalf("iteration %d failed", i)
		}
	}
	if got := float64(reads.Load()) / iterations; got != want {
		t.Errorf("%v clock reads per iteration, want %d", got, want)
	}
}

// maxIterationAllocs is what one iteration of hotVU's flow may allocate once the VU's
// connection is open and its metrics are resolved. It is the figure reached, not a wish: the
// test fails when a change makes the hot path allocate.
const maxIterationAllocs = 0

// TestIterationAllocations guards the request path against allocation: a VU running a GET
// with a status check, recorded into a real registry, against a server that allocates
// nothing itself. Not parallel: allocation counts are process-wide.
func TestIterationAllocations(t *testing.T) {
	v, f := hotVU(t, cannedServer(t), nil)
	ctx := context.Background()
	var i int64
	iterate := func() {
		if !v.Run(ctx, f, Iteration{Scenario: "s", VUIter: i}) {
			t.Fatalf("iteration %d failed", i)
		}
		i++
	}
	for range 3 { // connect, register the context watcher, resolve the metric entries
		iterate()
	}
	if allocs := testing.AllocsPerRun(300, iterate); allocs > maxIterationAllocs {
		t.Errorf("%v allocations per iteration, want at most %d", allocs, maxIterationAllocs)
	}
}

// BenchmarkIteration runs one iteration of hotVU's flow — a keep-alive GET, a status check,
// the metrics of the request, the check and the iteration — against two servers: "canned"
// allocates nothing, so allocs/op is the client's own; "nethttp" is an httptest server, whose
// allocations (net/http's server, about 20 per request) are counted too, since counts are
// process-wide.
func BenchmarkIteration(b *testing.B) {
	for _, bc := range []struct {
		name string
		base func(testing.TB) string
	}{
		{"canned", cannedServer},
		{"nethttp", func(t testing.TB) string {
			return server(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(`{"meetings":[{"id":7}],"total":1000}`))
			}).URL
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v, f := hotVU(b, bc.base(b), nil)
			ctx := context.Background()
			var i int64
			iterate := func() {
				if !v.Run(ctx, f, Iteration{Scenario: "s", VUIter: i}) {
					b.Fatalf("iteration %d failed", i)
				}
				i++
			}
			for range 3 { // the steady state: connected, metric entries resolved
				iterate()
			}
			b.ReportAllocs()
			for b.Loop() {
				iterate()
			}
		})
	}
}
