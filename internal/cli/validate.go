package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/ramp-dev/ramp/internal/scenario"
)

// validateCommand checks scenario files without sending traffic: every error of every file,
// each with file:line:column, then exit 2 if any file is invalid.
func validateCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "ramp validate: name at least one scenario file")
		return ExitUsage
	}
	code := ExitPass
	for _, path := range args {
		if _, err := scenario.Load(path, nil, os.LookupEnv); err != nil {
			printFileError(stderr, err)
			code = ExitUsage
			continue
		}
		fmt.Fprintf(stdout, "%s: ok\n", path)
	}
	return code
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
