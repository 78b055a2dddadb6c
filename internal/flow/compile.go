package flow

import (
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// program is a flow prepared for one scenario: every template parsed and bound, every TagSet
// built.
type program struct {
	scenario string
	steps    []step
	cookies  bool
	iterTags *metrics.TagSet
}

// step is a prepared plan.Step; exactly the field for kind is set.
type step struct {
	kind  plan.StepKind
	req   *request
	think plan.Think
	group *group
	pick  *pick
	ws    *wsStep
}

type group struct {
	tags  *metrics.TagSet // scenario tags + scenario + group path, for group_duration
	steps []step
}

type pick struct {
	cum      []float64 // cumulative weights
	branches [][]step
}

// request is a prepared plan.Request.
type request struct {
	src       *plan.Request
	label     string // for skip reasons: `request "name" (line n)`
	method    string
	url       *texpr
	fullLit   string // the whole URL with its query, when isFullLit: nothing in it is templated
	isFullLit bool
	query     []queryParam
	headers   []header
	jsonBody  *jsonBody
	rawBody   *texpr
	timeout   time.Duration
	tags      *metrics.TagSet
	checks    []check
	captures  []capture
	expected  []int // nil: 200–399
	// keepBody is set when a check or a capture reads the body. Without one the client reads
	// the body and drops it as it streams, so a large body costs no memory.
	keepBody bool
}

type queryParam struct {
	key string // already query-escaped
	val *texpr
}

type header struct {
	key string
	val *texpr
}

// texpr is a parsed template and, aligned with its references, where each value comes from.
type texpr struct {
	t     *tmpl.Template
	lit   string // the literal text when lit is true
	isLit bool
	res   []resolver
}

// resolver kinds.
type resKind int

const (
	resVU resKind = iota + 1
	resIter
	resScenario
	resFeeder
	resName // VU captures, then setup captures, then plan variables
	resFunc
)

// resolver says where one reference's value comes from.
type resolver struct {
	offset int // the reference's offset in its template, to find it from a tmpl.Ref
	ref    tmpl.Ref
	kind   resKind
	root   string
	path   []tmpl.PathElem
	feeder int
	args   []funcArg
}

// funcArg is one argument of a call: a literal value or a variable.
type funcArg struct {
	lit any
	res *resolver
}

// compiler prepares one flow for one scenario.
type compiler struct {
	s        *Shared
	scenario string
	flow     string
	base     map[string]string // scenario tags + scenario
}

func (s *Shared) compile(scenario string, f *plan.Flow) (*program, error) {
	c := &compiler{s: s, scenario: scenario, flow: f.Name, base: map[string]string{}}
	for k, v := range s.scenarioTags[scenario] {
		c.base[k] = v
	}
	c.base["scenario"] = scenario
	steps, err := c.steps(f.Steps, "")
	if err != nil {
		return nil, err
	}
	iterTags := c.tags("", nil)
	return &program{scenario: scenario, steps: steps, cookies: f.Cookies, iterTags: iterTags}, nil
}

// errorf prefixes a preparation error with the flow and line.
func (c *compiler) errorf(line int, format string, args ...any) error {
	where := fmt.Sprintf("flow %s", c.flow)
	if line > 0 {
		where += fmt.Sprintf(" (line %d)", line)
	}
	return fmt.Errorf("%s: %w", where, fmt.Errorf(format, args...))
}

// tags builds a TagSet: the scenario's tags, then scenario and group, then extra.
func (c *compiler) tags(groupPath string, extra map[string]string) *metrics.TagSet {
	kv := make(map[string]string, len(c.base)+len(extra)+1)
	for k, v := range c.base {
		kv[k] = v
	}
	kv["group"] = groupPath
	for k, v := range extra {
		kv[k] = v
	}
	return metrics.NewTags(kv)
}

func (c *compiler) steps(in []plan.Step, groupPath string) ([]step, error) {
	out := make([]step, 0, len(in))
	for i := range in {
		st, err := c.step(&in[i], groupPath)
		if err != nil {
			return nil, err
		}
		out = append(out, st)
	}
	return out, nil
}

func (c *compiler) step(in *plan.Step, groupPath string) (step, error) {
	switch {
	case in.Kind == plan.StepRequest && in.Request != nil:
		r, err := c.request(in.Request, groupPath)
		return step{kind: plan.StepRequest, req: r}, err
	case in.Kind == plan.StepWS && in.WS != nil:
		w, err := c.ws(in.WS, groupPath)
		return step{kind: plan.StepWS, ws: w}, err
	case in.Kind == plan.StepThink && in.Think != nil:
		t := *in.Think
		if t.Min < 0 || t.Max < t.Min {
			return step{}, c.errorf(in.Line, "think %v..%v: want 0 <= min <= max", t.Min, t.Max)
		}
		return step{kind: plan.StepThink, think: t}, nil
	case in.Kind == plan.StepGroup && in.Group != nil:
		if in.Group.Name == "" || strings.Contains(in.Group.Name, "::") {
			return step{}, c.errorf(in.Line, "group name %q: want a non-empty name without \"::\"", in.Group.Name)
		}
		path := groupPath + "::" + in.Group.Name
		steps, err := c.steps(in.Group.Steps, path)
		if err != nil {
			return step{}, err
		}
		return step{kind: plan.StepGroup, group: &group{tags: c.tags(path, nil), steps: steps}}, nil
	case in.Kind == plan.StepPick && len(in.Pick) > 0:
		p := &pick{}
		total := 0.0
		for _, ch := range in.Pick {
			// A zero weight is a branch kept in the file but never taken.
			if !(ch.Weight >= 0) || math.IsInf(ch.Weight, 0) {
				return step{}, c.errorf(in.Line, "pick weight %v: want a finite number >= 0", ch.Weight)
			}
			steps, err := c.steps(ch.Steps, groupPath)
			if err != nil {
				return step{}, err
			}
			total += ch.Weight
			p.cum = append(p.cum, total)
			p.branches = append(p.branches, steps)
		}
		if total == 0 {
			return step{}, c.errorf(in.Line, "pick: every weight is 0, so no branch can be chosen")
		}
		return step{kind: plan.StepPick, pick: p}, nil
	}
	return step{}, c.errorf(in.Line, "step of kind %d has no content", in.Kind)
}

func (c *compiler) request(in *plan.Request, groupPath string) (*request, error) {
	name := in.Name
	if name == "" {
		name = string(in.URL)
	}
	r := &request{
		src:      in,
		label:    fmt.Sprintf("request %q (line %d)", name, in.Line),
		method:   strings.ToUpper(in.Method),
		timeout:  in.Timeout,
		expected: in.ExpectedStatus,
	}
	if r.method == "" {
		r.method = "GET"
	}
	fail := func(err error) (*request, error) { return nil, c.errorf(in.Line, "request %q: %w", name, err) }
	var err error
	if r.url, err = c.texpr(string(in.URL)); err != nil {
		return fail(fmt.Errorf("url: %w", err))
	}
	for _, kv := range in.Query {
		v, err := c.texpr(string(kv.Value))
		if err != nil {
			return fail(fmt.Errorf("query %s: %w", kv.Key, err))
		}
		r.query = append(r.query, queryParam{key: url.QueryEscape(kv.Key), val: v})
	}
	if r.url.isLit && allLiteral(r.query) {
		full, _ := appendQuery([]byte(r.url.lit), r.query, nil) // literal: cannot fail
		r.fullLit, r.isFullLit = string(full), true
	}
	hasContentType := false
	for _, kv := range in.Header {
		v, err := c.texpr(string(kv.Value))
		if err != nil {
			return fail(fmt.Errorf("header %s: %w", kv.Key, err))
		}
		hasContentType = hasContentType || strings.EqualFold(kv.Key, "Content-Type")
		r.headers = append(r.headers, header{key: kv.Key, val: v})
	}
	switch {
	case in.HasJSON && in.Raw != "":
		return fail(fmt.Errorf("both a JSON and a raw body"))
	case in.HasJSON:
		if r.jsonBody, err = c.jsonBody(in.JSON); err != nil {
			return fail(fmt.Errorf("json body: %w", err))
		}
		if !hasContentType {
			lit, _ := c.texpr("application/json")
			r.headers = append(r.headers, header{key: "Content-Type", val: lit})
		}
	case in.Raw != "":
		if r.rawBody, err = c.texpr(string(in.Raw)); err != nil {
			return fail(fmt.Errorf("body: %w", err))
		}
	}
	for _, st := range in.ExpectedStatus {
		if st < 100 || st > 599 {
			return fail(fmt.Errorf("expected status %d: want 100–599", st))
		}
	}
	extra := map[string]string{"name": name, "method": r.method, "url": string(in.URL)}
	for k, v := range in.Tags {
		extra[k] = v
	}
	r.tags = c.tags(groupPath, extra)
	for _, ck := range in.Checks {
		chk, err := newCheck(ck)
		if err != nil {
			return fail(err)
		}
		r.checks = append(r.checks, chk)
	}
	for _, cp := range in.Capture {
		capt, err := newCapture(cp)
		if err != nil {
			return fail(err)
		}
		r.captures = append(r.captures, capt)
	}
	r.keepBody = readsBody(r.checks, r.captures)
	return r, nil
}

// readsBody reports whether any of the checks or captures looks at the response body.
func readsBody(checks []check, captures []capture) bool {
	for i := range checks {
		if checks[i].readsBody() {
			return true
		}
	}
	for i := range captures {
		if captures[i].readsBody() {
			return true
		}
	}
	return false
}

func allLiteral(q []queryParam) bool {
	for _, p := range q {
		if !p.val.isLit {
			return false
		}
	}
	return true
}

// texpr parses a template and binds its references.
func (c *compiler) texpr(src string) (*texpr, error) {
	t, err := tmpl.Parse(src)
	if err != nil {
		return nil, err
	}
	te := &texpr{t: t}
	if lit, ok := t.Literal(); ok {
		te.lit, te.isLit = lit, true
		return te, nil
	}
	for _, ref := range t.Refs() {
		res, err := c.bind(ref)
		if err != nil {
			return nil, err
		}
		te.res = append(te.res, res)
	}
	return te, nil
}

// bind decides where a reference's value comes from, and rejects references to nothing.
func (c *compiler) bind(ref tmpl.Ref) (resolver, error) {
	r := resolver{offset: ref.Offset, ref: ref}
	if ref.Func != "" {
		r.kind = resFunc
		for _, a := range ref.Args {
			fa, err := c.arg(ref, a)
			if err != nil {
				return r, err
			}
			r.args = append(r.args, fa)
		}
		return r, nil
	}
	r.root, r.path = ref.Root(), ref.Path()
	switch r.root {
	case "__VU":
		r.kind = resVU
	case "__ITER":
		r.kind = resIter
	case "__SCENARIO":
		r.kind = resScenario
	}
	if r.kind != 0 {
		if len(r.path) > 0 {
			return r, fmt.Errorf("%s: %s has no fields", ref, r.root)
		}
		return r, nil
	}
	if fi, ok := c.s.feederIdx[r.root]; ok {
		f := c.s.feeders[fi]
		if len(r.path) > 0 && !r.path[0].IsIndex && !f.columns[r.path[0].Field] {
			return r, fmt.Errorf("%s: data %s has no column %q (its columns: %s)", ref, f.name, r.path[0].Field, f.columnList())
		}
		r.kind, r.feeder = resFeeder, fi
		return r, nil
	}
	if c.s.captureVars[r.root] || c.s.setupVars[r.root] || c.s.hasVar(r.root) || ref.HasDefault {
		r.kind = resName
		return r, nil
	}
	if _, ok := c.s.setup()[r.root]; ok {
		r.kind = resName
		return r, nil
	}
	return r, fmt.Errorf("%s: %q is not a variable: not captured by any request, not a data feeder, not set with -e, and not a built-in (__VU, __ITER, __SCENARIO)", ref, r.root)
}

// arg prepares one call argument: a quoted literal, a number, a variable, or literal text. As
// in the scenario compiler, the bare words of randomChoice(a, b, c) are the choices
// themselves; randomChoice(list) and randomInt(lo, hi) read bare names as variables.
func (c *compiler) arg(call tmpl.Ref, a string) (funcArg, error) {
	if s, quoted := tmpl.Unquote(a); quoted {
		return funcArg{lit: s}, nil
	}
	if _, err := strconv.ParseFloat(a, 64); err == nil {
		return funcArg{lit: json.Number(a)}, nil
	}
	if call.Func == tmpl.FuncRandomChoice && len(call.Args) > 1 {
		return funcArg{lit: a}, nil // randomChoice(a, b, c): bare words are the choices
	}
	t, err := tmpl.Parse("${" + a + "}")
	if err != nil {
		return funcArg{lit: a}, nil // not a name: literal text
	}
	ref, ok := t.Single()
	if !ok || ref.Name == "" {
		return funcArg{lit: a}, nil
	}
	res, err := c.bind(ref)
	if err != nil {
		if call.Func == tmpl.FuncRandomInt {
			return funcArg{}, fmt.Errorf("%s: argument %q is neither an integer nor a variable", call, a)
		}
		return funcArg{lit: a}, nil
	}
	return funcArg{res: &res}, nil
}

// newCheck prepares a check and gives it k6-style readable name when it has none.
func newCheck(in plan.Check) (check, error) {
	c := check{Check: in}
	switch in.Kind {
	case plan.CheckStatus:
		if len(in.Statuses) == 0 {
			return c, fmt.Errorf("check status: no status given")
		}
		c.auto = "status is " + orList(in.Statuses)
	case plan.CheckHeader:
		if in.Header == "" {
			return c, fmt.Errorf("check header: no header name")
		}
		c.auto = "header " + in.Header + " exists"
		if in.HasEquals {
			c.auto = fmt.Sprintf("header %s is %v", in.Header, in.Equals)
		}
	case plan.CheckBodyContains:
		c.contains = []byte(in.Contains)
		c.auto = "body contains " + in.Contains
	case plan.CheckJSONPath:
		if in.Path == "" {
			return c, fmt.Errorf("check json_path: no path")
		}
		c.auto = "json " + in.Path + " exists"
		if in.HasEquals {
			c.auto = "json " + in.Path + " is " + jsonText(in.Equals)
			c.equals = normalizeJSON(in.Equals)
		}
	case plan.CheckDuration:
		if in.Below <= 0 {
			return c, fmt.Errorf("check duration: below must be positive, got %v", in.Below)
		}
		c.auto = "duration < " + in.Below.String()
	default:
		return c, fmt.Errorf("check kind %q: want status, header, body_contains, json_path or duration", in.Kind)
	}
	if in.Name != "" {
		c.auto = in.Name
	}
	return c, nil
}

// orList writes [200] as "200" and [200 201 204] as "200, 201 or 204".
func orList(sts []int) string {
	parts := make([]string, len(sts))
	for i, s := range sts {
		parts[i] = strconv.Itoa(s)
	}
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// newCapture prepares a capture; a regex is compiled here so that a bad one fails early.
func newCapture(in plan.Capture) (capture, error) {
	c := capture{Capture: in, checkName: "capture " + in.Var}
	if in.Var == "" {
		return c, fmt.Errorf("capture %s %q: no variable name (as:)", in.Source, in.Expr)
	}
	if strings.HasPrefix(in.Var, "__") {
		return c, fmt.Errorf("capture into %q: names starting with __ are reserved for built-ins", in.Var)
	}
	switch in.Source {
	case plan.CaptureJSON, plan.CaptureHeader:
		if in.Expr == "" {
			return c, fmt.Errorf("capture %s: empty %s expression", in.Var, in.Source)
		}
	case plan.CaptureRegex:
		re, err := regexp.Compile(in.Expr)
		if err != nil {
			return c, fmt.Errorf("capture %s: regex %q: %w", in.Var, in.Expr, err)
		}
		c.re = re
	default:
		return c, fmt.Errorf("capture %s: source %q: want json, header or regex", in.Var, in.Source)
	}
	return c, nil
}
