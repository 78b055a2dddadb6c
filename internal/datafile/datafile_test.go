package datafile

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, file, text string
		columns          []string
		rows             int
		err              string // a fragment of the error; empty for none
	}{
		// A CSV header names the columns, trimmed; a byte order mark is ignored.
		{"csv", "t.csv", "\xef\xbb\xbfuser_id, token\n1,a\n2,b\n", []string{"token", "user_id"}, 2, ""},
		// A JSON array of objects: the union of their keys.
		{"json", "t.json", `[{"id": 1}, {"id": 2, "name": "x"}]`, []string{"id", "name"}, 2, ""},
		// Another extension is sniffed: a leading [ is JSON.
		{"sniffed json", "t.data", ` [{"a": true}]`, []string{"a"}, 1, ""},
		{"header only", "t.csv", "a,b\n", nil, 0, "no data rows"},
		{"empty", "t.csv", "", nil, 0, "header row"},
		{"duplicate column", "t.csv", "a,a\n1,2\n", nil, 0, `"a" appears twice`},
		{"unnamed column", "t.csv", "a,\n1,2\n", nil, 0, "column 2 has no name"},
		{"ragged row", "t.csv", "a,b\n1\n", nil, 0, "wrong number of fields"},
		{"json not objects", "t.json", `[1]`, nil, 0, "element 0 is a number"},
		{"json trailing", "t.json", `[{"a":1}] []`, nil, 0, "more after it"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), tt.file)
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			rows, columns, err := Read(path)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("error %v, want one naming %s and saying %q", err, path, tt.err)
				}
				return
			}
			if err != nil || len(rows) != tt.rows || !reflect.DeepEqual(columns, tt.columns) {
				t.Fatalf("%d rows, columns %v, %v; want %d rows, columns %v", len(rows), columns, err, tt.rows, tt.columns)
			}
		})
	}
	if _, _, err := Read(filepath.Join(t.TempDir(), "missing.csv")); err == nil {
		t.Error("a missing file read without an error")
	}
}

// JSON numbers keep their text, so a long id is not rounded through a float.
func TestReadJSONNumbersKeepTheirText(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "ids.json")
	if err := os.WriteFile(path, []byte(`[{"id": 12345678901234567890}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	rows, _, err := Read(path)
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := rows[0]["id"].(json.Number); !ok || n.String() != "12345678901234567890" {
		t.Errorf("id = %#v", rows[0]["id"])
	}
}
