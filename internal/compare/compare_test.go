package compare

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/ramp-dev/ramp/internal/verdict"
)

// synth is a run whose per-window statistic stat of key varies around mean by ±spread, over
// n windows, from a seeded source.
func synth(seed uint64, n int, series map[string]map[string][2]float64) *Run {
	r := rand.New(rand.NewPCG(seed, 7))
	run := &Run{Values: map[string]map[string]float64{}, Windows: map[string]map[string][]float64{}}
	for key, st := range series {
		run.Values[key] = map[string]float64{}
		run.Windows[key] = map[string][]float64{}
		for stat, ms := range st {
			var w []float64
			sum := 0.0
			for range n {
				v := ms[0] + ms[1]*(2*r.Float64()-1)
				w = append(w, v)
				sum += v
			}
			run.Windows[key][stat] = w
			run.Values[key][stat] = sum / float64(n)
		}
	}
	return run
}

func TestCompare(t *testing.T) {
	t.Parallel()
	lat := func(p95 float64) map[string][2]float64 {
		return map[string][2]float64{"p(95)": {p95, 0.2}, "med": {p95 / 2, 0.1}}
	}
	rate := func(r float64) map[string][2]float64 { return map[string][2]float64{"rate": {r, 2}} }
	base := func(seed uint64, n int, listP95 float64, rps float64) *Run {
		return synth(seed, n, map[string]map[string][2]float64{
			"http_req_duration":                     lat(2),
			"http_req_duration{name:meetings_list}": lat(listP95),
			"http_req_duration{name:tasks_list}":    lat(2),
			"http_reqs":                             rate(rps),
			"http_req_failed":                       {"rate": {0, 0}},
		})
	}
	budget := func(metric, expr string) Budget {
		b, err := ParseBudget(metric, expr)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	tests := []struct {
		name      string
		base, cur *Run
		budgets   []Budget
		want      verdict.Status
		regressed []string // metric stat
	}{
		// The same distribution twice: nothing moves.
		{"same", base(1, 20, 2, 400), base(2, 20, 2, 400), nil, verdict.Pass, nil},
		// One endpoint's p95 triples: a regression there, by the default budgets, and nowhere else.
		{"one endpoint slower", base(1, 20, 2, 400), base(2, 20, 7, 400), nil, verdict.Fail,
			[]string{"http_req_duration{name:meetings_list} med", "http_req_duration{name:meetings_list} p(95)"}},
		// The same change within an explicit budget of +300% is no regression.
		{"within budget", base(1, 20, 2, 400), base(2, 20, 7, 400),
			[]Budget{budget("http_req_duration{name:meetings_list}", "p(95) < +300%")}, verdict.Pass, nil},
		// Throughput falls by a quarter: "rate > -5%" breaks.
		{"throughput down", base(1, 20, 2, 400), base(2, 20, 2, 300),
			[]Budget{budget("http_reqs", "rate > -5%")}, verdict.Fail, []string{"http_reqs rate"}},
		// A shift of 2.5% is significant over 200 windows but below the 5% minimum.
		{"below minimum change", base(1, 200, 2, 400), base(2, 200, 2.05, 400),
			[]Budget{budget("http_req_duration{name:meetings_list}", "p(95) < +1%")}, verdict.Pass, nil},
		// Beyond the budget, but four windows a run (after trimming) cannot make it
		// significant among a dozen gated rows: unclear, so inconclusive — never a pass.
		{"beyond budget, not significant", base(1, 6, 2, 400), base(2, 6, 7, 400), nil, verdict.Inconclusive, nil},
		// Three windows per run (one after trimming) cannot show anything: inconclusive.
		{"too few windows", base(1, 3, 2, 400), base(2, 3, 7, 400), nil, verdict.Inconclusive, nil},
		// A budget on a metric neither run has: inconclusive, never a pass.
		{"budget without data", base(1, 20, 2, 400), base(2, 20, 2, 400),
			[]Budget{budget("http_req_duration{name:nope}", "p(95) < +10%")}, verdict.Inconclusive, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := Compare([]Pair{{Base: tt.base, Cur: tt.cur}}, Options{Budgets: tt.budgets})
			if res.Verdict.Status != tt.want {
				t.Errorf("verdict %s, want %s: %v", res.Verdict.Status, tt.want, res.Verdict.Reasons)
			}
			var got []string
			for _, r := range res.Regressions() {
				got = append(got, r.Metric+" "+r.Stat)
			}
			if len(got) != len(tt.regressed) {
				t.Fatalf("regressions %v, want %v", got, tt.regressed)
			}
			for i := range got {
				if got[i] != tt.regressed[i] {
					t.Errorf("regressions %v, want %v", got, tt.regressed)
				}
			}
		})
	}
}

