package scenario

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// compileOK compiles src, failing the test on any error.
func compileOK(t *testing.T, src string, vars, envVars map[string]string) *plan.Plan {
	t.Helper()
	p, err := Compile("testdata/inline.yaml", []byte(src), vars, env(envVars))
	if err != nil {
		t.Fatalf("compile:\n%v", err)
	}
	return p
}

func TestExecutorDefaults(t *testing.T) {
	t.Parallel()
	const stop = DefaultGracefulStop
	tests := []struct {
		name     string
		scenario string
		want     plan.Scenario
	}{
		// constant-vus: 1 VU unless told; duration is required.
		{"constant-vus", "{ executor: constant-vus, duration: 1m }",
			plan.Scenario{Executor: plan.ConstantVUs, VUs: 1, Duration: time.Minute}},
		// ramping-vus: startVUs 1, gracefulRampDown 30s.
		{"ramping-vus", "{ executor: ramping-vus, stages: [{ duration: 10s, target: 5 }] }",
			plan.Scenario{Executor: plan.RampingVUs, StartVUs: 1, GracefulRampDown: 30 * time.Second,
				Stages: []plan.Stage{{Duration: 10 * time.Second, Target: 5}}}},
		// constant-arrival-rate: timeUnit 1s, maxVUs = preAllocatedVUs.
		{"constant-arrival-rate", "{ executor: constant-arrival-rate, rate: 20, duration: 30s, preAllocatedVUs: 7 }",
			plan.Scenario{Executor: plan.ConstantArrivalRate, Rate: 20, TimeUnit: time.Second, Duration: 30 * time.Second,
				PreAllocatedVUs: 7, MaxVUs: 7}},
		// ramping-arrival-rate: startRate 0, timeUnit 1s, maxVUs = preAllocatedVUs.
		{"ramping-arrival-rate", "{ executor: ramping-arrival-rate, preAllocatedVUs: 3, stages: [{ duration: 1m, target: 50 }] }",
			plan.Scenario{Executor: plan.RampingArrivalRate, TimeUnit: time.Second, PreAllocatedVUs: 3, MaxVUs: 3,
				Stages: []plan.Stage{{Duration: time.Minute, Target: 50}}}},
		// per-vu-iterations: 1 VU, 1 iteration, maxDuration 10m.
		{"per-vu-iterations", "{ executor: per-vu-iterations }",
			plan.Scenario{Executor: plan.PerVUIterations, VUs: 1, Iterations: 1, MaxDuration: 10 * time.Minute}},
		// shared-iterations: the same defaults as per-vu-iterations.
		{"shared-iterations", "{ executor: shared-iterations }",
			plan.Scenario{Executor: plan.SharedIterations, VUs: 1, Iterations: 1, MaxDuration: 10 * time.Minute}},
		// A bare number is milliseconds, as in k6; startTime and gracefulStop are read.
		{"common options", "{ executor: constant-vus, duration: 1500, startTime: 2s, gracefulStop: 0s }",
			plan.Scenario{Executor: plan.ConstantVUs, VUs: 1, Duration: 1500 * time.Millisecond, StartTime: 2 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := "scenarios:\n  s: " + tt.scenario + flowsOK
			p := compileOK(t, src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, nil)
			want := tt.want
			want.Name, want.Exec = "s", DefaultExec
			if tt.name != "common options" {
				want.GracefulStop = stop
			}
			if !reflect.DeepEqual(p.Scenarios, []plan.Scenario{want}) {
				t.Errorf("got  %+v\nwant %+v", p.Scenarios, []plan.Scenario{want})
			}
		})
	}
}

func TestNoScenariosRunsDefaultOnce(t *testing.T) {
	t.Parallel()
	p := compileOK(t, flowsOK, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, nil)
	want := []plan.Scenario{{Name: "default", Executor: plan.PerVUIterations, Exec: "default", VUs: 1,
		Iterations: 1, MaxDuration: DefaultMaxDuration, GracefulStop: DefaultGracefulStop}}
	if !reflect.DeepEqual(p.Scenarios, want) {
		t.Errorf("got %+v, want %+v", p.Scenarios, want)
	}
}

