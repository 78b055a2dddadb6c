package app_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSeedTokensFile checks that `mina seed --tokens-out` never commits users whose tokens it
// cannot keep: an existing file is refused without --force and an unwritable path is an
// error, both before the store is even opened; --force replaces the file.
func TestSeedTokensFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	aDir := filepath.Join(dir, "d")
	if err := os.Mkdir(aDir, 0o700); err != nil {
		t.Fatal(err)
	}
	existing := filepath.Join(dir, "existing.csv")
	if err := os.WriteFile(existing, []byte("user_id,email,token\n1,a@example.com,mina_old\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		args     []string
		code     int
		stderr   string // in stderr
		seeded   bool   // the store was created and seeded
		fileHas  string // in the tokens file afterwards
		filePath string
	}{
		// A second seed must not overwrite the tokens of the first.
		{"ExistingRefused", []string{"--tokens-out", existing}, 2, "exists", false, "mina_old", existing},
		// A path that cannot be written (its parent is a file; a read-only directory would not
		// stop the root user the tests may run as): a clear error, nothing committed.
		{"Unwritable", []string{"--tokens-out", filepath.Join(existing, "t.csv")}, 1, "nothing was seeded", false, "", ""},
		// A directory that does not exist.
		{"NoDirectory", []string{"--tokens-out", filepath.Join(dir, "nope", "t.csv")}, 1, "nothing was seeded", false, "", ""},
		// A directory in place of the file.
		{"IsDirectory", []string{"--tokens-out", aDir}, 2, "is a directory", false, "", ""},
		// --force replaces the file with the new users' tokens.
		{"Force", []string{"--tokens-out", existing, "--force"}, 0, "tokens in", true, "user_id,email,token\n", existing},
	}
	for _, tt := range tests { // sequential: Force changes the file ExistingRefused reads
		t.Run(tt.name, func(t *testing.T) {
			db := filepath.Join(t.TempDir(), "m.db")
			e, _, errOut := env(map[string]string{"DATABASE_URL": "sqlite:" + db})
			args := append([]string{"seed", "--users", "3", "--meetings", "2"}, tt.args...)
			if code := e.Run(context.Background(), args); code != tt.code || !strings.Contains(errOut.String(), tt.stderr) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", code, tt.code, errOut.String(), tt.stderr)
			}
			if _, err := os.Stat(db); (err == nil) != tt.seeded {
				t.Fatalf("store exists: %v, want %v (nothing may be committed when the tokens cannot be kept)", err == nil, tt.seeded)
			}
			if tt.filePath != "" {
				b, err := os.ReadFile(tt.filePath)
				if err != nil || !strings.Contains(string(b), tt.fileHas) {
					t.Fatalf("tokens file %q (err %v) lacks %q", b, err, tt.fileHas)
				}
				if tt.seeded && (strings.Contains(string(b), "mina_old") || strings.Count(string(b), "\n") != 4) {
					t.Fatalf("forced tokens file is not the 3 new users': %q", b)
				}
			}
			left, _ := filepath.Glob(filepath.Join(dir, ".*.tmp"))
			if len(left) > 0 {
				t.Fatalf("temporary files left behind: %v", left)
			}
		})
	}
}
