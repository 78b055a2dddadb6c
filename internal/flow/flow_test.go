package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// meetingsAPI is a tiny CRUD API: POST creates a meeting with a server-chosen id, PUT and
// DELETE act on /api/meetings/{id} and fail with 404 for unknown ids. It logs every request.
type meetingsAPI struct {
	mu     sync.Mutex
	nextID int
	live   map[string]bool
	log    []string
}

func (a *meetingsAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.log = append(a.log, r.Method+" "+r.URL.Path)
	if r.Method == http.MethodPost && r.URL.Path == "/api/meetings" {
		a.nextID += 7
		id := fmt.Sprintf("m-%d-%d", a.nextID, time.Now().UnixNano()%1000)
		a.live[id] = true
		w.Header().Set("Location", "/api/meetings/"+id)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, `{"meeting":{"id":%q,"title":"t"}}`, id)
		return
	}
	id, ok := strings.CutPrefix(r.URL.Path, "/api/meetings/")
	if !ok || !a.live[id] {
		http.NotFound(w, r)
		return
	}
	switch r.Method {
	case http.MethodPut:
		fmt.Fprintf(w, `{"id":%q,"updated":true}`, id)
	case http.MethodDelete:
		delete(a.live, id)
		w.WriteHeader(http.StatusNoContent)
	default:
		http.Error(w, "method", http.StatusMethodNotAllowed)
	}
}

func TestJourneyCreateUpdateDelete(t *testing.T) {
	t.Parallel()
	api := &meetingsAPI{live: map[string]bool{}}
	srv := server(t, api.ServeHTTP)
	p := onePlan(
		req(plan.Request{Name: "create", Method: "POST", URL: plan.Template(srv.URL + "/api/meetings"),
			JSON: map[string]any{"title": "load test ${__VU}"}, HasJSON: true,
			Checks:  []plan.Check{{Kind: plan.CheckStatus, Statuses: []int{201}}},
			Capture: []plan.Capture{{Var: "meeting_id", Source: plan.CaptureJSON, Expr: "meeting.id"}}}),
		req(plan.Request{Name: "update", Method: "PUT", URL: plan.Template(srv.URL + "/api/meetings/${meeting_id}"),
			JSON: map[string]any{"title": "renamed"}, HasJSON: true,
			Checks: []plan.Check{{Kind: plan.CheckJSONPath, Path: "updated", Equals: true, HasEquals: true}}}),
		req(plan.Request{Name: "delete", Method: "DELETE", URL: plan.Template(srv.URL + "/api/meetings/${meeting_id}"),
			Checks: []plan.Check{{Kind: plan.CheckStatus, Statuses: []int{204}}}}),
	)
	s, rec := newShared(t, p)
	v := newVU(t, s, 1)
	for i := range int64(2) {
		if !run(t, v, i) {
			t.Fatalf("iteration %d failed; checks: %v; skipped: %v", i, rec.checksByName(), s.SkipReasons())
		}
	}
	api.mu.Lock()
	defer api.mu.Unlock()
	if len(api.log) != 6 {
		t.Fatalf("server saw %v, want 6 requests", api.log)
	}
	for i := 0; i < 6; i += 3 {
		if api.log[i] != "POST /api/meetings" {
			t.Errorf("request %d = %q, want the create", i, api.log[i])
		}
		id := strings.TrimPrefix(api.log[i+1], "PUT /api/meetings/")
		if !strings.HasPrefix(id, "m-") || api.log[i+2] != "DELETE /api/meetings/"+id {
			t.Errorf("requests %d..%d = %v: want PUT and DELETE on the created id", i, i+2, api.log[i:i+3])
		}
	}
	if api.log[1] == api.log[4] {
		t.Errorf("both iterations used the same id (%s): the capture must be refreshed", api.log[1])
	}
	if len(api.live) != 0 {
		t.Errorf("meetings left alive: %v", api.live)
	}
}

