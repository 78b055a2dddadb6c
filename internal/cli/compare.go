package cli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// compareFlags are the options of `ramp compare`.
type compareFlags struct {
	base, cur string
	minChange float64
	minDelta  time.Duration
	budgets   []compare.Budget
	format    string
	file      string
	vars      map[string]string
}

// budgetsFlag collects repeated --budget "METRIC: EXPRESSION".
type budgetsFlag struct{ into *[]compare.Budget }

func (b budgetsFlag) String() string { return "" }

// Type names the value in the help text.
func (b budgetsFlag) Type() string { return "\"METRIC: EXPR\"" }

func (b budgetsFlag) Set(s string) error {
	bu, err := compare.ParseBudgetFlag(s)
	if err != nil {
		return err
	}
	*b.into = append(*b.into, bu)
	return nil
}

// percentFlag reads "5%" or "0.05" as 0.05.
type percentFlag struct{ into *float64 }

func (p percentFlag) String() string { return "" }

// Type names the value in the help text.
func (p percentFlag) Type() string { return "P" }

func (p percentFlag) Set(s string) error {
	t := strings.TrimSpace(s)
	pct := strings.HasSuffix(t, "%")
	v, err := strconv.ParseFloat(strings.TrimSuffix(t, "%"), 64)
	if err != nil || v < 0 {
		return fmt.Errorf("%q: want a percentage such as 5%%", s)
	}
	if pct || v >= 1 {
		v /= 100
	}
	*p.into = v
	return nil
}

// register adds `ramp compare`'s flags to fs.
func (f *compareFlags) register(fs *pflag.FlagSet) {
	f.minChange, f.format, f.vars = compare.DefaultMinChange, "text", map[string]string{}
	fs.SortFlags = false
	fs.Var(budgetsFlag{&f.budgets}, "budget", "a regression budget, e.g. \"http_reqs: rate > -5%\" (repeatable; adds to the file's regressions:)")
	fs.StringVar(&f.file, "file", "", "read the regressions: budgets from this scenario `FILE` too")
	fs.VarP(varsFlag(f.vars), "env", "e", "with --file: set a variable the file reads as ${KEY} (repeatable)")
	fs.Var(percentFlag{&f.minChange}, "min-change", "the smallest change that counts (default 5%)")
	fs.DurationVar(&f.minDelta, "min-delta", time.Duration(compare.DefaultMinDelta*float64(time.Millisecond)), "the smallest change `D` of a latency that counts, beside --min-change (0: none)")
	fs.StringVar(&f.format, "format", "text", "the `FORMAT` of the comparison: text, json or markdown")
}

// finish checks the flags and the two positional arguments.
func (f *compareFlags) finish(pos []string) error {
	if len(pos) != 2 {
		return fmt.Errorf("name a BASELINE and a CURRENT (got %d arguments): each a summary JSON, a run snapshot or a suite results directory", len(pos))
	}
	if f.format != "text" && f.format != "json" && f.format != "markdown" {
		return fmt.Errorf("--format %q: text, json or markdown", f.format)
	}
	f.base, f.cur = pos[0], pos[1]
	return nil
}

// compareSpec is `ramp compare`.
func compareSpec(stdout, stderr io.Writer) spec {
	return spec{
		use:   "compare BASELINE CURRENT [flags]",
		short: "Regressions of a run against a baseline: exit 1 on one, 4 when not shown",
		long: `Compare two runs — each a summary JSON, a run snapshot or a suite results directory — per
metric and statistic over their per-window figures (a U test, Holm-adjusted, with a minimum
effect), and judge the regression budgets (--budget, and the regressions: of --file). Exit 0
when no budget regressed, 1 when one did, 4 when nothing (or a budgeted statistic) could be
compared.`,
		example: `  ramp compare results/base results/new
  ramp compare base.json new.json --budget "http_req_duration: p(95) < +10%" --format markdown
  ramp compare base.snap new.snap --file test.yaml -e BASE_URL=http://x`,
		bind: func(fs *pflag.FlagSet) body {
			f := &compareFlags{}
			f.register(fs)
			return func(args []string) int {
				if err := f.finish(args); err != nil {
					return usagef(stderr, "ramp compare", "%v", err)
				}
				return compareCommand(f, stdout, stderr)
			}
		},
	}
}

// compareCommand is `ramp compare BASELINE CURRENT`: exit 0 when no budget regressed, 1 when
// one did, 4 when nothing (or a budgeted statistic) could be compared.
func compareCommand(f *compareFlags, stdout, stderr io.Writer) int {
	base, err := readCompared(f.base)
	if err != nil {
		fmt.Fprintf(stderr, "ramp compare: baseline %s: %v\n", f.base, err)
		return ExitUsage
	}
	cur, err := readCompared(f.cur)
	if err != nil {
		fmt.Fprintf(stderr, "ramp compare: current %s: %v\n", f.cur, err)
		return ExitUsage
	}
	budgets := append([]compare.Budget(nil), f.budgets...)
	if f.file != "" {
		p, err := scenario.Load(f.file, f.vars, os.LookupEnv)
		if err != nil {
			printFileError(stderr, f.file, err)
			return ExitUsage
		}
		for _, r := range p.Regressions {
			b, err := compare.ParseBudget(r.Metric, r.Expression)
			if err != nil { // the compiler checked it; a budget that gates nothing must not pass silently
				printFileError(stderr, f.file, err)
				return ExitUsage
			}
			b.Line = r.Line
			budgets = append(budgets, b)
		}
	}
	pairs, fileBudgets, err := pairRuns(base, cur)
	if err != nil {
		fmt.Fprintln(stderr, "ramp compare:", err)
		return ExitUsage
	}
	res := compare.Compare(pairs, compare.Options{MinChange: f.minChange, MinDelta: minDeltaMs(f.minDelta), Budgets: append(budgets, fileBudgets...)})
	if err := writeComparison(stdout, f.format, res); err != nil {
		fmt.Fprintln(stderr, "ramp compare:", err)
		return ExitFail
	}
	return exitCode(res.Verdict)
}

