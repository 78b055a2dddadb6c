package flow

import (
	"context"
	"encoding/json"
	"math"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// emptyGroup is a group step with no steps: it records only its group_duration, which lets a
// test count which pick branch ran without any traffic.
func emptyGroup(name string) []plan.Step {
	return []plan.Step{{Kind: plan.StepGroup, Group: &plan.Group{Name: name}}}
}

func TestPickWeights(t *testing.T) {
	t.Parallel()
	p := onePlan(plan.Step{Kind: plan.StepPick, Pick: []plan.Choice{
		{Weight: 80, Steps: emptyGroup("read")},
		{Weight: 15, Steps: emptyGroup("write")},
		{Weight: 5, Steps: emptyGroup("delete")},
		{Weight: 0, Steps: emptyGroup("never")}, // kept in the file, never taken
	}})
	s, rec := newShared(t, p)
	v := newVU(t, s, 1)
	const n = 10000
	for i := range int64(n) {
		if !run(t, v, i) {
			t.Fatal("iteration failed")
		}
	}
	counts := map[string]float64{}
	for _, g := range rec.groups {
		counts[g.group]++
	}
	for group, want := range map[string]float64{"::read": 0.80, "::write": 0.15, "::delete": 0.05} {
		// With a fixed seed the draw is reproducible; 2 points is over 4 standard deviations.
		if got := counts[group] / n; math.Abs(got-want) > 0.02 {
			t.Errorf("%s ran %.3f of iterations, want %.2f ± 0.02 (counts %v)", group, got, want, counts)
		}
	}
	if counts["::never"] != 0 {
		t.Errorf("a zero-weight branch ran %v times", counts["::never"])
	}
	if len(rec.groups) != n {
		t.Errorf("%d branches ran in %d iterations, want exactly one per iteration", len(rec.groups), n)
	}
}

func TestThinkTimeBounds(t *testing.T) {
	t.Parallel()
	s, _ := newShared(t, onePlan())
	v := newVU(t, s, 1)
	tests := []struct {
		name     string
		think    plan.Think
		min, max time.Duration
	}{
		// A fixed pause is exact.
		{"fixed", plan.Think{Min: 500 * time.Millisecond, Max: 500 * time.Millisecond}, 500 * time.Millisecond, 500 * time.Millisecond},
		// A range stays within its bounds.
		{"range", plan.Think{Min: time.Second, Max: 3 * time.Second}, time.Second, 3 * time.Second},
		// Zero is no pause.
		{"zero", plan.Think{}, 0, 0},
	}
	for _, tc := range tests {
		lo, hi := time.Duration(math.MaxInt64), time.Duration(0)
		for range 10000 {
			d := v.thinkTime(tc.think)
			lo, hi = min(lo, d), max(hi, d)
		}
		if lo < tc.min || hi > tc.max {
			t.Errorf("%s: drew [%v, %v], want within [%v, %v]", tc.name, lo, hi, tc.min, tc.max)
		}
		// Uniform over the range: 10,000 draws reach both ends' last 5%.
		if span := tc.max - tc.min; lo > tc.min+span/20 || hi < tc.max-span/20 {
			t.Errorf("%s: drew [%v, %v], want draws near both ends of [%v, %v]", tc.name, lo, hi, tc.min, tc.max)
		}
	}
}

func TestThinkHonoursContext(t *testing.T) {
	t.Parallel()
	p := onePlan(plan.Step{Kind: plan.StepThink, Think: &plan.Think{Min: time.Hour, Max: time.Hour}})
	s, rec := newShared(t, p)
	v := newVU(t, s, 1)
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(20 * time.Millisecond)
		cancel()
	}()
	if v.Run(ctx, p.Flows["main"], Iteration{Scenario: "s"}) {
		t.Error("an iteration cut short by its context reported ok")
	}
	if len(rec.iters) != 0 {
		t.Errorf("recorded %d iterations, want none for an interrupted one", len(rec.iters))
	}
}

func TestInterruptedRequestNotRecorded(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	})
	p := onePlan(req(plan.Request{URL: plan.Template(srv.URL)}))
	s, rec := newShared(t, p)
	v := newVU(t, s, 1)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if v.Run(ctx, p.Flows["main"], Iteration{Scenario: "s"}) {
		t.Error("interrupted iteration reported ok")
	}
	if len(rec.http) != 0 || len(rec.iters) != 0 {
		t.Errorf("recorded %d requests and %d iterations, want none: the tool, not the target, cut them", len(rec.http), len(rec.iters))
	}
}

