// Package tmpl parses and expands the `${...}` templates of scenario files.
//
// A template is parsed once (Parse) into literal segments and references; expanding it
// (Expand) appends the literals and the looked-up values to a caller-owned buffer, so the per
// request cost is one lookup per reference and no allocation for the literal text. The scenario
// compiler uses Substitute to replace the variables it knows at compile time (-e and the
// environment) and keep the run-time references (captures, feeders, built-ins, functions)
// verbatim for the flow runner.
//
// Grammar (byte-oriented, scanned left to right):
//
//	template  = { literal | escape | reference }
//	escape    = "$${"                         ; the literal text "${"
//	reference = "${" ( call | name ) [ ":-" default ] "}"
//	name      = ident { "." field | "[" digits "]" }
//	call      = ident "(" [ arg { "," arg } ] ")"
//	ident     = ( letter | "_" ) { letter | digit | "_" }
//	field     = ( letter | digit | "_" ) { letter | digit | "_" | "-" }
//	arg       = spaces ( quoted | bare ) spaces
//	quoted    = '"' { any but '"' } '"' | "'" { any but "'" } "'"
//	bare      = { any but "," ")" "}" "'" '"' }   ; trimmed; may be empty only in "fn()"
//	default   = { any but "}" }
//	literal   = any other text, including a "$" that does not start "${" or "$${"
//
// No whitespace is allowed inside a name. A call names one of the functions in Funcs and has
// the arity listed there. References do not nest: `${randomInt(1,${MAX})}` is an error; write
// `${randomInt(1,MAX)}` and let the runner read MAX as a variable.
//
// No third-party library: the grammar is small and the hot path (Expand) must not allocate.
package tmpl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// The functions a reference may call.
const (
	FuncRandomInt    = "randomInt"    // randomInt(a, b): a uniform integer in [a, b]
	FuncRandomChoice = "randomChoice" // randomChoice(a, b, …) or randomChoice(listVar)
	FuncUUID         = "uuid"         // uuid(): a random (version 4) UUID
	FuncNow          = "now"          // now(): the current time, RFC 3339
	FuncNowUnix      = "nowUnix"      // nowUnix(): seconds since the Unix epoch
	FuncNowUnixMilli = "nowUnixMilli" // nowUnixMilli(): milliseconds since the Unix epoch
)

// arity gives the number of arguments each function takes: {min, max}; max < 0 is unbounded.
func arity(fn string) (lo, hi int, ok bool) {
	switch fn {
	case FuncRandomInt:
		return 2, 2, true
	case FuncRandomChoice:
		return 1, -1, true
	case FuncUUID, FuncNow, FuncNowUnix, FuncNowUnixMilli:
		return 0, 0, true
	}
	return 0, 0, false
}

// Funcs lists the functions a template may call, for messages such as "did you mean".
func Funcs() []string {
	return []string{FuncRandomInt, FuncRandomChoice, FuncUUID, FuncNow, FuncNowUnix, FuncNowUnixMilli}
}

// Ref is one `${...}` reference of a template.
type Ref struct {
	// Name is the variable read: "BASE_URL", "users.token", "meeting_ids[0]"; "" for calls.
	Name string
	// Func is the function called ("randomInt", …); "" for names.
	Func string
	// Args are the call's arguments as written, trimmed of spaces; quoted ones keep their
	// quotes (see Unquote).
	Args []string
	// Default is the text after ":-", used when the name is undefined; HasDefault tells
	// `${A:-}` (empty default) from `${A}`.
	Default    string
	HasDefault bool
	// Offset is the byte offset of "${" in the source.
	Offset int
	// End is the byte offset just past the closing "}", so src[Offset:End] is the reference
	// as written.
	End int
}

// Root is the first part of the reference's name: "users" for "users.token", "ids" for
// "ids[0]"; "" for calls.
func (r Ref) Root() string {
	if i := strings.IndexAny(r.Name, ".["); i >= 0 {
		return r.Name[:i]
	}
	return r.Name
}

// PathElem is one step below a name's root: a field (".token") or an index ("[0]").
type PathElem struct {
	Field   string
	Index   int
	IsIndex bool
}

