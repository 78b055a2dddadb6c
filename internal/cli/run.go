package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/segment"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// runFlags are the options of `ramp run`, k6's names where k6 has one.
type runFlags struct {
	file string
	vars map[string]string
	outs outsFlag // --out json=PATH, csv=PATH, snapshot=PATH, prometheus-rw=URL
	// metricsAddr serves the live metrics for scraping while the test runs.
	metricsAddr string
	results     resultFiles // --summary-export, --report, --junit, --markdown, --summary-format
	quiet       bool        // no progress (k6's -q): the summary still prints
	noSummary   bool        // no end-of-test summary (k6's --no-summary)
	noColor     bool
	quick       bool
	timeScale   float64
	baseURL     string
	// A distributed run's segment (see `ramp merge`).
	segment   segment.Segment
	tags      varsFlag // --tag K=V: added to every sample
	startAt   time.Time
	setupData string
	// k6's execution shortcuts, which replace the file's scenarios with one (plan.Shortcut).
	shortcut plan.Shortcut
	// httpDebug is k6's --http-debug: "" (off), "headers" or "full" (with bodies).
	httpDebug string
	// trendStats is --summary-trend-stats: the trend columns of the k6 export.
	trendStats []string

	// The raw values finish parses.
	seg, seq, nth, at string
	stages            []string
	vus               int
	duration          time.Duration
	iterations        int64
	trendStatsRaw     string
}

// outsFlag collects repeated --out KIND=PATH.
type outsFlag []outSpec

// outSpec is one --out: its kind (json, snapshot) and path.
type outSpec struct{ kind, path string }

// The kinds --out takes.
var outKinds = []string{"json", "csv", "snapshot", "prometheus-rw"}

// outUsage says what --out takes.
const outUsage = "json=PATH streams every sample as k6's NDJSON; csv=PATH as k6's CSV; snapshot=PATH writes the mergeable metrics snapshot; prometheus-rw=URL sends every metric to Prometheus remote write each second (repeatable)"

var _ pflag.Value = (*outsFlag)(nil)

func (o *outsFlag) String() string { return "" }

// Type names the value in the help text.
func (o *outsFlag) Type() string { return "KIND=PATH" }

func (o *outsFlag) Set(s string) error {
	kind, path, ok := strings.Cut(s, "=")
	if !ok || path == "" || !slices.Contains(outKinds, kind) {
		return fmt.Errorf("%q: want json=PATH (every sample, k6's NDJSON), csv=PATH (k6's CSV), snapshot=PATH (the mergeable metrics snapshot) or prometheus-rw=URL (Prometheus remote write)", s)
	}
	*o = append(*o, outSpec{kind, path})
	return nil
}

// register adds `ramp run`'s flags to fs, grouped as the help lists them.
func (f *runFlags) register(fs *pflag.FlagSet) {
	f.vars, f.tags = map[string]string{}, varsFlag{}
	fs.SortFlags = false
	// What the file reads and where the load goes.
	fs.VarP(varsFlag(f.vars), "env", "e", "set a variable the file reads as ${KEY} (repeatable)")
	fs.StringVar(&f.baseURL, "base-url", "", "the target's base `URL` (sets BASE_URL)")
	// k6's execution shortcuts.
	fs.IntVarP(&f.vus, "vus", "u", 0, "`N` VUs for the scenario the shortcuts make (default 1); needs --duration, --iterations or --stage")
	fs.DurationVarP(&f.duration, "duration", "d", 0, "replace the file's scenarios with N VUs looping for `D` (constant-vus); with --iterations, its maxDuration")
	fs.Int64VarP(&f.iterations, "iterations", "i", 0, "replace the file's scenarios with `N` iterations shared by the VUs (shared-iterations)")
	fs.StringArrayVarP(&f.stages, "stage", "s", nil, "replace the file's scenarios with ramping VUs: a stage `D:TARGET` such as 30s:10 (repeatable, in order)")
	fs.BoolVar(&f.quick, "quick", false, "compress every duration 20x, keeping rates and VU counts")
	fs.Float64Var(&f.timeScale, "time-scale", 0, "multiply every duration of the load shape by `F` (0.1 = ten times shorter)")
	// Tags and outputs.
	fs.Var(f.tags, "tag", "add the tag K=V to every sample, e.g. --tag region=eu-west (repeatable)")
	fs.VarP(&f.outs, "out", "o", outUsage)
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the live metrics at http://`ADDR`/metrics while the test runs, for Prometheus to scrape")
	f.results.register(fs)
	fs.StringVar(&f.trendStatsRaw, "summary-trend-stats", "", "the trend statistics of the k6-format summary export, a `LIST` such as avg,min,med,max,p(90),p(95),p(99) (default: k6's, without p(99))")
	// The terminal.
	fs.BoolVarP(&f.quiet, "quiet", "q", false, "no progress; the summary still prints")
	fs.BoolVar(&f.noSummary, "no-summary", false, "no end-of-test summary (the one-line verdict still prints)")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours in the output")
	fs.StringVar(&f.httpDebug, "http-debug", "", "print every request and response to stderr: their headers, or with --http-debug=full their bodies too (`LEVEL` headers or full)")
	fs.Lookup("http-debug").NoOptDefVal = "headers"
	// Distributed runs.
	fs.StringVar(&f.seg, "execution-segment", "", "run this segment `A:B` of the test (k6's syntax: 1/4:1/2), for a distributed run")
	fs.StringVar(&f.seq, "execution-segment-sequence", "", "the segments of the whole run, `0,1/4,...,1`; without it, equal segments")
	fs.StringVar(&f.nth, "segment", "", "run the i-th of n equal segments, `i/n` from 1/n to n/n (shorthand for --execution-segment)")
	fs.StringVar(&f.at, "start-at", "", "begin the load at this RFC 3339 `TIME`, after setup: the segments of a distributed run start together")
	fs.StringVar(&f.setupData, "setup-data", "", "use this JSON `PATH` (from ramp setup) as setup's data instead of running setup; teardown is left to the segment that starts at 0")
}

