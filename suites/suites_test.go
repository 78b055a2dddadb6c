package suites_test

import (
	"io/fs"
	"math"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/tmpl"
	"github.com/ramp-dev/ramp/suites"
)

// compile compiles one bundled file as `ramp suite` does.
func compile(t *testing.T, name string) *plan.Plan {
	t.Helper()
	src, err := fs.ReadFile(suites.Mina(), name)
	if err != nil {
		t.Fatal(err)
	}
	tokens, _ := filepath.Abs("testdata/tokens.csv")
	p, err := scenario.Compile(filepath.Join("mina", name), src,
		map[string]string{"TOKENS_CSV": tokens, "BASE_URL": "http://127.0.0.1:5000"},
		func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return p
}

// arrival is one arrival-rate stage of the strategy: when it starts, how long, how fast.
type arrival struct {
	start, duration time.Duration
	perSecond       float64
}

func arrivals(p *plan.Plan) []arrival {
	var out []arrival
	for _, sc := range p.Scenarios {
		if sc.Executor != plan.ConstantArrivalRate {
			continue
		}
		out = append(out, arrival{sc.StartTime, sc.Duration, float64(sc.Rate) / sc.TimeUnit.Seconds()})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// thresholds flattens a plan's thresholds to "metric expression" strings.
func thresholds(p *plan.Plan) []string {
	var out []string
	for _, th := range p.Thresholds {
		for _, r := range th.Rules {
			out = append(out, th.Metric+" "+r.Expression)
		}
	}
	sort.Strings(out)
	return out
}

// perIteration returns how many requests one iteration of steps sends on average, by the value
// of a request tag: a pick contributes each branch's requests times the branch's share of the
// weights, so the result is the mix the flow produces by construction, over any number of
// iterations. Requests without the tag count under "".
func perIteration(steps []plan.Step, tag string) map[string]float64 {
	out := map[string]float64{}
	add := func(m map[string]float64, f float64) {
		for k, v := range m {
			out[k] += v * f
		}
	}
	for _, st := range steps {
		switch st.Kind {
		case plan.StepRequest:
			out[st.Request.Tags[tag]]++
		case plan.StepGroup:
			add(perIteration(st.Group.Steps, tag), 1)
		case plan.StepPick:
			total := 0.0
			for _, c := range st.Pick {
				total += c.Weight
			}
			for _, c := range st.Pick {
				add(perIteration(c.Steps, tag), c.Weight/total)
			}
		}
	}
	return out
}

// shares turns per-iteration request counts into percentages of all requests.
func shares(counts map[string]float64) map[string]float64 {
	total := sum(counts)
	out := map[string]float64{}
	for k, v := range counts {
		out[k] = 100 * v / total
	}
	return out
}

// sum adds up per-iteration counts: requests per iteration.
func sum(counts map[string]float64) float64 {
	total := 0.0
	for _, v := range counts {
		total += v
	}
	return total
}

// hasPick reports whether steps choose anything at random.
func hasPick(steps []plan.Step) bool {
	for _, st := range steps {
		if st.Kind == plan.StepPick || st.Kind == plan.StepGroup && hasPick(st.Group.Steps) {
			return true
		}
	}
	return false
}

// requests lists every request of steps, in every branch of every pick.
func requests(steps []plan.Step) []*plan.Request {
	var out []*plan.Request
	for _, st := range steps {
		switch st.Kind {
		case plan.StepRequest:
			out = append(out, st.Request)
		case plan.StepGroup:
			out = append(out, requests(st.Group.Steps)...)
		case plan.StepPick:
			for _, c := range st.Pick {
				out = append(out, requests(c.Steps)...)
			}
		}
	}
	return out
}

// uncaptured returns the variables a request's URL reads that no earlier request of the same
// sequence (path) captured from a POST response: for a delete, an id it did not create.
func uncaptured(t *testing.T, path []*plan.Request, r *plan.Request) []string {
	t.Helper()
	tm, err := tmpl.Parse(string(r.URL))
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, ref := range tm.Refs() {
		if ref.Name == "" || ref.Name == "BASE_URL" {
			continue
		}
		found := false
		for _, prev := range path {
			for _, c := range prev.Capture {
				found = found || (prev.Method == "POST" && c.Var == ref.Name)
			}
		}
		if !found {
			missing = append(missing, ref.Name)
		}
	}
	return missing
}

// sequences calls fn with each request and the requests that surely ran before it in the same
// iteration (a pick's branches are separate sequences; what follows a pick cannot rely on it).
func sequences(steps []plan.Step, before []*plan.Request, fn func(before []*plan.Request, r *plan.Request)) []*plan.Request {
	for _, st := range steps {
		switch st.Kind {
		case plan.StepRequest:
			fn(before, st.Request)
			before = append(before[:len(before):len(before)], st.Request)
		case plan.StepGroup:
			before = sequences(st.Group.Steps, before, fn)
		case plan.StepPick:
			for _, c := range st.Pick {
				sequences(c.Steps, before[:len(before):len(before)], fn)
			}
		}
	}
	return before
}

func urls(steps []plan.Step) []string {
	var out []string
	for _, st := range steps {
		switch st.Kind {
		case plan.StepRequest:
			out = append(out, st.Request.Method+" "+strings.TrimPrefix(string(st.Request.URL), "http://127.0.0.1:5000"))
		case plan.StepGroup:
			out = append(out, urls(st.Group.Steps)...)
		case plan.StepPick:
			for _, c := range st.Pick {
				out = append(out, urls(c.Steps)...)
			}
		}
	}
	return out
}

func has(list []string, want ...string) []string {
	var missing []string
	for _, w := range want {
		found := false
		for _, l := range list {
			if l == w {
				found = true
			}
		}
		if !found {
			missing = append(missing, w)
		}
	}
	return missing
}

const s, m = time.Second, time.Minute

// Test 1 of the strategy: smoke 30 s at 1 VU, normal 5 m at 100 RPS, peak 5 m at 400 RPS,
// capacity 3 m at 1000 RPS; five read endpoints; API read SLOs and error rate. The rates are
// requests per second: iterations per second times requests per iteration, which must not
// vary (no pick), so that the request rate is exact, not only on average.
func TestReadLoadMatchesStrategy(t *testing.T) {
	p := compile(t, "01-api-read-load.yaml")
	steps := p.Flows["read"].Steps
	if hasPick(steps) {
		t.Fatal("the read flow picks: requests per iteration would vary, and so would the request rate")
	}
	perIter := sum(perIteration(steps, "type"))
	var got []arrival
	for _, a := range arrivals(p) {
		a.perSecond *= perIter
		got = append(got, a)
	}
	want := []arrival{{0, 30 * s, 1}, {30 * s, 5 * m, 100}, {5*m + 30*s, 5 * m, 400}, {10*m + 30*s, 3 * m, 1000}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("request rates %+v (%v requests per iteration), want %+v", got, perIter, want)
	}
	if sm := p.Scenarios[indexOf(p, "smoke")]; sm.PreAllocatedVUs != 1 || sm.MaxVUs != 1 {
		t.Errorf("smoke uses %d to %d VUs, want 1", sm.PreAllocatedVUs, sm.MaxVUs)
	}
	// Each of the five endpoints once per iteration: a fifth of the load each.
	gotURLs := urls(steps)
	sort.Strings(gotURLs)
	wantURLs := []string{"GET /api/analytics/dashboard", "GET /api/analytics/trends", "GET /api/meetings",
		"GET /api/meetings/${meeting_id}", "GET /api/tasks"}
	if !reflect.DeepEqual(gotURLs, wantURLs) {
		t.Errorf("requests per iteration %v, want each of %v once", gotURLs, wantURLs)
	}
	// The detail reads a meeting of the iteration's own user: an id its list just returned.
	for _, r := range requests(steps) {
		if r.Name == "meeting_detail" && !capturedEarlier(steps, r, "meeting_id") {
			t.Errorf("meeting_detail does not read the id the meetings list captured")
		}
	}
	wantTh := []string{
		"checks rate>0.9995", "http_req_duration{type:api_read} p(50)<300", "http_req_duration{type:api_read} p(95)<800",
		"http_req_duration{type:api_read} p(99)<1500", "http_req_failed rate<0.0005",
	}
	if got := thresholds(p); !reflect.DeepEqual(got, wantTh) {
		t.Errorf("thresholds %v, want %v", got, wantTh)
	}
	if total := totalLength(p); total != 13*m+30*s {
		t.Errorf("length %v, want 13m30s", total)
	}
}

// capturedEarlier reports whether a request before r in steps captures variable v.
func capturedEarlier(steps []plan.Step, r *plan.Request, v string) bool {
	for _, prev := range requests(steps) {
		if prev == r {
			return false
		}
		for _, c := range prev.Capture {
			if c.Var == v {
				return true
			}
		}
	}
	return false
}

// Test 2: smoke 30 s, normal 3 m at 20 writes/s, peak 3 m at 60, capacity 2 m at 150; five
// write endpoints; API write SLOs.
func TestWriteLoadMatchesStrategy(t *testing.T) {
	p := compile(t, "02-api-write-load.yaml")
	writes := len(urls(p.Flows["write"].Steps)) // writes per iteration
	if writes != 5 {
		t.Fatalf("%d writes per iteration, want 5", writes)
	}
	var got []arrival
	for _, a := range arrivals(p) {
		a.perSecond *= float64(writes)
		got = append(got, a)
	}
	want := []arrival{{0, 30 * s, 5}, {30 * s, 3 * m, 20}, {3*m + 30*s, 3 * m, 60}, {6*m + 30*s, 2 * m, 150}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("write rates %+v, want %+v", got, want)
	}
	if missing := has(urls(p.Flows["write"].Steps), "POST /api/meetings", "PUT /api/meetings/${meeting_id}",
		"POST /api/tasks", "PUT /api/tasks/${task_id}", "DELETE /api/tasks/${task_id}"); missing != nil {
		t.Errorf("endpoints missing: %v", missing)
	}
	wantTh := []string{
		"checks rate>0.9995", "http_req_duration{type:api_write} p(50)<500", "http_req_duration{type:api_write} p(95)<1200",
		"http_req_duration{type:api_write} p(99)<2000", "http_req_failed rate<0.0005",
	}
	if got := thresholds(p); !reflect.DeepEqual(got, wantTh) {
		t.Errorf("thresholds %v, want %v", got, wantTh)
	}
	if p.Teardown == nil {
		t.Error("no teardown checking the data after the writes")
	}
}

// Test 3: ramping VUs 10→50 (2m), 50 (5m), →150 (2m), 150 (5m), →300 (2m), 300 (3m), →50
// (2m); the seven-step journey with its think times; every request tagged with its operation;
// deletes only of what the session created; session SLOs.
func TestMixedWorkloadMatchesStrategy(t *testing.T) {
	p := compile(t, "03-mixed-workload.yaml")
	sc := p.Scenarios[0]
	if sc.Executor != plan.RampingVUs || sc.StartVUs != 10 {
		t.Fatalf("scenario %+v", sc)
	}
	want := []plan.Stage{{Duration: 2 * m, Target: 50}, {Duration: 5 * m, Target: 50}, {Duration: 2 * m, Target: 150}, {Duration: 5 * m, Target: 150}, {Duration: 2 * m, Target: 300}, {Duration: 3 * m, Target: 300}, {Duration: 2 * m, Target: 50}}
	if !reflect.DeepEqual(sc.Stages, want) {
		t.Errorf("stages %+v, want %+v", sc.Stages, want)
	}
	steps := p.Flows["session"].Steps
	// The journey: seven steps in order, each viewing its page first, with a think after each
	// but the last (health check, instant).
	var journey []string
	var thinks []plan.Think
	for _, st := range steps {
		switch st.Kind {
		case plan.StepGroup:
			first := st.Group.Steps[0]
			if first.Kind != plan.StepRequest {
				t.Fatalf("step %s does not start with its view", st.Group.Name)
			}
			journey = append(journey, first.Request.Method+" "+strings.TrimPrefix(string(first.Request.URL), "http://127.0.0.1:5000"))
		case plan.StepThink:
			thinks = append(thinks, *st.Think)
		default:
			t.Errorf("line %d: a journey step outside the seven groups", st.Line)
		}
	}
	wantJourney := []string{"GET /dashboard", "GET /api/meetings", "GET /api/analytics/dashboard",
		"GET /api/analytics/trends", "GET /api/tasks", "GET /settings", "GET /health"}
	if !reflect.DeepEqual(journey, wantJourney) {
		t.Errorf("journey %v, want %v", journey, wantJourney)
	}
	wantThinks := []plan.Think{{Min: 1 * s, Max: 3 * s}, {Min: 500 * time.Millisecond, Max: 2 * s}, {Min: 1 * s, Max: 3 * s},
		{Min: 800 * time.Millisecond, Max: 2 * s}, {Min: 500 * time.Millisecond, Max: 1500 * time.Millisecond}, {Min: 500 * time.Millisecond, Max: 1500 * time.Millisecond}}
	if !reflect.DeepEqual(thinks, wantThinks) {
		t.Errorf("think times %+v, want %+v", thinks, wantThinks)
	}
	if last := steps[len(steps)-1]; last.Kind != plan.StepGroup {
		t.Error("the session does not end with the health check")
	}
	// Every request says what it does, and says it truly: GETs read, POST and PUT write,
	// DELETE deletes — so a run's op tags measure the mix.
	wantOp := map[string]string{"GET": "read", "POST": "write", "PUT": "write", "DELETE": "delete"}
	for _, r := range requests(steps) {
		if op := r.Tags["op"]; op != wantOp[r.Method] {
			t.Errorf("%s %s (line %d) is tagged op:%q, want %q", r.Method, r.URL, r.Line, op, wantOp[r.Method])
		}
	}
	// A delete removes only what the same sequence created: its id captured from a POST.
	deletes := 0
	sequences(steps, nil, func(before []*plan.Request, r *plan.Request) {
		if r.Method != "DELETE" {
			return
		}
		deletes++
		if missing := uncaptured(t, before, r); missing != nil {
			t.Errorf("DELETE %s (line %d) uses %v, which no earlier POST of its sequence captured", r.URL, r.Line, missing)
		}
	})
	if deletes == 0 {
		t.Error("no delete in the session")
	}
	wantTh := []string{"http_req_duration p(95)<1000", "http_req_failed rate<0.0005", "session_duration avg<10000", "session_ok rate>0.95"}
	if got := thresholds(p); !reflect.DeepEqual(got, wantTh) {
		t.Errorf("thresholds %v, want %v", got, wantTh)
	}
	if total := totalLength(p); total != 21*m {
		t.Errorf("length %v, want 21m", total)
	}
}

// The strategy's workload distribution, 80% read, 15% write, 5% delete, is a split of
// requests. Computed from the compiled plan, without a server: the expected requests of one
// session by op, walking the picks with their weights. Each journey step must have the mix on
// its own, so that it holds in sessions the ramp-down cuts short as well as in whole ones.
func TestMixedWorkloadRequestMix(t *testing.T) {
	p := compile(t, "03-mixed-workload.yaml")
	steps := p.Flows["session"].Steps
	want := map[string]float64{"read": 80, "write": 15, "delete": 5}
	check := func(what string, counts map[string]float64) {
		t.Helper()
		got := shares(counts)
		for op, w := range want {
			if math.Abs(got[op]-w) > 2 {
				t.Errorf("%s: %s %.2f%% of requests, want %v%% ±2 (mix %v)", what, op, got[op], w, got)
			}
		}
		for op := range got {
			if _, ok := want[op]; !ok {
				t.Errorf("%s: requests tagged op:%q, outside the mix", what, op)
			}
		}
	}
	session := perIteration(steps, "op")
	check("session", session)
	t.Logf("one session: %.3g requests, %v", sum(session), shares(session))
	for _, st := range steps {
		if st.Kind == plan.StepGroup {
			check("step "+st.Group.Name, perIteration(st.Group.Steps, "op"))
		}
	}
}

// Test 4: 400 RPS for 10 minutes; 15/70/10/5 static/API read/health/write; the nine SLOs.
func TestSLOVerificationMatchesStrategy(t *testing.T) {
	p := compile(t, "04-slo-verification.yaml")
	if got, want := arrivals(p), []arrival{{0, 10 * m, 400}}; !reflect.DeepEqual(got, want) {
		t.Errorf("load %+v, want %+v", got, want)
	}
	// One request per iteration (so 400 iterations/s are 400 requests/s), split 15/70/10/5.
	counts := perIteration(p.Flows["weighted"].Steps, "type")
	if n := sum(counts); math.Abs(n-1) > 1e-9 {
		t.Errorf("%v requests per iteration, want 1", n)
	}
	got := shares(counts)
	for typ, w := range map[string]float64{"static": 15, "api_read": 70, "health": 10, "api_write": 5} {
		if math.Abs(got[typ]-w) > 1e-9 {
			t.Errorf("%s %.2f%% of requests, want %v%% (all: %v)", typ, got[typ], w, got)
		}
	}
	wantTh := []string{
		"checks{check:available} rate>0.9995",
		"http_req_duration{type:api_read} p(50)<300", "http_req_duration{type:api_read} p(95)<800", "http_req_duration{type:api_read} p(99)<1500",
		"http_req_duration{type:static} p(50)<200", "http_req_duration{type:static} p(95)<500", "http_req_duration{type:static} p(99)<1000",
		"http_req_failed rate<0.0005", "http_reqs rate>=400",
	}
	if got := thresholds(p); !reflect.DeepEqual(got, wantTh) {
		t.Errorf("thresholds %v, want %v (the strategy's nine SLOs)", got, wantTh)
	}
}

func indexOf(p *plan.Plan, name string) int {
	for i, sc := range p.Scenarios {
		if sc.Name == name {
			return i
		}
	}
	return -1
}

func totalLength(p *plan.Plan) time.Duration {
	var d time.Duration
	for _, sc := range p.Scenarios {
		end := sc.StartTime + sc.Duration
		for _, st := range sc.Stages {
			end += st.Duration
		}
		d = max(d, end)
	}
	return d
}

// Every test states the strategy's pass/fail conditions beyond k6's thresholds as criteria.
func TestCriteriaMatchStrategy(t *testing.T) {
	want := map[string][]string{
		"01-api-read-load.yaml": {"p95 no more than 20% over its SLO", "at most 100 P99 violations",
			"memory growth under 500 MB", "no database connection exhaustion", "cache hit rate"},
		"02-api-write-load.yaml": {"p95 no more than 20% over its SLO", "at most 100 P99 violations",
			"memory growth under 500 MB", "no database connection exhaustion", "no database deadlocks"},
		"03-mixed-workload.yaml": {"memory growth under 500 MB", "no database connection exhaustion", "cache hit rate"},
		"04-slo-verification.yaml": {"throughput never below 400 RPS for more than 30 s", "p95 no more than 20% over its SLO",
			"fewer than 100 SLO violations", "fewer than 10 P99 violations", "memory growth under 500 MB",
			"no database connection exhaustion", "cache hit rate"},
		"05-live-transcription.yaml": {"memory growth under 500 MB", "no slow listeners dropped"},
		"06-resilience.yaml": {"p95 back under its SLO within 30 s of each fault", "under 1% failed requests during each fault",
			"nothing lost or stale after the faults"},
	}
	for file, names := range want {
		cs, err := criteria.Compile(compile(t, file).Criteria, time.Second)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Name)
		}
		if !reflect.DeepEqual(got, names) {
			t.Errorf("%s criteria %v, want %v", file, got, names)
		}
	}
	cs, _ := criteria.Compile(compile(t, "04-slo-verification.yaml").Criteria, time.Second)
	if text := cs[0].Text(); !strings.Contains(text, ">=400") || !strings.Contains(text, "30s") {
		t.Errorf("throughput rule reads %q", text)
	}
}

// The resilience test's timeline holds at every time scale: the probe reads the meeting into
// the cache before the cache outage, renames it during it, and teardown reads it back after;
// the latency fault is over before the outage starts; both faults end before the load does.
func TestResilienceTimeline(t *testing.T) {
	for _, scale := range []float64{1, plan.QuickScale, 0.01} {
		p := compile(t, "06-resilience.yaml")
		p.Scale(scale)
		at := map[string]time.Duration{}
		var load time.Duration
		for _, sc := range p.Scenarios {
			at[sc.Name] = sc.StartTime
			if sc.Name == "load" {
				load = sc.Duration
			}
		}
		if len(p.Chaos.Events) != 2 || len(p.Chaos.Adapters) != 1 || p.Chaos.Adapters[0].Kind != plan.AdapterMina {
			t.Fatalf("scale %g: chaos %+v", scale, p.Chaos)
		}
		slow, outage := p.Chaos.Events[0], p.Chaos.Events[1]
		if outage.Fault["cache_outage"] != true || slow.Fault["latency"] != "300ms" {
			t.Fatalf("scale %g: faults %v, %v", scale, slow.Fault, outage.Fault)
		}
		switch {
		case at["probe_warm"] >= outage.At:
			t.Errorf("scale %g: the probe warms the cache at %v, not before the outage at %v", scale, at["probe_warm"], outage.At)
		case at["probe_write"] <= outage.At || at["probe_write"] >= outage.At+outage.For:
			t.Errorf("scale %g: the probe writes at %v, outside the outage %v+%v", scale, at["probe_write"], outage.At, outage.For)
		case slow.At+slow.For > outage.At:
			t.Errorf("scale %g: the latency fault overlaps the outage", scale)
		case outage.At+outage.For >= load:
			t.Errorf("scale %g: the outage does not end before the load (%v)", scale, load)
		}
		if p.Teardown == nil {
			t.Fatalf("no teardown reads the probe back")
		}
	}
	// Quick: at most 30 s.
	p := compile(t, "06-resilience.yaml")
	p.Scale(plan.QuickScale)
	if d := totalLength(p); d > 30*time.Second {
		t.Errorf("06 --quick lasts %v, want at most 30s", d)
	}
}

// Test 5, the strategy's Phase 2: live transcription. 100 meetings (one per seeded user),
// each with one speaker streaming 100 ms chunks of 16 kHz 16-bit audio (3,200 bytes, 10 a
// second) for the whole test, and listeners ramping to four per meeting; SLOs on the message
// latency and on session success. The rates follow from the plan, not from its comments.
func TestLiveTranscriptionMatchesIntent(t *testing.T) {
	p := compile(t, "05-live-transcription.yaml")
	sp := p.Scenarios[indexOf(p, "speakers")]
	li := p.Scenarios[indexOf(p, "listeners")]
	if sp.Executor != plan.ConstantVUs || sp.VUs != 100 || sp.Duration != 7*m {
		t.Fatalf("speakers %+v, want 100 constant VUs for 7m", sp)
	}
	wantStages := []plan.Stage{{Duration: 1 * m, Target: 100}, {Duration: 2 * m, Target: 100}, {Duration: 2 * m, Target: 400}, {Duration: 2 * m, Target: 400}}
	if li.Executor != plan.RampingVUs || li.StartVUs != 0 || !reflect.DeepEqual(li.Stages, wantStages) {
		t.Fatalf("listeners %+v, want a ramp to 400 VUs", li)
	}
	if peak := li.Stages[len(li.Stages)-1].Target; float64(peak)/float64(sp.VUs) != 4 {
		t.Errorf("%d listeners for %d meetings at peak, want 4 per meeting", peak, sp.VUs)
	}
	// One ws session per iteration of each flow, after the request that finds the meeting.
	session := func(flow string) *plan.WS {
		steps := p.Flows[flow].Steps
		if len(steps) != 2 || steps[0].Kind != plan.StepRequest || steps[1].Kind != plan.StepWS {
			t.Fatalf("flow %s: want the meeting's lookup, then one ws session", flow)
		}
		if c := steps[0].Request.Capture; len(c) != 1 || c[0].Var != "meeting_id" || !strings.Contains(string(steps[1].WS.URL), "${meeting_id}") {
			t.Fatalf("flow %s does not join the meeting its lookup found", flow)
		}
		return steps[1].WS
	}
	speak := session("speak")
	var sends []*plan.WSSendStep
	for _, st := range speak.Steps {
		if st.Kind == plan.WSSend {
			sends = append(sends, st.Send)
		}
	}
	if len(sends) != 1 || !sends[0].Binary || sends[0].Size != 3200 || sends[0].Every != 100*time.Millisecond || sends[0].Reply == nil {
		t.Fatalf("speaker sends %+v, want 3,200-byte binary chunks 100 ms apart, each awaiting its reply", sends)
	}
	if rate := float64(sp.VUs) / sends[0].Every.Seconds(); rate != 1000 {
		t.Errorf("intended chunk rate %v/s, want 1000/s", rate)
	}
	finals := 0
	for _, st := range session("listen").Steps {
		if st.Kind == plan.WSSend {
			t.Error("a listener sends audio")
		}
		if st.Kind == plan.WSExpect && st.Expect.Equals == "final" {
			finals++
		}
	}
	if finals == 0 {
		t.Error("a listener does not wait for any final segment")
	}
	wantTh := []string{
		"checks{check:ws connected} rate>0.999", "session_ok{role:listener} rate>0.99", "session_ok{role:speaker} rate>0.99",
		"ws_connecting p(95)<500", "ws_msg_latency{name:speaker} p(95)<250", "ws_msg_latency{name:speaker} p(99)<500",
		"ws_msgs_sent{name:speaker} rate>=750",
	}
	if got := thresholds(p); !reflect.DeepEqual(got, wantTh) {
		t.Errorf("thresholds %v, want %v", got, wantTh)
	}
	if total := totalLength(p); total != 7*m {
		t.Errorf("length %v, want 7m", total)
	}
	if q := time.Duration(float64(totalLength(p)) * 0.05); q > 30*s {
		t.Errorf("--quick runs it for %v, want at most 30s", q)
	}
}
