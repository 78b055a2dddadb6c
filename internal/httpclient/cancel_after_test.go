package httpclient

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A context cancelled after its request finished must not break the next request on the
// same keep-alive connection (a VU's per-activation context is cancelled this way).
func TestCancelAfterRequestDoesNotBreakNext(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	c := New(Options{})
	defer c.Close()
	var resp Response
	for i := 0; i < 200; i++ {
		ctx, cancel := context.WithCancel(context.Background())
		c.Do(ctx, &Request{Method: "GET", URL: srv.URL}, &resp)
		cancel()
		if resp.Err != nil || resp.Status != 200 {
			t.Fatalf("request %d: status %d err %v (code %d)", i, resp.Status, resp.Err, resp.ErrorCode)
		}
	}
}
