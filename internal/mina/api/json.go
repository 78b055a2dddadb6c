package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// jsonContentType is shared by every JSON response, so setting it allocates nothing.
var jsonContentType = []string{"application/json"}

// writeRaw answers with already-encoded JSON.
func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	w.WriteHeader(status)
	w.Write(b)
}

// writeJSON encodes v and answers with it.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("api: encode %T: %w", v, err)
	}
	writeRaw(w, status, b)
	return nil
}

// decodeJSON reads the request body, at most limit bytes, into v: one JSON object, no unknown
// fields, nothing after it. Every failure is an application error naming what is wrong (and
// the field, when there is one): a client mistake is never a 500.
func decodeJSON(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body := http.MaxBytesReader(w, r.Body, limit)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err, limit)
	}
	if err := dec.Decode(&struct{}{}); err != io.EOF {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return jsonError(err, limit)
		}
		return mina.Invalid("", "unexpected data after the JSON object")
	}
	return nil
}

// jsonError turns a decoding error into an application error.
func jsonError(err error, limit int64) error {
	var (
		tooLarge *http.MaxBytesError
		syntax   *json.SyntaxError
		typ      *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &tooLarge):
		return &mina.Error{Code: mina.ETOOLARGE, Message: fmt.Sprintf("request body is larger than %d bytes", limit)}
	case errors.Is(err, io.EOF):
		return mina.Invalid("", "request body is empty; send a JSON object")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return mina.Invalid("", "malformed JSON: the body ends in the middle of a value")
	case errors.As(err, &syntax):
		return mina.Invalid("", "malformed JSON at byte %d: %s", syntax.Offset, syntax.Error())
	case errors.As(err, &typ):
		if typ.Field == "" {
			return mina.Invalid("", "request body must be a JSON object, not a JSON %s", typ.Value)
		}
		return mina.Invalid(typ.Field, "must be a %s, not a JSON %s", jsonKind(typ.Type.Kind().String()), typ.Value)
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return mina.Invalid(name, "unknown field %q", name)
	}
	return mina.Invalid("", "malformed JSON: %s", err.Error())
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch {
	case strings.HasPrefix(kind, "int"), strings.HasPrefix(kind, "uint"), strings.HasPrefix(kind, "float"):
		return "number"
	case kind == "bool":
		return "boolean"
	case kind == "ptr":
		return "value of another type"
	}
	return kind
}

// flexInt is an integer field that also accepts a string holding an integer ("42"): load-test
// scripts often build bodies from templates whose values are strings.
type flexInt struct {
	set bool
	v   int64
	raw string // the text as sent, for error messages
}

// UnmarshalJSON implements json.Unmarshaler.
func (f *flexInt) UnmarshalJSON(b []byte) error {
	f.raw = string(b)
	if string(b) == "null" {
		return nil
	}
	s := string(bytes.Trim(b, `"`))
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		// The field's name is unknown here (encoding/json does not add it to an
		// unmarshaler's error): remember the failure and let checkInt name the field.
		f.set, f.raw = true, "!"+f.raw
		return nil
	}
	f.set, f.v = true, n
	return nil
}

// checkInt validates an integer field: required or not, within [min, max].
func checkInt(name string, f flexInt, required bool, min, max int64) error {
	if strings.HasPrefix(f.raw, "!") {
		return mina.Invalid(name, "must be an integer from %d to %d, got %s", min, max, f.raw[1:])
	}
	if !f.set {
		if required {
			return mina.Invalid(name, "is required")
		}
		return nil
	}
	if f.v < min || f.v > max {
		return mina.Invalid(name, "must be an integer from %d to %d, got %d", min, max, f.v)
	}
	return nil
}

// parseTime validates a timestamp field: RFC 3339, e.g. 2026-03-01T09:30:00Z.
func parseTime(name string, s *string, required bool) (*time.Time, error) {
	if s == nil {
		if required {
			return nil, mina.Invalid(name, "is required (RFC 3339, e.g. 2026-03-01T09:30:00Z)")
		}
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, *s)
	if err != nil {
		return nil, mina.Invalid(name, "must be an RFC 3339 time such as 2026-03-01T09:30:00Z, got %q", *s)
	}
	return &t, nil
}

// checkText validates a text field: required or not, at most max characters, and not blank
// when required.
func checkText(name string, s *string, required bool, max int) error {
	if s == nil {
		if required {
			return mina.Invalid(name, "is required")
		}
		return nil
	}
	if required && strings.TrimSpace(*s) == "" {
		return mina.Invalid(name, "must not be blank")
	}
	if n := len([]rune(*s)); n > max {
		return mina.Invalid(name, "must be at most %d characters, got %d", max, n)
	}
	return nil
}
