package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/verdict"
	"github.com/ramp-dev/ramp/suites"
)

// defaultCooldown is the pause between two tests of a suite (the strategy: 30–60 s).
const defaultCooldown = 30 * time.Second

// suiteFlags are the options of `ramp suite`.
type suiteFlags struct {
	dir       string // empty: the bundled Mina suite
	baseURL   string
	results   string
	quick     bool
	timeScale float64
	cooldown  time.Duration
	vars      map[string]string
	quiet     bool
	// parallelism runs each test as this many local segment processes, merged.
	parallelism int
	noColor     bool
	// minaArgs are extra arguments for the embedded mina (fault injection, for tests).
	minaArgs []string
	minaRaw  string
	// baseline: compare with a previous run, keep this one as the next baseline.
	baseline baselineFlags
	// Live outputs: --out prometheus-rw=URL (repeatable) and --metrics-addr; every series
	// carries the label test=<file name>.
	outs        outsFlag
	metricsAddr string
}

// register adds `ramp suite`'s flags to fs.
func (f *suiteFlags) register(fs *pflag.FlagSet) {
	f.vars = map[string]string{}
	fs.SortFlags = false
	fs.VarP(varsFlag(f.vars), "env", "e", "set a variable the files read as ${KEY} (repeatable)")
	fs.StringVar(&f.baseURL, "base-url", "", "test this server `URL` instead of starting the embedded mina")
	fs.StringVar(&f.results, "results", "", "write results into `DIR` (default results/<UTC timestamp>)")
	fs.BoolVar(&f.quick, "quick", false, "compress every duration 20x, keeping rates and VU counts")
	fs.Float64Var(&f.timeScale, "time-scale", 0, "multiply every duration of the load shape by `F`")
	fs.DurationVar(&f.cooldown, "cooldown", 0, "pause `D` between tests (default 30s, scaled by --quick)")
	fs.IntVar(&f.parallelism, "parallelism", 1, "run each test as `N` segment processes on this machine, started together and merged (a distributed run, locally)")
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress output")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours")
	fs.StringVar(&f.baseline.baseline, "baseline", "", "compare every test with the suite results in `DIR` (a regression fails the suite)")
	fs.StringVar(&f.baseline.save, "save-baseline", "", "copy this run's results into `DIR`, as the baseline of later runs")
	f.baseline.minChange = compare.DefaultMinChange
	fs.Var(percentFlag{&f.baseline.minChange}, "min-change", "with --baseline: the smallest change that counts (`P`, default 5%)")
	fs.VarP(&f.outs, "out", "o", "prometheus-rw=URL sends every test's metrics to Prometheus remote write each second, labelled test=NAME (repeatable)")
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the running test's metrics at http://`ADDR`/metrics, for Prometheus to scrape")
	fs.StringVar(&f.minaRaw, "mina-args", "", "extra `ARGS` for the embedded mina serve, e.g. \"--inject-latency 900ms\"")
}

// finish checks the parsed flags and the positional arguments (at most one directory).
func (f *suiteFlags) finish(fs *pflag.FlagSet, dirs []string) error {
	if len(dirs) > 1 {
		return fmt.Errorf("name at most one directory (got %d)", len(dirs))
	}
	if len(dirs) == 1 {
		f.dir = dirs[0]
	}
	var err error
	if f.timeScale, err = resolveTimeScale(f.quick, f.timeScale); err != nil {
		return err
	}
	if f.cooldown < 0 {
		return fmt.Errorf("--cooldown %v: must not be negative", f.cooldown)
	}
	if !fs.Changed("cooldown") {
		f.cooldown = defaultCooldown
		if f.timeScale > 0 {
			f.cooldown = time.Duration(float64(defaultCooldown) * f.timeScale)
		}
	}
	if f.minaRaw != "" {
		f.minaArgs = strings.Fields(f.minaRaw)
	}
	for _, o := range f.outs {
		if o.kind != "prometheus-rw" {
			return fmt.Errorf("--out %s=: a suite takes only prometheus-rw=URL (each test's samples go to its own results)", o.kind)
		}
	}
	if f.parallelism > 1 && (len(f.outs) > 0 || f.metricsAddr != "") {
		return errors.New("--out prometheus-rw= and --metrics-addr watch one process; with --parallelism each segment is its own")
	}
	if f.parallelism < 1 || f.parallelism > 64 {
		return fmt.Errorf("--parallelism %d: from 1 to 64 segment processes", f.parallelism)
	}
	if f.baseURL != "" {
		f.vars["BASE_URL"] = f.baseURL
	}
	return nil
}