func TestJSONBodyKeepsTypes(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var got []byte
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/source" {
			fmt.Fprint(w, `{"n":42,"big":12345678901234567890,"f":2.5,"b":true,"s":"a\"b","obj":{"a":[1,"x",null]},"list":[{"id":1},{"id":2}]}`)
			return
		}
		body, _ := io.ReadAll(r.Body)
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			http.Error(w, "content type "+ct, 400)
			return
		}
		mu.Lock()
		got = body
		mu.Unlock()
	})
	capture := func(name, expr string, all bool) plan.Capture {
		return plan.Capture{Var: name, Source: plan.CaptureJSON, Expr: expr, All: all}
	}
	p := onePlan(
		req(plan.Request{URL: plan.Template(srv.URL + "/source"), Capture: []plan.Capture{
			capture("n", "n", false), capture("big", "big", false), capture("f", "f", false), capture("b", "b", false),
			capture("s", "s", false), capture("obj", "obj", false), capture("ids", "list.#.id", true),
		}}),
		req(plan.Request{Method: "POST", URL: plan.Template(srv.URL + "/sink"), HasJSON: true, JSON: map[string]any{
			"number":   "${n}",
			"big":      "${big}",
			"float":    "${f}",
			"flag":     "${b}",
			"quoted":   "${s}",
			"text":     "id-${n}",
			"object":   "${obj}",
			"list":     "${ids}",
			"element":  "${ids[1]}",
			"deep":     "${obj.a[1]}",
			"vu":       "${__VU}",
			"default":  "${missing:-7}",
			"literal":  map[string]any{"int": int64(5), "float": 1.5, "null": nil, "arr": []any{"x", false}},
			"escaped":  "$${not a ref}",
			"${s}-key": 1,
		}}),
	)
	s, rec := newShared(t, p)
	v := newVU(t, s, 3)
	if !run(t, v, 0) {
		t.Fatalf("iteration failed: checks %v, skipped %v", rec.checksByName(), s.SkipReasons())
	}
	mu.Lock()
	defer mu.Unlock()
	if !json.Valid(got) {
		t.Fatalf("body is not valid JSON: %s", got)
	}
	dec := json.NewDecoder(strings.NewReader(string(got)))
	dec.UseNumber()
	var body map[string]any
	if err := dec.Decode(&body); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"number":  json.Number("42"),
		"big":     json.Number("12345678901234567890"),
		"float":   json.Number("2.5"),
		"flag":    true,
		"quoted":  `a"b`,
		"text":    "id-42",
		"object":  map[string]any{"a": []any{json.Number("1"), "x", nil}},
		"list":    []any{json.Number("1"), json.Number("2")},
		"element": json.Number("2"),
		"deep":    "x",
		"vu":      json.Number("3"),
		"default": json.Number("7"),
		"literal": map[string]any{"int": json.Number("5"), "float": json.Number("1.5"), "null": nil, "arr": []any{"x", false}},
		"escaped": "${not a ref}",
		`a"b-key`: json.Number("1"),
	}
	if !reflect.DeepEqual(body, want) {
		t.Errorf("body %s\n decoded %#v\n want    %#v", got, body, want)
	}
}

// checkServer answers /ok with 200, X-Cache: HIT and a JSON body, and /missing with 404.
func checkServer(t *testing.T) string {
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/ok" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("X-Cache", "HIT")
		fmt.Fprint(w, `{"total":1000,"meetings":[{"id":7,"title":"standup"}],"ok":true}`)
	})
	return srv.URL
}

