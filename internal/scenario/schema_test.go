package scenario

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"go.yaml.in/yaml/v3"
)

// repoRoot is the module's root, seen from this package's directory.
const repoRoot = "../.."

// schemaPath is where the JSON Schema of the format lives.
var schemaPath = filepath.Join(repoRoot, "schema", "scenario.schema.json")

// loadSchema compiles the JSON Schema; it fails the test if the schema itself is invalid.
func loadSchema(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	const url = "file:///scenario.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url)
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	return sch
}

// yamlToJSON turns a YAML document into the value a JSON Schema validator expects.
func yamlToJSON(t *testing.T, src []byte) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal(src, &v); err != nil {
		t.Fatalf("yaml: %v", err)
	}
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("json: %v", err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// scenarioFiles lists every YAML file under examples/ and suites/ (when they exist) and this
// package's valid examples in testdata/.
func scenarioFiles(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob("testdata/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"examples", "suites"} {
		root := filepath.Join(repoRoot, dir)
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path == filepath.Join(repoRoot, "examples", "ci") {
				return filepath.SkipDir // CI workflow files, not scenario files
			}
			if !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	if len(files) < 2 {
		t.Fatalf("found only %v", files)
	}
	return files
}

// TestFilesMatchSchemaAndCompile keeps the schema and the compiler from drifting apart: every
// example and bundled file must satisfy both.
func TestFilesMatchSchemaAndCompile(t *testing.T) {
	t.Parallel()
	sch := loadSchema(t)
	for _, file := range scenarioFiles(t) {
		t.Run(file, func(t *testing.T) {
			t.Parallel()
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			var doc any
			if err := yaml.Unmarshal(src, &doc); err != nil {
				t.Errorf("yaml: %v", err) // and let the compiler say where and why, below
			} else if err := sch.Validate(yamlToJSON(t, src)); err != nil {
				t.Errorf("schema: %v", err)
			}
			// BASE_URL as the CLI sets it for a local target, and TOKENS_CSV as the suite runner
			// sets it to the file `mina seed --tokens-out` wrote; nothing from the real
			// environment.
			tokens, err := filepath.Abs("testdata/tokens.csv")
			if err != nil {
				t.Fatal(err)
			}
			vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000", "TOKENS_CSV": tokens}
			if _, err := Load(file, vars, env(nil)); err != nil {
				t.Errorf("compile:\n%v", err)
			}
		})
	}
}

// TestSchemaRejects shows the schema is strict where the compiler is: each row is a file both
// must refuse.
func TestSchemaRejects(t *testing.T) {
	t.Parallel()
	sch := loadSchema(t)
	tests := []struct {
		name string
		src  string
	}{
		// Unknown keys are errors, not ignored.
		{"unknown top-level key", "flows: { default: [ { think: 1s } ] }\nthresold: {}\n"},
		// k6 rejects rate on constant-vus.
		{"option of another executor", "scenarios: { s: { executor: constant-vus, duration: 1m, rate: 5 } }\nflows: { default: [ { think: 1s } ] }\n"},
		// An executor k6 does not have.
		{"unknown executor", "scenarios: { s: { executor: constant-vu, duration: 1m } }\nflows: { default: [ { think: 1s } ] }\n"},
		// A step with two kinds.
		{"step with two kinds", "flows: { default: [ { think: 1s, pick: [] } ] }\n"},
		// A VU count beyond ramp's limit per count (executor.MaxVUs).
		{"two million VUs", "scenarios: { s: { executor: constant-vus, duration: 1m, vus: 2000000 } }\nflows: { default: [ { think: 1s } ] }\n"},
		// A word where a number belongs.
		{"wrong type", "scenarios: { s: { executor: constant-vus, duration: 1m, vus: lots } }\nflows: { default: [ { think: 1s } ] }\n"},
		// Not a duration.
		{"bad duration", "scenarios: { s: { executor: constant-vus, duration: 5 minutes } }\nflows: { default: [ { think: 1s } ] }\n"},
		// A request without a URL.
		{"missing url", "flows: { default: [ { request: { method: GET } } ] }\n"},
		// json and body together.
		{"json and body", "flows: { default: [ { request: { url: 'http://127.0.0.1:5000/', json: {}, body: x } } ] }\n"},
		// A feeder mode that does not exist.
		{"bad feeder mode", "data: { u: { file: testdata/tokens.csv, mode: shuffled } }\nflows: { default: [ { think: 1s } ] }\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if err := sch.Validate(yamlToJSON(t, []byte(tt.src))); err == nil {
				t.Error("the schema accepted it")
			}
			vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
			if _, err := Compile("testdata/inline.yaml", []byte(tt.src), vars, env(nil)); err == nil {
				t.Error("the compiler accepted it")
			}
		})
	}
}
