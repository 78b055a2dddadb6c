package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/outfile"
)

// setupCommand is `ramp setup FILE [-e KEY=VALUE]... --out PATH`: it runs the file's setup
// flow once and writes what it captured as JSON, for the segments of a distributed run, which
// read it with `ramp run --setup-data PATH` instead of each running setup.
func setupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	vars := map[string]string{}
	fs := flag.NewFlagSet("ramp setup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(varsFlag(vars), "e", "set a variable KEY=VALUE that the file reads as ${KEY} (repeatable)")
	out := fs.String("out", "", "write setup's captured data as JSON to `PATH` (required)")
	baseURL := fs.String("base-url", "", "the target's base URL (sets BASE_URL)")
	files, err := parseArgs(fs, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return ExitPass
		}
		return ExitUsage
	}
	if len(files) != 1 || *out == "" {
		fmt.Fprintln(stderr, "ramp setup: name one scenario file and --out PATH")
		return ExitUsage
	}
	if *baseURL != "" {
		vars["BASE_URL"] = *baseURL
	}
	if err := outfile.Check(*out); err != nil {
		fmt.Fprintf(stderr, "ramp setup: --out %s: %v\n", *out, err)
		return ExitUsage
	}
	p, err := loadPlan(files[0], vars, 0, recordEnv(map[string]string{}))
	if err != nil {
		printFileError(stderr, files[0], err)
		return ExitUsage
	}
	data, err := engine.Setup(ctx, p)
	var ce *engine.ConfigError
	switch {
	case errors.As(err, &ce):
		printFileError(stderr, files[0], err)
		return ExitUsage
	case ctx.Err() != nil:
		fmt.Fprintln(stderr, "ramp setup: interrupted")
		return ExitInterrupted
	case err != nil:
		fmt.Fprintln(stderr, "ramp setup: setup failed:", err)
		return ExitFail
	}
	if err := writeJSON(*out, data); err != nil {
		fmt.Fprintf(stderr, "ramp setup: --out %s: %v\n", *out, err)
		return ExitFail
	}
	fmt.Fprintf(stdout, "ramp setup: wrote %s (%d captured values)\n", *out, len(data))
	return ExitPass
}