// suiteFile is one test of a suite.
type suiteFile struct {
	name string // "01-api-read-load"
	path string // for messages and relative data paths
	src  []byte
}

// suiteFiles lists a suite's scenario files in name order, from dir or the bundled suite.
func suiteFiles(dir string) ([]suiteFile, error) {
	var fsys fs.FS
	root := dir
	if dir == "" {
		fsys, root = suites.Mina(), "suites/mina"
	} else {
		fsys = os.DirFS(dir)
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, err
	}
	var files []suiteFile
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yaml" && ext != ".yml") {
			continue
		}
		src, err := fs.ReadFile(fsys, e.Name())
		if err != nil {
			return nil, err
		}
		files = append(files, suiteFile{name: strings.TrimSuffix(e.Name(), ext), path: filepath.Join(root, e.Name()), src: src})
	}
	sort.Slice(files, func(i, j int) bool { return files[i].name < files[j].name })
	if len(files) == 0 {
		return nil, fmt.Errorf("ramp suite: no .yaml scenario files in %s", root)
	}
	return files, nil
}

// suiteSpec is `ramp suite`.
func suiteSpec(ctx, kill context.Context, stdout, stderr io.Writer) spec {
	return spec{
		use:   "suite [DIR] [flags]",
		short: "Run a directory of tests, one verdict for all (default: the bundled Mina suite)",
		long: `Run every .yaml test of DIR in name order, with a cooldown between them, and write one JSON
summary per test, summary.json, junit.xml, summary.md and load-test-report.html into the
results directory. Without DIR, the bundled Mina suite runs against an embedded mina started
on a free loopback port with a fresh seeded SQLite database.`,
		example: `  ramp suite --quick
  ramp suite --base-url http://127.0.0.1:5000 -e TOKENS_CSV=$PWD/tokens.csv --quick
  ramp suite tests/ --results out/ --parallelism 4`,
		bind: func(fs *pflag.FlagSet) body {
			f := &suiteFlags{}
			f.register(fs)
			return func(args []string) int {
				if err := f.finish(fs, args); err != nil {
					return usagef(stderr, "ramp suite", "%v", err)
				}
				return suiteCommand(ctx, kill, f, stdout, stderr)
			}
		},
	}
}