func TestChecks(t *testing.T) {
	t.Parallel()
	base := checkServer(t)
	tests := []struct {
		name     string
		path     string
		check    plan.Check
		wantName string
		wantOK   bool
	}{
		// Status passes on a match…
		{"status pass", "/ok", plan.Check{Kind: plan.CheckStatus, Statuses: []int{200}}, "status is 200", true},
		// …and fails on a 404.
		{"status fail", "/missing", plan.Check{Kind: plan.CheckStatus, Statuses: []int{200}}, "status is 200", false},
		// A list of statuses is any-of.
		{"status list", "/missing", plan.Check{Kind: plan.CheckStatus, Statuses: []int{200, 201, 404}}, "status is 200, 201 or 404", true},
		// Header exists.
		{"header exists", "/ok", plan.Check{Kind: plan.CheckHeader, Header: "x-cache"}, "header x-cache exists", true},
		// Header missing.
		{"header missing", "/missing", plan.Check{Kind: plan.CheckHeader, Header: "X-Cache"}, "header X-Cache exists", false},
		// Header equals.
		{"header equals", "/ok", plan.Check{Kind: plan.CheckHeader, Header: "X-Cache", Equals: "HIT", HasEquals: true}, "header X-Cache is HIT", true},
		// Header with another value.
		{"header differs", "/ok", plan.Check{Kind: plan.CheckHeader, Header: "X-Cache", Equals: "MISS", HasEquals: true}, "header X-Cache is MISS", false},
		// Body contains.
		{"body contains", "/ok", plan.Check{Kind: plan.CheckBodyContains, Contains: `"meetings"`}, `body contains "meetings"`, true},
		// Body lacks.
		{"body lacks", "/ok", plan.Check{Kind: plan.CheckBodyContains, Contains: "tasks"}, "body contains tasks", false},
		// JSON path exists.
		{"json exists", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "meetings.0.id"}, "json meetings.0.id exists", true},
		// JSON path missing.
		{"json missing", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "meetings.1.id"}, "json meetings.1.id exists", false},
		// JSON equals an integer written as YAML int.
		{"json equals int", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "total", Equals: int64(1000), HasEquals: true}, "json total is 1000", true},
		// JSON equals with another number.
		{"json differs", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "total", Equals: 999, HasEquals: true}, "json total is 999", false},
		// A number does not equal the same digits as a string.
		{"json type matters", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "total", Equals: "1000", HasEquals: true}, `json total is "1000"`, false},
		// Strings, bools and objects.
		{"json string", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "meetings.0.title", Equals: "standup", HasEquals: true}, `json meetings.0.title is "standup"`, true},
		{"json bool", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "ok", Equals: true, HasEquals: true}, "json ok is true", true},
		{"json object", "/ok", plan.Check{Kind: plan.CheckJSONPath, Path: "meetings.0", Equals: map[string]any{"id": 7, "title": "standup"}, HasEquals: true}, `json meetings.0 is {"id":7,"title":"standup"}`, true},
		// JSON path on a non-JSON body fails rather than erring.
		{"json on text", "/missing", plan.Check{Kind: plan.CheckJSONPath, Path: "total"}, "json total exists", false},
		// Duration below a generous bound passes; below 1ns cannot.
		{"duration pass", "/ok", plan.Check{Kind: plan.CheckDuration, Below: time.Minute}, "duration < 1m0s", true},
		{"duration fail", "/ok", plan.Check{Kind: plan.CheckDuration, Below: time.Nanosecond}, "duration < 1ns", false},
		// A custom name replaces the default.
		{"custom name", "/ok", plan.Check{Name: "listed", Kind: plan.CheckStatus, Statuses: []int{200}}, "listed", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := onePlan(req(plan.Request{URL: plan.Template(base + tc.path), ExpectedStatus: []int{200, 404}, Checks: []plan.Check{tc.check}}))
			s, rec := newShared(t, p)
			ok := run(t, newVU(t, s, 1), 0)
			if len(rec.checks) != 1 || rec.checks[0].name != tc.wantName || rec.checks[0].ok != tc.wantOK {
				t.Fatalf("checks = %+v, want one %q ok=%v", rec.checks, tc.wantName, tc.wantOK)
			}
			if ok != tc.wantOK {
				t.Errorf("iteration ok = %v, want %v (it fails with its check)", ok, tc.wantOK)
			}
		})
	}
}

