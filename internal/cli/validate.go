package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// validateSpec is `ramp validate`.
func validateSpec(stdout, stderr io.Writer) spec {
	return spec{
		use:   "validate FILE... [flags]",
		files: scenarioFiles,
		short: "Check scenario files (criteria and monitors too) without sending traffic",
		long: `Check scenario files without sending traffic: every error of every file, each with
file:line:column and what to do, then exit 2 if any file is invalid. It makes the very checks
ramp run makes before it sends anything.`,
		example: `  ramp validate examples/*.yaml
  ramp validate -e BASE_URL=http://127.0.0.1:5000 suites/mina/01-api-read-load.yaml`,
		bind: func(fs *pflag.FlagSet) body {
			vars := map[string]string{}
			fs.VarP(varsFlag(vars), "env", "e", "set a variable the files read as ${KEY} (repeatable)")
			return func(args []string) int { return validateCommand(args, vars, stdout, stderr) }
		},
	}
}

// validateCommand checks scenario files without sending traffic: every error of every file,
// each with file:line:column, then exit 2 if any file is invalid.
func validateCommand(args []string, vars map[string]string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		return usagef(stderr, "ramp validate", "name at least one scenario file")
	}
	extra, err := extraMonitors(vars)
	if err != nil {
		fmt.Fprintln(stderr, "ramp validate:", err)
		return ExitUsage
	}
	code := ExitPass
	for _, path := range args {
		p, err := scenario.Load(path, vars, os.LookupEnv)
		if err == nil {
			// The engine's own checks, the very ones a run makes before it sends anything.
			err = engine.Validate(p, engine.Options{Monitors: extra})
		}
		if err != nil {
			printFileError(stderr, path, err)
			code = ExitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	return code
}

// printFileError prints a scenario error, one problem per line: the compiler's with
// file:line:column, the engine's configuration errors prefixed with the file.
func printFileError(w io.Writer, path string, err error) {
	var errs scenario.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	var ce *engine.ConfigError
	if errors.As(err, &ce) {
		for _, e := range leaves(ce.Err) {
			fmt.Fprintf(w, "%s: %v\n", path, e)
		}
		return
	}
	fmt.Fprintln(w, err)
}

// leaves flattens joined errors into one error per problem.
func leaves(err error) []error {
	j, ok := err.(interface{ Unwrap() []error })
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range j.Unwrap() {
		out = append(out, leaves(e)...)
	}
	return out
}
