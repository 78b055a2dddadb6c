package report

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzWriteHTML renders summaries decoded from arbitrary JSON (what `ramp report` reads from
// disk): whatever the figures, the page renders without a panic and stays well formed.
func FuzzWriteHTML(f *testing.F) {
	for _, tt := range minaSuite().Tests {
		b, err := json.Marshal(tt.Summary)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"series":{"t":[5,1,1e308,-1],"rps":[1],"p95":[null,2,3]},"latency_distribution":[{"from_ms":-5,"to_ms":1e308,"count":-1},{"from_ms":0,"to_ms":0,"count":9}]}`))
	f.Add([]byte(`{"slo_lines":{"p95":1e-300},"monitors":[{"name":"mem","unit":"bytes","t":[0,1],"v":[1e308,-1e308]}]}`))
	f.Add([]byte(`{"series":{"t":[0,1,2],"rps":[1,2,3],"p50":[5e-324,1e-7,0.2],"p99":[1e18,40,3]},"slo_lines":{"p99":1e18}}`))
	f.Add([]byte(`{"endpoints":[{"name":"","requests":-1,"p50":1e308,"error_rate":-2}],"checks":[{"name":"c","passes":-5,"fails":5}],"phases":[{"phase":"waiting","avg":-1e308}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s Summary
		if err := json.Unmarshal(data, &s); err != nil {
			return
		}
		var b bytes.Buffer
		if err := WriteHTML(&b, SingleTestSuite("fuzz", &s)); err != nil {
			t.Fatalf("WriteHTML: %v", err)
		}
		if bytes.Contains(b.Bytes(), []byte("NaN")) || bytes.Contains(b.Bytes(), []byte("Inf")) {
			t.Errorf("the page draws a NaN or Inf coordinate")
		}
		checkWellFormed(t, b.String())
	})
}
