package tmpl

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParseValid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		refs    []Ref // Offset/End checked against the source text instead
		literal string
		isLit   bool
		single  bool
	}{
		// No reference at all: the whole string is literal.
		{"plain", "http://x/api", nil, "http://x/api", true, false},
		// Empty input is the empty literal.
		{"empty", "", nil, "", true, false},
		// A lone dollar and "$x" are literal text.
		{"lone dollar", "cost $5 and $x", nil, "cost $5 and $x", true, false},
		// "$${" is an escaped "${".
		{"escape", "a $${B} c", nil, "a ${B} c", true, false},
		// "$$${" is a "$" then the escape: scanned left to right.
		{"dollar then escape", "$$${x}", nil, "$${x}", true, false},
		// A single name is Single.
		{"single name", "${BASE_URL}", []Ref{{Name: "BASE_URL"}}, "", false, true},
		// Text around a name.
		{"name in text", "${BASE_URL}/api/meetings", []Ref{{Name: "BASE_URL"}}, "", false, false},
		// Feeder column.
		{"dotted", "Bearer ${users.token}", []Ref{{Name: "users.token"}}, "", false, false},
		// Index into a list and a field of the element.
		{"index", "${ids[0].name}", []Ref{{Name: "ids[0].name"}}, "", false, true},
		// Fields may start with a digit and hold dashes (CSV headers).
		{"numeric field", "${row.0.x-y}", []Ref{{Name: "row.0.x-y"}}, "", false, true},
		// A default, including one with spaces, colons and slashes.
		{"default", "${BASE_URL:-http://localhost:5000}", []Ref{{Name: "BASE_URL", Default: "http://localhost:5000", HasDefault: true}}, "", false, true},
		// An empty default is still a default.
		{"empty default", "${A:-}", []Ref{{Name: "A", HasDefault: true}}, "", false, true},
		// A call with two args, spaces trimmed.
		{"randomInt", "${randomInt( 15 , 90 )}", []Ref{{Func: "randomInt", Args: []string{"15", "90"}}}, "", false, true},
		// A call with no args.
		{"uuid", "Load test ${uuid()}", []Ref{{Func: "uuid"}}, "", false, false},
		// Quoted args keep their quotes and may hold commas and parens.
		{"quoted", `${randomChoice("a,b", 'c)', d)}`, []Ref{{Func: "randomChoice", Args: []string{`"a,b"`, `'c)'`, "d"}}}, "", false, true},
		// Several references and an escape between them.
		{"several", "${a}$${b}${now()}", []Ref{{Name: "a"}, {Func: "now"}}, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tp, err := Parse(tc.in)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.in, err)
			}
			got := tp.Refs()
			if len(got) != len(tc.refs) {
				t.Fatalf("Parse(%q) refs = %+v, want %+v", tc.in, got, tc.refs)
			}
			for i, r := range got {
				if r.Offset < 0 || r.End > len(tc.in) || !strings.HasPrefix(tc.in[r.Offset:], "${") || tc.in[r.End-1] != '}' {
					t.Errorf("ref %d: offsets [%d,%d) do not frame a reference in %q", i, r.Offset, r.End, tc.in)
				}
				r.Offset, r.End = 0, 0
				if !reflect.DeepEqual(r, tc.refs[i]) {
					t.Errorf("ref %d = %+v, want %+v", i, r, tc.refs[i])
				}
			}
			lit, isLit := tp.Literal()
			if isLit != tc.isLit || lit != tc.literal {
				t.Errorf("Literal() = %q, %v; want %q, %v", lit, isLit, tc.literal, tc.isLit)
			}
			if _, single := tp.Single(); single != tc.single {
				t.Errorf("Single() = %v, want %v", single, tc.single)
			}
			if tp.Source() != tc.in {
				t.Errorf("Source() = %q", tp.Source())
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		in     string
		offset int
		msg    string // a fragment of the message
	}{
		// "${" at the very end.
		{"dangling", "abc${", 3, "unterminated"},
		// No closing brace.
		{"unclosed", "x ${NAME", 2, "missing '}'"},
		// Nothing inside.
		{"empty", "${}", 2, "expected a name"},
		// Names start with a letter or underscore.
		{"digit start", "${1abc}", 2, "expected a name"},
		// Spaces are not allowed in names.
		{"space", "${ A}", 2, "expected a name"},
		// A bad character after the name.
		{"bad char", "${A B}", 3, "unexpected ' '"},
		// Unknown function, with the list of known ones.
		{"unknown func", "${random(1,2)}", 2, "unknown function \"random\""},
		// Arity.
		{"arity", "${randomInt(1)}", 11, "randomInt takes 2 arguments, got 1"},
		// Arity of a no-arg function.
		{"arity uuid", "${uuid(1)}", 6, "no arguments"},
		// randomChoice needs at least one.
		{"arity choice", "${randomChoice()}", 14, "at least 1"},
		// An empty argument between commas.
		{"empty arg", "${randomInt(1,,2)}", 14, "empty argument"},
		// Call without ')'.
		{"unclosed call", "${uuid(", 7, "missing ')'"},
		// Unterminated quote.
		{"quote", `${randomChoice("a)}`, 15, "unterminated quoted"},
		// Nested references.
		{"nested", "${randomInt(1,${MAX})}", 14, "do not nest"},
		// Missing field after a dot.
		{"dot", "${users.}", 7, "field name"},
		// A non-numeric index.
		{"index", "${ids[x]}", 5, "index"},
		// Default without the closing brace.
		{"default unclosed", "${A:-abc", 0, "after the default"},
		// The error is found in the second reference.
		{"second ref", "${A}/${B", 5, "missing '}'"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Parse(tc.in)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q) error = %v, want *SyntaxError", tc.in, err)
			}
			if se.Offset != tc.offset {
				t.Errorf("offset = %d, want %d (%v)", se.Offset, tc.offset, err)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), fmt.Sprintf("%q", tc.in)) {
				t.Errorf("error %q should quote the input and say %q", err, tc.msg)
			}
		})
	}
}

