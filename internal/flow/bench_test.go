package flow

import (
	"context"
	"net/http"
	"testing"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

// benchServer answers every request with a small JSON body.
func benchServer(b *testing.B) string {
	srv := server(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"meetings":[{"id":7}],"total":1000}`))
	})
	return srv.URL
}

// BenchmarkRequestStep runs one iteration of a one-request flow end to end against a local
// server: template expansion (URL, query, header, JSON body), the HTTP exchange, two checks,
// a capture and the metrics, with a real registry. Most of ns/op and nearly all of allocs/op
// are the loopback round trip and the in-process net/http server; BenchmarkBuild isolates the
// flow runner's share.
func BenchmarkRequestStep(b *testing.B) {
	for _, bc := range []struct {
		name string
		rq   plan.Request
	}{
		// Everything literal: the URL is precomputed, nothing is expanded.
		{"literal", plan.Request{Name: "list", URL: "/api/meetings?page=1"}},
		// Templated URL, query, header and JSON body, with checks and a capture.
		{"templated", plan.Request{
			Name: "update", Method: "PUT", URL: "/api/meetings/${__VU}",
			Query:  []plan.KV{{Key: "iter", Value: "${__ITER}"}},
			Header: []plan.KV{{Key: "Authorization", Value: "Bearer token-${__VU}"}},
			JSON:   map[string]any{"title": "meeting ${__ITER}", "duration_minutes": "${randomInt(15,90)}", "tags": []any{"a", "b"}}, HasJSON: true,
			Checks: []plan.Check{
				{Kind: plan.CheckStatus, Statuses: []int{200}},
				{Kind: plan.CheckJSONPath, Path: "total", Equals: 1000, HasEquals: true},
			},
			Capture: []plan.Capture{{Var: "mid", Source: plan.CaptureJSON, Expr: "meetings.0.id"}},
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			base := benchServer(b)
			bc.rq.URL = plan.Template(base) + bc.rq.URL
			p := onePlan(req(bc.rq))
			reg, err := metrics.NewRegistry(metrics.Config{})
			if err != nil {
				b.Fatal(err)
			}
			s, err := NewShared(p, reg)
			if err != nil {
				b.Fatal(err)
			}
			v := newVU(b, s, 1)
			f := p.Flows["main"]
			ctx := context.Background()
			b.ReportAllocs()
			var i int64
			for b.Loop() {
				if !v.Run(ctx, f, Iteration{Scenario: "s", VUIter: i}) {
					b.Fatal("iteration failed")
				}
				i++
			}
		})
	}
}

// BenchmarkBuild measures only the flow runner's share of a templated request: expanding the
// URL, query, header and JSON body into the reused request, without sending it.
func BenchmarkBuild(b *testing.B) {
	p := onePlan(req(plan.Request{
		Method: "PUT", URL: "http://127.0.0.1:1/api/meetings/${__VU}",
		Query:  []plan.KV{{Key: "iter", Value: "${__ITER}"}},
		Header: []plan.KV{{Key: "Authorization", Value: "Bearer token-${__VU}"}},
		JSON:   map[string]any{"title": "meeting ${__ITER}", "duration_minutes": "${randomInt(15,90)}"}, HasJSON: true,
	}))
	s, _ := newShared(b, p)
	v := newVU(b, s, 1)
	if err := v.begin(p.Flows["main"], Iteration{Scenario: "s", VUIter: 300}); err != nil {
		b.Fatal(err)
	}
	r := v.prog.steps[0].req
	b.ReportAllocs()
	for b.Loop() {
		if err := v.build(r); err != nil {
			b.Fatal(err)
		}
	}
}