// Path is the name's steps after the root; nil for plain names and calls. The name was
// validated by Parse, so Path does not fail.
func (r Ref) Path() []PathElem {
	rest := r.Name[len(r.Root()):]
	var path []PathElem
	for rest != "" {
		if rest[0] == '.' {
			end := strings.IndexAny(rest[1:], ".[")
			if end < 0 {
				end = len(rest) - 1
			}
			path = append(path, PathElem{Field: rest[1 : 1+end]})
			rest = rest[1+end:]
			continue
		}
		end := strings.IndexByte(rest, ']') // '[' digits ']' by the grammar
		n, _ := strconv.Atoi(rest[1:end])
		path = append(path, PathElem{Index: n, IsIndex: true})
		rest = rest[end+1:]
	}
	return path
}

// Unquote returns a call argument's literal value and whether it was quoted: `"a,b"` gives
// ("a,b", true), `42` gives ("42", false).
func Unquote(arg string) (string, bool) {
	if len(arg) >= 2 && (arg[0] == '"' || arg[0] == '\'') && arg[len(arg)-1] == arg[0] {
		return arg[1 : len(arg)-1], true
	}
	return arg, false
}

// String returns the reference as written in canonical form.
func (r Ref) String() string {
	var b strings.Builder
	b.WriteString("${")
	if r.Func != "" {
		b.WriteString(r.Func)
		b.WriteByte('(')
		b.WriteString(strings.Join(r.Args, ","))
		b.WriteByte(')')
	} else {
		b.WriteString(r.Name)
	}
	if r.HasDefault {
		b.WriteString(":-")
		b.WriteString(r.Default)
	}
	b.WriteByte('}')
	return b.String()
}

// SyntaxError is a template that does not follow the grammar. Offset is a byte offset into
// Input, so a compiler can turn it into a column.
type SyntaxError struct {
	Input  string
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("template %q: at byte %d: %s", e.Input, e.Offset, e.Msg)
}

// ErrUndefined is what a lookup returns (or wraps) for a name it does not know; Expand then
// uses the reference's default when it has one.
var ErrUndefined = errors.New("undefined")

// segment is a literal (ref < 0) or the index of a reference.
type segment struct {
	lit string
	ref int
}

// Template is a parsed string with `${...}` references. It is immutable after Parse and safe
// for concurrent Expand calls.
type Template struct {
	src  string
	segs []segment
	refs []Ref
}

// Source returns the template as written.
func (t *Template) Source() string { return t.src }

// Refs returns the template's references in source order. The slice is the template's own:
// do not modify it.
func (t *Template) Refs() []Ref { return t.refs }

// Literal returns the template's text with escapes resolved when it has no reference.
func (t *Template) Literal() (string, bool) {
	if len(t.refs) > 0 {
		return "", false
	}
	switch len(t.segs) {
	case 0:
		return "", true
	case 1:
		return t.segs[0].lit, true
	}
	var b strings.Builder
	for _, s := range t.segs {
		b.WriteString(s.lit)
	}
	return b.String(), true
}

// Single returns the reference when the template is exactly one reference and no other text,
// so a JSON body can keep the referenced value's type.
func (t *Template) Single() (Ref, bool) {
	if len(t.segs) == 1 && t.segs[0].ref >= 0 {
		return t.refs[0], true
	}
	return Ref{}, false
}