func TestRefPath(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		root string
		path []PathElem
	}{
		// A plain name has no path.
		{"plain", "${A}", "A", nil},
		// A feeder column.
		{"field", "${users.token}", "users", []PathElem{{Field: "token"}}},
		// Index then field then index.
		{"mixed", "${m[2].tags[10]}", "m", []PathElem{{Index: 2, IsIndex: true}, {Field: "tags"}, {Index: 10, IsIndex: true}}},
		// Calls have no root.
		{"call", "${uuid()}", "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r, _ := MustParse(tc.in).Single()
			if r.Root() != tc.root || !reflect.DeepEqual(r.Path(), tc.path) {
				t.Errorf("Root, Path = %q, %+v; want %q, %+v", r.Root(), r.Path(), tc.root, tc.path)
			}
		})
	}
}

func TestSubstitute(t *testing.T) {
	t.Parallel()
	env := map[string]string{"BASE_URL": "http://127.0.0.1:5000", "RATE": "100", "WEIRD": "a${b}"}
	resolve := func(ref Ref) (string, bool) {
		if ref.Func != "" {
			return "", false
		}
		if v, ok := env[ref.Name]; ok {
			return v, true
		}
		if ref.HasDefault && strings.ToUpper(ref.Name) == ref.Name {
			return ref.Default, true
		}
		return "", false
	}
	tests := []struct {
		name, in, want string
	}{
		// Known variables are replaced.
		{"known", "${BASE_URL}/api", "http://127.0.0.1:5000/api"},
		// Run-time references are kept exactly as written.
		{"kept", "${BASE_URL}/api/${meeting_id}?x=${randomInt( 1,2 )}", "http://127.0.0.1:5000/api/${meeting_id}?x=${randomInt( 1,2 )}"},
		// The resolver applies a default.
		{"default", "${DURATION:-10s}", "10s"},
		// Escapes stay escaped so the result is still a template.
		{"escape", "$${RATE} ${RATE}", "$${RATE} 100"},
		// A "${" inside a value is escaped.
		{"value escaped", "${WEIRD}", "a$${b}"},
		// No reference: unchanged.
		{"plain", "hello", "hello"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := Substitute(tc.in, resolve)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Substitute(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("value escaped round trip", func(t *testing.T) {
		t.Parallel()
		got, _ := Substitute("${WEIRD}", resolve)
		lit, ok := MustParse(got).Literal()
		if !ok || lit != "a${b}" {
			t.Errorf("Literal() of %q = %q, %v; want the value back", got, lit, ok)
		}
	})
	t.Run("syntax error", func(t *testing.T) {
		t.Parallel()
		if _, err := Substitute("${A", resolve); err == nil {
			t.Error("want an error for an unterminated reference")
		}
	})
}

type stringer struct{}

func (stringer) String() string { return "S" }

func TestExpand(t *testing.T) {
	t.Parallel()
	vars := map[string]any{
		"s": "str", "i": 42, "i64": int64(-7), "f": 2.5, "fi": float64(1000), "b": true, "n": nil,
		"list": []any{1.0, "x"}, "obj": map[string]any{"k": "v"}, "bytes": []byte("raw"), "st": stringer{},
	}
	boom := errors.New("boom")
	lookup := func(ref Ref) (any, error) {
		if ref.Func == "uuid" {
			return nil, boom
		}
		if v, ok := vars[ref.Name]; ok {
			return v, nil
		}
		return nil, fmt.Errorf("%q: %w", ref.Name, ErrUndefined)
	}
	tests := []struct {
		name, in, want string
		err            string
	}{
		// Literal text only.
		{"literal", "abc", "abc", ""},
		// Each value kind.
		{"kinds", "${s}|${i}|${i64}|${f}|${fi}|${b}|${n}|${bytes}|${st}", "str|42|-7|2.5|1000|true||raw|S", ""},
		// Lists and objects are JSON.
		{"json", "${list} ${obj}", `[1,"x"] {"k":"v"}`, ""},
		// An undefined name with a default uses the default.
		{"default", "a${missing:-dflt}b", "adfltb", ""},
		// An undefined name without a default is an error naming the reference.
		{"undefined", "a${missing}b", "", "${missing}"},
		// Other errors are not replaced by the default.
		{"other error", "${uuid():-x}", "", "boom"},
		// Escapes expand to "${".
		{"escape", "$${s}=${s}", "${s}=str", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := MustParse(tc.in).Expand([]byte("pre:"), lookup)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("Expand(%q) error = %v, want one mentioning %q", tc.in, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != "pre:"+tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, "pre:"+tc.want)
			}
		})
	}
}

func TestExpandLiteralDoesNotAllocate(t *testing.T) {
	tp := MustParse("${BASE_URL}/api/meetings?page=1&per_page=20")
	var base any = "http://127.0.0.1:5000"
	lookup := func(Ref) (any, error) { return base, nil }
	buf := make([]byte, 0, 128)
	allocs := testing.AllocsPerRun(100, func() {
		buf, _ = tp.Expand(buf[:0], lookup)
	})
	if allocs != 0 {
		t.Errorf("Expand allocated %v times per run, want 0", allocs)
	}
}

func BenchmarkExpand(b *testing.B) {
	tp := MustParse("${BASE_URL}/api/meetings/${meeting_id}?page=${__ITER}&token=${users.token}")
	vals := map[string]any{"BASE_URL": "http://127.0.0.1:5000", "meeting_id": "a1b2c3", "__ITER": int64(12345), "users.token": "tok-123"}
	lookup := func(ref Ref) (any, error) { return vals[ref.Name], nil }
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf, _ = tp.Expand(buf[:0], lookup)
	}
}

func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = Parse("${BASE_URL}/api/meetings/${meeting_id}?x=${randomInt(1,100)}")
	}
}

// FuzzParse checks that no input panics and that a parsed template's references frame
// "${…}" in the source. The seeds run with every `go test`.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "${", "$${", "${a:-}", "${randomInt(1,2)}", "${a[1].b}", `${randomChoice("x)}`, "${ids[}"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tp, err := Parse(s)
		if err != nil {
			return
		}
		for _, r := range tp.Refs() {
			if !strings.HasPrefix(s[r.Offset:r.End], "${") || s[r.End-1] != '}' {
				t.Fatalf("ref %+v does not frame a reference in %q", r, s)
			}
			_ = r.Path()
		}
		_, _ = tp.Expand(nil, func(Ref) (any, error) { return "v", nil })
	})
}