func TestExpandBuiltinsAndFunctions(t *testing.T) {
	t.Parallel()
	p := onePlan(req(plan.Request{URL: "http://127.0.0.1:1/", Capture: []plan.Capture{
		{Var: "ids", Source: plan.CaptureJSON, Expr: "ids", All: true},
		{Var: "user", Source: plan.CaptureJSON, Expr: "user"},
	}}))
	p.Vars = map[string]string{"BASE": "http://h", "MAX": "3", "WORD": "w"}
	s, _ := newShared(t, p)
	s.now = func() time.Time { return time.Date(2026, 1, 2, 3, 4, 5, 6e6, time.UTC) }
	v := newVU(t, s, 2)
	if err := v.begin(p.Flows["main"], Iteration{Scenario: "s", VUIter: 7}); err != nil {
		t.Fatal(err)
	}
	v.vars["ids"] = []any{json.Number("10"), "twenty"}
	v.vars["user"] = map[string]any{"name": "ann", "roles": []any{"admin"}}
	c := &compiler{s: s, scenario: "s", flow: "main"}
	tests := []struct {
		name, in string
		want     string // exact result, or a regexp when it starts with "^"
		err      string
	}{
		// Built-ins.
		{"vu", "${__VU}", "2", ""},
		{"iter", "${__ITER}", "7", ""},
		{"scenario", "${__SCENARIO}", "s", ""},
		// Plan variables and defaults.
		{"var", "${BASE}/x", "http://h/x", ""},
		{"default unused", "${BASE:-d}", "http://h", ""},
		{"default used", "${user.nick:-anon}", "anon", ""},
		// Captured lists and objects, whole and navigated.
		{"list", "${ids}", `[10,"twenty"]`, ""},
		{"index", "${ids[1]}", "twenty", ""},
		{"field", "${user.name}/${user.roles[0]}", "ann/admin", ""},
		{"out of range", "${ids[5]}", "", "out of a list of 2"},
		{"field of list", "${ids.x}", "", "on a list"},
		// Functions.
		{"randomInt fixed", "${randomInt(4,4)}", "4", ""},
		{"randomInt var", "${randomInt(MAX, 3)}", "3", ""},
		{"randomInt reversed", "${randomInt(3,1)}", "", "below the first"},
		{"randomInt not int", "${randomInt(1,WORD)}", "", "not an integer"},
		{"randomChoice literal", "${randomChoice('only')}", "only", ""},
		{"randomChoice of one var", "${randomChoice(WORD)}", "w", ""},
		// With several arguments, bare words are the choices, not variables.
		{"randomChoice words", "${randomChoice(WORD, WORD)}", "WORD", ""},
		{"uuid", "${uuid()}", "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", ""},
		{"now", "${now()}", "2026-01-02T03:04:05Z", ""},
		{"nowUnix", "${nowUnix()}", "1767323045", ""},
		{"nowUnixMilli", "${nowUnixMilli()}", "1767323045006", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			te, err := c.texpr(tc.in)
			if err != nil {
				t.Fatalf("texpr(%q): %v", tc.in, err)
			}
			got, err := v.expand(nil, te)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("expand(%q) = %q, %v; want an error saying %q", tc.in, got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("expand(%q): %v", tc.in, err)
			}
			if strings.HasPrefix(tc.want, "^") {
				if !regexp.MustCompile(tc.want).Match(got) {
					t.Errorf("expand(%q) = %q, want a match of %s", tc.in, got, tc.want)
				}
			} else if string(got) != tc.want {
				t.Errorf("expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("random distributions", func(t *testing.T) {
		ints, _ := c.texpr("${randomInt(1,6)}")
		choices, _ := c.texpr("${randomChoice(ids)}")
		literals, _ := c.texpr("${randomChoice(a, 'b', 3)}")
		seenInt, seenChoice, seenLit := map[string]int{}, map[string]int{}, map[string]int{}
		for range 600 {
			b, _ := v.expand(nil, ints)
			seenInt[string(b)]++
			b, _ = v.expand(nil, choices)
			seenChoice[string(b)]++
			b, _ = v.expand(nil, literals)
			seenLit[string(b)]++
		}
		for i := 1; i <= 6; i++ {
			if seenInt[strconv.Itoa(i)] == 0 {
				t.Errorf("randomInt(1,6) never gave %d: %v", i, seenInt)
			}
		}
		if len(seenInt) != 6 || len(seenChoice) != 2 || seenChoice["10"] == 0 || len(seenLit) != 3 || seenLit["3"] == 0 {
			t.Errorf("draws: randomInt %v, randomChoice(list) %v, randomChoice(literals) %v", seenInt, seenChoice, seenLit)
		}
	})
	t.Run("uuids differ", func(t *testing.T) {
		te, _ := c.texpr("${uuid()}")
		a, _ := v.expand(nil, te)
		b, _ := v.expand(nil, te)
		if string(a) == string(b) {
			t.Errorf("two uuid() calls gave %s", a)
		}
	})
}

func TestNewSharedRejectsBadFlows(t *testing.T) {
	t.Parallel()
	r := func(mod func(*plan.Request)) []plan.Step {
		rq := plan.Request{URL: "http://127.0.0.1:1/", Line: 12}
		mod(&rq)
		return []plan.Step{req(rq)}
	}
	tests := []struct {
		name  string
		steps []plan.Step
		want  string
	}{
		// A reference to nothing known.
		{"unknown variable", r(func(q *plan.Request) { q.URL = "http://h/${meeting_idd}" }), `"meeting_idd" is not a variable`},
		// Errors name the flow and line.
		{"line", r(func(q *plan.Request) { q.URL = "http://h/${nope}" }), "flow main (line 12)"},
		// A template syntax error, with its offset.
		{"syntax", r(func(q *plan.Request) { q.Header = []plan.KV{{Key: "A", Value: "${x"}} }), "at byte 0"},
		// Unknown function (caught by the template grammar).
		{"function", r(func(q *plan.Request) { q.URL = "http://h/${rand()}" }), `unknown function "rand"`},
		// randomInt with a word that is no variable.
		{"randomInt arg", r(func(q *plan.Request) { q.URL = "http://h/${randomInt(1,many)}" }), "neither an integer nor a variable"},
		// A bad capture regex.
		{"regex", r(func(q *plan.Request) {
			q.Capture = []plan.Capture{{Var: "x", Source: plan.CaptureRegex, Expr: "("}}
		}), `regex "("`},
		// Captures cannot shadow built-ins.
		{"reserved capture", r(func(q *plan.Request) {
			q.Capture = []plan.Capture{{Var: "__VU", Source: plan.CaptureHeader, Expr: "X"}}
		}), "reserved"},
		// A status check without statuses.
		{"empty status check", r(func(q *plan.Request) { q.Checks = []plan.Check{{Kind: plan.CheckStatus}} }), "no status"},
		// An unknown check kind.
		{"check kind", r(func(q *plan.Request) { q.Checks = []plan.Check{{Kind: "latency"}} }), `check kind "latency"`},
		// Both bodies.
		{"two bodies", r(func(q *plan.Request) { q.HasJSON, q.JSON, q.Raw = true, map[string]any{}, "x" }), "both a JSON and a raw body"},
		// A JSON body value that JSON cannot hold.
		{"json NaN", r(func(q *plan.Request) { q.HasJSON, q.JSON = true, map[string]any{"x": math.NaN()} }), "$.x"},
		// Zero weights.
		{"weights all zero", []plan.Step{{Kind: plan.StepPick, Pick: []plan.Choice{{Weight: 0, Steps: emptyGroup("a")}}}}, "every weight is 0"},
		// Negative weights.
		{"negative weight", []plan.Step{{Kind: plan.StepPick, Pick: []plan.Choice{{Weight: -1, Steps: emptyGroup("a")}}}}, "pick weight -1"},
		// Inverted think.
		{"think", []plan.Step{{Kind: plan.StepThink, Think: &plan.Think{Min: 2 * time.Second, Max: time.Second}}}, "want 0 <= min <= max"},
		// A step with nothing in it.
		{"empty step", []plan.Step{{Kind: plan.StepRequest}}, "has no content"},
		// Group names cannot hold the separator.
		{"group name", []plan.Step{{Kind: plan.StepGroup, Group: &plan.Group{Name: "a::b"}}}, "without \"::\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := NewShared(onePlan(tc.steps...), nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("NewShared error = %v, want one saying %q", err, tc.want)
			}
		})
	}
	t.Run("missing flow", func(t *testing.T) {
		t.Parallel()
		p := onePlan()
		p.Scenarios[0].Exec = "browse"
		if _, err := NewShared(p, nil); err == nil || !strings.Contains(err.Error(), `flow "browse", which is not defined`) {
			t.Errorf("NewShared error = %v", err)
		}
	})
	t.Run("nil flow", func(t *testing.T) {
		t.Parallel()
		p := onePlan()
		p.Flows["other"] = nil
		if _, err := NewShared(p, nil); err == nil || !strings.Contains(err.Error(), "flow other") {
			t.Errorf("NewShared error = %v, want one naming flow other", err)
		}
	})
	t.Run("nil plan", func(t *testing.T) {
		t.Parallel()
		if _, err := NewShared(nil, nil); err == nil {
			t.Error("NewShared(nil) succeeded")
		}
	})
	t.Run("nil flow to Run", func(t *testing.T) {
		t.Parallel()
		s, rec := newShared(t, onePlan())
		if newVU(t, s, 1).Run(t.Context(), nil, Iteration{Scenario: "s"}) || len(rec.iters) != 0 || s.Skipped() != 1 {
			t.Errorf("Run(nil flow) should fail, record nothing and count a skip (skipped %d)", s.Skipped())
		}
	})
	t.Run("bad VU id", func(t *testing.T) {
		t.Parallel()
		s, _ := newShared(t, onePlan())
		if _, err := s.NewVU(0); err == nil {
			t.Error("NewVU(0) succeeded; ids start at 1")
		}
	})
}