// finish checks the parsed flags and the positional arguments (the one scenario file) and
// derives what they say; an error is a usage error.
func (f *runFlags) finish(fs *pflag.FlagSet, files []string) error {
	if len(files) != 1 {
		return fmt.Errorf("name exactly one scenario file (got %d)", len(files))
	}
	f.file = files[0]
	var err error
	if f.timeScale, err = resolveTimeScale(f.quick, f.timeScale); err != nil {
		return err
	}
	if f.baseURL != "" {
		f.vars["BASE_URL"] = f.baseURL
	}
	switch f.httpDebug {
	case "", "headers", "full":
	default:
		return fmt.Errorf("--http-debug=%s: want --http-debug (headers) or --http-debug=full (bodies too)", f.httpDebug)
	}
	if err := f.results.finish(); err != nil {
		return err
	}
	if f.trendStatsRaw != "" {
		stats, err := metrics.ParseTrendStats(f.trendStatsRaw)
		if err != nil {
			return fmt.Errorf("--summary-trend-stats: %w", err)
		}
		f.trendStats = stats
	}
	sc := plan.Shortcut{Iterations: f.iterations, Duration: f.duration, VUsSet: fs.Changed("vus"), VUs: f.vus,
		DurationSet: fs.Changed("duration"), IterationsSet: fs.Changed("iterations")}
	for _, s := range f.stages {
		st, err := plan.ParseStage(s)
		if err != nil {
			return fmt.Errorf("--stage %s: %w", s, err)
		}
		sc.Stages = append(sc.Stages, st)
	}
	if err := sc.Check(); err != nil {
		return err
	}
	if sc.Set() && len(f.snapshots()) > 0 {
		// A snapshot names its test by the file and variables that compile it again.
		return errors.New("--vus/--duration/--iterations/--stage cannot be used with --out snapshot=: a merge compiles the test again from the file; write the scenario into the file")
	}
	f.shortcut = sc
	switch {
	case f.nth != "" && (f.seg != "" || f.seq != ""):
		return errors.New("--segment is short for --execution-segment: give one or the other")
	case f.nth != "":
		s, err := segment.ParseNth(f.nth)
		if err != nil {
			return fmt.Errorf("--segment %s: %w", f.nth, err)
		}
		f.segment = s
	default:
		s, err := segment.Parse(f.seg, f.seq)
		if err != nil {
			return err
		}
		f.segment = s
	}
	if f.at != "" {
		t, err := time.Parse(time.RFC3339Nano, f.at)
		if err != nil {
			return fmt.Errorf("--start-at %q: want an RFC 3339 time such as 2026-12-01T10:00:00Z", f.at)
		}
		f.startAt = t
	}
	return nil
}

