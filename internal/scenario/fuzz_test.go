package scenario

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

// FuzzCompile checks that no input panics or hangs the compiler, and that an invalid file
// always comes back as a non-empty *Errors with positions inside the file.
func FuzzCompile(f *testing.F) {
	seeds, _ := filepath.Glob("testdata/*.yaml")
	for _, s := range seeds {
		if b, err := os.ReadFile(s); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("a: &a [*a, *a]\nb: *a\n"))
	f.Add([]byte("flows: { default: [ { request: { url: \"${\" } } ] }"))
	f.Add([]byte("scenarios: { s: { <<: { executor: constant-vus }, duration: 1m } }"))
	f.Fuzz(func(t *testing.T, src []byte) {
		p, err := Compile("testdata/fuzz.yaml", src, map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, env(nil))
		if err == nil {
			if p == nil {
				t.Fatal("nil plan and nil error")
			}
			return
		}
		errs, ok := err.(*Errors)
		if !ok || len(*errs) == 0 {
			t.Fatalf("error %T %v is not a non-empty *Errors", err, err)
		}
	})
}

// TestDocExampleCompiles keeps the complete example of docs/scenario-format.md valid, against
// the schema and the compiler. It compiles as if it sat in testdata/, beside tokens.csv.
func TestDocExampleCompiles(t *testing.T) {
	t.Parallel()
	doc, err := os.ReadFile(filepath.Join(repoRoot, "docs", "scenario-format.md"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile("(?s)## A complete example\n\n```yaml\n(.*?)```").FindSubmatch(doc)
	if m == nil {
		t.Fatal("no complete example in the doc")
	}
	if err := loadSchema(t).Validate(yamlToJSON(t, m[1])); err != nil {
		t.Errorf("schema: %v", err)
	}
	if _, err := Compile("testdata/from-docs.yaml", m[1], nil, env(nil)); err != nil {
		t.Errorf("compile:\n%v", err)
	}
}
