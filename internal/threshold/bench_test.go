package threshold

import (
	"testing"

	"github.com/ramp-dev/ramp/internal/plan"
)

func BenchmarkParseExpression(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExpression("p(99.9) <= 1500"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluate measures one periodic evaluation of a seed-sized set of thresholds
// (the CLI runs one every EvalInterval).
func BenchmarkEvaluate(b *testing.B) {
	var pts []plan.Threshold
	src := &fakeSource{values: map[string]float64{}}
	for _, name := range []string{"meetings_list", "meeting_get", "tasks_list", "dashboard", "trends"} {
		key := "http_req_duration{name:" + name + "}"
		pts = append(pts, plan.Threshold{Metric: key, Rules: rules("p(95)<800", "p(99)<1500")})
		src.values[key+"|p|95"], src.values[key+"|p|99"] = 500, 900
	}
	pts = append(pts, plan.Threshold{Metric: "http_req_failed", Rules: rules("rate<0.0005")})
	ts, err := Compile(pts)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		src.asked = src.asked[:0]
		_ = Evaluate(ts, src)
	}
}