// runSpec is `ramp run`.
func runSpec(ctx, kill context.Context, stdout, stderr io.Writer) spec {
	return spec{
		use:   "run FILE [flags]",
		files: scenarioFiles,
		short: "Run one test: its load, its thresholds and criteria, one verdict",
		long: `Run the scenario file FILE: setup, the load of its scenarios, teardown; then the end-of-test
summary and the verdict, which is the exit code (0 pass, 1 fail, 2 usage, 3 interrupted,
4 inconclusive).

As in k6, --vus with --duration, --iterations or --stage replaces the file's scenarios with one
scenario named "default" running the flow "default" (or the file's only flow): --iterations
makes shared-iterations (with --duration as its maxDuration), --duration alone constant-vus,
--stage ramping-vus starting at --vus. "ramp inspect" shows the plan they make.`,
		example: `  # 200 requests per second for 5 s (the file's own scenario), every sample to NDJSON
  ramp run examples/constant-rate.yaml -e RATE=200 -e DURATION=5s -o json=samples.ndjson

  # k6's shortcuts: 10 VUs for 30 s, or ramping up and down
  ramp run test.yaml --vus 10 --duration 30s
  ramp run test.yaml --stage 30s:10 --stage 1m:10 --stage 30s:0

  # Results for CI: k6's summary-export layout, JUnit, Markdown and the HTML report
  ramp run test.yaml --summary-export summary.json --summary-format k6 \
      --junit junit.xml --markdown summary.md --report report.html --quiet`,
		bind: func(fs *pflag.FlagSet) body {
			f := &runFlags{}
			f.register(fs)
			return func(args []string) int {
				if err := f.finish(fs, args); err != nil {
					return usagef(stderr, "ramp run", "%v", err)
				}
				return runTest(ctx, kill, f, stdout, stderr)
			}
		},
	}
}

// outputPaths lists every file the run will write, with the flag that names it.
func (f *runFlags) outputPaths() [][2]string {
	var out [][2]string
	for _, o := range f.outs {
		if o.kind != "prometheus-rw" {
			out = append(out, [2]string{"--out " + o.kind + "=", o.path})
		}
	}
	for _, p := range f.results.paths() {
		out = append(out, [2]string{p[0] + " ", p[1]})
	}
	return out
}

