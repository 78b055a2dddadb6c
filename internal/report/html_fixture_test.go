package report

import (
	"math"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/verdict"
)

// minaSuite is a realistic suite of the four bundled Mina tests, as `ramp suite` would write
// it: 60 intervals of 5 s each, one failing test (api_write_load: p95 over its SLO, timeouts
// and 503s, dropped iterations). The figures come from a seeded generator, so every run of the
// tests sees the same suite.
func minaSuite() *Suite {
	r := rand.New(rand.NewPCG(7, 42))
	read := readLoad(r)
	write := writeLoad(r)
	mixed := mixedWorkload(r)
	slo := sloVerification(r)
	tests := []SuiteTest{
		{Name: "api_read_load", File: "suite/01-api-read-load.yaml", SummaryFile: "api_read_load.json", Pass: read.Pass, Summary: read},
		{Name: "api_write_load", File: "suite/02-api-write-load.yaml", SummaryFile: "api_write_load.json", Pass: write.Pass, Summary: write},
		{Name: "mixed_workload", File: "suite/03-mixed-workload.yaml", SummaryFile: "mixed_workload.json", Pass: mixed.Pass, Summary: mixed},
		{Name: "slo_verification", File: "suite/04-slo-verification.yaml", SummaryFile: "slo_verification.json", Pass: slo.Pass, Summary: slo},
	}
	for i := range tests {
		tests[i].Verdict = tests[i].Summary.Verdict
	}
	return NewSuite("2026-11-26T20:00:00Z", "http://127.0.0.1:41873", true, true, false, combine(tests), tests)
}

const fixturePoints, fixtureInterval = 60, 5.0

// shape describes one test's load over its 60 intervals.
type shape struct {
	// target is the intended iteration rate (open=false for closed models, whose "rate" is
	// only the requests they happen to send); perIteration the requests one iteration sends
	// (1 when zero).
	target       func(i int) (rate float64, open bool)
	perIteration float64
	vus          func(i int) float64
	latency      func(rate float64) (p50, p95, p99 float64) // ms at a given request rate
	errorRate    func(i int) float64
}

// fixtureSeries draws the per-interval figures of a shape with some noise.
func fixtureSeries(r *rand.Rand, sh shape) *Series {
	s := &Series{IntervalSeconds: fixtureInterval}
	noise := func(v, share float64) float64 { return v * (1 + share*(r.Float64()*2-1)) }
	for i := range fixturePoints {
		s.T = append(s.T, float64(i)*fixtureInterval)
		rate, open := sh.target(i)
		per := max(sh.perIteration, 1)
		iters := round(noise(rate, 0.03), 2)
		rps := round(iters*per, 2)
		if open {
			s.TargetRPS = append(s.TargetRPS, fp(rate))
			s.IterationsPS = append(s.IterationsPS, fp(iters))
		} else {
			s.TargetRPS = append(s.TargetRPS, nil)
			s.IterationsPS = append(s.IterationsPS, nil)
		}
		s.RPS = append(s.RPS, rps)
		p50, p95, p99 := sh.latency(rps)
		s.P50 = append(s.P50, fp(round(noise(p50, 0.08), 3)))
		s.P95 = append(s.P95, fp(round(noise(p95, 0.1), 3)))
		s.P99 = append(s.P99, fp(round(noise(p99, 0.15), 3)))
		s.Errors = append(s.Errors, math.Round(rps*fixtureInterval*sh.errorRate(i)))
		s.VUs = append(s.VUs, math.Round(sh.vus(i)))
	}
	s.P99[0] = nil // the first interval had too few requests for a p99: a gap in the line
	return s
}