// suiteCommand is `ramp suite`, its flags checked.
func suiteCommand(ctx, kill context.Context, f *suiteFlags, stdout, stderr io.Writer) int {
	files, err := suiteFiles(f.dir)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ExitUsage
	}
	if f.baseline.baseline != "" {
		// A baseline that cannot be read must stop the suite before its load, not after.
		if _, err := readCompared(f.baseline.baseline); err != nil {
			fmt.Fprintf(stderr, "ramp suite: --baseline %s: %v\n", f.baseline.baseline, err)
			return ExitUsage
		}
	}
	started := time.Now().UTC()
	results := f.results
	if results == "" {
		results = filepath.Join("results", started.Format("20060102T150405Z"))
	}
	if err := os.MkdirAll(results, 0o755); err != nil {
		fmt.Fprintln(stderr, "ramp suite:", err)
		return ExitUsage
	}

	target := f.baseURL
	var server *minaServer
	if target == "" {
		fmt.Fprintln(stdout, "ramp suite: starting the embedded mina (SQLite, 100 users, 1,000 meetings)")
		// mina's own log (a line per traced request, its shutdown) goes beside the results,
		// where a trace id in the report can be looked up, not between the suite's lines.
		logPath := filepath.Join(results, "mina.log")
		minaLog, err := os.Create(logPath)
		if err != nil {
			fmt.Fprintln(stderr, "ramp suite:", err)
			return ExitUsage
		}
		defer minaLog.Close()
		server, err = startMina(ctx, minaConfig{users: 100, meetings: 1000, extraArgs: f.minaArgs, log: minaLog})
		if err != nil {
			fmt.Fprintf(stderr, "ramp suite: %v (mina's log: %s)\n", err, logPath)
			return ExitFail
		}
		defer server.stop()
		target = server.baseURL
		f.vars["BASE_URL"] = target
		// What the suite's files read: the tokens, and where the target's process and
		// /metrics are for their monitors.
		for k, v := range map[string]string{"TOKENS_CSV": server.tokensCSV,
			"TARGET_PID": strconv.Itoa(server.pid()), "MONITOR_METRICS_URL": server.baseURL + "/metrics",
			"MINA_ADMIN_TOKEN": server.adminToken, "MINA_PROBE_TOKEN": server.probeToken} {
			if _, set := f.vars[k]; !set {
				f.vars[k] = v
			}
		}
		fmt.Fprintf(stdout, "ramp suite: mina is serving %s (pid %d)\n", target, server.pid())
	}

	// Compile and validate every file first: a broken file stops the suite before any load
	// is sent.
	plans := make([]*plan.Plan, len(files))
	extra, err := extraMonitors(f.vars)
	if err != nil {
		fmt.Fprintln(stderr, "ramp suite:", err)
		return ExitUsage
	}
	opts := engine.Options{Monitors: extra, Observer: progressWriter(stdout, f.quiet), Kill: kill}
	bad := false
	for i, file := range files {
		p, err := scenario.Compile(file.path, file.src, f.vars, os.LookupEnv)
		if err == nil {
			p.Scale(f.timeScale)
			err = engine.Validate(p, opts)
		}
		if err != nil {
			printFileError(stderr, file.path, err)
			bad = true
			continue
		}
		plans[i] = p
	}
	if bad {
		return ExitUsage
	}

	var scrape *output.Scrape
	if f.metricsAddr != "" {
		if scrape, err = output.ListenScrape(f.metricsAddr); err != nil {
			fmt.Fprintln(stderr, "ramp suite:", err)
			return ExitUsage
		}
		defer scrape.Close()
	}
	var tests []report.SuiteTest
	var names []string
	var verdicts []verdict.Verdict
	for i, file := range files {
		if i > 0 && f.cooldown > 0 {
			fmt.Fprintf(stdout, "\nramp suite: cooling down for %s\n", f.cooldown)
			select {
			case <-ctx.Done():
			case <-time.After(f.cooldown):
			}
		}
		if ctx.Err() != nil {
			break
		}
		fmt.Fprintf(stdout, "\nramp suite: test %d of %d: %s\n", i+1, len(files), file.name)
		var res *engine.Result
		var outResults []report.OutputResult
		var err error
		if f.parallelism > 1 {
			fmt.Fprintf(stdout, "ramp suite: as %d segment processes, started together and merged\n", f.parallelism)
			res, err = localSegments(ctx, file.name, file.src, plans[i], f.parallelism, f.vars, f.timeScale, results)
		} else {
			res, outResults, err = runWithLiveOutputs(ctx, plans[i], opts, f.outs, scrape, file.name)
		}
		if err != nil {
			printFileError(stderr, file.path, err)
			return ExitUsage
		}
		summary := report.Build(res)
		summary.Outputs = outResults
		if err := report.WriteText(stdout, summary, res.Snapshot, report.TextOptions{Color: !f.noColor && isTerminal(stdout)}); err != nil {
			fmt.Fprintln(stderr, "ramp suite:", err)
		}
		t := report.SuiteTest{Name: file.name, File: file.path, SummaryFile: file.name + ".json",
			Pass: summary.Pass, Verdict: summary.Verdict, Summary: summary}
		if err := writeJSON(filepath.Join(results, t.SummaryFile), summary); err != nil {
			fmt.Fprintln(stderr, "ramp suite:", err)
			return ExitFail
		}
		tests = append(tests, t)
		names = append(names, file.name)
		verdicts = append(verdicts, res.Verdict)
	}

	interrupted := ctx.Err() != nil
	v := verdict.Combine(names, verdicts)
	if interrupted && v.Status != verdict.Interrupted {
		v.Status = verdict.Interrupted
		v.Reasons = append(v.Reasons, verdict.Reason{Status: verdict.Interrupted,
			Text: fmt.Sprintf("interrupted by the user after %d of %d tests", len(tests), len(files))})
	}
	suite := report.NewSuite(started.Format(time.RFC3339), target, server != nil, f.timeScale > 0 && f.timeScale < 1, interrupted, v, tests)
	if f.baseline.baseline != "" {
		byName := map[string]*plan.Plan{}
		for i, file := range files {
			byName[file.name] = plans[i]
		}
		cmp, err := compareSuite(f.baseline.baseline, f.baseline.minChange, suite, byName)
		if err != nil {
			fmt.Fprintf(stderr, "ramp suite: --baseline %s: %v\n", f.baseline.baseline, err)
			return ExitUsage
		}
		// One verdict: the tests' and the comparison's, combined where verdicts are decided.
		v = verdict.Combine(append(names, "comparison with the baseline"), append(verdicts, cmp.Verdict))
		suite = report.NewSuite(suite.Timestamp, target, server != nil, suite.Quick, interrupted, v, tests)
		suite.Baseline, suite.Comparison = f.baseline.baseline, cmp
		for _, t := range tests {
			t.Summary.Comparison = testComparison(cmp, t.Name)
			if err := writeJSON(filepath.Join(results, t.SummaryFile), t.Summary); err != nil {
				fmt.Fprintln(stderr, "ramp suite:", err)
				return ExitFail
			}
		}
	}
	history, err := appendHistory(results, suite)
	if err != nil {
		fmt.Fprintln(stderr, "ramp suite: history:", err)
	}
	suite.History = history
	if err := writeSuiteResults(results, suite); err != nil {
		fmt.Fprintln(stderr, "ramp suite:", err)
		return ExitFail
	}
	printSuiteVerdict(stdout, suite, results)
	if suite.Comparison != nil {
		fmt.Fprintf(stdout, "\nramp suite: compared with the baseline %s\n", f.baseline.baseline)
		if err := report.WriteComparisonText(stdout, suite.Comparison); err != nil {
			fmt.Fprintln(stderr, "ramp suite:", err)
		}
	}
	if f.baseline.save != "" {
		if err := saveBaseline(results, f.baseline.save, suite); err != nil {
			fmt.Fprintf(stderr, "ramp suite: --save-baseline %s: %v\n", f.baseline.save, err)
			return max(exitCode(v), ExitFail)
		}
		fmt.Fprintf(stdout, "ramp suite: saved as the baseline in %s\n", f.baseline.save)
	}
	return exitCode(v)
}

