package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
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
	results     resultFiles // --summary-export, --report, --junit, --markdown
	quiet       bool
	noColor     bool
	quick       bool
	timeScale   float64
	baseURL     string
	// A distributed run's segment (see `ramp merge`).
	segment   segment.Segment
	tags      varsFlag // --tag K=V: added to every sample
	startAt   time.Time
	setupData string
}

// varsFlag collects repeated -e KEY=VALUE.
type varsFlag map[string]string

func (v varsFlag) String() string { return "" }

func (v varsFlag) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("-e %q: want KEY=VALUE", s)
	}
	v[k] = val
	return nil
}

// outsFlag collects repeated --out KIND=PATH.
type outsFlag []outSpec

// outSpec is one --out: its kind (json, snapshot) and path.
type outSpec struct{ kind, path string }

// The kinds --out takes.
var outKinds = []string{"json", "csv", "snapshot", "prometheus-rw"}

// outUsage says what --out takes.
const outUsage = "json=PATH streams every sample as k6's NDJSON; csv=PATH as k6's CSV; snapshot=PATH writes the mergeable metrics snapshot; prometheus-rw=URL sends every metric to Prometheus remote write each second (repeatable)"

func (o *outsFlag) String() string { return "" }

func (o *outsFlag) Set(s string) error {
	kind, path, ok := strings.Cut(s, "=")
	if !ok || path == "" || !contains(outKinds, kind) {
		return fmt.Errorf("--out %q: want json=PATH (every sample, k6's NDJSON), csv=PATH (k6's CSV), snapshot=PATH (the mergeable metrics snapshot) or prometheus-rw=URL (Prometheus remote write)", s)
	}
	*o = append(*o, outSpec{kind, path})
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// parseRunFlags parses `ramp run` arguments; the file may come before, between or after the
// flags, as with k6.
func parseRunFlags(args []string, stderr io.Writer) (*runFlags, error) {
	f := &runFlags{vars: map[string]string{}}
	fs := flag.NewFlagSet("ramp run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(varsFlag(f.vars), "e", "set a variable KEY=VALUE that the file reads as ${KEY} (repeatable)")
	fs.Var(&f.outs, "out", outUsage)
	fs.StringVar(&f.metricsAddr, "metrics-addr", "", "serve the live metrics at http://`ADDR`/metrics while the test runs, for Prometheus to scrape")
	fs.Var(&f.outs, "o", "short for --out")
	f.results.register(fs)
	fs.BoolVar(&f.quiet, "quiet", false, "no progress and no summary; the one-line verdict still prints")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours in the output")
	fs.BoolVar(&f.quick, "quick", false, "compress every duration 20x, keeping rates and VU counts")
	fs.Float64Var(&f.timeScale, "time-scale", 0, "multiply every duration of the load shape by `F` (0.1 = ten times shorter)")
	fs.StringVar(&f.baseURL, "base-url", "", "the target's base URL (sets BASE_URL)")
	f.tags = varsFlag{}
	fs.Var(f.tags, "tag", "add the tag K=V to every sample, e.g. --tag region=eu-west (repeatable)")
	seg := fs.String("execution-segment", "", "run this segment `A:B` of the test (k6's syntax: 1/4:1/2), for a distributed run")
	seq := fs.String("execution-segment-sequence", "", "the segments of the whole run, `0,1/4,...,1`; without it, equal segments")
	nth := fs.String("segment", "", "run the i-th of n equal segments, `i/n` from 1/n to n/n (shorthand for --execution-segment)")
	startAt := fs.String("start-at", "", "begin the load at this RFC 3339 time, after setup: the segments of a distributed run start together")
	fs.StringVar(&f.setupData, "setup-data", "", "use this JSON (from ramp setup) as setup's data instead of running setup; teardown is left to the segment that starts at 0")
	files, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if len(files) != 1 {
		return nil, fmt.Errorf("ramp run: name exactly one scenario file (got %d)", len(files))
	}
	f.file = files[0]
	if f.quick && f.timeScale != 0 {
		return nil, errors.New("ramp run: --quick and --time-scale are exclusive; --quick is --time-scale 0.05")
	}
	if f.timeScale < 0 {
		return nil, fmt.Errorf("ramp run: --time-scale %v: must be positive", f.timeScale)
	}
	if f.quick {
		f.timeScale = plan.QuickScale
	}
	if f.baseURL != "" {
		f.vars["BASE_URL"] = f.baseURL
	}
	switch {
	case *nth != "" && (*seg != "" || *seq != ""):
		return nil, errors.New("ramp run: --segment is short for --execution-segment: give one or the other")
	case *nth != "":
		s, err := segment.ParseNth(*nth)
		if err != nil {
			return nil, fmt.Errorf("ramp run: --segment %s: %w", *nth, err)
		}
		f.segment = s
	default:
		s, err := segment.Parse(*seg, *seq)
		if err != nil {
			return nil, fmt.Errorf("ramp run: %w", err)
		}
		f.segment = s
	}
	if *startAt != "" {
		t, err := time.Parse(time.RFC3339Nano, *startAt)
		if err != nil {
			return nil, fmt.Errorf("ramp run: --start-at %q: want an RFC 3339 time such as 2026-12-01T10:00:00Z", *startAt)
		}
		f.startAt = t
	}
	return f, nil
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

// runCommand is `ramp run`.
func runCommand(ctx, kill context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass // the help was asked for, and printed
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ExitUsage
	}
	env := map[string]string{} // what the file read of the environment, for a snapshot
	p, err := loadPlan(f.file, f.vars, f.timeScale, recordEnv(env))
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
	outs, out, err := openOutputs(f.outs, scrape, p, liveLabels)
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
	if f.quiet {
		fmt.Fprintln(stdout, report.VerdictLine(summary, color))
	} else if err := report.WriteText(stdout, summary, res.Snapshot, report.TextOptions{Color: color}); err != nil {
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
	code = max(code, f.results.write(stderr, name, summary))
	return code
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
