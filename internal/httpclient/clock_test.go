package httpclient

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"
)

// countingClock is time.Now counting its calls.
type countingClock struct{ n int }

func (c *countingClock) now() time.Time {
	c.n++
	return time.Now()
}

// TestClockReadsPerRequest checks that a keep-alive request reads the clock once per phase
// boundary and no more: Do's start, connection ready, request written, first response byte,
// last body byte. The idle check and the connection's last use reuse those readings.
func TestClockReadsPerRequest(t *testing.T) {
	srv := startRaw(t, serveCanned)
	clock := &countingClock{}
	c := New(Options{Now: clock.now})
	defer c.Close()
	var resp Response
	req := &Request{URL: srv.url("/")}
	c.Do(context.Background(), req, &resp) // connect
	if resp.Err != nil {
		t.Fatal(resp.Err)
	}
	const requests = 10
	clock.n = 0
	for range requests {
		c.Do(context.Background(), req, &resp)
		if resp.Err != nil {
			t.Fatal(resp.Err)
		}
	}
	if got := float64(clock.n) / requests; got != 5 {
		t.Errorf("%v clock reads per request, want 5", got)
	}
}

// TestEnd checks that Response.End closes the phases: on a completed exchange it is Start plus
// Blocked plus Duration, and a failed one still gets an End no earlier than Start.
func TestEnd(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(strings.Repeat("x", 100)))
	})
	c := New(Options{Timeout: 2 * time.Second})
	defer c.Close()
	var resp Response
	for i := range 2 { // a new connection, then a reused one
		c.Do(context.Background(), &Request{URL: srv.URL + "/"}, &resp)
		tm := resp.Timings
		if resp.Err != nil || resp.End.Sub(resp.Start) != tm.Blocked+tm.Duration {
			t.Errorf("request %d: err %v, End−Start %v, want Blocked+Duration %v", i, resp.Err,
				resp.End.Sub(resp.Start), tm.Blocked+tm.Duration)
		}
	}
	for _, url := range []string{"ftp://nowhere/", "http://127.0.0.1:1/"} { // invalid; refused
		c.Do(context.Background(), &Request{URL: url}, &resp)
		if resp.Err == nil || resp.End.Before(resp.Start) || resp.End.IsZero() {
			t.Errorf("%s: err %v, Start %v, End %v: want a failure ending after its start", url,
				resp.Err, resp.Start, resp.End)
		}
	}
}