// fixtureDistribution spreads total requests over the percentile edges of a log-normal
// latency distribution with the given median and shape, its slowest request at max.
func fixtureDistribution(total int64, median, sigma, max float64) []Bucket {
	edge := func(q float64) float64 {
		if q >= 100 {
			return max
		}
		p := math.Max(q/100, 0.0005)
		return round(median*math.Exp(sigma*math.Sqrt2*math.Erfinv(2*p-1)), 3)
	}
	var out []Bucket
	for i := 1; i < len(distributionQuantiles); i++ {
		lo, hi := distributionQuantiles[i-1], distributionQuantiles[i]
		out = append(out, Bucket{FromMs: edge(lo), ToMs: edge(hi), Count: int64(math.Round(float64(total) * (hi - lo) / 100))})
	}
	return out
}

// fixtureSummary fills the headline figures from a series.
func fixtureSummary(testType string, se *Series, file string) *Summary {
	s := &Summary{Timestamp: "2026-11-26T20:00:00Z", TestType: testType, DurationSeconds: fixturePoints * fixtureInterval,
		File: file, Series: se, Notes: []string{}, Load: Load{Delivered: true},
		Generator:    Generator{ScheduleLagP99Ms: 0.41, ScheduleLagMaxMs: 2.3, CPUMaxPercent: 38},
		MetricValues: map[string]map[string]float64{}}
	var reqs, errs float64
	var p50s, p95s, p99s []float64
	for i := range se.T {
		reqs += se.RPS[i] * fixtureInterval
		errs += se.Errors[i]
		if se.P99[i] != nil {
			p99s = append(p99s, *se.P99[i])
		}
		p50s, p95s = append(p50s, *se.P50[i]), append(p95s, *se.P95[i])
	}
	s.Metrics.RequestsTotal = int64(reqs)
	s.Metrics.RequestsPerSecond = round(reqs/s.DurationSeconds, 2)
	s.Metrics.ErrorRate = round(errs/reqs, 6)
	rt := &s.Metrics.ResponseTimes
	rt.P50, rt.P95, rt.P99 = round(mean(p50s), 3), round(maxOf(p95s)*0.85, 3), round(maxOf(p99s)*0.9, 3)
	rt.Avg, rt.Min, rt.Max = round(rt.P50*1.2, 3), 1.8, round(rt.P99*2.4, 3)
	s.MetricValues["http_req_duration"] = map[string]float64{"avg": rt.Avg, "med": rt.P50, "p(95)": rt.P95, "p(99)": rt.P99, "max": rt.Max}
	s.MetricValues["http_reqs"] = map[string]float64{"count": reqs, "rate": s.Metrics.RequestsPerSecond}
	return s
}

func mean(v []float64) float64 {
	sum := 0.0
	for _, x := range v {
		sum += x
	}
	return sum / float64(len(v))
}

// stage returns the value of the stage that interval i falls in: stages of equal length.
func stage(i int, values ...float64) float64 { return values[i*len(values)/fixturePoints] }

// thr builds one threshold result, passing when pass says so, with the parts of its
// expression ("p(95)<800") as a run's summary carries them.
func thr(metric, expr string, observed float64, pass bool) ThresholdResult {
	i := strings.IndexAny(expr, "<>=!")
	j := i + strings.IndexFunc(expr[i:], func(r rune) bool { return !strings.ContainsRune("<>=!", r) })
	limit, _ := strconv.ParseFloat(expr[j:], 64)
	unit := "ms"
	switch {
	case strings.HasPrefix(metric, "http_reqs"):
		unit = "/s"
	case strings.HasPrefix(expr, "rate"):
		unit = "%"
	}
	status := map[bool]string{true: "pass", false: "fail"}[pass]
	return ThresholdResult{Metric: metric, Expression: expr, Observed: fp(observed), Pass: pass, Status: status,
		Aggregation: expr[:i], Op: expr[i:j], Limit: limit, Unit: unit}
}

