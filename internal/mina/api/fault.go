package api

import (
	"fmt"
	"net/http"
	"path"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/chaos"
)

// Fault injects failures into matching requests, to test how ramp reports a misbehaving
// server (the seed's chaos scenarios). For each request whose path matches Route, in order:
//
//  1. wait Latency (cut short if the client goes away);
//  2. with probability ErrorRate, answer 503 {"error":{"code":"unavailable",…}} instead of
//     handling the request.
//
// Route selects paths:
//
//	""                     every path
//	a pattern with * ? [   a glob matched against the whole path (path.Match: * stays within
//	                       one segment), e.g. "/api/meetings/*"
//	anything else          a path prefix, e.g. "/api/analytics"
//
// /metrics and /admin/ are never faulted, so the monitors watching the server keep seeing it. Injected
// responses carry X-Fault-Injected.
type Fault struct {
	Latency   time.Duration
	ErrorRate float64
	Route     string
}

// faultMatcher is a validated Fault.
type faultMatcher struct {
	Fault
	glob bool
}

// newFaultMatcher validates f, naming the bad value.
func newFaultMatcher(f Fault) (*faultMatcher, error) {
	if f.Latency < 0 {
		return nil, fmt.Errorf("api: fault latency %v is negative", f.Latency)
	}
	if !(f.ErrorRate >= 0 && f.ErrorRate <= 1) { // also rejects NaN
		return nil, fmt.Errorf("api: fault error rate %v is not within [0, 1]", f.ErrorRate)
	}
	m := &faultMatcher{Fault: f, glob: strings.ContainsAny(f.Route, "*?[")}
	if m.glob {
		if _, err := path.Match(f.Route, "/"); err != nil {
			return nil, fmt.Errorf("api: fault route %q: %w", f.Route, err)
		}
	}
	return m, nil
}

// active reports whether the fault injects anything at all.
func (m *faultMatcher) active() bool { return m.Latency > 0 || m.ErrorRate > 0 }

// matches reports whether the fault applies to a path.
func (m *faultMatcher) matches(p string) bool {
	return chaos.MatchRoute(m.Route, p)
}

// faults wraps next with the fault injection of m, or returns next when m injects nothing.
func (s *Server) faults(m *faultMatcher, next http.Handler) http.Handler {
	if !m.active() {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !m.matches(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		if m.Latency > 0 {
			w.Header().Add("X-Fault-Injected", "latency")
			t := time.NewTimer(m.Latency)
			select {
			case <-t.C:
			case <-r.Context().Done():
				t.Stop()
				return
			}
		}
		if m.ErrorRate > 0 && s.cfg.Rand() < m.ErrorRate {
			w.Header().Add("X-Fault-Injected", "error")
			s.writeError(w, r, mina.Errorf(mina.EUNAVAILABLE, "injected fault: %s answers 503 at rate %g", m.Route, m.ErrorRate))
			return
		}
		next.ServeHTTP(w, r)
	})
}
