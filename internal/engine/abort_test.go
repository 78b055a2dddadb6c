package engine

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// abortOnFail is evaluated on k6's cadence from the start of the load: a threshold failing
// from the first request ends the run at the first evaluation, 2 s in — never before it, and
// not a whole period late (the next evaluation would be at 4 s).
func TestAbortOnFailAtTheFirstEvaluation(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusInternalServerError)
	}))
	defer srv.Close()
	p := constantPlan(srv.URL, 20, 30*time.Second, plan.Threshold{Metric: "http_req_failed",
		Rules: []plan.ThresholdRule{{Expression: "rate<0.01", AbortOnFail: true}}})
	res, err := Run(context.Background(), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(res.Aborted, "abortOnFail") {
		t.Fatalf("not aborted: %q", res.Aborted)
	}
	if d := res.LoadDuration; d < 2*time.Second || d >= 4*time.Second {
		t.Errorf("aborted after %v of load, want at the first evaluation, 2 s in", d)
	}
}
