package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ramp-dev/ramp/internal/capacity"
	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// capacityFlags are the options of `ramp capacity`.
type capacityFlags struct {
	file     string
	vars     map[string]string
	flow     string
	from, to float64
	quick    bool
	hold     time.Duration
	out      string
	html     string
}

func parseCapacityFlags(args []string, stderr io.Writer) (*capacityFlags, error) {
	f := &capacityFlags{vars: map[string]string{}}
	fs := flag.NewFlagSet("ramp capacity", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(varsFlag(f.vars), "e", "set a variable KEY=VALUE (repeatable)")
	baseURL := fs.String("base-url", "", "the target's base URL (sets BASE_URL)")
	fs.StringVar(&f.flow, "flow", "", "the flow to load (default: the first scenario's)")
	fs.Float64Var(&f.from, "from", capacity.DefaultSearch.From, "the first rate tried, iterations per second")
	fs.Float64Var(&f.to, "to", capacity.DefaultSearch.To, "the highest rate tried")
	fs.BoolVar(&f.quick, "quick", false, "hold each step 3 s instead of 60 s (with the file's windows scaled as by ramp run --quick)")
	fs.DurationVar(&f.hold, "hold", time.Minute, "how long each step runs, before --quick's scaling")
	fs.StringVar(&f.out, "out", "", "write the result as JSON to `PATH`")
	fs.StringVar(&f.html, "report", "", "write the result as an HTML page (latency and errors versus rate) to `PATH.html`")
	pos, err := parseArgs(fs, args)
	if err != nil {
		return nil, err
	}
	if len(pos) != 1 {
		return nil, fmt.Errorf("ramp capacity: name exactly one scenario file (got %d)", len(pos))
	}
	f.file = pos[0]
	if *baseURL != "" {
		f.vars["BASE_URL"] = *baseURL
	}
	if f.from <= 0 || f.to < f.from {
		return nil, fmt.Errorf("ramp capacity: --from %g --to %g: want 0 < from ≤ to", f.from, f.to)
	}
	if f.hold <= 0 {
		return nil, fmt.Errorf("ramp capacity: --hold %v: want a positive duration", f.hold)
	}
	return f, nil
}

// capacityCommand is `ramp capacity FILE`: exit 0 when a breaking point was found and
// confirmed, 4 when none could be (every rate held, or none), 2 for a bad file.
func capacityCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	f, err := parseCapacityFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return ExitPass
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return ExitUsage
	}
	p, err := scenario.Load(f.file, f.vars, os.LookupEnv)
	if err != nil {
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	for flag, path := range map[string]string{"--out": f.out, "--report": f.html} {
		if path == "" {
			continue
		}
		if err := outfile.Check(path); err != nil {
			fmt.Fprintf(stderr, "ramp capacity: %s %s: %v\n", flag, path, err)
			return ExitUsage
		}
	}
	extra, err := extraMonitors(f.vars)
	if err != nil {
		fmt.Fprintln(stderr, "ramp capacity:", err)
		return ExitUsage
	}
	cfg := capacity.Config{
		Search: capacity.Search{From: f.from, To: f.to, Precision: capacity.DefaultSearch.Precision, Retries: capacity.DefaultSearch.Retries},
		Flow:   f.flow, Hold: f.hold, Pause: 2 * time.Second,
		Options: engine.Options{Monitors: extra},
		OnStep:  func(s capacity.Step) { fmt.Fprintln(stdout, report.CapacityStepLine(s)) },
	}
	if f.quick {
		cfg.TimeScale, cfg.Pause = plan.QuickScale, 500*time.Millisecond
	}
	// Every step's plan must build before any load (the same check a run makes).
	d, err := capacity.Derive(p, f.flow, f.from, f.hold, cfg.TimeScale)
	if err == nil {
		err = engine.Validate(d, cfg.Options)
	}
	if err != nil {
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	fmt.Fprintf(stdout, "ramp capacity: %s — stepping the rate up from %g/s, then bisecting to ±%g%%\n", f.file, f.from, 100*cfg.Precision)
	res, err := capacity.Find(ctx, p, cfg)
	if errors.Is(err, context.Canceled) || ctx.Err() != nil {
		fmt.Fprintln(stderr, "ramp capacity: interrupted")
		return ExitInterrupted
	}
	if err != nil {
		fmt.Fprintln(stderr, "ramp capacity:", err)
		return ExitUsage
	}
	if err := report.WriteCapacityText(stdout, res); err != nil {
		fmt.Fprintln(stderr, "ramp capacity:", err)
	}
	code := exitCode(res.Verdict)
	if f.out != "" {
		code = max(code, writeOutput(stderr, "--out "+f.out, func() error { return writeJSON(f.out, res) }))
	}
	if f.html != "" {
		code = max(code, writeOutput(stderr, "--report "+f.html, func() error {
			var b bytes.Buffer
			if err := report.WriteCapacityHTML(&b, res); err != nil {
				return err
			}
			return outfile.WriteFile(f.html, b.Bytes())
		}))
	}
	return code
}
