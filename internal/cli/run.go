package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
)

// runFlags are the options of `ramp run`, k6's names where k6 has one.
type runFlags struct {
	file          string
	vars          map[string]string
	out           string // json=PATH
	summaryExport string
	reportHTML    string
	quiet         bool
	noColor       bool
	quick         bool
	timeScale     float64
	baseURL       string
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

// parseRunFlags parses `ramp run` arguments; the file may come before, between or after the
// flags, as with k6.
func parseRunFlags(args []string, stderr io.Writer) (*runFlags, error) {
	f := &runFlags{vars: map[string]string{}}
	fs := flag.NewFlagSet("ramp run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(varsFlag(f.vars), "e", "set a variable KEY=VALUE that the file reads as ${KEY} (repeatable)")
	fs.StringVar(&f.out, "out", "", "stream every sample: json=PATH writes NDJSON (k6's JSON output format)")
	fs.StringVar(&f.summaryExport, "summary-export", "", "write the JSON summary to `PATH`")
	fs.StringVar(&f.reportHTML, "report", "", "write an HTML report to `PATH.html`")
	fs.BoolVar(&f.quiet, "quiet", false, "no progress output")
	fs.BoolVar(&f.noColor, "no-color", false, "no colours in the output")
	fs.BoolVar(&f.quick, "quick", false, "compress every duration 20x, keeping rates and VU counts")
	fs.Float64Var(&f.timeScale, "time-scale", 0, "multiply every duration of the load shape by `F` (0.1 = ten times shorter)")
	fs.StringVar(&f.baseURL, "base-url", "", "the target's base URL (sets BASE_URL)")
	var files []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			break
		}
		files = append(files, fs.Arg(0))
		args = fs.Args()[1:]
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
	if f.out != "" && !strings.HasPrefix(f.out, "json=") {
		return nil, fmt.Errorf("ramp run: --out %q: the only output is json=PATH", f.out)
	}
	if f.baseURL != "" {
		f.vars["BASE_URL"] = f.baseURL
	}
	return f, nil
}

// runCommand is `ramp run`.
func runCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseRunFlags(args, stderr)
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(stderr, err)
		}
		return ExitUsage
	}
	p, err := loadPlan(f.file, f.vars, f.timeScale)
	if err != nil {
		printFileError(stderr, err)
		return ExitUsage
	}
	res, err := runTest(ctx, p, testOptions{
		ndjson:   strings.TrimPrefix(f.out, "json="),
		progress: progressWriter(stdout, f.quiet),
		color:    !f.noColor && isTerminal(stdout),
		monitors: targetMonitors(0, "", f.vars),
	})
	if err != nil {
		fmt.Fprintln(stderr, "ramp:", err)
		return ExitUsage
	}
	if !f.quiet || !res.summary.Pass {
		if err := report.WriteText(stdout, res.summary, res.snapshot, report.TextOptions{Color: !f.noColor && isTerminal(stdout)}); err != nil {
			fmt.Fprintln(stderr, "ramp:", err)
		}
	}
	code := exitCode(res)
	if f.summaryExport != "" {
		if err := writeJSON(f.summaryExport, res.summary); err != nil {
			fmt.Fprintln(stderr, "ramp:", err)
			code = max(code, ExitFail)
		}
	}
	if f.reportHTML != "" {
		name := strings.TrimSuffix(filepath.Base(f.file), filepath.Ext(f.file))
		if err := writeHTMLReport(f.reportHTML, report.SingleTestSuite(name, res.summary)); err != nil {
			fmt.Fprintln(stderr, "ramp:", err)
			code = max(code, ExitFail)
		}
	}
	for _, e := range res.outputErrors {
		fmt.Fprintln(stderr, "ramp:", e)
		code = max(code, ExitFail)
	}
	return code
}

// exitCode maps a finished test to PRODUCT.md §1's exit codes.
func exitCode(res *testResult) int {
	switch {
	case res.summary.Interrupted:
		return ExitInterrupted
	case !res.summary.Pass:
		return ExitFail
	}
	return ExitPass
}

// loadPlan compiles a scenario file and applies the time scale.
func loadPlan(path string, vars map[string]string, scale float64) (*plan.Plan, error) {
	p, err := loadScenario(path, vars)
	if err != nil {
		return nil, err
	}
	p.Scale(scale)
	return p, nil
}

// writeJSON writes v, indented, to path (directories created), atomically: a reader never
// sees half a file.
func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return writeFileAtomic(path, append(b, '\n'))
}

func writeFileAtomic(path string, data []byte) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
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
