package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestFeederColumns: a template naming a column its feeder's file lacks is reported at the
// column, with a did-you-mean, as the flow runner would refuse it; anything else that reads
// x.y passes.
func TestFeederColumns(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, body string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("tokens.csv", "\xef\xbb\xbfuser_id, token\n1,tok-1\n")
	write("users.json", `[{"email": "a@example.test"}, {"email": "b@example.test", "password": "pw"}]`)
	write("broken.json", `[{"email": "a@example.test"`)
	const data = "data:\n  users: { file: tokens.csv }\n  accounts: { file: users.json }\n  broken: { file: broken.json }\n"
	file := func(request string) string {
		return data + "flows:\n  default:\n    - request: { url: \"http://127.0.0.1:5000/\", capture: [ { json: meeting, as: meeting } ] }\n    - request: " + request + "\n"
	}
	tests := []struct {
		name    string
		request string
		want    *want // nil: accepted
	}{
		// The reported case: a typo in a CSV column (the header's BOM and spaces are not part of
		// the names).
		{"csv column typo", `{ url: "http://127.0.0.1:5000/", headers: { Authorization: "Bearer ${users.tokn}" } }`,
			&want{"8:91", `data users has no column "tokn" (hint: did you mean "token"? its columns are "token" or "user_id")`}},
		{"csv column", `{ url: "http://127.0.0.1:5000/", headers: { Authorization: "Bearer ${users.token}" } }`, nil},
		// JSON: the keys of every object.
		{"json column typo", `{ url: "http://127.0.0.1:5000/", json: { email: "${accounts.emal}" } }`,
			&want{"8:76", `data accounts has no column "emal" (hint: did you mean "email"?`}},
		{"json column of a later object", `{ url: "http://127.0.0.1:5000/", json: { p: "${accounts.password}" } }`, nil},
		// A default does not help: the runner reads the feeder, whose column is missing.
		{"with a default", `{ url: "http://127.0.0.1:5000/?u=${users.tokn:-x}" }`, &want{"8:57", `data users has no column "tokn"`}},
		// Function arguments that read a feeder's column.
		{"randomInt argument", `{ url: "http://127.0.0.1:5000/?n=${randomInt(1, users.user)}" }`, &want{"8:49", `data users has no column "user"`}},
		{"randomChoice argument", `{ url: "http://127.0.0.1:5000/?n=${randomChoice(users.tokn)}" }`, &want{"8:49", `did you mean "token"?`}},
		// randomChoice(a, b): the arguments are the choices themselves.
		{"randomChoice choices", `{ url: "http://127.0.0.1:5000/?n=${randomChoice(users.tokn, b)}" }`, nil},
		// Not a feeder's column: a captured value's field, an index, the whole row.
		{"capture field", `{ url: "http://127.0.0.1:5000/${meeting.id}" }`, nil},
		{"feeder index", `{ url: "http://127.0.0.1:5000/${users[0]}" }`, nil},
		// A file that cannot be read as data now is the runner's to report: no column check.
		{"unparseable file", `{ url: "http://127.0.0.1:5000/${broken.anything}" }`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			src := file(tt.request)
			vars := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
			_, err := Compile(filepath.Join(dir, "t.yaml"), []byte(src), vars, env(nil))
			if tt.want == nil {
				if err != nil {
					t.Fatalf("refused:\n%v", err)
				}
				return
			}
			var errs *Errors
			if !errors.As(err, &errs) || len(*errs) != 1 {
				t.Fatalf("want one error, got:\n%v", err)
			}
			e := (*errs)[0]
			if got := fmt.Sprintf("%d:%d", e.Line, e.Column); got != tt.want.pos || !strings.Contains(e.Error(), tt.want.frag) {
				t.Errorf("error = %s\nwant at %s containing %q", e, tt.want.pos, tt.want.frag)
			}
		})
	}
}

// TestFeederColumnsUnreadable: a data file that exists but cannot be read when the file is
// validated keeps today's behaviour — no error from the compiler; the runner reports it.
func TestFeederColumnsUnreadable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := filepath.Join(dir, "secret.csv")
	if err := os.WriteFile(path, []byte("token\nx\n"), 0o000); err != nil {
		t.Fatal(err)
	}
	if f, err := os.Open(path); err == nil {
		f.Close()
		t.Skip("running with permission to read any file")
	}
	src := "data:\n  users: { file: secret.csv }\nflows:\n  default:\n    - request: { url: \"http://127.0.0.1:5000/${users.tokn}\" }\n"
	if _, err := Compile(filepath.Join(dir, "t.yaml"), []byte(src), map[string]string{"BASE_URL": "http://127.0.0.1:5000"}, env(nil)); err != nil {
		t.Errorf("refused:\n%v", err)
	}
}