// writeComparison renders a comparison in a format.
func writeComparison(w io.Writer, format string, res *compare.Result) error {
	switch format {
	case "json":
		b, err := json.MarshalIndent(res, "", "  ")
		if err != nil {
			return err
		}
		_, err = w.Write(append(b, '\n'))
		return err
	case "markdown":
		return report.WriteComparisonMarkdown(w, res)
	}
	return report.WriteComparisonText(w, res)
}

// compared is one side of a comparison: a test's run, or a suite's tests by name.
type compared struct {
	single  *compare.Run
	budgets []string // "metric: expression", the run's own regressions:
	tests   map[string]*compared
	order   []string
}

// readCompared reads a summary JSON, a run snapshot or a suite results directory.
func readCompared(path string) (*compared, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return readSuiteCompared(path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if bytes.HasPrefix(b, []byte("RAMPRUN\n")) {
		return readSnapshotCompared(path, b)
	}
	var s report.Summary
	if err := json.Unmarshal(b, &s); err != nil || s.MetricValues == nil {
		if err == nil {
			err = errors.New("no metric_values")
		}
		return nil, fmt.Errorf("not a summary (ramp run --summary-export), a run snapshot (--out snapshot=) or a suite results directory: %v", err)
	}
	return &compared{single: report.CompareRun(&s), budgets: s.Regressions}, nil
}

// readSnapshotCompared reads a run snapshot: judged under the plan it ran (as ramp merge
// does), its summary is the one ramp run would have written — windows, stages, budgets.
func readSnapshotCompared(path string, b []byte) (*compared, error) {
	rs, err := output.DecodeRun(b)
	if err != nil {
		return nil, err
	}
	p, err := scenario.Compile(rs.Test.File, rs.Test.Source, rs.Test.Vars, lookupIn(rs.Test.Env))
	if err == nil {
		p.Scale(rs.Test.TimeScale)
		if res, err := engine.Judge(p, rs.Measured); err == nil {
			s := report.Build(res)
			return &compared{single: report.CompareRun(s), budgets: s.Regressions}, nil
		}
	}
	// The file no longer compiles here: the metrics alone, without stages or budgets.
	snap := rs.Measured.Snapshot.WithRateWindow(rs.Measured.LoadDuration)
	return &compared{single: report.SnapshotRun(snap, nil, nil)}, nil
}

// readSuiteCompared reads a suite's results directory: summary.json and each test's summary.
func readSuiteCompared(dir string) (*compared, error) {
	b, err := os.ReadFile(filepath.Join(dir, "summary.json"))
	if err != nil {
		return nil, fmt.Errorf("not a suite results directory: %w", err)
	}
	var s report.Suite
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, fmt.Errorf("summary.json: %w", err)
	}
	out := &compared{tests: map[string]*compared{}}
	for _, t := range s.Tests {
		c, err := readCompared(filepath.Join(dir, filepath.Base(t.SummaryFile)))
		if err != nil {
			return nil, fmt.Errorf("test %s: %w", t.Name, err)
		}
		out.tests[t.Name] = c
		out.order = append(out.order, t.Name)
	}
	return out, nil
}

// pairRuns pairs a baseline with a current run: two runs, or two suites test by test. It
// returns the budgets the current runs state in their files.
func pairRuns(base, cur *compared) ([]compare.Pair, []compare.Budget, error) {
	if (base.tests == nil) != (cur.tests == nil) {
		return nil, nil, errors.New("compare a run with a run, or a suite results directory with another")
	}
	if base.tests == nil {
		bs, err := parseBudgets(cur.budgets)
		return []compare.Pair{{Base: base.single, Cur: cur.single}}, bs, err
	}
	var pairs []compare.Pair
	var budgets []compare.Budget
	seen := map[string]bool{}
	for _, name := range append(append([]string(nil), cur.order...), base.order...) {
		if seen[name] {
			continue
		}
		seen[name] = true
		p := compare.Pair{Test: name}
		if b := base.tests[name]; b != nil {
			p.Base = b.single
		}
		if c := cur.tests[name]; c != nil {
			p.Cur = c.single
			bs, err := parseBudgets(c.budgets)
			if err != nil {
				return nil, nil, fmt.Errorf("test %s: %w", name, err)
			}
			for i := range bs {
				bs[i].Test = name
			}
			budgets = append(budgets, bs...)
		}
		pairs = append(pairs, p)
	}
	return pairs, budgets, nil
}

// parseBudgets parses budgets recorded as "metric: expression".
func parseBudgets(list []string) ([]compare.Budget, error) {
	var out []compare.Budget
	for _, s := range list {
		b, err := compare.ParseBudgetFlag(s)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, nil
}

// minDeltaMs is --min-delta in ms for compare.Options, where 0 means the default: an
// explicit 0 is "none" (negative).
func minDeltaMs(d time.Duration) float64 {
	if d <= 0 {
		return -1
	}
	return float64(d) / float64(time.Millisecond)
}