// writeSuiteResults writes summary.json, junit.xml, summary.md (also appended to
// $GITHUB_STEP_SUMMARY when set) and the HTML report into dir.
func writeSuiteResults(dir string, s *report.Suite) error {
	if err := writeJSON(filepath.Join(dir, "summary.json"), s); err != nil {
		return err
	}
	var junit, md bytes.Buffer
	if err := report.WriteJUnit(&junit, s); err != nil {
		return err
	}
	if err := outfile.WriteFile(filepath.Join(dir, "junit.xml"), junit.Bytes()); err != nil {
		return err
	}
	if err := report.WriteMarkdown(&md, s); err != nil {
		return err
	}
	if err := outfile.WriteFile(filepath.Join(dir, "summary.md"), md.Bytes()); err != nil {
		return err
	}
	if path := os.Getenv("GITHUB_STEP_SUMMARY"); path != "" {
		fh, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
		if err != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", err)
		}
		_, werr := fh.Write(md.Bytes())
		if cerr := fh.Close(); werr == nil {
			werr = cerr
		}
		if werr != nil {
			return fmt.Errorf("GITHUB_STEP_SUMMARY: %w", werr)
		}
	}
	return writeHTMLReport(filepath.Join(dir, "load-test-report.html"), s)
}

func printSuiteVerdict(w io.Writer, s *report.Suite, dir string) {
	fmt.Fprintln(w, "\nramp suite: results")
	for _, t := range s.Tests {
		m := t.Summary.Metrics
		fmt.Fprintf(w, "  %s  %-24s %8d requests  %8.1f req/s  p95 %7.1fms  errors %.3f%%\n",
			verdictMark(t.Verdict), t.Name, m.RequestsTotal, m.RequestsPerSecond, m.ResponseTimes.P95, 100*m.ErrorRate)
	}
	fmt.Fprintf(w, "\n  %s — results in %s (load-test-report.html, summary.json, junit.xml, summary.md)\n",
		strings.ToUpper(s.Verdict), dir)
	if !s.Pass {
		for _, r := range s.VerdictReasons {
			fmt.Fprintf(w, "    %s\n", r.Text)
		}
	}
}

// verdictMark is a test's verdict in the suite's closing table.
func verdictMark(v string) string {
	switch v {
	case "pass":
		return "✓ PASS        "
	case "inconclusive":
		return "? INCONCLUSIVE"
	case "interrupted":
		return "- INTERRUPTED "
	}
	return "✗ FAIL        "
}
