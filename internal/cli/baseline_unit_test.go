package cli

import (
	"testing"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// A test's own summary carries the reasons of its own rows and only its own missing side,
// chosen by the test each reason names — "smoke-api: …" is not a reason of test "api".
func TestTestComparisonKeepsItsOwnReasons(t *testing.T) {
	r := &compare.Result{
		Rows:    []compare.Row{{Test: "api"}, {Test: "smoke-api"}},
		Missing: []string{"gone"},
		Verdict: verdict.DecideComparison(verdict.Comparison{Judged: 2,
			Regressions: []verdict.Finding{{Test: "smoke-api", Text: "smoke-api: http_req_duration p(95) +40%"}},
			Unjudged:    []verdict.Finding{{Test: "gone", Text: "test gone: not in the current run"}}}),
	}
	api := testComparison(r, "api")
	if len(api.Rows) != 1 || len(api.Verdict.Reasons) != 0 || len(api.Missing) != 0 {
		t.Errorf("api: %d rows, reasons %v, missing %v; want its one row and nothing else", len(api.Rows), api.Verdict.Reasons, api.Missing)
	}
	if smoke := testComparison(r, "smoke-api"); len(smoke.Verdict.Reasons) != 1 || smoke.Verdict.Status != verdict.Fail {
		t.Errorf("smoke-api: %+v", smoke.Verdict)
	}
	if gone := testComparison(r, "gone"); len(gone.Missing) != 1 || len(gone.Verdict.Reasons) != 1 {
		t.Errorf("gone: missing %v, reasons %v", gone.Missing, gone.Verdict.Reasons)
	}
}
