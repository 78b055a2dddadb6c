package cli

import (
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/suggest"
)

// body is a command's work once its flags are parsed: it gets the positional arguments and
// returns the exit code.
type body func(args []string) int

// spec describes one command for newCommand: its help texts and how it binds its flags.
type spec struct {
	use, short, long, example string
	// bind registers the command's flags on fs and returns its body, which reads them.
	bind func(fs *pflag.FlagSet) body
	// files, when set, are the extensions shell completion offers for the arguments
	// ("yaml", "yml"); otherwise it offers any file.
	files []string
}

// scenarioFiles are the extensions of scenario files, for completion.
var scenarioFiles = []string{"yaml", "yml"}

// flagValues are the values completion offers for the flags that take one of a few words.
var flagValues = map[string][]string{
	"summary-format": {formatStrategy, formatK6},
	"http-debug":     {"headers", "full"},
}

// newCommand makes the cobra command of s. The body's exit code lands in *code; cobra itself
// only ever reports usage errors (an unknown flag or command, a bad flag value), which Main
// maps to ExitUsage.
func newCommand(s spec, code *int) *cobra.Command {
	c := &cobra.Command{
		Use: s.use, Short: s.short, Long: s.long, Example: s.example,
		// Positional arguments are each command's to check, with its own message.
		Args: cobra.ArbitraryArgs,
	}
	run := s.bind(c.Flags())
	c.Run = func(_ *cobra.Command, args []string) { *code = run(args) }
	if s.files != nil {
		c.ValidArgsFunction = func(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
			return s.files, cobra.ShellCompDirectiveFilterFileExt
		}
	}
	for name, values := range flagValues {
		if c.Flags().Lookup(name) != nil {
			_ = c.RegisterFlagCompletionFunc(name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
	}
	return c
}

// varsFlag collects repeated -e KEY=VALUE.
type varsFlag map[string]string

var _ pflag.Value = varsFlag(nil)

func (v varsFlag) String() string { return "" }

// Type names the value in the help text.
func (v varsFlag) Type() string { return "KEY=VALUE" }

func (v varsFlag) Set(s string) error {
	k, val, ok := strings.Cut(s, "=")
	if !ok || k == "" {
		return fmt.Errorf("%q: want KEY=VALUE", s)
	}
	v[k] = val
	return nil
}

// flagError adds a did-you-mean to pflag's "unknown flag" errors: the nearest flag of the
// command, or the double-dash spelling of a single-dash long flag (`-quick`, as Go's flag
// package took it, is `--quick` now). Other errors pass unchanged.
func flagError(c *cobra.Command, err error) error {
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) { names = append(names, f.Name) })
	msg := err.Error()
	if name, ok := strings.CutPrefix(msg, "unknown flag: --"); ok {
		name, _, _ = strings.Cut(name, "=")
		if s, ok := suggest.Closest(name, names, max(2, len(name)/3)); ok {
			return fmt.Errorf("%s; did you mean --%s?", msg, s)
		}
		return err
	}
	if m := shorthandErr.FindStringSubmatch(msg); m != nil {
		word, _, _ := strings.Cut(m[1], "=")
		for _, n := range names {
			if n == word {
				return fmt.Errorf("%s; did you mean --%s? (long flags take two dashes)", msg, n)
			}
		}
		if s, ok := suggest.Closest(word, names, max(2, len(word)/3)); ok && len(word) > 1 {
			return fmt.Errorf("%s; did you mean --%s?", msg, s)
		}
	}
	return err
}

// shorthandErr matches pflag's error for an unknown single-dash flag, catching the word.
var shorthandErr = regexp.MustCompile(`^unknown shorthand flag: '.' in -(.+)$`)

// usagef prints a usage error the way Main prints cobra's, naming the command and where its
// help is, and returns ExitUsage.
func usagef(stderr io.Writer, cmd, format string, args ...any) int {
	fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", cmd, fmt.Sprintf(format, args...), cmd)
	return ExitUsage
}

// passThrough makes a command that hands its arguments, flags included, to run untouched: for
// a program with a command line of its own (ramp mina), and the bridge for a command written
// against the standard flag package with its own FlagSet, until it is ported to a spec (its
// flags then keep Go's syntax and its own -h, absent from completion and did-you-mean). The
// exit code lands in *code.
func passThrough(use, short, long, example string, run func(args []string) int, code *int) *cobra.Command {
	return &cobra.Command{
		Use: use, Short: short, Long: long, Example: example,
		DisableFlagParsing: true,
		Run:                func(_ *cobra.Command, args []string) { *code = run(args) },
	}
}

// resolveTimeScale is the time scale --quick and --time-scale ask for (0: none), the one rule
// of every command that scales a test.
func resolveTimeScale(quick bool, timeScale float64) (float64, error) {
	switch {
	case quick && timeScale != 0:
		return 0, fmt.Errorf("--quick and --time-scale are exclusive; --quick is --time-scale %g", plan.QuickScale)
	case timeScale < 0:
		return 0, fmt.Errorf("--time-scale %v: must be positive", timeScale)
	case quick:
		return plan.QuickScale, nil
	}
	return timeScale, nil
}
