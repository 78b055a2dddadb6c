package scenario

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/plan"
)

// topKeys are the keys of a scenario file.
var topKeys = []string{"test_type", "description", "options", "slo", "data", "scenarios", "flows",
	"setup", "teardown", "thresholds", "criteria", "monitors", "chaos", "chaos_adapters", "regressions"}

// Load reads and compiles one scenario file. vars are the -e values; lookupEnv reads the
// environment (os.LookupEnv in production; tests pass a map). The returned error, when the
// file is invalid, is an *Errors listing every problem.
func Load(path string, vars map[string]string, lookupEnv func(string) (string, bool)) (*plan.Plan, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, &Errors{{File: path, Msg: fmt.Sprintf("cannot read the scenario file: %v", err),
			Hint: "check the path"}}
	}
	return Compile(path, src, vars, lookupEnv)
}

// Compile is Load for bytes already read (path is used for messages and relative data paths).
func Compile(path string, src []byte, vars map[string]string, lookupEnv func(string) (string, bool)) (*plan.Plan, error) {
	// The plan keeps its own copy of vars: the caller may reuse its map for the next file.
	c := &compiler{file: path, dir: filepath.Dir(path), vars: make(map[string]string, len(vars)), lookupEnv: lookupEnv}
	for k, v := range vars {
		c.vars[k] = v
	}
	root := c.parse(src)
	if root == nil {
		return nil, c.result()
	}
	c.collectRuntimeNames(root)
	c.baseURL = c.baseURLOf(root)
	p := c.compile(root)
	if err := c.result(); err != nil {
		return nil, err
	}
	return p, nil
}

// compiler holds the state of one compilation: where errors go and what names are known.
type compiler struct {
	file, dir string
	vars      map[string]string
	lookupEnv func(string) (string, bool)
	errs      Errors

	// runtime holds the names known only at run time (captures, feeders, built-ins);
	// feeders the subset that are data feeders.
	runtime, feeders map[string]bool
	// columns holds, per feeder whose file could be read, its columns (see feederColumns).
	columns map[string][]string
	// baseURL is the value BASE_URL has for this file (see baseURLOf).
	baseURL string
	// hosts is the allowlist requests are checked against.
	hosts []string

	// tagIndex holds the request, group and scenario names that tag selectors may name; set
	// once flows and scenarios are compiled (see selectors.go).
	tagIndex *tagIndex

	aliases  int
	aliasErr bool
}

// result returns the errors found so far as a sorted *Errors, or nil.
func (c *compiler) result() error {
	if len(c.errs) == 0 {
		return nil
	}
	sortErrors(c.errs)
	errs := c.errs
	return &errs
}

// errAt records a problem at a node's position.
func (c *compiler) errAt(n *yaml.Node, path, msg, hint string) {
	e := &Error{File: c.file, Path: path, Msg: msg, Hint: hint}
	if n != nil {
		e.Line, e.Column = n.Line, n.Column
	}
	c.errs = append(c.errs, e)
}

// errAtCol records a problem at a byte offset inside a scalar's text. The column is exact for
// single-line plain and quoted scalars (escapes aside) and falls back to the scalar's start.
func (c *compiler) errAtCol(n *yaml.Node, offset int, path, msg, hint string) {
	c.errAt(n, path, msg, hint)
	e := c.errs[len(c.errs)-1]
	if n == nil || strings.ContainsRune(n.Value, '\n') || offset > len(n.Value) {
		return
	}
	switch n.Style {
	case 0:
		e.Column += utf8.RuneCountInString(n.Value[:offset])
	case yaml.DoubleQuotedStyle, yaml.SingleQuotedStyle:
		e.Column += 1 + utf8.RuneCountInString(n.Value[:offset])
	}
}

// yamlLine finds the line number in a go.yaml.in error message ("yaml: line 3: …").
var yamlLine = regexp.MustCompile(`line (\d+)(?:, column (\d+))?: `)