// Parse parses s by the grammar in the package comment. Errors are *SyntaxError values that
// quote s and give the byte offset of the problem.
func Parse(s string) (*Template, error) {
	t := &Template{src: s}
	lit := strings.Builder{}
	litStart := 0 // start of pending literal text not yet copied into lit
	flush := func(upto int) {
		if upto > litStart {
			lit.WriteString(s[litStart:upto])
		}
	}
	emitLit := func() {
		if lit.Len() > 0 {
			t.segs = append(t.segs, segment{lit: lit.String(), ref: -1})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); {
		switch {
		case strings.HasPrefix(s[i:], "$${"):
			flush(i)
			lit.WriteString("${")
			i += 3
			litStart = i
		case strings.HasPrefix(s[i:], "${"):
			flush(i)
			emitLit()
			ref, err := parseRef(s, i)
			if err != nil {
				return nil, err
			}
			t.segs = append(t.segs, segment{ref: len(t.refs)})
			t.refs = append(t.refs, ref)
			i = ref.End
			litStart = i
		default:
			i++
		}
	}
	flush(len(s))
	emitLit()
	return t, nil
}

// MustParse is Parse for templates written in Go source (tests, built-in defaults); it panics
// on a syntax error.
func MustParse(s string) *Template {
	t, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return t
}

// parseRef parses the reference starting with "${" at s[start].
func parseRef(s string, start int) (Ref, error) {
	fail := func(at int, format string, args ...any) (Ref, error) {
		return Ref{}, &SyntaxError{Input: s, Offset: at, Msg: fmt.Sprintf(format, args...)}
	}
	ref := Ref{Offset: start}
	i := start + 2
	id := scanIdent(s, i)
	if id == i {
		if i >= len(s) {
			return fail(start, "unterminated reference: expected a name and '}' after \"${\"")
		}
		return fail(i, "expected a name or a function call after \"${\", found %q", s[i])
	}
	if id < len(s) && s[id] == '(' {
		ref.Func = s[i:id]
		lo, hi, ok := arity(ref.Func)
		if !ok {
			return fail(i, "unknown function %q (the functions are %s)", ref.Func, strings.Join(Funcs(), ", "))
		}
		var err error
		if ref.Args, i, err = parseArgs(s, id+1); err != nil {
			return Ref{}, err
		}
		if n := len(ref.Args); n < lo || (hi >= 0 && n > hi) {
			return fail(id, "%s takes %s, got %d", ref.Func, arityText(lo, hi), n)
		}
	} else {
		end, err := scanPath(s, id)
		if err != nil {
			return Ref{}, err
		}
		ref.Name, i = s[i:end], end
	}
	if strings.HasPrefix(s[i:], ":-") {
		end := strings.IndexByte(s[i+2:], '}')
		if end < 0 {
			return fail(start, "unterminated reference: no '}' after the default")
		}
		ref.Default, ref.HasDefault = s[i+2:i+2+end], true
		i += 2 + end
	}
	if i >= len(s) {
		return fail(start, "unterminated reference: missing '}'")
	}
	if s[i] != '}' {
		return fail(i, "unexpected %q in reference; expected '}' or \":-default}\"", s[i])
	}
	ref.End = i + 1
	return ref, nil
}

func arityText(lo, hi int) string {
	switch {
	case hi < 0:
		return fmt.Sprintf("at least %d argument(s)", lo)
	case lo == hi && lo == 0:
		return "no arguments"
	case lo == hi:
		return fmt.Sprintf("%d arguments", lo)
	}
	return fmt.Sprintf("%d to %d arguments", lo, hi)
}

// parseArgs parses a call's arguments from just after "(" and returns the index after ")".
func parseArgs(s string, i int) ([]string, int, error) {
	fail := func(at int, msg string) ([]string, int, error) {
		return nil, 0, &SyntaxError{Input: s, Offset: at, Msg: msg}
	}
	var args []string
	for {
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if i >= len(s) {
			return fail(i, "unterminated call: missing ')'")
		}
		if s[i] == ')' && len(args) == 0 {
			return nil, i + 1, nil
		}
		argStart := i
		if q := s[i]; q == '"' || q == '\'' {
			end := strings.IndexByte(s[i+1:], q)
			if end < 0 {
				return fail(i, "unterminated quoted argument")
			}
			i += end + 2
		} else {
			for i < len(s) && !strings.ContainsRune(",)}'\"", rune(s[i])) {
				i++
			}
		}
		arg := strings.TrimRight(s[argStart:i], " ")
		for i < len(s) && s[i] == ' ' {
			i++
		}
		if arg == "" {
			return fail(argStart, "empty argument")
		}
		if strings.HasPrefix(arg, "${") {
			return fail(argStart, "references do not nest: write a variable argument as a bare name, e.g. randomInt(1, MAX)")
		}
		args = append(args, arg)
		if i >= len(s) {
			return fail(i, "unterminated call: missing ')'")
		}
		switch s[i] {
		case ',':
			i++
		case ')':
			return args, i + 1, nil
		default:
			return fail(i, fmt.Sprintf("unexpected %q in arguments; expected ',' or ')'", s[i]))
		}
	}
}

// scanIdent returns the end of the identifier starting at s[i] (i itself when there is none).
func scanIdent(s string, i int) int {
	if i >= len(s) || !(isLetter(s[i]) || s[i] == '_') {
		return i
	}
	i++
	for i < len(s) && (isLetter(s[i]) || isDigit(s[i]) || s[i] == '_') {
		i++
	}
	return i
}

// scanPath scans the ".field" and "[n]" parts after a name's root.
func scanPath(s string, i int) (int, error) {
	for i < len(s) {
		switch s[i] {
		case '.':
			j := i + 1
			if j >= len(s) || !(isLetter(s[j]) || isDigit(s[j]) || s[j] == '_') {
				return 0, &SyntaxError{Input: s, Offset: i, Msg: "expected a field name after '.'"}
			}
			for j < len(s) && (isLetter(s[j]) || isDigit(s[j]) || s[j] == '_' || s[j] == '-') {
				j++
			}
			i = j
		case '[':
			j := i + 1
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			if j == i+1 || j >= len(s) || s[j] != ']' {
				return 0, &SyntaxError{Input: s, Offset: i, Msg: "expected an index such as [0]"}
			}
			i = j + 1
		default:
			return i, nil
		}
	}
	return i, nil
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool  { return c >= '0' && c <= '9' }

// Substitute replaces each reference of s that resolve answers (ok true) with the answer and
// keeps the others verbatim, so the result is again a template: escapes ("$${") stay escaped
// and a "${" inside an answer is escaped as "$${". resolve sees Default and HasDefault and may
// answer with the default itself. The scenario compiler calls it with the -e and environment
// variables; Parse(result).Literal() then gives the plain value of a scalar with no run-time
// reference left.
func Substitute(s string, resolve func(ref Ref) (string, bool)) (string, error) {
	t, err := Parse(s)
	if err != nil {
		return "", err
	}
	if len(t.refs) == 0 {
		return s, nil
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, ref := range t.refs {
		v, ok := resolve(ref)
		if !ok {
			continue
		}
		b.WriteString(s[last:ref.Offset])
		b.WriteString(strings.ReplaceAll(v, "${", "$${"))
		last = ref.End
	}
	b.WriteString(s[last:])
	return b.String(), nil
}

// Expand appends the expansion of t to dst and returns the extended buffer. lookup answers
// each reference with its value; Expand formats strings and []byte as they are, integers and
// floats in their shortest decimal form, bools as true/false, nil as nothing, fmt.Stringer by
// its String, and anything else (lists, objects) as JSON. When lookup's error is (or wraps)
// ErrUndefined and the reference has a default, the default is used; any other error stops
// the expansion and is returned wrapped with the reference.
func (t *Template) Expand(dst []byte, lookup func(ref Ref) (any, error)) ([]byte, error) {
	for i := range t.segs {
		seg := &t.segs[i]
		if seg.ref < 0 {
			dst = append(dst, seg.lit...)
			continue
		}
		ref := &t.refs[seg.ref]
		v, err := lookup(*ref)
		if err != nil {
			if ref.HasDefault && errors.Is(err, ErrUndefined) {
				dst = append(dst, ref.Default...)
				continue
			}
			return dst, fmt.Errorf("%s: %w", t.src[ref.Offset:ref.End], err)
		}
		if dst, err = AppendValue(dst, v); err != nil {
			return dst, fmt.Errorf("%s: %w", t.src[ref.Offset:ref.End], err)
		}
	}
	return dst, nil
}

// AppendValue appends v formatted as Expand formats a reference's value.
func AppendValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return dst, nil
	case string:
		return append(dst, v...), nil
	case []byte:
		return append(dst, v...), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint64:
		return strconv.AppendUint(dst, v, 10), nil
	case float64:
		return strconv.AppendFloat(dst, v, 'f', -1, 64), nil
	case float32:
		return strconv.AppendFloat(dst, float64(v), 'f', -1, 32), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case fmt.Stringer:
		return append(dst, v.String()...), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("cannot format %T: %w", v, err)
	}
	return append(dst, b...), nil
}
