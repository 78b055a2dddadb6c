package chaos_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/chaos"
	"github.com/ramp-dev/ramp/internal/plan"
)

// recorder is a target that records the requests it gets, answering status.
type recorder struct {
	mu     sync.Mutex
	calls  []string
	status map[string]int // by method; default 200 (PUT, POST) or 204 (DELETE)
}

func (rc *recorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b, _ := io.ReadAll(r.Body)
	rc.mu.Lock()
	rc.calls = append(rc.calls, r.Method+" "+r.URL.Path+" "+r.Header.Get("Authorization")+" "+string(b))
	st := rc.status[r.Method]
	rc.mu.Unlock()
	if st == 0 {
		st = http.StatusOK
		if r.Method == http.MethodDelete {
			st = http.StatusNoContent
		}
	}
	w.WriteHeader(st)
}

func (rc *recorder) got() []string {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]string(nil), rc.calls...)
}

func TestTimeline(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		adapter   func(url string) plan.ChaosAdapter
		status    map[string]int
		stopAfter time.Duration // Stop is called this long after the start
		wantCalls []string
		wantErr   string // in the first window's Error
		applied   bool
	}{
		{ // mina: PUT the fault as JSON with the admin token, DELETE it when it ends
			name: "mina",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u, Token: "tok"}
			},
			stopAfter: 300 * time.Millisecond,
			wantCalls: []string{`PUT /admin/faults/slow Bearer tok {"latency":"500ms","route":"/api"}`, "DELETE /admin/faults/slow Bearer tok "},
			applied:   true,
		},
		{ // http: the user's requests, templated over the fault
			name: "http",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "h", Kind: plan.AdapterHTTP,
					Set:   plan.HTTPCall{Method: "POST", URL: plan.Template(u + "/toxics/${fault.name}"), Body: `{"for":${fault.for},"f":${fault.json},"l":"${fault.latency}"}`},
					Clear: plan.HTTPCall{Method: "DELETE", URL: plan.Template(u + "/toxics/${fault.name}")}}
			},
			stopAfter: 300 * time.Millisecond,
			wantCalls: []string{`POST /toxics/slow  {"for":0.1,"f":{"latency":"500ms","route":"/api"},"l":"500ms"}`, "DELETE /toxics/slow  "},
			applied:   true,
		},
		{ // the target refuses the fault: not applied, and cleared in case it half happened
			name: "refused",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u, Token: "tok"}
			},
			status:    map[string]int{"PUT": 400},
			stopAfter: 300 * time.Millisecond,
			wantCalls: []string{`PUT /admin/faults/slow Bearer tok {"latency":"500ms","route":"/api"}`, "DELETE /admin/faults/slow Bearer tok "},
			wantErr:   "not applied: PUT",
		},
		{ // no token: nothing is sent, and the window says what to do
			name:      "no token",
			adapter:   func(u string) plan.ChaosAdapter { return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u} },
			stopAfter: 300 * time.Millisecond,
			wantErr:   "MINA_ADMIN_TOKEN",
		},
		{ // the load ends first: the fault to come is never applied
			name: "load ended before",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u, Token: "tok"}
			},
			stopAfter: 10 * time.Millisecond,
			wantErr:   "load ended before",
		},
		{ // the load ends during the fault: it is cleared at once
			name: "cut short",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u, Token: "tok"}
			},
			stopAfter: 80 * time.Millisecond,
			wantCalls: []string{`PUT /admin/faults/slow Bearer tok {"latency":"500ms","route":"/api"}`, "DELETE /admin/faults/slow Bearer tok "},
			applied:   true,
		},
		{ // a fault that cannot be cleared may still be on: said so
			name: "not cleared",
			adapter: func(u string) plan.ChaosAdapter {
				return plan.ChaosAdapter{Name: "m", Kind: plan.AdapterMina, URL: u, Token: "tok"}
			},
			status:    map[string]int{"DELETE": 500},
			stopAfter: 300 * time.Millisecond,
			wantCalls: []string{`PUT /admin/faults/slow Bearer tok {"latency":"500ms","route":"/api"}`, "DELETE /admin/faults/slow Bearer tok "},
			wantErr:   "not cleared",
			applied:   true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rc := &recorder{status: tt.status}
			srv := httptest.NewServer(rc)
			defer srv.Close()
			a := tt.adapter(srv.URL)
			tl, err := chaos.Build(plan.Chaos{Adapters: []plan.ChaosAdapter{a}, Events: []plan.ChaosEvent{{
				Name: "slow", At: 50 * time.Millisecond, For: 100 * time.Millisecond, Adapter: a.Name,
				Fault: map[string]any{"latency": "500ms", "route": "/api"}}}})
			if err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			r := tl.Start(context.Background(), start)
			time.Sleep(tt.stopAfter)
			ws := r.Stop()
			if len(ws) != 1 {
				t.Fatalf("windows %+v", ws)
			}
			w := ws[0]
			if got := rc.got(); strings.Join(got, "\n") != strings.Join(tt.wantCalls, "\n") {
				t.Errorf("calls:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.wantCalls, "\n"))
			}
			if w.Applied() != tt.applied || !strings.Contains(w.Error, tt.wantErr) || (tt.wantErr == "") != (w.Error == "") {
				t.Fatalf("window %+v: applied %v, want %v, error containing %q", w, w.Applied(), tt.applied, tt.wantErr)
			}
			if w.Applied() {
				if w.Start.Before(start.Add(50*time.Millisecond)) || !w.End.After(w.Start) {
					t.Errorf("window %v–%v: starts before its at, or ends before it starts", w.Start.Sub(start), w.End.Sub(start))
				}
				if tt.stopAfter > 200*time.Millisecond && w.End.Sub(w.Start) < 100*time.Millisecond {
					t.Errorf("window lasted %v, want its 100ms", w.End.Sub(w.Start))
				}
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		c    plan.Chaos
		want string
	}{
		{"bad mina URL", plan.Chaos{Adapters: []plan.ChaosAdapter{{Name: "m", Kind: plan.AdapterMina, URL: "ftp://x"}}}, "mina's base URL"},
		{"http template of another variable", plan.Chaos{Adapters: []plan.ChaosAdapter{{Name: "h", Kind: plan.AdapterHTTP,
			Set: plan.HTTPCall{URL: "http://x/${other}"}}}}, "only ${fault.…}"},
		{"unknown adapter", plan.Chaos{Events: []plan.ChaosEvent{{Name: "f", Adapter: "nope"}}}, `no adapter named "nope"`},
	} {
		if _, err := chaos.Build(tt.c); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err %v, want %q", tt.name, err, tt.want)
		}
	}
}
