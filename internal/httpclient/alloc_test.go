package httpclient

import (
	"context"
	"testing"
)

// TestSteadyStateAllocatesNothing checks the design's central promise: once a VU's connection
// is open, a request allocates nothing — with a cancellable context, headers, a kept body.
// Not parallel: allocation counts are process-wide.
func TestSteadyStateAllocatesNothing(t *testing.T) {
	srv := startRaw(t, serveCanned)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tests := []struct {
		name string
		opts Options
		req  Request
	}{
		// the common case: GET, body kept
		{"get", Options{}, Request{URL: srv.url("/api/meetings?page=1")}},
		// headers and a body to send
		{"post with headers", Options{}, Request{Method: "POST", URL: srv.url("/api/meetings"),
			Header: []Header{{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}},
			Body:   []byte(`{"title":"standup"}`)}},
		// bodies discarded
		{"discard", Options{DiscardBodies: true}, Request{URL: srv.url("/")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := New(tt.opts)
			defer c.Close()
			var resp Response
			c.Do(ctx, &tt.req, &resp) // connect, register the context watcher, size buffers
			if resp.Err != nil || string(resp.Body) != map[bool]string{false: "abc", true: ""}[tt.opts.DiscardBodies] {
				t.Fatalf("warm-up: %v %q", resp.Err, resp.Body)
			}
			allocs := testing.AllocsPerRun(200, func() {
				c.Do(ctx, &tt.req, &resp)
				if resp.Err != nil {
					t.Fatal(resp.Err)
				}
			})
			if allocs != 0 {
				t.Errorf("%v allocations per request, want 0", allocs)
			}
		})
	}
}
