package engine

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/ramp-dev/ramp/internal/scenario"
)

// FuzzValidatedPlansStart checks the property that makes `ramp validate` trustworthy: a file
// that the scenario compiler and Validate accept starts without a configuration error. Run is
// given a cancelled context, so it builds everything a run builds (metrics, flows, feeders,
// executors, monitors) and sends nothing. The seeds are every scenario file of the repository:
// the examples, the bundled suite, the compiler's test files and the edge corpus.
func FuzzValidatedPlansStart(f *testing.F) {
	var seeds []string
	for _, glob := range []string{"../../examples/*.yaml", "../../suites/mina/*.yaml", "../scenario/testdata/*.yaml", "../scenario/testdata/edge/*.yaml"} {
		m, _ := filepath.Glob(glob)
		seeds = append(seeds, m...)
	}
	if len(seeds) < 20 {
		f.Fatalf("only %d seed files", len(seeds))
	}
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	// Data files resolve beside the edge corpus, which has a tokens.csv.
	path := filepath.Join("..", "scenario", "testdata", "edge", "fuzz.yaml")
	vars := map[string]string{"BASE_URL": "http://127.0.0.1:9", "TOKENS_CSV": "tokens.csv"}
	lookup := func(string) (string, bool) { return "", false }
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := scenario.Compile(path, src, vars, lookup)
		if err != nil {
			return
		}
		if err := Validate(p, Options{}); err != nil {
			return
		}
		res, err := Run(ctx, p, Options{})
		if err != nil {
			t.Fatalf("validated, yet Run failed to start: %v", err)
		}
		if res.Verdict.Status == "" {
			t.Fatal("a result without a verdict")
		}
	})
}
