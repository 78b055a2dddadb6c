package flow

import (
	"regexp"
	"testing"

	"github.com/ramp-dev/ramp/internal/plan"
)

func TestTracer(t *testing.T) {
	t.Parallel()
	if newTracer(plan.Tracing{}) != nil {
		t.Fatal("tracing off made a tracer")
	}
	form := regexp.MustCompile(`^00-([0-9a-f]{32})-[0-9a-f]{16}-01$`)
	tr := newTracer(plan.Tracing{Propagation: "w3c", SampleRate: 0.1})
	seen := map[string]bool{}
	const n = 20000
	for range n {
		h, id, ok := tr.next()
		if !ok {
			continue
		}
		m := form.FindStringSubmatch(h.Value)
		if h.Key != "traceparent" || m == nil || m[1] != id || seen[id] {
			t.Fatalf("header %q: %q, trace id %q (malformed, or not the header's, or repeated)", h.Key, h.Value, id)
		}
		seen[id] = true
	}
	// 10% of 20,000: 2,000 ± 4.5 standard deviations (42).
	if len(seen) < 1810 || len(seen) > 2190 {
		t.Errorf("%d of %d requests sampled at 0.1", len(seen), n)
	}
	other := newTracer(plan.Tracing{Propagation: "w3c", SampleRate: 1})
	if _, id, _ := other.next(); seen[id] {
		t.Error("two tracers drew the same trace id: their random sources are not independent")
	}
}

func BenchmarkTracerUnsampled(b *testing.B) {
	tr := newTracer(plan.Tracing{Propagation: "w3c", SampleRate: 0.01})
	b.ReportAllocs()
	for b.Loop() {
		tr.next()
	}
}
