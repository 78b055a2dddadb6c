package cli

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/outfile"
)

// setupSpec is `ramp setup`.
func setupSpec(ctx context.Context, stdout, stderr io.Writer) spec {
	return spec{
		use:   "setup FILE --out PATH [flags]",
		files: scenarioFiles,
		short: "Run a file's setup once, for the segments of a distributed run",
		long: `Run the file's setup flow once and write what it captured as JSON, for the segments of a
distributed run, which read it with "ramp run --setup-data PATH" instead of each running
setup.`,
		example: `  ramp setup test.yaml --base-url http://127.0.0.1:5000 --out setup.json
  ramp run test.yaml --segment 1/2 --setup-data setup.json --out snapshot=seg-1.snap`,
		bind: func(fs *pflag.FlagSet) body {
			vars := map[string]string{}
			fs.VarP(varsFlag(vars), "env", "e", "set a variable the file reads as ${KEY} (repeatable)")
			out := fs.StringP("out", "o", "", "write setup's captured data as JSON to `PATH` (required)")
			baseURL := fs.String("base-url", "", "the target's base `URL` (sets BASE_URL)")
			return func(files []string) int { return setupCommand(ctx, files, vars, *out, *baseURL, stdout, stderr) }
		},
	}
}

// setupCommand is `ramp setup FILE [-e KEY=VALUE]... --out PATH`: it runs the file's setup
// flow once and writes what it captured as JSON.
func setupCommand(ctx context.Context, files []string, vars map[string]string, out, baseURL string, stdout, stderr io.Writer) int {
	if len(files) != 1 || out == "" {
		return usagef(stderr, "ramp setup", "name one scenario file and --out PATH")
	}
	if baseURL != "" {
		vars["BASE_URL"] = baseURL
	}
	if err := outfile.Check(out); err != nil {
		fmt.Fprintf(stderr, "ramp setup: --out %s: %v\n", out, err)
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
	if err := writeJSON(out, data); err != nil {
		fmt.Fprintf(stderr, "ramp setup: --out %s: %v\n", out, err)
		return ExitFail
	}
	fmt.Fprintf(stdout, "ramp setup: wrote %s (%d captured values)\n", out, len(data))
	return ExitPass
}