func TestCaptureMissSkipsDependentSteps(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var seen []string
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = append(seen, r.URL.Path)
		mu.Unlock()
		w.Header().Set("X-Token", "tok")
		fmt.Fprint(w, `{"items":[]} <b id="12">`)
	})
	p := onePlan(
		req(plan.Request{Name: "list", URL: plan.Template(srv.URL + "/list"), Capture: []plan.Capture{
			{Var: "first", Source: plan.CaptureJSON, Expr: "items.0.id"},
			{Var: "ids", Source: plan.CaptureJSON, Expr: "items.#.id", All: true}, // empty list: nothing
			{Var: "tok", Source: plan.CaptureHeader, Expr: "X-Token"},
			{Var: "html_id", Source: plan.CaptureRegex, Expr: `id="(\d+)"`},
			{Var: "nope", Source: plan.CaptureRegex, Expr: `zzz(\d)`},
		}}),
		req(plan.Request{Name: "dependent", URL: plan.Template(srv.URL + "/items/${first}")}),
		req(plan.Request{Name: "list dependent", URL: plan.Template(srv.URL + "/pick/${randomChoice(ids)}")}),
		req(plan.Request{Name: "independent", URL: plan.Template(srv.URL + "/after/${tok}/${html_id}")}),
	)
	s, rec := newShared(t, p)
	if run(t, newVU(t, s, 1), 0) {
		t.Error("iteration ok, want failed: a capture found nothing")
	}
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"/list", "/after/tok/12"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("server saw %v, want %v: dependent steps skipped, others run", seen, want)
	}
	want := map[string][]bool{"capture first": {false}, "capture ids": {false}, "capture tok": {true}, "capture html_id": {true}, "capture nope": {false}}
	if got := rec.checksByName(); !reflect.DeepEqual(got, want) {
		t.Errorf("checks = %v, want %v", got, want)
	}
	if s.Skipped() != 2 {
		t.Errorf("Skipped() = %d, want 2 (reasons %v)", s.Skipped(), s.SkipReasons())
	}
	for reason := range s.SkipReasons() {
		if !strings.Contains(reason, "dependent") {
			t.Errorf("skip reason %q should name the request", reason)
		}
	}
	if len(rec.iters) != 1 || rec.iters[0].ok {
		t.Errorf("iterations = %+v, want one failed", rec.iters)
	}
}

func TestCaptureMissUnsetsStaleValue(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	var calls int
	var seen []string
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r.URL.Path)
		if r.URL.Path == "/create" {
			calls++
			if calls == 1 {
				fmt.Fprint(w, `{"id":"first"}`)
				return
			}
			fmt.Fprint(w, `{}`)
		}
	})
	p := onePlan(
		req(plan.Request{URL: plan.Template(srv.URL + "/create"), Capture: []plan.Capture{{Var: "id", Source: plan.CaptureJSON, Expr: "id"}}}),
		req(plan.Request{URL: plan.Template(srv.URL + "/use/${id}")}),
	)
	s, _ := newShared(t, p)
	v := newVU(t, s, 1)
	run(t, v, 0)
	run(t, v, 1)
	mu.Lock()
	defer mu.Unlock()
	if want := []string{"/create", "/use/first", "/create"}; !reflect.DeepEqual(seen, want) {
		t.Errorf("server saw %v, want %v: the stale id must not be reused", seen, want)
	}
}

