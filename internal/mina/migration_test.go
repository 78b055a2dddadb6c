package mina_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/ramp-dev/ramp/internal/mina"
)

func TestLoadMigrations(t *testing.T) {
	t.Parallel()
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	t.Run("sorted and paired", func(t *testing.T) {
		t.Parallel()
		fsys := fstest.MapFS{
			"m/0002_indexes.up.sql":   file("CREATE INDEX ix;"),
			"m/0002_indexes.down.sql": file("DROP INDEX ix;"),
			"m/0001_schema.up.sql":    file("CREATE TABLE t;"),
			"m/0001_schema.down.sql":  file("DROP TABLE t;"),
			"m/README":                file("not a migration"),
		}
		ms, err := mina.LoadMigrations(fsys, "m")
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) != 2 || ms[0].Version != 1 || ms[0].Name != "schema" || ms[1].Name != "indexes" {
			t.Fatalf("got %+v", ms)
		}
		if ms[0].Up != "CREATE TABLE t;" || ms[1].Down != "DROP INDEX ix;" {
			t.Fatalf("bodies mixed up: %+v", ms)
		}
	})
	tests := []struct {
		name string
		fsys fstest.MapFS
		want string // a fragment of the error
	}{
		// A version without its down file cannot be reverted.
		{"missing down", fstest.MapFS{"m/1_a.up.sql": file("x")}, "needs both"},
		// Version 2 without 1 would leave the order ambiguous.
		{"gap", fstest.MapFS{"m/2_a.up.sql": file("x"), "m/2_a.down.sql": file("y")}, "without gaps"},
		// The direction must be spelled out.
		{"no direction", fstest.MapFS{"m/1_a.sql": file("x")}, `"1_a.sql"`},
		// The version is a number.
		{"bad version", fstest.MapFS{"m/one_a.up.sql": file("x")}, `version "one"`},
		// Up and down of one version must agree on the name.
		{"name mismatch", fstest.MapFS{"m/1_a.up.sql": file("x"), "m/1_b.down.sql": file("y")}, "already named"},
		// Two up files for one version (0001 and 1) would silently shadow each other.
		{"duplicate", fstest.MapFS{"m/1_a.up.sql": file("x"), "m/0001_a.up.sql": file("y")}, "two such files"},
		// An empty file is almost certainly a mistake.
		{"empty", fstest.MapFS{"m/1_a.up.sql": file(" \n"), "m/1_a.down.sql": file("y")}, "is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := mina.LoadMigrations(tt.fsys, "m")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
