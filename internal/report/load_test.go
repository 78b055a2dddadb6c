package report

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// writeResults writes s as `ramp suite` does: summary.json and one file per test.
func writeResults(t *testing.T, dir string, s *Suite) {
	t.Helper()
	write := func(name string, v any) {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(SuiteFile, s)
	for _, tt := range s.Tests {
		write(tt.SummaryFile, tt.Summary)
	}
}

func TestLoadSuiteRoundTrip(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	want := minaSuite()
	writeResults(t, dir, want)
	got, err := LoadSuite(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the suite read back differs from the one written")
		for i := range want.Tests {
			if !reflect.DeepEqual(got.Tests[i].Summary, want.Tests[i].Summary) {
				t.Errorf("test %s: summaries differ", want.Tests[i].Name)
			}
		}
	}
	// The re-rendered report is the same page.
	var a, b bytes.Buffer
	if err := WriteHTML(&a, want); err != nil {
		t.Fatal(err)
	}
	if err := WriteHTML(&b, got); err != nil {
		t.Fatal(err)
	}
	if a.String() != b.String() {
		t.Error("the report rendered from the JSON files differs from the original")
	}
}

func TestLoadSuiteErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string // the error must contain each
	}{
		// No summary.json at all: says which file.
		{"missing suite file", func(*testing.T, string) {}, []string{"summary.json", "no such file"}},
		// summary.json that is not JSON: the file, line and column.
		{"corrupt suite file", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, "{\n  \"tests\": [\n    {\"name\": \"a\",,}\n  ]\n}")
		}, []string{"summary.json", "line 3"}},
		// A field of the wrong type.
		{"wrong type", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, `{"pass": "yes"}`)
		}, []string{"summary.json", "line 1", "bool"}},
		// An empty file.
		{"empty suite file", func(t *testing.T, dir string) { mustWrite(t, dir, SuiteFile, "  \n") }, []string{"summary.json", "empty"}},
		// Two objects in one file.
		{"trailing data", func(t *testing.T, dir string) { mustWrite(t, dir, SuiteFile, `{"tests":[]} {}`) }, []string{"summary.json", "after the JSON"}},
		// A test whose summary file is missing: the test and the file.
		{"missing test file", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, `{"tests":[{"name":"read","summary_file":"read.json"}]}`)
		}, []string{`test "read"`, "read.json", "no such file"}},
		// A corrupt test summary.
		{"corrupt test file", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, `{"tests":[{"name":"read","summary_file":"read.json"}]}`)
			mustWrite(t, dir, "read.json", `{"metrics": {"requests_total": 1.5e}}`)
		}, []string{`test "read"`, "read.json"}},
		// A test without a summary_file.
		{"no summary_file", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, `{"tests":[{"name":"read"}]}`)
		}, []string{"summary.json", `"read"`, "no summary_file"}},
		// A summary_file outside the results directory is refused.
		{"escaping path", func(t *testing.T, dir string) {
			mustWrite(t, dir, SuiteFile, `{"tests":[{"name":"read","summary_file":"../../etc/passwd"}]}`)
		}, []string{"../../etc/passwd", "not a path inside"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			tc.setup(t, dir)
			s, err := LoadSuite(dir)
			if err == nil {
				t.Fatalf("no error; got %+v", s)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
		})
	}
}

func mustWrite(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