func TestVariablePrecedence(t *testing.T) {
	t.Parallel()
	src := `scenarios:
  s:
    executor: constant-arrival-rate
    rate: ${RATE:-100}
    duration: ${DURATION:-10s}
    preAllocatedVUs: 1
` + flowsOK
	tests := []struct {
		name     string
		vars     map[string]string
		env      map[string]string
		rate     int64
		duration time.Duration
	}{
		// Nothing set: the defaults, typed.
		{"defaults", nil, nil, 100, 10 * time.Second},
		// The environment beats the default.
		{"env beats default", nil, map[string]string{"RATE": "200", "DURATION": "1m"}, 200, time.Minute},
		// -e beats the environment.
		{"vars beat env", map[string]string{"RATE": "300"}, map[string]string{"RATE": "200"}, 300, 10 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
			for k, v := range tt.vars {
				vars[k] = v
			}
			p := compileOK(t, src, vars, tt.env)
			s := p.Scenarios[0]
			if s.Rate != tt.rate || s.Duration != tt.duration {
				t.Errorf("rate %d duration %s, want %d %s", s.Rate, s.Duration, tt.rate, tt.duration)
			}
		})
	}
}

func TestVariableTypedAfterSubstitution(t *testing.T) {
	t.Parallel()
	src := `flows:
  default:
    - request:
        url: ${BASE_URL}/x
        json: { n: "${N:-5}", f: "${F:-1.5}", b: "${B:-true}", zip: "${ZIP:-007}", s: "id-${N:-5}", id: "${captured}" }
        capture: [ { json: id, as: captured } ]
`
	p := compileOK(t, src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, nil)
	got := p.Flows["default"].Steps[0].Request.JSON
	want := map[string]any{"n": int64(5), "f": 1.5, "b": true, "zip": "007", "s": "id-5", "id": "${captured}"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %#v\nwant %#v", got, want)
	}
}

func TestBaseURLAndHosts(t *testing.T) {
	t.Parallel()
	src := `flows:
  default:
    - request: { url: "${BASE_URL:-http://localhost:8080}/x" }
`
	tests := []struct {
		name  string
		vars  map[string]string
		env   map[string]string
		base  string
		hosts []string
	}{
		// The file's default is BASE_URL's value when nothing sets it.
		{"default", nil, nil, "http://localhost:8080", []string{"localhost:8080"}},
		// The environment sets it.
		{"env", nil, map[string]string{"BASE_URL": "https://api.test"}, "https://api.test", []string{"api.test:443"}},
		// -e wins over the environment.
		{"vars", map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, map[string]string{"BASE_URL": "https://api.test"},
			"http://127.0.0.1:5000", []string{"127.0.0.1:5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := compileOK(t, src, tt.vars, tt.env)
			if p.Options.BaseURL != tt.base || !reflect.DeepEqual(p.Options.Hosts, tt.hosts) {
				t.Errorf("base %q hosts %v, want %q %v", p.Options.BaseURL, p.Options.Hosts, tt.base, tt.hosts)
			}
		})
	}
}

