package cli

import (
	"bytes"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/report"
)

// resultFiles are the files one test's result is written to — what `ramp run` and
// `ramp merge` both write, each rendering the same summary.
type resultFiles struct {
	summaryExport, html, junit, markdown string
	// format is --summary-format: "strategy" (the default) or "k6".
	format string
}

// The layouts --summary-format takes.
const (
	formatStrategy = "strategy" // the strategy's schema, extended with the verdict: the default
	formatK6       = "k6"       // k6's --summary-export layout, for scripts written against k6
)

// register adds the flags that name the files.
func (r *resultFiles) register(fs *pflag.FlagSet) {
	fs.StringVar(&r.summaryExport, "summary-export", "", "write the JSON summary (the strategy's schema, extended; see --summary-format) to `PATH`")
	fs.StringVar(&r.format, "summary-format", formatStrategy, "the `FORMAT` of --summary-export: strategy (its schema, with the verdict) or k6 (k6's summary-export: metrics.http_req_duration[\"p(95)\"])")
	fs.StringVar(&r.html, "report", "", "write the HTML report to `PATH.html`")
	fs.StringVar(&r.junit, "junit", "", "write JUnit XML (a test case per threshold and criterion) to `PATH`")
	fs.StringVar(&r.markdown, "markdown", "", "write the Markdown PR comment to `PATH`")
}

// finish checks the flags' values.
func (r *resultFiles) finish() error {
	if r.format != formatStrategy && r.format != formatK6 {
		return fmt.Errorf("--summary-format %q: want strategy (the default) or k6", r.format)
	}
	return nil
}

// paths lists the files named, each with its flag.
func (r *resultFiles) paths() [][2]string {
	var out [][2]string
	for _, f := range [][2]string{{"--summary-export", r.summaryExport}, {"--report", r.html}, {"--junit", r.junit}, {"--markdown", r.markdown}} {
		if f[1] != "" {
			out = append(out, f)
		}
	}
	return out
}

// check finds, before any load, a file that cannot be written: the flag and why.
func (r *resultFiles) check() error {
	for _, p := range r.paths() {
		if err := outfile.Check(p[1]); err != nil {
			return fmt.Errorf("%s %s: %w", p[0], p[1], err)
		}
	}
	return nil
}

// write renders the summary of the test called name into every file named, and returns
// ExitFail when one could not be written (each error printed, naming its flag).
// With --summary-format k6, --summary-export is k6's layout of res, with the trend statistics
// stats (nil: k6's default).
func (r *resultFiles) write(stderr io.Writer, name string, s *report.Summary, res *engine.Result, stats []string) int {
	suite := report.SingleTestSuite(name, s)
	render := func(w func(io.Writer, *report.Suite) error) func(string) error {
		return func(path string) error {
			var b bytes.Buffer
			if err := w(&b, suite); err != nil {
				return err
			}
			return outfile.WriteFile(path, b.Bytes())
		}
	}
	writers := map[string]func(string) error{
		"--summary-export": func(path string) error {
			if r.format == formatK6 {
				return writeJSON(path, output.K6Summary(res, stats))
			}
			return writeJSON(path, s)
		},
		"--report":   func(path string) error { return writeHTMLReport(path, suite) },
		"--junit":    render(report.WriteJUnit),
		"--markdown": render(report.WriteMarkdown),
	}
	code := ExitPass
	for _, p := range r.paths() {
		code = max(code, writeOutput(stderr, p[0]+" "+p[1], func() error { return writers[p[0]](p[1]) }))
	}
	return code
}
