package scenario

import (
	"os"
	"testing"
)

// BenchmarkCompile measures compiling the full example file, the cost `ramp validate` and
// `ramp suite` pay per file.
func BenchmarkCompile(b *testing.B) {
	src, err := os.ReadFile("testdata/01-api-read-load.yaml")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile("testdata/01-api-read-load.yaml", src, nil, env(nil)); err != nil {
			b.Fatal(err)
		}
	}
}