func seedSLO(s *Summary, p50, p95, p99, errRate float64) {
	rt := s.Metrics.ResponseTimes
	s.SLOLines = map[string]float64{"p50": p50, "p95": p95, "p99": p99}
	s.Thresholds = []ThresholdResult{
		thr("http_req_duration", "p(50)<"+strconv.FormatFloat(p50, 'g', -1, 64), rt.P50, rt.P50 < p50),
		thr("http_req_duration", "p(95)<"+strconv.FormatFloat(p95, 'g', -1, 64), rt.P95, rt.P95 < p95),
		thr("http_req_duration", "p(99)<"+strconv.FormatFloat(p99, 'g', -1, 64), rt.P99, rt.P99 < p99),
		thr("http_req_failed", "rate<"+strconv.FormatFloat(errRate, 'g', -1, 64), s.Metrics.ErrorRate, s.Metrics.ErrorRate < errRate),
	}
	c := &s.Metrics.SLOCompliance
	c.P50Met, c.P95Met, c.P99Met, c.ErrorRateMet = bp(rt.P50 < p50), bp(rt.P95 < p95), bp(rt.P99 < p99), bp(s.Metrics.ErrorRate < errRate)
	s.SLO = SLOTargets{Metric: "http_req_duration", P50Ms: fp(p50), P95Ms: fp(p95), P99Ms: fp(p99), ErrorRate: fp(errRate)}
}

func bp(b bool) *bool { return &b }

// verdictOf gives a hand-built summary the verdict a run of it would have: fail for a failed
// threshold or criterion, inconclusive for dropped load, else pass.
func verdictOf(s *Summary) *Summary {
	s.Verdict, s.VerdictReasons = "pass", []verdict.Reason{}
	add := func(st verdict.Status, text string) {
		s.VerdictReasons = append(s.VerdictReasons, verdict.Reason{Status: st, Text: text})
		if st == verdict.Fail || s.Verdict == "pass" {
			s.Verdict = string(st)
		}
	}
	for _, t := range s.Thresholds {
		if t.Status == "fail" {
			add(verdict.Fail, "threshold "+t.Metric+" "+t.Expression+" failed")
		}
	}
	for _, c := range s.Criteria {
		if c.Result == "fail" {
			add(verdict.Fail, "criterion "+strconv.Quote(c.Name)+" failed")
		}
	}
	if !s.Load.Delivered {
		add(verdict.Inconclusive, "intended load not delivered")
	}
	s.Pass = s.Verdict == "pass"
	return s
}

func monitorSeries(name, unit string, f func(i int) float64) MonitorSeries {
	m := MonitorSeries{Name: name, Unit: unit}
	for i := range fixturePoints {
		m.T = append(m.T, float64(i)*fixtureInterval)
		m.V = append(m.V, fp(round(f(i), 4)))
	}
	return m
}

