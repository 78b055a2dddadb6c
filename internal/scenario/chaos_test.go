package scenario

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

const chaosFlows = `
scenarios:
  s: { executor: constant-vus, vus: 1, duration: 10m, exec: f }
flows:
  f:
  - request: { url: "${BASE_URL}/" }
`

func TestChaosCompiles(t *testing.T) {
	t.Parallel()
	src := chaosFlows + `chaos_adapters:
  m: { kind: mina, url: "${BASE_URL}", token: "${MINA_ADMIN_TOKEN}" }
  proxy:
    kind: http
    set: { method: post, url: "http://127.0.0.1:8474/toxics/${fault.name}", headers: { X-Key: "${KEY}" }, body: '${fault.json}' }
    clear: { method: DELETE, url: "http://127.0.0.1:8474/toxics/${fault.name}" }
chaos:
  - { at: 5m, for: 30s, adapter: proxy, fault: { toxic: latency, ms: 500 } }
  - at: 2m
    for: 30s
    adapter: m
    name: slow
    fault: { latency: 500ms, route: /api/meetings, error_rate: 0.1, cache_outage: false }
`
	p, err := Compile("c.yaml", []byte(src), map[string]string{"BASE_URL": "http://127.0.0.1:5000", "MINA_ADMIN_TOKEN": "tok", "KEY": "k"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	c := p.Chaos
	if len(c.Adapters) != 2 || c.Adapters[0].URL != "http://127.0.0.1:5000" || c.Adapters[0].Token != "tok" {
		t.Fatalf("adapters %+v", c.Adapters)
	}
	set := c.Adapters[1].Set
	if set.Method != "POST" || set.URL != "http://127.0.0.1:8474/toxics/${fault.name}" || set.Body != "${fault.json}" || set.Header[0].Value != "k" {
		t.Fatalf("http adapter's set: %+v (fault references kept, others substituted)", set)
	}
	// In order of at; the unnamed fault is named by its place in the file.
	if len(c.Events) != 2 || c.Events[0].Name != "slow" || c.Events[0].At != 2*time.Minute || c.Events[1].Name != "fault-1" {
		t.Fatalf("events %+v", c.Events)
	}
	if f := c.Events[0].Fault; f["latency"] != "500ms" || f["error_rate"] != 0.1 || f["cache_outage"] != false {
		t.Fatalf("fault %v", f)
	}
	// --quick moves and shortens the faults like the load, but not a fault's own latency.
	p.Scale(plan.QuickScale)
	if e := p.Chaos.Events[0]; e.At != 6*time.Second || e.For != 1500*time.Millisecond || e.Fault["latency"] != "500ms" {
		t.Fatalf("scaled event %+v", e)
	}
}

// Without chaos_adapters, the timeline goes to mina at BASE_URL with MINA_ADMIN_TOKEN.
func TestChaosDefaultAdapter(t *testing.T) {
	t.Parallel()
	src := chaosFlows + "chaos:\n  - { at: 1m, for: 30s, fault: { cache_outage: true } }\n"
	p, err := Compile("c.yaml", []byte(src), map[string]string{"BASE_URL": "http://127.0.0.1:5000", "MINA_ADMIN_TOKEN": "tok"}, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if a := p.Chaos.Adapters; len(a) != 1 || a[0].Kind != plan.AdapterMina || a[0].URL != "http://127.0.0.1:5000" || a[0].Token != "tok" || p.Chaos.Events[0].Adapter != "mina" {
		t.Fatalf("chaos %+v", p.Chaos)
	}
}

func TestChaosErrors(t *testing.T) {
	t.Parallel()
	vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
	two := "chaos_adapters:\n  a: { kind: mina, url: \"${BASE_URL}\" }\n  b: { kind: mina, url: \"${BASE_URL}\" }\n"
	tests := []struct {
		name, src string
		want      []want
	}{
		{"missing for and fault", "chaos:\n  - { at: 1m }\n", []want{{"8:5", `missing required key "for"`}, {"8:5", `missing required key "fault"`}}},
		{"zero for", "chaos:\n  - { at: 1m, for: 0s, fault: { cache_outage: true } }\n", []want{{"8:20", "for must be positive"}}},
		{"unknown mina fault", "chaos:\n  - { at: 1m, for: 1s, fault: { latncy: 1s } }\n", []want{{"8:41", `did you mean "latency"`}}},
		{"bad duration", "chaos:\n  - { at: 1m, for: 1s, fault: { latency: soon } }\n", []want{{"8:42", "a duration"}}},
		{"error rate above 1", "chaos:\n  - { at: 1m, for: 1s, fault: { error_rate: 1.5 } }\n", []want{{"8:45", "a fraction"}}},
		{"empty fault", "chaos:\n  - { at: 1m, for: 1s, fault: {} }\n", []want{{"8:31", "injects nothing"}}},
		{"duplicate names", "chaos:\n  - { name: x, at: 1m, for: 1s, fault: { cache_outage: true } }\n  - { name: x, at: 2m, for: 1s, fault: { cache_outage: true } }\n", []want{{"9:5", `two faults are named "x" (the first at line 8)`}}},
		{"which adapter", two + "chaos:\n  - { at: 1m, for: 1s, fault: { cache_outage: true } }\n", []want{{"11:5", "add adapter: one of a, b"}}},
		{"no such adapter", two + "chaos:\n  - { at: 1m, for: 1s, adapter: c, fault: { cache_outage: true } }\n", []want{{"11:33", `no chaos adapter named "c"`}}},
		{"unknown kind", "chaos_adapters:\n  a: { kind: minna, url: x }\nchaos: []\n", []want{{"8:14", `did you mean "mina"`}}},
		{"http without set", "chaos_adapters:\n  a: { kind: http }\nchaos: []\n", []want{{"8:6", `missing required key "set"`}}},
		{"http undefined variable", "chaos_adapters:\n  a: { kind: http, set: { url: \"${NOPE}/x\" } }\nchaos: []\n", []want{{"8:33", "undefined variable NOPE"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			errs := compileErrors(t, chaosFlows+tt.src, vars)
			var got []string
			for _, e := range errs {
				got = append(got, fmt.Sprintf("%d:%d %s", e.Line, e.Column, e.Error()))
			}
			for _, w := range tt.want {
				found := false
				for _, g := range got {
					found = found || (strings.HasPrefix(g, w.pos+" ") && strings.Contains(g, w.frag))
				}
				if !found {
					t.Errorf("no error at %s containing %q; got:\n%s", w.pos, w.frag, strings.Join(got, "\n"))
				}
			}
		})
	}
}