// runTest is `ramp run` once its flags are checked.
func runTest(ctx, kill context.Context, f *runFlags, stdout, stderr io.Writer) int {
	env := map[string]string{} // what the file read of the environment, for a snapshot
	p, err := f.plan(recordEnv(env))
	if err != nil {
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	// The file as it was compiled, for a snapshot that must name the test it measured.
	source, err := os.ReadFile(f.file)
	if err != nil {
		fmt.Fprintln(stderr, "ramp run:", err)
		return ExitUsage
	}
	// Every output is checked before any load is sent: a run must not end unable to say what
	// it measured.
	for _, o := range f.outputPaths() {
		if err := outfile.Check(o[1]); err != nil {
			fmt.Fprintf(stderr, "ramp run: %s%s: %v\n", o[0], o[1], err)
			return ExitUsage
		}
	}
	applyTags(p, f.tags)
	extra, err := extraMonitors(f.vars)
	if err != nil {
		fmt.Fprintln(stderr, "ramp run:", err)
		return ExitUsage
	}
	opts := engine.Options{Monitors: extra, Observer: progressWriter(stdout, f.quiet), Kill: kill,
		StartAt: f.startAt, Segment: f.segment}
	if f.httpDebug != "" {
		opts.HTTPDebug = &engine.HTTPDebug{W: stderr, Bodies: f.httpDebug == "full"}
	}
	if f.setupData != "" {
		if opts.SetupData, err = readSetupData(f.setupData); err != nil {
			fmt.Fprintf(stderr, "ramp run: --setup-data %s: %v\n", f.setupData, err)
			return ExitUsage
		}
	}
	if !f.segment.IsWhole() {
		// One setup and one teardown for the whole run: setup by `ramp setup`, teardown by
		// the segment that starts at 0.
		if p.Setup != nil && opts.SetupData == nil {
			fmt.Fprintf(stderr, "ramp run: %s has a setup, which a distributed run runs once: run `ramp setup %s --out setup.json` and give every segment --setup-data setup.json\n", f.file, f.file)
			return ExitUsage
		}
		from, _ := f.segment.Bounds()
		opts.SkipTeardown = from.Sign() != 0
	}
	// A test that cannot start must not have truncated a previous run's outputs.
	if err := engine.Validate(p, opts); err != nil {
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	var scrape *output.Scrape
	if f.metricsAddr != "" {
		if scrape, err = output.ListenScrape(f.metricsAddr); err != nil {
			fmt.Fprintln(stderr, "ramp run:", err)
			return ExitUsage
		}
		defer scrape.Close()
	}
	// The segments of a distributed run each send their own series: a label keeps them apart
	// (two processes writing one series would have Prometheus refuse the later samples).
	var liveLabels []output.Label
	if !f.segment.IsWhole() {
		liveLabels = []output.Label{{Name: "segment", Value: f.segment.String()}}
	}
	outs, out, err := openOutputs(f.outs, scrape, p, f.segment, liveLabels)
	if err != nil {
		fmt.Fprintln(stderr, "ramp run:", err)
		return ExitUsage
	}
	opts.Output = out
	res, err := engine.Run(ctx, p, opts)
	if err != nil {
		outs.close(io.Discard, "ramp run")
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	code := exitCode(res.Verdict)
	closeCode, outResults := outs.close(stderr, "ramp run")
	code = max(code, closeCode)
	if res.OutputError != nil {
		fmt.Fprintln(stderr, "ramp run: samples were lost:", res.OutputError)
		code = max(code, ExitFail)
	}
	summary := report.Build(res)
	summary.Outputs = outResults
	color := !f.noColor && isTerminal(stdout)
	if f.noSummary {
		fmt.Fprintln(stdout, report.VerdictLine(summary, color))
	} else if err := report.WriteText(stdout, summary, res.Snapshot, report.TextOptions{Color: color, TrendStats: f.trendStats}); err != nil {
		fmt.Fprintln(stderr, "ramp:", err)
	}
	for _, o := range f.outs {
		if o.kind == "snapshot" {
			test := output.Test{File: f.file, Source: source, Vars: f.vars, Env: env, TimeScale: f.timeScale, Tags: f.tags}
			if !f.segment.IsWhole() {
				test.Segment, test.Sequence = f.segment.String(), f.segment.Sequence().String()
			}
			code = max(code, writeOutput(stderr, "--out snapshot="+o.path, func() error { return writeSnapshot(o.path, res, test) }))
		}
	}
	name := strings.TrimSuffix(filepath.Base(f.file), filepath.Ext(f.file))
	code = max(code, f.results.write(stderr, name, summary, res, f.trendStats))
	return code
}

// plan compiles the file with the variables, applies k6's execution shortcuts, then the time
// scale: what `ramp run` runs and `ramp inspect` shows.
func (f *runFlags) plan(lookup func(string) (string, bool)) (*plan.Plan, error) {
	p, err := scenario.Load(f.file, f.vars, lookup)
	if err != nil {
		return nil, err
	}
	if err := p.ApplyShortcut(f.shortcut); err != nil {
		return nil, err
	}
	p.Scale(f.timeScale)
	return p, nil
}

// snapshots lists the --out snapshot= paths.
func (f *runFlags) snapshots() []string {
	var out []string
	for _, o := range f.outs {
		if o.kind == "snapshot" {
			out = append(out, o.path)
		}
	}
	return out
}

// writeOutput runs write and reports its error, naming the flag: ExitFail when it failed.
func writeOutput(stderr io.Writer, flag string, write func() error) int {
	if err := write(); err != nil {
		fmt.Fprintf(stderr, "ramp: %s: %v\n", flag, err)
		return ExitFail
	}
	return ExitPass
}

// exitCode maps a verdict to PRODUCT.md §1's exit codes.
func exitCode(v verdict.Verdict) int {
	switch v.Status {
	case verdict.Pass:
		return ExitPass
	case verdict.Interrupted:
		return ExitInterrupted
	case verdict.Inconclusive:
		return ExitInconclusive
	}
	return ExitFail
}

// loadPlan compiles a scenario file, reading the environment through lookup, and applies the
// time scale.
func loadPlan(path string, vars map[string]string, scale float64, lookup func(string) (string, bool)) (*plan.Plan, error) {
	p, err := scenario.Load(path, vars, lookup)
	if err != nil {
		return nil, err
	}
	p.Scale(scale)
	return p, nil
}

// applyTags adds --tag K=V to every scenario's tags, so that every sample carries them.
func applyTags(p *plan.Plan, tags map[string]string) {
	if len(tags) == 0 {
		return
	}
	for i := range p.Scenarios {
		merged := maps.Clone(p.Scenarios[i].Tags)
		if merged == nil {
			merged = map[string]string{}
		}
		maps.Copy(merged, tags)
		p.Scenarios[i].Tags = merged
	}
}

// readSetupData reads what `ramp setup` wrote.
func readSetupData(path string) (map[string]any, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var data map[string]any
	if err := json.Unmarshal(b, &data); err != nil {
		return nil, fmt.Errorf("not the JSON object ramp setup writes: %w", err)
	}
	if data == nil {
		data = map[string]any{}
	}
	return data, nil
}

// recordEnv looks variables up in the environment and keeps what it found in env, so that a
// snapshot can compile the same plan again elsewhere.
func recordEnv(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := os.LookupEnv(k)
		if ok {
			env[k] = v
		}
		return v, ok
	}
}

// writeJSON writes v, indented, to path: atomically for a file (a reader never sees half of
// it), through a symlink, FIFO or device as it is.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return outfile.WriteFile(path, append(b, '\n'))
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// writeSnapshot writes the run's mergeable snapshot (--out snapshot=PATH).
func writeSnapshot(path string, res *engine.Result, test output.Test) error {
	b, err := output.EncodeRun(res, test, Version())
	if err != nil {
		return err
	}
	return outfile.WriteFile(path, b)
}
