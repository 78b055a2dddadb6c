package flow

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ramp-dev/ramp/internal/jsontext"
	"math"
	"strconv"

	"github.com/ramp-dev/ramp/internal/tmpl"
)

// jsonBody is a JSON body prepared for expansion: literal bytes with holes. A hole is a string
// template (expanded, then written as a JSON string) or a typed reference (a string that is
// exactly one `${...}`, whose value is written with its own JSON type). Objects are written
// with their keys sorted, so bodies are deterministic.
type jsonBody struct {
	parts []jsonPart
}

// jsonPart is literal bytes (str and val nil), a string hole (str) or a typed hole (val).
type jsonPart struct {
	lit []byte
	str *texpr
	val *texpr
}

// jsonBody prepares v, a decoded YAML/JSON value whose strings may be templates.
func (c *compiler) jsonBody(v any) (*jsonBody, error) {
	b := &jsonBody{}
	if err := c.jsonValue(b, v, "$"); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *jsonBody) literal(p []byte) {
	if n := len(b.parts); n > 0 && b.parts[n-1].str == nil && b.parts[n-1].val == nil {
		b.parts[n-1].lit = append(b.parts[n-1].lit, p...)
		return
	}
	b.parts = append(b.parts, jsonPart{lit: append([]byte(nil), p...)})
}

// jsonValue appends the parts of v; at is the value's position, for errors ("$.tags[2]").
func (c *compiler) jsonValue(b *jsonBody, v any, at string) error {
	switch v := v.(type) {
	case string:
		te, err := c.texpr(v)
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		switch _, single := te.t.Single(); {
		case te.isLit:
			b.literal(jsontext.AppendString(nil, te.lit))
		case single:
			b.parts = append(b.parts, jsonPart{val: te})
		default:
			b.parts = append(b.parts, jsonPart{str: te})
		}
	case map[string]any:
		b.literal([]byte("{"))
		for i, k := range sortedKeys(v) {
			if i > 0 {
				b.literal([]byte(","))
			}
			if err := c.jsonValue(b, k, at+"."+k); err != nil { // keys may be templates too
				return err
			}
			if _, single := b.parts[len(b.parts)-1].val.single(); single {
				// A key is always a string: demote a typed hole to a string hole.
				last := &b.parts[len(b.parts)-1]
				last.str, last.val = last.val, nil
			}
			b.literal([]byte(":"))
			if err := c.jsonValue(b, v[k], at+"."+k); err != nil {
				return err
			}
		}
		b.literal([]byte("}"))
	case []any:
		b.literal([]byte("["))
		for i, e := range v {
			if i > 0 {
				b.literal([]byte(","))
			}
			if err := c.jsonValue(b, e, fmt.Sprintf("%s[%d]", at, i)); err != nil {
				return err
			}
		}
		b.literal([]byte("]"))
	default:
		out, err := appendJSONValue(nil, v)
		if err != nil {
			return fmt.Errorf("%s: %w", at, err)
		}
		b.literal(out)
	}
	return nil
}

// single reports whether te is a typed hole (nil-safe helper for jsonValue).
func (te *texpr) single() (tmpl.Ref, bool) {
	if te == nil {
		return tmpl.Ref{}, false
	}
	return te.t.Single()
}

// appendJSON appends the body expanded for v.
func (b *jsonBody) appendJSON(dst []byte, v *VU) ([]byte, error) {
	var err error
	for i := range b.parts {
		p := &b.parts[i]
		switch {
		case p.str != nil:
			v.scratch, err = v.expand(v.scratch[:0], p.str)
			if err != nil {
				return dst, err
			}
			dst = jsontext.AppendString(dst, v.scratch)
		case p.val != nil:
			if dst, err = v.appendTyped(dst, p.val); err != nil {
				return dst, err
			}
		default:
			dst = append(dst, p.lit...)
		}
	}
	return dst, nil
}

// appendTyped appends the JSON form of the single reference of te, keeping the value's type.
// A default used in place of an undefined value is a JSON number, true, false or null when
// it reads as one, and a string otherwise.
func (v *VU) appendTyped(dst []byte, te *texpr) ([]byte, error) {
	res := &te.res[0]
	val, err := v.resolve(res)
	if err != nil {
		if res.ref.HasDefault && errors.Is(err, tmpl.ErrUndefined) {
			return appendDefault(dst, res.ref.Default), nil
		}
		return dst, fmt.Errorf("%s: %w", res.ref, err)
	}
	out, err := appendJSONValue(dst, val)
	if err != nil {
		return dst, fmt.Errorf("%s: %w", res.ref, err)
	}
	return out, nil
}

func appendDefault(dst []byte, d string) []byte {
	switch d {
	case "true", "false", "null":
		return append(dst, d...)
	}
	if _, err := strconv.ParseFloat(d, 64); err == nil && json.Valid([]byte(d)) {
		return append(dst, d...)
	}
	return jsontext.AppendString(dst, d)
}

// appendJSONValue appends v as JSON with its own type. Numbers are written in their shortest
// form; json.Number is written as it is (captured numbers keep every digit).
func appendJSONValue(dst []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case string:
		return jsontext.AppendString(dst, v), nil
	case json.Number:
		if v == "" || !json.Valid([]byte(v)) {
			return dst, fmt.Errorf("invalid number %q", string(v))
		}
		return append(dst, v...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return dst, fmt.Errorf("%v is not a JSON number", v)
		}
		return strconv.AppendFloat(dst, v, 'f', -1, 64), nil
	}
	out, err := json.Marshal(v)
	if err != nil {
		return dst, fmt.Errorf("cannot write %T as JSON: %w", v, err)
	}
	return append(dst, out...), nil
}

// appendQuery appends the query parameters to a URL: "?" (or "&" when the URL has a query),
// then key=value pairs with the values query-escaped. v expands templated values; it may be nil
// when all are literal.
//
// A "#fragment" stays last (the client drops it; it must not swallow the query).
func appendQuery(dst []byte, q []queryParam, v *VU) ([]byte, error) {
	if len(q) == 0 {
		return dst, nil
	}
	if i := bytes.IndexByte(dst, '#'); i >= 0 {
		frag := append([]byte(nil), dst[i:]...)
		out, err := appendQuery(dst[:i], q, v)
		return append(out, frag...), err
	}
	sep := byte('?')
	if bytes.IndexByte(dst, '?') >= 0 {
		sep = '&'
	}
	for _, p := range q {
		dst = append(dst, sep)
		sep = '&'
		dst = append(dst, p.key...)
		dst = append(dst, '=')
		if p.val.isLit {
			dst = appendQueryEscape(dst, p.val.lit)
			continue
		}
		var err error
		if v.scratch, err = v.expand(v.scratch[:0], p.val); err != nil {
			return dst, err
		}
		dst = appendQueryEscapeBytes(dst, v.scratch)
	}
	return dst, nil
}

// appendQueryEscape escapes s as url.QueryEscape does, without allocating.
func appendQueryEscape(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		dst = appendQueryByte(dst, s[i])
	}
	return dst
}

func appendQueryEscapeBytes(dst, b []byte) []byte {
	for _, c := range b {
		dst = appendQueryByte(dst, c)
	}
	return dst
}

func appendQueryByte(dst []byte, c byte) []byte {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '_', c == '.', c == '~':
		return append(dst, c)
	case c == ' ':
		return append(dst, '+')
	}
	return append(dst, '%', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&0xf])
}