// parse reads the one YAML document of the file.
func (c *compiler) parse(src []byte) *yaml.Node {
	dec := yaml.NewDecoder(bytes.NewReader(src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			c.errs = append(c.errs, &Error{File: c.file, Line: 1, Column: 1, Msg: "the file is empty",
				Hint: "a scenario file needs at least `scenarios:` and `flows:`; see docs/scenario-format.md"})
			return nil
		}
		c.errs = append(c.errs, yamlError(c.file, err, src))
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		c.errAt(&extra, "", "a scenario file holds one YAML document, found a second", "remove the `---` line, or split the file")
	} else if !errors.Is(err, io.EOF) {
		c.errs = append(c.errs, yamlError(c.file, err, src))
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		c.errAt(root, "", "a scenario file is a mapping of keys such as scenarios: and flows:, got "+describe(root), "")
		return nil
	}
	return root
}

// yamlError turns a YAML syntax error into an Error with its line. The commonest cause in
// scenario files gets its own hint: an unquoted ${...} inside { } or [ ], where YAML reads the
// braces as the start of a mapping.
func yamlError(file string, err error, src []byte) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	e := &Error{File: file, Msg: "YAML syntax error: " + msg, Hint: "check indentation and quoting around this line"}
	m := yamlLine.FindStringSubmatch(msg)
	if m == nil {
		return e
	}
	e.Line, _ = strconv.Atoi(m[1])
	e.Column = 1
	if m[2] != "" {
		e.Column, _ = strconv.Atoi(m[2])
	}
	e.Msg = "YAML syntax error: " + yamlLine.ReplaceAllString(msg, "")
	lines := strings.Split(string(src), "\n")
	for i := max(e.Line-1, 0); i < min(e.Line+1, len(lines)); i++ {
		if loc := unquotedRefInFlow.FindStringIndex(lines[i]); loc != nil {
			// Point at the reference itself: YAML reports where the collection began.
			e.Line = i + 1
			e.Column = utf8.RuneCountInString(lines[i][:strings.Index(lines[i][loc[0]:], "${")+loc[0]]) + 1
			e.Hint = `quote values that hold ${…} inside { } or [ ], e.g. { duration: "${RAMP:-5s}" }`
			break
		}
	}
	return e
}

// unquotedRefInFlow matches a line with a flow collection holding an unquoted ${.
var unquotedRefInFlow = regexp.MustCompile(`[{\[,]\s*([A-Za-z_]+:\s*)?\$\{`)

// compile walks the document. Options come first because the hosts allowlist checks every
// request, and flows and scenarios come before thresholds, whose tag selectors must name
// what they define; every part reports its own errors.
func (c *compiler) compile(root *yaml.Node) *plan.Plan {
	top := c.object(root, "", topKeys)
	p := &plan.Plan{File: c.file, Flows: map[string]*plan.Flow{}, Vars: c.vars}
	top.str("test_type", &p.TestType)
	if p.TestType == "" {
		p.TestType = testTypeFromFile(c.file)
	}
	top.str("description", &p.Description)

	cookies := c.options(top, &p.Options)
	p.SLO = c.slo(top)
	p.Data = c.data(top)
	nerr := len(c.errs)
	p.Flows = c.flows(top, cookies)
	p.Setup = c.onceFlow(top, "setup", cookies)
	p.Teardown = c.onceFlow(top, "teardown", cookies)
	flowsRead, nerr := len(c.errs) == nerr, len(c.errs)
	p.Scenarios = c.scenarios(top, p.Flows)
	c.tagIndex = newTagIndex(p, flowsRead, len(c.errs) == nerr)
	p.Thresholds = c.thresholds(top)
	p.Criteria = c.criteria(top)
	p.Monitors = c.monitors(top)
	p.Regressions = c.regressions(top)
	p.Chaos = c.chaos(top, root)
	return p
}

// env reads the environment, if the caller gave a way to.
func (c *compiler) env(name string) (string, bool) {
	if c.lookupEnv == nil {
		return "", false
	}
	return c.lookupEnv(name)
}

// testTypeFromFile derives a test type from a file name: "01-api-read-load.yaml" gives
// "api_read_load" (leading ordering digits dropped, separators become "_").
func testTypeFromFile(path string) string {
	base := strings.TrimSuffix(filepath.Base(path), filepath.Ext(path))
	base = strings.TrimLeft(base, "0123456789")
	var b strings.Builder
	for _, r := range strings.ToLower(base) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		} else if b.Len() > 0 && !strings.HasSuffix(b.String(), "_") {
			b.WriteByte('_')
		}
	}
	return strings.TrimSuffix(b.String(), "_")
}
