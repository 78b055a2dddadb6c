package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/scenario"
)

// validateCommand checks scenario files without sending traffic: every error of every file,
// each with file:line:column, then exit 2 if any file is invalid.
func validateCommand(args []string, stdout, stderr io.Writer) int {
	vars := map[string]string{}
	fs := flag.NewFlagSet("ramp validate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(varsFlag(vars), "e", "set a variable KEY=VALUE the files read (repeatable)")
	if err := fs.Parse(args); err != nil {
		return ExitUsage
	}
	args = fs.Args()
	if len(args) == 0 {
		fmt.Fprintln(stderr, "ramp validate: name at least one scenario file")
		return ExitUsage
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