func TestSessionOKWithRegistry(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	n := 0
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		bad := n == 2 // the second request of the first iteration fails its check
		mu.Unlock()
		if bad {
			fmt.Fprint(w, `{"status":"degraded"}`)
			return
		}
		fmt.Fprint(w, `{"status":"ok"}`)
	})
	chk := []plan.Check{{Kind: plan.CheckJSONPath, Path: "status", Equals: "ok", HasEquals: true}}
	p := onePlan(
		req(plan.Request{Name: "a", URL: plan.Template(srv.URL + "/a"), Checks: chk}),
		req(plan.Request{Name: "b", URL: plan.Template(srv.URL + "/b"), Checks: chk}),
	)
	reg, err := metrics.NewRegistry(metrics.Config{Submetrics: []string{"http_reqs{scenario:s}", "session_ok{test:unit}"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = reg.Close() })
	s, err := NewShared(p, reg)
	if err != nil {
		t.Fatal(err)
	}
	v := newVU(t, s, 1)
	for i := range int64(4) {
		run(t, v, i)
	}
	snap := reg.Snapshot()
	tests := []struct {
		key, method string
		want        float64
	}{
		// One journey of four had one failed check.
		{"session_ok", "rate", 0.75},
		{"iterations", "count", 4},
		// Eight checks, one failed.
		{"checks", "rate", 7.0 / 8},
		{`checks{check:json status is "ok"}`, "rate", 7.0 / 8},
		// Every request was expected (200).
		{"http_req_failed", "rate", 0},
		{"http_reqs{name:a}", "count", 4},
		{"http_reqs{scenario:s}", "count", 8},
		// Iterations carry the scenario's tags.
		{"session_ok{test:unit}", "rate", 0.75},
	}
	for _, tc := range tests {
		got, ok := snap.Aggregate(tc.key, tc.method, 0)
		if !ok || got != tc.want {
			t.Errorf("Aggregate(%s, %s) = %v, %v; want %v", tc.key, tc.method, got, ok, tc.want)
		}
	}
}

func TestSampleTags(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/teapot" {
			w.WriteHeader(http.StatusTeapot)
		}
	})
	url := srv.URL + "/api/${__VU}"
	p := onePlan(
		plan.Step{Kind: plan.StepGroup, Group: &plan.Group{Name: "a", Steps: []plan.Step{
			{Kind: plan.StepGroup, Group: &plan.Group{Name: "b", Steps: []plan.Step{
				req(plan.Request{Name: "inner", URL: plan.Template(url), Tags: map[string]string{"type": "api_read"}}),
			}}},
		}}},
		req(plan.Request{URL: plan.Template(srv.URL + "/teapot"), Method: "post"}),
		req(plan.Request{URL: plan.Template(srv.URL + "/teapot"), ExpectedStatus: []int{418}}),
	)
	s, rec := newShared(t, p)
	v := newVU(t, s, 1)
	run(t, v, 0)
	if run(t, v, 1) {
		t.Error("iteration ok, want failed: a 418 outside the expected statuses fails the request")
	}
	if len(rec.http) != 6 {
		t.Fatalf("recorded %d requests, want 6", len(rec.http))
	}
	want := map[string]string{"scenario": "s", "group": "::a::b", "name": "inner", "method": "GET", "url": url, "type": "api_read", "test": "unit"}
	if got := rec.http[0].Tags.Map(); !reflect.DeepEqual(got, want) {
		t.Errorf("tags = %v, want %v", got, want)
	}
	if rec.http[0].Tags != rec.http[3].Tags {
		t.Error("the TagSet of a request must be built once and reused across iterations")
	}
	if got := rec.http[1].Tags.Map(); got["group"] != "" || got["name"] != srv.URL+"/teapot" || got["method"] != "POST" {
		t.Errorf("root request tags = %v: want group \"\", the URL as name, method POST", got)
	}
	if rec.http[1].Expected || !rec.http[2].Expected {
		t.Errorf("expected = %v, %v; want false for 418 by default, true when 418 is listed", rec.http[1].Expected, rec.http[2].Expected)
	}
	var groups []string
	for _, g := range rec.groups[:2] {
		groups = append(groups, g.group)
	}
	if want := []string{"::a::b", "::a"}; !reflect.DeepEqual(groups, want) {
		t.Errorf("group_duration groups = %v, want %v (inner first)", groups, want)
	}
	if g, _ := rec.iters[0].tags.Get("scenario"); g != "s" {
		t.Errorf("iteration tags = %v, want the scenario", rec.iters[0].tags)
	}
}

