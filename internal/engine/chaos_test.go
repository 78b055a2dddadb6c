package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// faultyServer answers "/" at once, or 150 ms late while its fault is on; the fault is set
// and cleared through a fault API shaped like mina's (PUT/DELETE /admin/faults/{name}).
func faultyServer(t *testing.T, token string) *httptest.Server {
	t.Helper()
	var on atomic.Bool
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if on.Load() {
			time.Sleep(150 * time.Millisecond)
		}
		w.Write([]byte("ok\n"))
	})
	auth := func(h func(w http.ResponseWriter)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			if r.Header.Get("Authorization") != "Bearer "+token {
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			h(w)
		}
	}
	mux.HandleFunc("PUT /admin/faults/{name}", auth(func(w http.ResponseWriter) { on.Store(true) }))
	mux.HandleFunc("DELETE /admin/faults/{name}", auth(func(w http.ResponseWriter) { on.Store(false); w.WriteHeader(http.StatusNoContent) }))
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// A chaos timeline is applied during the load and recorded in the Result; the resilience
// criteria judge the windows; a fault the target refuses makes the run inconclusive.
func TestRunChaos(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, token string
		want        verdict.Status
	}{
		{"applied", "secret", verdict.Fail}, // during_faults <50ms is broken by the 150 ms fault
		{"refused", "wrong", verdict.Inconclusive},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := faultyServer(t, "secret")
			p := constantPlan(srv.URL, 20, 1500*time.Millisecond)
			p.TimeScale = 0.1 // series of 100 ms, so that the windows below can be judged
			p.Chaos = plan.Chaos{
				Adapters: []plan.ChaosAdapter{{Name: "m", Kind: plan.AdapterMina, URL: srv.URL, Token: tc.token}},
				Events:   []plan.ChaosEvent{{Name: "slow", At: 300 * time.Millisecond, For: 500 * time.Millisecond, Adapter: "m", Fault: map[string]any{"latency": "150ms"}}},
			}
			p.Criteria = []plan.Criterion{
				{Name: "during", Rule: criteria.RuleDuringFaults, Severity: "fail", Metric: "http_req_duration", Method: "p", Arg: 95, Cond: plan.Condition{Op: "<", Value: 50}},
				{Name: "recovery", Rule: criteria.RuleRecovery, Severity: "fail", Metric: "http_req_duration", Method: "p", Arg: 95,
					Window: 100 * time.Millisecond, Cond: plan.Condition{Op: "<", Value: 50}, Within: 400 * time.Millisecond},
			}
			res, err := Run(context.Background(), p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Faults) != 1 {
				t.Fatalf("faults %+v", res.Faults)
			}
			w := res.Faults[0]
			if res.Verdict.Status != tc.want {
				t.Fatalf("verdict %+v, want %s (fault %+v, criteria %+v)", res.Verdict, tc.want, w, res.Criteria)
			}
			if tc.token != "secret" {
				if w.Applied() || !strings.Contains(w.Error, "401") || res.Criteria[0].Result != criteria.ResultNoData {
					t.Fatalf("refused fault %+v, criteria %+v: want not applied, no data", w, res.Criteria)
				}
				return
			}
			if !w.Applied() || w.Start.Sub(res.LoadStart) < 300*time.Millisecond || w.End.Sub(w.Start) < 500*time.Millisecond {
				t.Fatalf("window %v–%v after the load's start, want from 300ms for 500ms", w.Start.Sub(res.LoadStart), w.End.Sub(res.LoadStart))
			}
			if d, r := res.Criteria[0], res.Criteria[1]; d.Result != criteria.ResultFail || d.Observed < 150 || r.Result != criteria.ResultPass {
				t.Fatalf("criteria %+v: want the fault's latency seen during it, and recovery after", res.Criteria)
			}
		})
	}
}