func TestTestTypeFromFileName(t *testing.T) {
	t.Parallel()
	tests := []struct{ file, want string }{
		{"01-api-read-load.yaml", "api_read_load"},             // ordering digits dropped, dashes become _
		{"suites/04-slo-verification.yml", "slo_verification"}, // directory ignored
		{"smoke.yaml", "smoke"},                                // nothing to change
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			if got := testTypeFromFile(tt.file); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"30s", 30 * time.Second, false},         // Go form
		{"1h30m", 90 * time.Minute, false},       // compound
		{"500ms", 500 * time.Millisecond, false}, // milliseconds
		{"250", 250 * time.Millisecond, false},   // bare number: k6 reads milliseconds
		{"1.5", 1500 * time.Microsecond, false},  // fractional milliseconds
		{"2d12h", 60 * time.Hour, false},         // k6's days
		{"1d", 24 * time.Hour, false},            // days alone
		{"-1s", -time.Second, false},             // negative parses; callers reject it
		{"5 minutes", 0, true},                   // words
		{"", 0, true},                            // empty
		{"d", 0, true},                           // a unit with no number
		{"1e400", 0, true},                       // out of range
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			got, err := parseDuration(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("parseDuration(%q) = %v, %v; want %v, err %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestFullFilePlan(t *testing.T) {
	t.Parallel()
	path := filepath.Join("testdata", "01-api-read-load.yaml")
	p, err := Load(path, map[string]string{"PREALLOC": "60"}, env(map[string]string{"RAMP": "2m"}))
	if err != nil {
		t.Fatalf("Load:\n%v", err)
	}
	tokens, err := filepath.Abs(filepath.Join("testdata", "tokens.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(tokens); err != nil {
		t.Fatal(err)
	}
	const base = "http://127.0.0.1:5000"
	list := &plan.Request{Name: "meetings_list", Method: "GET", URL: base + "/api/meetings",
		Query:          []plan.KV{{Key: "page", Value: "1"}, {Key: "per_page", Value: "20"}},
		Header:         []plan.KV{{Key: "Authorization", Value: "Bearer ${users.token}"}},
		Timeout:        10 * time.Second,
		Tags:           map[string]string{"type": "api_read"},
		ExpectedStatus: []int{200, 201},
		Checks: []plan.Check{
			{Name: "status is 200", Kind: plan.CheckStatus, Statuses: []int{200}},
			{Name: `body contains "meetings"`, Kind: plan.CheckBodyContains, Contains: `"meetings"`},
			{Name: "meetings.0.id exists", Kind: plan.CheckJSONPath, Path: "meetings.0.id"},
			{Name: "total == 1000", Kind: plan.CheckJSONPath, Path: "total", Equals: int64(1000), HasEquals: true},
			{Name: "header X-Cache exists", Kind: plan.CheckHeader, Header: "X-Cache"},
			{Name: "header X-Cache == HIT", Kind: plan.CheckHeader, Header: "X-Cache", Equals: "HIT", HasEquals: true},
			{Name: "duration < 500ms", Kind: plan.CheckDuration, Below: 500 * time.Millisecond},
			{Name: "custom name", Kind: plan.CheckStatus, Statuses: []int{200, 201}},
		},
		Capture: []plan.Capture{
			{Var: "meeting_id", Source: plan.CaptureJSON, Expr: "meetings.0.id"},
			{Var: "location", Source: plan.CaptureHeader, Expr: "Location"},
			{Var: "some_id", Source: plan.CaptureRegex, Expr: `id="(\d+)"`},
			{Var: "meeting_ids", Source: plan.CaptureJSON, Expr: "meetings.#.id", All: true},
		},
		Line: 45,
	}
	create := &plan.Request{Name: base + "/api/meetings", Method: "POST", URL: base + "/api/meetings",
		JSON:    map[string]any{"title": "Load test ${uuid()}", "duration_minutes": "${randomInt(15,90)}", "owner": "${__VU}"},
		HasJSON: true, Line: 70}
	tasks := &plan.Request{Name: base + "/api/tasks?status=open", Method: "GET", URL: base + "/api/tasks?status=open", Line: 77}
	one := &plan.Request{Name: base + "/api/meetings/${meeting_id}", Method: "GET", URL: base + "/api/meetings/${meeting_id}", Line: 82}
	del := &plan.Request{Name: base + "/api/meetings/${randomChoice(meeting_ids)}", Method: "DELETE",
		URL: base + "/api/meetings/${randomChoice(meeting_ids)}", Line: 84}
	browse := &plan.Flow{Name: "browse", Cookies: false, Steps: []plan.Step{
		{Kind: plan.StepRequest, Request: list, Line: 45},
		{Kind: plan.StepThink, Think: &plan.Think{Min: time.Second, Max: 3 * time.Second}, Line: 69},
		{Kind: plan.StepRequest, Request: create, Line: 70},
		{Kind: plan.StepGroup, Line: 74, Group: &plan.Group{Name: "tasks", Steps: []plan.Step{
			{Kind: plan.StepRequest, Request: tasks, Line: 77},
			{Kind: plan.StepThink, Think: &plan.Think{Min: 500 * time.Millisecond, Max: 500 * time.Millisecond}, Line: 78},
		}}},
		{Kind: plan.StepPick, Line: 79, Pick: []plan.Choice{
			{Weight: 80, Steps: []plan.Step{{Kind: plan.StepRequest, Request: one, Line: 82}}},
			{Weight: 15, Steps: []plan.Step{{Kind: plan.StepRequest, Request: del, Line: 84}}},
			{Weight: 5, Steps: []plan.Step{{Kind: plan.StepThink, Think: &plan.Think{Min: 250 * time.Millisecond, Max: 250 * time.Millisecond}, Line: 86}}},
		}},
	}}
	setupURL := base + "/api/meetings?per_page=100"
	teardownURL := base + "/api/meetings/1"
	want := &plan.Plan{
		File:        path,
		TestType:    "api_read_load",
		Description: "Stress test read-heavy API endpoints",
		Scenarios: []plan.Scenario{
			{Name: "read", Executor: plan.RampingArrivalRate, Exec: "browse", Tags: map[string]string{"test": "read"},
				GracefulStop: 30 * time.Second, StartRate: 1, TimeUnit: time.Second, PreAllocatedVUs: 60, MaxVUs: 500,
				Stages: []plan.Stage{{Duration: 30 * time.Second, Target: 1}, {Duration: 2 * time.Minute, Target: 100}}},
			{Name: "steady", Executor: plan.ConstantVUs, Exec: "browse", GracefulStop: 30 * time.Second, VUs: 2, Duration: time.Minute},
		},
		Flows: map[string]*plan.Flow{"browse": browse},
		Setup: &plan.Flow{Name: "setup", Steps: []plan.Step{{Kind: plan.StepRequest, Line: 88, Request: &plan.Request{
			Name: setupURL, Method: "GET", URL: plan.Template(setupURL), Line: 88,
			Capture: []plan.Capture{{Var: "meeting_ids", Source: plan.CaptureJSON, Expr: "meetings.#.id", All: true}}}}}},
		Teardown: &plan.Flow{Name: "teardown", Steps: []plan.Step{{Kind: plan.StepRequest, Line: 90, Request: &plan.Request{
			Name: teardownURL, Method: "PUT", URL: plan.Template(teardownURL), Raw: "raw ${__ITER}",
			Header: []plan.KV{{Key: "Content-Type", Value: "text/plain"}}, Line: 90}}}},
		Data: []plan.Feeder{{Name: "users", Path: tokens, Mode: plan.FeedUniqueVU}},
		Thresholds: []plan.Threshold{
			{Metric: "http_req_duration", Line: 96, Rules: []plan.ThresholdRule{{Expression: "p(95)<800"}}},
			{Metric: "http_req_duration{name:meetings_list}", Line: 97, Rules: []plan.ThresholdRule{
				{Expression: "p(99)<1500"}, {Expression: "p(95)<800", AbortOnFail: true, DelayAbortEval: 10 * time.Second}}},
			{Metric: "http_req_failed", Line: 100, Rules: []plan.ThresholdRule{{Expression: "rate<0.0005"}}},
		},
		Criteria: []plan.Criterion{{Name: "throughput", Rule: "windowed", Severity: "warn", Line: 102, Column: 5,
			Metric: "http_reqs", Method: "rate", Cond: plan.Condition{Op: ">=", Value: 400}, For: 30 * time.Second}},
		Monitors: []plan.Monitor{{Name: "target", Kind: "process", PID: 1234, Interval: time.Second, Timeout: 900 * time.Millisecond, Line: 104, Column: 5}},
		Options: plan.Options{BaseURL: base, Hosts: []string{"127.0.0.1:5000"}, Timeout: 30 * time.Second,
			UserAgent: "ramp/0.1", MaxRedirects: 5, MaxBodyBytes: 1048576, SetupTimeout: 20 * time.Second,
			TeardownTimeout: 40 * time.Second, LoadTolerance: 0.01},
		Vars: map[string]string{"PREALLOC": "60"},
		SLO: plan.SLO{Metric: "http_req_duration{type:api_read}", P50: 300 * time.Millisecond, P95: 800 * time.Millisecond,
			P99: 1500 * time.Millisecond, ErrorRate: 0.0005},
	}
	if !reflect.DeepEqual(p, want) {
		diffPlans(t, p, want)
	}
}

// diffPlans reports which top-level fields of two plans differ, with both values.
func diffPlans(t *testing.T, got, want *plan.Plan) {
	t.Helper()
	gv, wv := reflect.ValueOf(*got), reflect.ValueOf(*want)
	for i := 0; i < gv.NumField(); i++ {
		if !reflect.DeepEqual(gv.Field(i).Interface(), wv.Field(i).Interface()) {
			t.Errorf("%s differs:\ngot  %s\nwant %s", gv.Type().Field(i).Name, dump(gv.Field(i).Interface()), dump(wv.Field(i).Interface()))
		}
	}
}

// dump prints a value with pointers followed, for diffs.
func dump(v any) string {
	b, err := json.MarshalIndent(v, "", " ")
	if err != nil {
		return fmt.Sprintf("%#v", v)
	}
	return string(b)
}

func TestTracingOption(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, src string
		want      plan.Tracing
	}{
		// No tracing key: no request carries a traceparent.
		{"off", "flows:\n  default:\n    - request: { url: \"${BASE_URL}/\" }\n", plan.Tracing{}},
		// An empty object traces every request with w3c.
		{"defaults", "options: { tracing: {} }\nflows:\n  default:\n    - request: { url: \"${BASE_URL}/\" }\n", plan.Tracing{Propagation: "w3c", SampleRate: 1}},
		// The example.
		{"sampled", "options:\n  tracing: { propagation: w3c, sampleRate: 0.01 }\nflows:\n  default:\n    - request: { url: \"${BASE_URL}/\" }\n", plan.Tracing{Propagation: "w3c", SampleRate: 0.01}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := compileOK(t, tc.src, map[string]string{"BASE_URL": "http://127.0.0.1:1"}, nil)
			if p.Options.Tracing != tc.want {
				t.Errorf("tracing %+v, want %+v", p.Options.Tracing, tc.want)
			}
		})
	}
}
