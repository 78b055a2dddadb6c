package cli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/threshold"
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
	code := ExitPass
	for _, path := range args {
		p, err := scenario.Load(path, vars, os.LookupEnv)
		if err == nil {
			err = checkRules(p)
		}
		if err != nil {
			printFileError(stderr, err)
			code = ExitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	return code
}

// checkRules compiles what the scenario compiler keeps as written — criteria and monitors —
// so that validate reports their errors too, before any traffic.
func checkRules(p *plan.Plan) error {
	_, cerr := threshold.CompileCriteria(p.Criteria)
	ms, _, merr := monitor.Compile(p.Monitors)
	_ = monitor.CloseAll(ms)
	return errors.Join(cerr, merr)
}

// printFileError prints a scenario error, one problem per line.
func printFileError(w io.Writer, err error) {
	var errs scenario.Errors
	if errors.As(err, &errs) {
		for _, e := range errs {
			fmt.Fprintln(w, e.Error())
		}
		return
	}
	fmt.Fprintln(w, err)
}
