package cli

import "flag"

// parseArgs parses args with fs, allowing positional arguments before, between and after the
// flags, as k6 does (`ramp run FILE --quick` and `ramp run --quick FILE` alike), and returns
// the positional arguments in order.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}
