package jsontext

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestAppendString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
	}{
		// Plain ASCII passes through.
		{"meetings", `"meetings"`},
		// Quotes, backslashes and the named control characters get short escapes.
		{"a\"b\\c\nd\re\tf", `"a\"b\\c\nd\re\tf"`},
		// Other control characters get \u00XX.
		{"\x00\x1f", `"\u0000\u001f"`},
		// Valid multi-byte UTF-8 is kept as it is.
		{"réunion ✓", `"réunion ✓"`},
		// Invalid UTF-8 becomes U+FFFD, so the output stays valid JSON.
		{"a\xffb", `"a\ufffdb"`},
	}
	for _, tt := range tests {
		for _, got := range []string{string(AppendString(nil, tt.in)), string(AppendString(nil, []byte(tt.in)))} {
			if got != tt.want {
				t.Errorf("AppendString(%q) = %s, want %s", tt.in, got, tt.want)
			}
			var back string
			if err := json.Unmarshal([]byte(got), &back); err != nil {
				t.Errorf("AppendString(%q) = %s is not valid JSON: %v", tt.in, got, err)
			}
		}
	}
}

func BenchmarkAppendString(b *testing.B) {
	buf := make([]byte, 0, 128)
	for b.Loop() {
		buf = AppendString(buf[:0], "Load test meeting 5f0c2a1e-réunion")
	}
}

func TestAppendStringRoundTrip(t *testing.T) {
	t.Parallel()
	tests := []struct{ name, in string }{
		{"plain", "hello"},                    // nothing to escape
		{"quotes and backslash", `a"b\c`},     // JSON's two mandatory escapes
		{"controls", "tab\tnl\ncr\r\x00\x1f"}, // control characters
		{"unicode", "héllo ✓ 日本"},             // multi-byte UTF-8 passes through
		{"html", "<a href='x'>&</a>"},         // no HTML escaping needed
		{"invalid utf-8", "bad\xff\xfeend"},   // replaced by U+FFFD
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			for _, out := range [][]byte{AppendString(nil, tc.in), AppendString(nil, []byte(tc.in))} {
				var back string
				if err := json.Unmarshal(out, &back); err != nil {
					t.Fatalf("%s is not a JSON string: %v", out, err)
				}
				want := strings.ToValidUTF8(tc.in, "\ufffd\ufffd")
				if tc.name != "invalid utf-8" {
					want = tc.in
				}
				if back != want {
					t.Errorf("round trip of %q = %q, want %q", tc.in, back, want)
				}
			}
		})
	}
}

// FuzzAppendStringRoundTrip checks that any string, valid UTF-8 or not, becomes one valid JSON
// string that decodes back to its valid-UTF-8 form. The seeds run with every `go test`.
func FuzzAppendStringRoundTrip(f *testing.F) {
	for _, s := range []string{"", `"`, `\`, "\x00", "\xff", "é", "\u2028", "a\"b\\c\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := AppendString(nil, s)
		var back string
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("AppendString(%q) = %s: not JSON: %v", s, out, err)
		}
		if strings.ToValidUTF8(s, "") == s && back != s {
			t.Fatalf("round trip of %q = %q", s, back)
		}
		if string(AppendString(nil, []byte(s))) != string(out) {
			t.Fatalf("the string and byte forms differ on %q", s)
		}
	})
}
