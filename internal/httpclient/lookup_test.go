package httpclient

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestLookingUpTimings checks the DNS phase against the real resolver: a host name is looked
// up on its first connection (LookingUp > 0, inside Blocked) and not on the reused one; an IP
// literal never is, and Response.NamedHost tells the two apart.
func TestLookingUpTimings(t *testing.T) {
	t.Parallel()
	srv, _ := newServer(t, func(w http.ResponseWriter, r *http.Request) {})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		host  string
		named bool
	}{
		{"localhost", true},  // in /etc/hosts: a real lookup, if a quick one
		{"127.0.0.1", false}, // nothing to look up
	} {
		t.Run(tt.host, func(t *testing.T) {
			t.Parallel()
			c := New(Options{Timeout: 2 * time.Second})
			defer c.Close()
			var resp Response
			for i := range 2 { // a new connection, then the same one reused
				c.Do(context.Background(), &Request{URL: "http://" + tt.host + ":" + u.Port() + "/"}, &resp)
				tm := resp.Timings
				looked := tt.named && i == 0
				switch {
				case resp.Err != nil:
					t.Fatalf("request %d: %v", i, resp.Err)
				case resp.NamedHost != tt.named:
					t.Errorf("request %d: NamedHost %v, want %v", i, resp.NamedHost, tt.named)
				case looked && (tm.LookingUp <= 0 || tm.Blocked < tm.LookingUp+tm.Connecting):
					t.Errorf("request %d: timings %+v, want LookingUp > 0 inside Blocked", i, tm)
				case !looked && tm.LookingUp != 0:
					t.Errorf("request %d: LookingUp %v, want 0", i, tm.LookingUp)
				}
			}
		})
	}
}
