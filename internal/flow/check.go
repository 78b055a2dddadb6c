package flow

import (
	"bytes"
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"

	"github.com/tidwall/gjson"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/plan"
)

// check is a prepared plan.Check.
type check struct {
	plan.Check
	auto     string // the name recorded: Name, or a readable default such as "status is 200"
	contains []byte
	equals   any // Equals normalised to what encoding/json decodes (float64, string, …)
}

// eval reports whether resp passes the check. A response with a transport error fails every
// check: there is nothing to look at.
func (c *check) eval(resp *httpclient.Response) bool {
	if resp.Err != nil {
		return false
	}
	switch c.Kind {
	case plan.CheckStatus:
		for _, s := range c.Statuses {
			if resp.Status == s {
				return true
			}
		}
		return false
	case plan.CheckHeader:
		v, ok := resp.HeaderValue(c.Header)
		if !ok || !c.HasEquals {
			return ok
		}
		return v == textOf(c.Equals)
	case plan.CheckBodyContains:
		return bytes.Contains(resp.Body, c.contains)
	case plan.CheckJSONPath:
		r := gjson.GetBytes(resp.Body, c.Path)
		if !r.Exists() {
			return false
		}
		return !c.HasEquals || jsonEquals(r, c.equals)
	case plan.CheckDuration:
		return resp.Timings.Duration < c.Below
	}
	return false
}

// readsBody reports whether eval looks at the response body, so that the compiler can let
// the client discard the bodies nobody reads. A kind not named here counts as reading it: a
// new kind must not be handed a body that was thrown away.
func (c *check) readsBody() bool {
	switch c.Kind {
	case plan.CheckStatus, plan.CheckHeader, plan.CheckDuration:
		return false
	}
	return true
}

// textOf is the text a header must equal: strings as they are, numbers and bools as written.
func textOf(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	return jsonText(v)
}

// normalizeJSON turns a decoded YAML value (int, int64, map[string]any, …) into what
// encoding/json decodes from the same text, so it can be compared with a response value.
func normalizeJSON(v any) any {
	b, err := json.Marshal(v)
	if err != nil {
		return v
	}
	var out any
	if json.Unmarshal(b, &out) != nil {
		return v
	}
	return out
}

// jsonEquals compares a response value with an expected one (normalised): numbers by value,
// so 1000 equals 1000.0, and objects and arrays structurally.
func jsonEquals(r gjson.Result, want any) bool {
	switch w := want.(type) {
	case nil:
		return r.Type == gjson.Null
	case bool:
		return (r.Type == gjson.True && w) || (r.Type == gjson.False && !w)
	case string:
		return r.Type == gjson.String && r.Str == w
	case float64:
		if r.Type != gjson.Number {
			return false
		}
		if r.Num == w {
			return true
		}
		// Beyond 2^53 floats lose digits: compare the integer text too.
		i, err := strconv.ParseInt(r.Raw, 10, 64)
		return err == nil && float64(i) == w
	}
	var got any
	if json.Unmarshal([]byte(r.Raw), &got) != nil {
		return false
	}
	return reflect.DeepEqual(got, want)
}

// capture is a prepared plan.Capture.
type capture struct {
	plan.Capture
	checkName string // "capture <var>"
	re        *regexp.Regexp
}

// find returns the captured value and whether anything was found. JSON values keep their
// types (numbers as json.Number, objects and arrays decoded); a JSON null or an empty list
// counts as nothing found. With All the value is always a list.
func (c *capture) find(resp *httpclient.Response) (any, bool) {
	if resp.Err != nil {
		return nil, false
	}
	if c.Source == plan.CaptureHeader {
		v, ok := resp.HeaderValue(c.Expr)
		if !ok {
			return nil, false
		}
		if c.All {
			return []any{v}, true
		}
		return v, true
	}
	return c.findIn(resp.Body)
}

// findIn is find for the json and regex sources, over body (a response's, or a WebSocket
// message's).
func (c *capture) findIn(body []byte) (any, bool) {
	switch c.Source {
	case plan.CaptureJSON:
		r := gjson.GetBytes(body, c.Expr)
		if !r.Exists() || r.Type == gjson.Null {
			return nil, false
		}
		v := jsonValue(r)
		if c.All {
			list, ok := v.([]any)
			if !ok {
				list = []any{v}
			}
			return list, len(list) > 0
		}
		return v, true
	case plan.CaptureRegex:
		if c.All {
			ms := c.re.FindAllSubmatch(body, -1)
			if len(ms) == 0 {
				return nil, false
			}
			list := make([]any, len(ms))
			for i, m := range ms {
				list[i] = string(submatch(m))
			}
			return list, true
		}
		m := c.re.FindSubmatch(body)
		if m == nil {
			return nil, false
		}
		return string(submatch(m)), true
	}
	return nil, false
}

// readsBody reports whether find looks at the response body (see check.readsBody).
func (c *capture) readsBody() bool {
	return c.Source != plan.CaptureHeader
}

// submatch is group 1 when the regex has one, else the whole match.
func submatch(m [][]byte) []byte {
	if len(m) > 1 {
		return m[1]
	}
	return m[0]
}

// jsonValue converts a gjson result to plain Go values: strings, json.Number, bools, nil,
// []any and map[string]any.
func jsonValue(r gjson.Result) any {
	switch r.Type {
	case gjson.String:
		return r.Str
	case gjson.Number:
		return json.Number(r.Raw)
	case gjson.True:
		return true
	case gjson.False:
		return false
	case gjson.JSON:
		if r.IsArray() {
			list := []any{}
			r.ForEach(func(_, e gjson.Result) bool {
				list = append(list, jsonValue(e))
				return true
			})
			return list
		}
		obj := map[string]any{}
		r.ForEach(func(k, e gjson.Result) bool {
			obj[k.String()] = jsonValue(e)
			return true
		})
		return obj
	}
	return nil
}
