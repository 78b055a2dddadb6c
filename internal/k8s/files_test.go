package k8s

import (
	"errors"
	"maps"
	"path/filepath"
	"strings"
	"testing"
)

// Pack keeps each file's place relative to the scenario, below the closest directory that
// holds them all; keys are unique and valid.
func TestPackLayout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		scenario string
		data     []string
		want     map[string]string // key → path below the mount
	}{
		{"alone", "t/a.yaml", nil, map[string]string{"a.yaml": "a.yaml"}},
		{"beside and below", "t/a.yaml", []string{"t/tokens.csv", "t/data/users.json"},
			map[string]string{"a.yaml": "a.yaml", "tokens.csv": "tokens.csv", "users.json": "data/users.json"}},
		{"above: the mount holds their common directory", "t/x/a.yaml", []string{"t/shared/tokens.csv"},
			map[string]string{"a.yaml": "x/a.yaml", "tokens.csv": "shared/tokens.csv"}},
		{"one name twice", "t/a.yaml", []string{"t/tokens.csv", "t/b/tokens.csv"},
			map[string]string{"a.yaml": "a.yaml", "tokens.csv": "tokens.csv", "tokens-2.csv": "b/tokens.csv"}},
		{"one file for two feeders", "t/a.yaml", []string{"t/tokens.csv", "t/./tokens.csv"},
			map[string]string{"a.yaml": "a.yaml", "tokens.csv": "tokens.csv"}},
		{"a name no key may hold", "t/my test.yaml", []string{"t/ü.csv"},
			map[string]string{"my_test.yaml": "my test.yaml", "_.csv": "ü.csv"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			var data []string
			for _, d := range tc.data {
				write(t, dir, filepath.Clean(d), "x\n")
				data = append(data, dir+"/"+d) // as given, not cleaned
			}
			f, err := Pack(write(t, dir, tc.scenario, "scenarios: {}\n"), []byte("scenarios: {}\n"), data)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, file := range f.List {
				got[file.Key] = file.Path
			}
			if !maps.Equal(got, tc.want) {
				t.Errorf("layout %v, want %v", got, tc.want)
			}
			if f.Scenario != tc.want[f.List[0].Key] {
				t.Errorf("scenario at %q", f.Scenario)
			}
		})
	}
}

// A variable that names a data file by an absolute path names it below the mount in the
// pods; relative paths and other values stay as written.
func TestPackVars(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	tokens := write(t, dir, "tokens.csv", "x\n")
	f, err := Pack(write(t, dir, "t/a.yaml", ""), nil, []string{tokens, write(t, dir, "t/users.csv", "y\n")})
	if err != nil {
		t.Fatal(err)
	}
	got := f.Vars(map[string]string{
		"TOKENS":   tokens,
		"USERS":    "users.csv",
		"ELSE":     "/etc/passwd",
		"BASE_URL": "http://api:8080",
		"SCENARIO": filepath.Join(dir, "t/a.yaml"), // the scenario is not a data file
	}, "/scenario")
	want := map[string]string{
		"TOKENS":   "/scenario/tokens.csv",
		"USERS":    "users.csv",
		"ELSE":     "/etc/passwd",
		"BASE_URL": "http://api:8080",
		"SCENARIO": filepath.Join(dir, "t/a.yaml"),
	}
	if !maps.Equal(got, want) {
		t.Errorf("Vars = %v\nwant %v", got, want)
	}
	if !f.Ships(tokens) || !f.Ships("../tokens.csv") || !f.Ships("users.csv") || f.Ships("/etc/passwd") || f.Ships("") {
		t.Error("Ships does not resolve values as data paths relative to the scenario")
	}
}

// More than a ConfigMap holds is refused, each file's size listed.
func TestPackTooLarge(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := write(t, dir, "big.csv", strings.Repeat("x", MaxConfigMapBytes-10))
	_, err := Pack(write(t, dir, "a.yaml", ""), make([]byte, 11), []string{big})
	var tl *TooLargeError
	if !errors.As(err, &tl) || tl.Total != MaxConfigMapBytes+1 || !strings.Contains(err.Error(), big) {
		t.Fatalf("err %v: want a TooLargeError of %d bytes naming %s", err, MaxConfigMapBytes+1, big)
	}
	if _, err := Pack(write(t, dir, "b.yaml", ""), make([]byte, 10), []string{big}); err != nil {
		t.Errorf("exactly 1 MiB refused: %v", err)
	}
}
