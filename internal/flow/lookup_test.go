package flow

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// TestLookingUp runs requests through a VU and a real registry to a local server, named by
// host name and by IP, and checks http_req_looking_up: a name's first request times its DNS
// lookup, later requests on the kept-alive connection record 0 (as http_req_connecting does),
// and an IP literal, which is never looked up, records nothing at all.
func TestLookingUp(t *testing.T) {
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {})
	u, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	const requests = 3 // one new connection, then two reuses
	tests := []struct {
		name, host string
		wantLookup bool // samples expected: the host is a name
	}{
		// resolved from /etc/hosts by Go's resolver: fast, but a lookup
		{"name", "localhost", true},
		// an IP literal: nothing to look up
		{"ip", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := onePlan(req(plan.Request{URL: plan.Template("http://" + tt.host + ":" + u.Port() + "/")}))
			reg, err := metrics.NewRegistry(metrics.Config{})
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewShared(p, reg)
			if err != nil {
				t.Fatal(err)
			}
			v := newVU(t, s, 1)
			for i := range int64(requests) {
				if !run(t, v, i) {
					t.Fatalf("request %d failed", i)
				}
			}
			snap := reg.Snapshot()
			if c, ok := snap.Get(metrics.HTTPReqConnecting); !ok || c.Count != requests {
				t.Fatalf("http_req_connecting: %+v, want %d samples", c, requests)
			}
			m, ok := snap.Get(metrics.HTTPReqLookingUp)
			switch {
			case !tt.wantLookup:
				if ok {
					t.Errorf("http_req_looking_up has %v samples for an IP literal, want none", m.Count)
				}
			case !ok || m.Count != requests || m.Max <= 0 || m.Min != 0:
				t.Errorf("http_req_looking_up: %+v; want %d samples, the first lookup > 0 and 0 on reuse",
					m, requests)
			}
		})
	}
}
