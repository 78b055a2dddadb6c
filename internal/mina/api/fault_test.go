package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/api"
)

func TestFaultConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		fault api.Fault
		want  string // in the error
	}{
		{"NegativeLatency", api.Fault{Latency: -time.Second}, "-1s"},                    // durations are ≥ 0
		{"RateAboveOne", api.Fault{ErrorRate: 1.5}, "1.5"},                              // a fraction
		{"RateNegative", api.Fault{ErrorRate: -0.1}, "-0.1"},                            // a fraction
		{"BadGlob", api.Fault{ErrorRate: 1, Route: "/api/[meetings"}, "/api/[meetings"}, // unclosed class
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore()
			_, err := api.New(api.Config{Users: store, Meetings: store, Tasks: store, Analytics: store, Fault: tt.fault})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want one quoting %q", err, tt.want)
			}
		})
	}
}

func TestFaultLatency(t *testing.T) {
	t.Parallel()
	const latency = 150 * time.Millisecond
	store, _ := newStore()
	srv := newServer(t, store, func(c *api.Config) { c.Fault = api.Fault{Latency: latency, Route: "/api/analytics"} })
	start := time.Now()
	r := do(t, srv, "GET", "/api/analytics/dashboard", goodToken, "")
	if took := time.Since(start); took < latency {
		t.Fatalf("faulted request took %v, want at least %v", took, latency)
	}
	if r.status != 200 || r.header.Get("X-Fault-Injected") != "latency" {
		t.Fatalf("status %d, X-Fault-Injected %q", r.status, r.header.Get("X-Fault-Injected"))
	}
	// Another route is not delayed (no bound on its time: only that it was not faulted).
	if r := do(t, srv, "GET", "/api/meetings", goodToken, ""); r.header.Get("X-Fault-Injected") != "" {
		t.Fatal("a route outside the pattern was faulted")
	}
}

func TestFaultErrorRate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      api.Fault
		faulted    []string // paths that must all answer 503 (rate 1) or about half (rate 0.5)
		untouched  []string // paths that must never answer 503
		minR, maxR float64  // bounds on the 503 fraction over the faulted paths
	}{
		{"AllOnPrefix", api.Fault{ErrorRate: 1, Route: "/api/meetings"},
			[]string{"/api/meetings", "/api/meetings/7"}, []string{"/api/tasks", "/health", "/metrics"}, 1, 1},
		{"AllOnGlob", api.Fault{ErrorRate: 1, Route: "/api/meetings/*"},
			[]string{"/api/meetings/7"}, []string{"/api/meetings", "/api/tasks"}, 1, 1},
		{"AllRoutes", api.Fault{ErrorRate: 1},
			[]string{"/", "/api/tasks", "/health"}, []string{"/metrics"}, 1, 1},
		// 400 requests at 0.5: the standard deviation of the fraction is 0.025; ±0.15 is six.
		{"Half", api.Fault{ErrorRate: 0.5, Route: "/api/tasks"},
			[]string{"/api/tasks"}, []string{"/api/meetings"}, 0.35, 0.65},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			store, _ := newStore()
			srv := newServer(t, store, func(c *api.Config) { c.Fault = tt.fault })
			n := 20
			if tt.minR < 1 {
				n = 400
			}
			failed, total := 0, 0
			for range n {
				for _, p := range tt.faulted {
					r := do(t, srv, "GET", p, goodToken, "")
					total++
					if r.status == http.StatusServiceUnavailable {
						if e := apiError(t, r); e.Code != "unavailable" || r.header.Get("X-Fault-Injected") != "error" {
							t.Fatalf("injected 503 without its marks: %v %s", r.header, r.body)
						}
						failed++
					}
				}
			}
			if frac := float64(failed) / float64(total); frac < tt.minR || frac > tt.maxR {
				t.Fatalf("%d of %d faulted requests answered 503 (%.2f), want %.2f..%.2f", failed, total, frac, tt.minR, tt.maxR)
			}
			for range 20 {
				for _, p := range tt.untouched {
					if r := do(t, srv, "GET", p, goodToken, ""); r.status == http.StatusServiceUnavailable {
						t.Fatalf("%s answered 503 outside the fault's route", p)
					}
				}
			}
		})
	}
}