func readLoad(r *rand.Rand) *Summary {
	se := fixtureSeries(r, shape{
		target: func(i int) (float64, bool) { return stage(i, 1, 100, 400, 1000), true },
		vus:    func(i int) float64 { return stage(i, 1, 12, 45, 130) },
		latency: func(rate float64) (float64, float64, float64) {
			return 18 + rate*0.02, 60 + rate*0.2, 140 + rate*0.45
		},
		errorRate: func(int) float64 { return 0 },
	})
	s := fixtureSummary("load", se, "suite/01-api-read-load.yaml")
	seedSLO(s, 300, 800, 1500, 0.0005)
	s.Distribution = fixtureDistribution(s.Metrics.RequestsTotal, 24, 0.55, 1480)
	s.Criteria = []CriterionResult{
		{Name: "no database connection exhaustion", Rule: "postgres.connections < 0.9 * max_connections", Observed: fp(23), Result: "pass"},
		{Name: "memory stable", Rule: "mina.rss_bytes growth < 500MB", Observed: fp(61e6), Unit: "bytes", Result: "pass"},
	}
	s.Monitors = []MonitorSeries{
		monitorSeries("mina.rss_bytes", "bytes", func(i int) float64 { return 84e6 + float64(i)*1.0e6 + r.Float64()*3e6 }),
		monitorSeries("postgres.connections", "count", func(i int) float64 { return stage(i, 4, 8, 14, 23) }),
		// A hit rate near 100%: its axis must stop at 100%, not run on to 150%.
		monitorSeries("redis.hit_ratio", "ratio", func(i int) float64 { return math.Min(1, 0.97+0.04*r.Float64()) }),
		monitorSeries("app.cache_hits_per_second", "per_second", func(i int) float64 { return stage(i, 1, 90, 380, 950) * (0.95 + 0.05*r.Float64()) }),
	}
	s.Endpoints = []EndpointResult{
		{Name: "meetings_list", Requests: 41230, RPS: 137.4, P50: 21.2, P95: 88.1, P99: 160.3},
		{Name: "meeting", Requests: 30211, RPS: 100.7, P50: 17.9, P95: 71.5, P99: 131.9},
		{Name: "dashboard", Requests: 20400, RPS: 68, P50: 30.2, P95: 190.4, P99: 402.2, Errors: 3, ErrorRate: 0.000147},
		{Name: "https://127.0.0.1:41873/api/v1/analytics/trends?from=2026-01-01T00:00:00Z&to=2026-12-31T23:59:59Z&granularity=day", Requests: 10022, RPS: 33.4, P50: 41, P95: 220.9, P99: 480},
	}
	s.Checks = []CheckResult{{Name: "status is 200", Passes: 101860, Fails: 3}, {Name: "body has a list of meetings", Passes: 41230}}
	s.Phases = []PhaseResult{
		{Phase: "blocked", Avg: 0.004, P50: 0.001, P95: 0.002, P99: 0.01, Max: 3.1},
		{Phase: "connecting", Avg: 0.002, P50: 0, P95: 0, P99: 0.004, Max: 1.2},
		{Phase: "sending", Avg: 0.021, P50: 0.018, P95: 0.04, P99: 0.07, Max: 1.9},
		{Phase: "waiting", Avg: 27.4, P50: 21.3, P95: 91.2, P99: 171, Max: 1470},
		{Phase: "receiving", Avg: 0.09, P50: 0.06, P95: 0.2, P99: 0.5, Max: 12.4},
	}
	for _, name := range []string{"meetings_list", "meeting", "dashboard", "trends", "tasks_pending"} {
		s.MetricValues["http_req_duration{name:"+name+"}"] = map[string]float64{"p(95)": round(80+r.Float64()*200, 3)}
	}
	return verdictOf(s)
}

func writeLoad(r *rand.Rand) *Summary {
	se := fixtureSeries(r, shape{
		// Five writes per iteration: 30 iterations/s at capacity are 150 requests/s.
		target:       func(i int) (float64, bool) { return stage(i, 1, 4, 12, 30), true },
		perIteration: 5,
		vus:          func(i int) float64 { return stage(i, 2, 20, 80, 200) },
		latency: func(rate float64) (float64, float64, float64) {
			return 40 + rate*2, 150 + rate*8.5, 300 + rate*14
		},
		errorRate: func(i int) float64 { return stage(i, 0, 0, 0.001, 0.012) },
	})
	// At capacity the executor ran out of VUs: the delivered rate falls short of the target.
	for i := 45; i < fixturePoints; i++ {
		se.RPS[i] = round(se.RPS[i]*0.93, 2)
		se.IterationsPS[i] = fp(round(*se.IterationsPS[i]*0.93, 2))
	}
	s := fixtureSummary("load", se, "suite/02-api-write-load.yaml")
	seedSLO(s, 500, 1200, 2000, 0.0005)
	s.Distribution = fixtureDistribution(s.Metrics.RequestsTotal, 160, 0.6, 5200)
	s.ErrorCodes = map[string]int64{"1050": 123, "status 503": 40}
	s.Load = Load{IterationsScheduled: 19875, IterationsDropped: 412, DroppedShare: 0.020730, Delivered: false}
	s.Notes = append(s.Notes, "intended load not delivered: 412 of 19875 scheduled iterations dropped (2.07%) — no VU was free; raise maxVUs or lower the rate")
	s.MetricValues["iteration_duration"] = map[string]float64{"avg": 980, "p(95)": 1900}
	s.Criteria = []CriterionResult{
		{Name: "no deadlocks", Rule: "postgres.deadlocks == 0", Observed: fp(0), Result: "pass"},
		{Name: "throughput at capacity", Rule: "http_reqs rate >= 150 for 30s", Observed: fp(139.4), Result: "fail", FirstBrokenAt: fp(228), Detail: "below 150/s for 75 s"},
	}
	for _, name := range []string{"create_meeting", "update_meeting", "create_task", "update_task", "delete_task"} {
		s.MetricValues["http_req_duration{name:"+name+"}"] = map[string]float64{"p(95)": round(600+r.Float64()*400, 3)}
	}
	s.MetricValues["http_req_duration{name:create_meeting}"]["p(95)"] = 1840.5
	s.Monitors = []MonitorSeries{
		monitorSeries("mina.rss_bytes", "bytes", func(i int) float64 { return 90e6 + float64(i)*2.6e6 }),
		{Name: "postgres.connections", Unit: "count", Error: "dial tcp 127.0.0.1:5432: connect: connection refused"},
	}
	return verdictOf(s)
}