func TestCorrectedLatency(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {})
	p := onePlan(req(plan.Request{URL: plan.Template(srv.URL)}), req(plan.Request{URL: plan.Template(srv.URL)}))
	s, rec := newShared(t, p)
	clock := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.now = func() time.Time { return clock }
	v := newVU(t, s, 1)
	tests := []struct {
		name     string
		intended time.Time
		has      bool
		late     time.Duration
	}{
		// A VU-based executor has no schedule: nothing to correct.
		{"no schedule", time.Time{}, false, 0},
		// Started 250ms late: every request of the iteration carries the lateness.
		{"late", clock.Add(-250 * time.Millisecond), true, 250 * time.Millisecond},
		// Started early (clock skew): no negative correction.
		{"early", clock.Add(time.Second), true, 0},
	}
	for _, tc := range tests {
		rec.http = nil
		v.Run(context.Background(), p.Flows["main"], Iteration{Scenario: "s", Intended: tc.intended})
		if len(rec.http) != 2 {
			t.Fatalf("%s: %d samples, want 2", tc.name, len(rec.http))
		}
		for i, smp := range rec.http {
			if smp.HasCorrected != tc.has || (tc.has && smp.Corrected != smp.Duration+tc.late) {
				t.Errorf("%s: request %d: corrected = %v (has %v), duration %v; want duration + %v",
					tc.name, i, smp.Corrected, smp.HasCorrected, smp.Duration, tc.late)
			}
		}
	}
}

func TestCookiesPerVU(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if user := r.URL.Query().Get("user"); user != "" {
			http.SetCookie(w, &http.Cookie{Name: "session", Value: user, Path: "/"})
			return
		}
		c, err := r.Cookie("session")
		if err != nil {
			fmt.Fprint(w, `{"user":null}`)
			return
		}
		fmt.Fprintf(w, `{"user":%q}`, c.Value)
	})
	login := req(plan.Request{URL: plan.Template(srv.URL + "/login?user=u${__VU}")})
	whoami := req(plan.Request{URL: plan.Template(srv.URL + "/whoami"), Capture: []plan.Capture{{Var: "who", Source: plan.CaptureJSON, Expr: "user"}}})
	p := onePlan(whoami)
	p.Flows["login"] = &plan.Flow{Name: "login", Steps: []plan.Step{login}, Cookies: true}
	p.Flows["nocookies"] = &plan.Flow{Name: "nocookies", Steps: []plan.Step{login, whoami}, Cookies: false}
	s, _ := newShared(t, p)
	ctx := context.Background()
	v1, v2 := newVU(t, s, 1), newVU(t, s, 2)

	v1.Run(ctx, p.Flows["login"], Iteration{Scenario: "s"})
	v1.Run(ctx, p.Flows["main"], Iteration{Scenario: "s", VUIter: 1})
	if got := v1.vars["who"]; got != "u1" {
		t.Errorf("VU 1 after its login: who = %v, want u1 (cookies persist within a VU)", got)
	}
	v2.Run(ctx, p.Flows["main"], Iteration{Scenario: "s"})
	if got, ok := v2.vars["who"]; ok {
		t.Errorf("VU 2 without login: who = %v, want nothing (cookies are not shared)", got)
	}
	v3 := newVU(t, s, 3)
	v3.Run(ctx, p.Flows["nocookies"], Iteration{Scenario: "s"})
	if got, ok := v3.vars["who"]; ok {
		t.Errorf("flow with cookies off: who = %v, want nothing", got)
	}
}