func TestAllowHosts(t *testing.T) {
	t.Parallel()
	allow := allowHosts([]string{"127.0.0.1:5000", "API.example.com", "[::1]"})
	tests := []struct {
		hostport string
		want     bool
	}{
		{"127.0.0.1:5000", true},        // listed with its port
		{"127.0.0.1:5001", false},       // another port of a host listed with a port
		{"api.example.com:443", true},   // a host listed without port allows every port, any case
		{"evil.example.com:443", false}, // not listed
		{"[::1]:8080", true},            // IPv6 listed in brackets
	}
	for _, tc := range tests {
		if got := allow(tc.hostport); got != tc.want {
			t.Errorf("allow(%q) = %v, want %v", tc.hostport, got, tc.want)
		}
	}
	if allowHosts(nil) != nil {
		t.Error("no hosts should mean no allowlist")
	}
}

func TestQueryEscaping(t *testing.T) {
	t.Parallel()
	got, err := appendQuery([]byte("http://h/p?x=1"), []queryParam{
		{key: "q", val: &texpr{lit: "a b&c=d/é", isLit: true}},
		{key: "n", val: &texpr{lit: "1", isLit: true}},
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "http://h/p?x=1&q=a+b%26c%3Dd%2F%C3%A9&n=1"; string(got) != want {
		t.Errorf("appendQuery = %s, want %s", got, want)
	}
	got, _ = appendQuery([]byte("http://h/p#top"), []queryParam{{key: "n", val: &texpr{lit: "1", isLit: true}}}, nil)
	if want := "http://h/p?n=1#top"; string(got) != want {
		t.Errorf("appendQuery with a fragment = %s, want %s", got, want)
	}
}

func TestClientOptionsFromPlan(t *testing.T) {
	t.Parallel()
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/old" {
			http.Redirect(w, r, "/new", http.StatusFound)
		}
	})
	tests := []struct {
		name      string
		opts      func(*plan.Options)
		status    int
		errorCode int
	}{
		// Redirects are followed up to MaxRedirects…
		{"follow", func(o *plan.Options) { o.MaxRedirects = 3 }, 200, 0},
		// …and not at all with 0: the redirect itself is the response.
		{"no follow", func(o *plan.Options) { o.MaxRedirects = 0 }, 302, 0},
		// A host outside the allowlist receives nothing (k6's 1111).
		{"blocked host", func(o *plan.Options) { o.Hosts = []string{"api.example.com"} }, 0, 1111},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := onePlan(req(plan.Request{URL: plan.Template(srv.URL + "/old"), ExpectedStatus: []int{200, 302}}))
			tc.opts(&p.Options)
			s, rec := newShared(t, p)
			run(t, newVU(t, s, 1), 0)
			if len(rec.http) != 1 || rec.http[0].Status != tc.status || rec.http[0].ErrorCode != tc.errorCode {
				t.Errorf("samples = %+v, want status %d, error code %d", rec.http, tc.status, tc.errorCode)
			}
		})
	}
}
