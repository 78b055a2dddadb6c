package scenario

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// located is one error of a file, as ramp validate reports it: its line and its text.
type located struct {
	line int
	msg  string
}

// validateLikeCLI checks a file as far as the scenario package can: it compiles it (criteria
// included), then its monitors. (internal/cli runs the whole corpus through ramp validate and
// ramp run, whose engine checks go further.) It returns every error with its line (0 when the
// error has none).
func validateLikeCLI(t *testing.T, path string) []located {
	t.Helper()
	p, err := Load(path, nil, env(nil))
	var out []located
	if err != nil {
		var errs Errors
		if !errors.As(err, &errs) {
			t.Fatalf("Load error is %T: %v", err, err)
		}
		for _, e := range errs {
			out = append(out, located{e.Line, e.Error()})
		}
		return out
	}
	ms, _, merr := monitor.Compile(p.Monitors)
	_ = monitor.CloseAll(ms)
	for _, err := range unjoin(merr) {
		line := 0
		var me *monitor.ConfigError
		if errors.As(err, &me) {
			line = me.Line
		}
		out = append(out, located{line, err.Error()})
	}
	return out
}

// TestEdgeCorpus checks each file of testdata/edge: ok-* files are accepted, bad-* files are
// refused with exactly one error, on the line the file's comment names. Every file of the
// directory must have a row, so that the corpus cannot grow untested.
func TestEdgeCorpus(t *testing.T) {
	t.Parallel()
	tests := map[string]struct {
		line int    // 0 for ok-* files
		frag string // a fragment of the error
	}{
		"bad-stages-zero-length.yaml":              {8, "stages: they last 0s in all"},
		"bad-stages-zero-length-arrival-rate.yaml": {8, "stages: they last 0s in all"},
		"bad-vus-two-million.yaml":                 {6, "vus 2000000: must be between 1 and 1000000"},
		"bad-maxvus-below-preallocated.yaml":       {8, "maxVUs 10: can't be less than preAllocatedVUs (50)"},
		"bad-feeder-column.yaml":                   {11, `data users has no column "tokn" (hint: did you mean "token"?`},
		"bad-selector-name.yaml":                   {11, `no request is named "meetngs_list"`},
		"bad-selector-group.yaml":                  {13, `did you mean "::browse"?`},
		"bad-selector-scenario.yaml":               {10, `no scenario is named "reed"`},
		"bad-criteria-unknown-rule.yaml":           {9, `"windowd"`},
		"bad-criteria-unknown-key.yaml":            {9, `"windw"`},
		"bad-monitor-kind.yaml":                    {9, `unknown kind "prometheous"`},
		"bad-exec-no-flow.yaml":                    {5, `no flow named "brwse" (hint: did you mean "browse"?)`},
		"ok-selector-templated-name.yaml":          {},
		"ok-per-vu-iterations-one.yaml":            {},
		"ok-zero-length-stage-among-others.yaml":   {},
		"ok-feeder-column.yaml":                    {},
		"ok-selector-group-path.yaml":              {},
	}
	files, err := filepath.Glob("testdata/edge/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	for _, file := range files {
		base := filepath.Base(file)
		if !strings.HasPrefix(base, "ok-") && !strings.HasPrefix(base, "bad-") {
			t.Errorf("%s: name edge files ok-*.yaml or bad-*.yaml", file)
		}
		if _, ok := tests[base]; !ok {
			t.Errorf("%s has no row in TestEdgeCorpus", file)
		}
	}
	for base, tt := range tests {
		t.Run(base, func(t *testing.T) {
			t.Parallel()
			file := filepath.Join("testdata", "edge", base)
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(string(src), "# ") {
				t.Errorf("the file does not begin with a comment saying what it tests")
			}
			got := validateLikeCLI(t, file)
			if strings.HasPrefix(base, "ok-") {
				if len(got) > 0 {
					t.Errorf("refused: %v", got)
				}
				return
			}
			var comment []string
			for _, l := range strings.Split(string(src), "\n") {
				if !strings.HasPrefix(l, "#") {
					break
				}
				comment = append(comment, strings.TrimPrefix(l, "#"))
			}
			if !strings.Contains(strings.Join(strings.Fields(strings.Join(comment, " ")), " "), fmt.Sprintf("line %d", tt.line)) {
				t.Errorf("the comment does not name line %d", tt.line)
			}
			if len(got) != 1 {
				t.Fatalf("want one error, got %d: %v", len(got), got)
			}
			if got[0].line != tt.line || !strings.Contains(got[0].msg, tt.frag) {
				t.Errorf("error on line %d: %s\nwant line %d containing %q", got[0].line, got[0].msg, tt.line, tt.frag)
			}
		})
	}
}