func TestSetupCapturesShared(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	seen := map[string]bool{}
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/meetings" {
			fmt.Fprint(w, `{"meetings":[{"id":11},{"id":22},{"id":33}]}`)
			return
		}
		mu.Lock()
		seen[r.URL.Path] = true
		mu.Unlock()
	})
	p := onePlan(
		req(plan.Request{URL: plan.Template(srv.URL + "/first/${meeting_ids[0]}")}),
		req(plan.Request{URL: plan.Template(srv.URL + "/any/${randomChoice(meeting_ids)}")}),
	)
	p.Setup = &plan.Flow{Name: "setup", Steps: []plan.Step{req(plan.Request{
		URL:     plan.Template(srv.URL + "/api/meetings"),
		Checks:  []plan.Check{{Kind: plan.CheckStatus, Statuses: []int{200}}},
		Capture: []plan.Capture{{Var: "meeting_ids", Source: plan.CaptureJSON, Expr: "meetings.#.id", All: true}},
	})}}
	s, rec := newShared(t, p)
	data, ok, err := s.RunOnce(context.Background(), "setup", p.Setup)
	if err != nil || !ok {
		t.Fatalf("RunOnce(setup) = %v, %v, %v", data, ok, err)
	}
	if tags := rec.checks[0].tags; tags == nil {
		t.Fatal("setup check has no tags")
	} else if sc, _ := tags.Get("scenario"); sc != "setup" {
		t.Errorf("setup check scenario tag = %q, want setup", sc)
	}
	s.SetSetupData(data)
	for id := 1; id <= 3; id++ {
		v := newVU(t, s, id)
		for i := range int64(10) {
			if !run(t, v, i) {
				t.Fatalf("VU %d iteration %d failed: %v", id, i, s.SkipReasons())
			}
		}
	}
	mu.Lock()
	defer mu.Unlock()
	for _, path := range []string{"/first/11", "/any/11", "/any/22", "/any/33"} {
		if !seen[path] {
			t.Errorf("server never saw %s (saw %v)", path, seen)
		}
	}
}

func TestRunOnceReportsFailure(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
			return
		}
		w.WriteHeader(http.StatusInternalServerError)
	})
	t.Run("failed check", func(t *testing.T) {
		t.Parallel()
		p := onePlan()
		p.Teardown = &plan.Flow{Name: "teardown", Steps: []plan.Step{req(plan.Request{URL: plan.Template(srv.URL + "/verify"),
			ExpectedStatus: []int{500}, Checks: []plan.Check{{Kind: plan.CheckStatus, Statuses: []int{200}}}})}}
		s, _ := newShared(t, p)
		_, ok, err := s.RunOnce(context.Background(), "teardown", p.Teardown)
		if ok || err != nil {
			t.Errorf("RunOnce = ok %v, err %v; want not ok and no error", ok, err)
		}
	})
	t.Run("failed request", func(t *testing.T) {
		t.Parallel()
		p := onePlan()
		p.Setup = &plan.Flow{Name: "setup", Steps: []plan.Step{req(plan.Request{URL: plan.Template(srv.URL + "/")})}}
		s, _ := newShared(t, p)
		if _, ok, err := s.RunOnce(context.Background(), "setup", p.Setup); ok || err != nil {
			t.Errorf("RunOnce = ok %v, err %v; want not ok (a 500) and no error", ok, err)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		p := onePlan()
		p.Options.SetupTimeout = 50 * time.Millisecond
		p.Setup = &plan.Flow{Name: "setup", Steps: []plan.Step{req(plan.Request{URL: plan.Template(srv.URL + "/slow")})}}
		s, _ := newShared(t, p)
		_, ok, err := s.RunOnce(context.Background(), "setup", p.Setup)
		if ok || err == nil || !strings.Contains(err.Error(), "setup timed out after 50ms") {
			t.Errorf("RunOnce = ok %v, err %v; want a timeout error", ok, err)
		}
	})
}