// A sub-metric of one request — a setup probe, a teardown read — has too few windows for the
// U test. Nobody stated a budget for it, so the default budgets show it and do not gate it:
// a suite with such steps compares PASS against itself. A stated budget on it still makes
// the comparison inconclusive, and so does the whole metric with too few windows.
func TestDefaultBudgetsSkipThinSubMetrics(t *testing.T) {
	t.Parallel()
	run := func(seed uint64) *Run {
		r := synth(seed, 20, map[string]map[string][2]float64{
			"http_req_duration": {"p(95)": {2, 0.2}, "med": {1, 0.1}},
			"http_reqs":         {"rate": {400, 2}},
		})
		nan := math.NaN()
		r.Windows["http_req_duration{name:probe}"] = map[string][]float64{
			"p(95)": {nan, 5, nan, nan}, "med": {nan, 5, nan, nan}}
		r.Values["http_req_duration{name:probe}"] = map[string]float64{"p(95)": 5, "med": 5}
		return r
	}
	res := Compare([]Pair{{Test: "t", Base: run(1), Cur: run(2)}}, Options{})
	if res.Verdict.Status != verdict.Pass {
		t.Errorf("default budgets: verdict %s, want pass: %v", res.Verdict.Status, res.Verdict.Reasons)
	}
	shown := false
	for _, r := range res.Rows {
		if r.Metric == "http_req_duration{name:probe}" {
			shown = true
			if r.Budget != "" {
				t.Errorf("the probe's %s row is gated by %q", r.Stat, r.Budget)
			}
		}
	}
	if !shown {
		t.Error("the probe's rows are not shown")
	}
	// The whole metric without windows in one run: not compared, so inconclusive.
	bare := run(2)
	delete(bare.Windows, "http_reqs")
	if res := Compare([]Pair{{Test: "t", Base: run(1), Cur: bare}}, Options{}); res.Verdict.Status != verdict.Inconclusive {
		t.Errorf("http_reqs without windows in one run: verdict %s, want inconclusive", res.Verdict.Status)
	}
	b, err := ParseBudget("http_req_duration{name:probe}", "p(95) < +10%")
	if err != nil {
		t.Fatal(err)
	}
	res = Compare([]Pair{{Test: "t", Base: run(1), Cur: run(2)}}, Options{Budgets: []Budget{b}})
	if res.Verdict.Status != verdict.Inconclusive {
		t.Errorf("a stated budget on the probe: verdict %s, want inconclusive", res.Verdict.Status)
	}
}

func TestCompareMissingTest(t *testing.T) {
	t.Parallel()
	run := synth(1, 10, map[string]map[string][2]float64{"http_reqs": {"rate": {100, 1}}})
	res := Compare([]Pair{{Test: "a", Base: run, Cur: run}, {Test: "b", Base: run}}, Options{})
	if res.Verdict.Status != verdict.Inconclusive || len(res.Missing) != 1 {
		t.Fatalf("a test only the baseline has: %s %v", res.Verdict.Status, res.Verdict.Reasons)
	}
}

func TestParseBudget(t *testing.T) {
	t.Parallel()
	tests := []struct {
		metric, expr string
		stat, op     string
		limit        float64
		err          bool
	}{
		{"http_req_duration{name:x}", "p(95) < +10%", "p(95)", "<", 0.10, false},
		{"http_reqs", "rate > -5%", "rate", ">", -0.05, false},
		{"http_req_failed", "rate<=1%", "rate", "<=", 0.01, false},
		// No percent sign: a budget is a change, not a level.
		{"http_reqs", "rate > 100", "", "", 0, true},
		// Equality bounds nothing.
		{"http_reqs", "rate == 5%", "", "", 0, true},
		// A counter has no p95.
		{"http_reqs", "p(95) < 5%", "", "", 0, true},
		// Percentiles compare only those a summary keeps per window.
		{"http_req_duration", "p(42) < 5%", "", "", 0, true},
		{"nope", "rate < 5%", "", "", 0, true},
		{"http_req_duration", "p(95 < 5%", "", "", 0, true},
	}
	for _, tt := range tests {
		b, err := ParseBudget(tt.metric, tt.expr)
		if tt.err {
			if !errors.Is(err, ErrBudget) {
				t.Errorf("%s %q: err = %v, want ErrBudget", tt.metric, tt.expr, err)
			}
			continue
		}
		if err != nil || b.Stat != tt.stat || b.Op != tt.op || math.Abs(b.Limit-tt.limit) > 1e-12 {
			t.Errorf("%s %q: %+v, %v", tt.metric, tt.expr, b, err)
		}
	}
	b, err := ParseBudgetFlag("http_req_duration{name:meetings_list}: p(95) < +10%")
	if err != nil || b.Metric != "http_req_duration{name:meetings_list}" || b.Stat != "p(95)" {
		t.Errorf("flag: %+v %v", b, err)
	}
	if _, err := ParseBudgetFlag("p(95) < +10%"); err == nil {
		t.Error("flag without metric accepted")
	}
}
