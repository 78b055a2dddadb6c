package tmpl_test

import (
	"fmt"
	"os"

	"github.com/ramp-dev/ramp/internal/tmpl"
)

// The scenario compiler substitutes what it knows at compile time and keeps the rest.
func ExampleSubstitute() {
	env := map[string]string{"BASE_URL": "http://127.0.0.1:5000"}
	out, err := tmpl.Substitute("${BASE_URL:-http://localhost}/api/meetings/${meeting_id}", func(ref tmpl.Ref) (string, bool) {
		if v, ok := env[ref.Name]; ok {
			return v, true
		}
		return "", false // a run-time reference: keep it
	})
	fmt.Println(out, err)
	// Output: http://127.0.0.1:5000/api/meetings/${meeting_id} <nil>
}

// The flow runner parses once and expands per request into a reused buffer.
func ExampleTemplate_Expand() {
	t, err := tmpl.Parse("/api/meetings/${meeting_id}?page=${page:-1}")
	if err != nil {
		fmt.Println(err)
		return
	}
	vars := map[string]any{"meeting_id": 42}
	lookup := func(ref tmpl.Ref) (any, error) {
		if v, ok := vars[ref.Name]; ok {
			return v, nil
		}
		return nil, tmpl.ErrUndefined
	}
	buf := make([]byte, 0, 64)
	buf, _ = t.Expand(buf[:0], lookup)
	os.Stdout.Write(append(buf, '\n'))
	// Output: /api/meetings/42?page=1
}

// Errors quote the template and give the byte offset of the problem.
func ExampleParse_error() {
	_, err := tmpl.Parse("Bearer ${users.token")
	fmt.Println(err)
	// Output: template "Bearer ${users.token": at byte 7: unterminated reference: missing '}'
}