func mixedWorkload(r *rand.Rand) *Summary {
	se := fixtureSeries(r, shape{
		target: func(i int) (float64, bool) { return stage(i, 20, 45, 60, 90, 120, 30), false },
		vus:    func(i int) float64 { return stage(i, 10, 50, 100, 150, 300, 50) },
		latency: func(rate float64) (float64, float64, float64) {
			return 60 + rate*1.1, 340 + rate*4.2, 700 + rate*6
		},
		errorRate: func(int) float64 { return 0 },
	})
	s := fixtureSummary("journey", se, "suite/03-mixed-workload.yaml")
	s.Metrics.ResponseTimes.P95 = 931.2
	s.SLOLines = map[string]float64{"p95": 1000}
	s.Thresholds = []ThresholdResult{thr("http_req_duration", "p(95)<1000", 931.2, true)}
	s.Distribution = fixtureDistribution(s.Metrics.RequestsTotal, 110, 0.5, 2900)
	s.Criteria = []CriterionResult{
		{Name: "session success rate", Rule: "sessions rate > 0.95", Observed: fp(0.991), Result: "pass"},
		{Name: "average session duration", Rule: "session_duration avg < 10s", Observed: fp(8.7), Result: "warn", Detail: "within 15% of the limit"},
	}
	return verdictOf(s)
}

func sloVerification(r *rand.Rand) *Summary {
	se := fixtureSeries(r, shape{
		target: func(int) (float64, bool) { return 410, true },
		vus:    func(i int) float64 { return 38 + float64(i%3) },
		// Sub-millisecond, as mina on loopback: far below SLOs of 300/800/1500 ms, which
		// must not flatten these lines onto zero.
		latency:   func(rate float64) (float64, float64, float64) { return 0.32, 0.81, 1.9 },
		errorRate: func(int) float64 { return 0 },
	})
	s := fixtureSummary("slo", se, "suite/04-slo-verification.yaml")
	seedSLO(s, 300, 800, 1500, 0.0005)
	s.Distribution = fixtureDistribution(s.Metrics.RequestsTotal, 22, 0.5, 880)
	s.Thresholds = append(s.Thresholds,
		thr("checks", "rate>0.9995", 1, true),
		thr("http_req_duration{type:static}", "p(50)<200", 8.1, true),
		thr("http_req_duration{type:static}", "p(95)<500", 24.6, true),
		thr("http_req_duration{type:static}", "p(99)<1000", 61.2, true),
		thr("http_reqs", "rate>=400", s.Metrics.RequestsPerSecond, s.Metrics.RequestsPerSecond >= 400))
	s.Criteria = []CriterionResult{
		{Name: "SLO violations", Rule: "count(p95 > 800ms per 5s) < 100", Observed: fp(0), Result: "pass"},
		{Name: "p99 violations", Rule: "count(p99 > 1500ms per 5s) < 10", Observed: fp(0), Result: "pass"},
	}
	return verdictOf(s)
}
