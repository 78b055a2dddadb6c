// Package cli is ramp's command line: flags, files, printing and exit codes. It compiles
// scenario files (package scenario), hands the plan to the engine (engine.Run, which runs the
// executors, flows, monitors and self-check and decides the verdict), shows its progress, has
// the result rendered (package report) and maps the verdict to an exit code. It reaches the
// executors, flows and monitors only through the engine; none of the packages imports it.
//
// The commands and flags are github.com/spf13/cobra over github.com/spf13/pflag: k6 is built
// on them, so a k6 user finds the same GNU double-dash flags (`--vus 10`, `-o json=PATH`,
// `--http-debug=full`), per-command `--help` with examples, did-you-mean for a mistyped command
// and shell completion (`ramp completion bash|zsh|fish`). Both are the Go ecosystem's
// well-kept standard for this job (kubectl, docker, helm, gh). Each command is a spec: its
// help texts and a bind function that registers its flags and returns the body that runs
// with them — so every command's flags are declared where it reads them, and no state is
// global: Main builds a fresh command tree per call.
package cli

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Exit codes, as PRODUCT.md §1 defines them.
const (
	ExitPass        = 0 // every threshold and criterion passed
	ExitFail        = 1 // a threshold or criterion failed (or setup/teardown failed)
	ExitUsage       = 2 // usage or scenario-file error: nothing was sent
	ExitInterrupted = 3 // SIGINT/SIGTERM: the summary and reports are still written
	// ExitInconclusive: the run cannot show whether the SLOs hold — load not delivered beyond
	// its tolerance, the generator overloaded, a threshold or criterion without data.
	ExitInconclusive = 4
)

// rootLong is `ramp --help`'s text above the command list.
const rootLong = `ramp verifies that an HTTP API holds its capacity and its SLOs under load: k6-style scenario
files (YAML), k6's executors, metrics and thresholds, one verdict per run.

Exit codes: 0 pass: every threshold and criterion was judged and held, on the load intended
            1 fail: a threshold or criterion failed, or setup/teardown failed
            2 usage or scenario-file error: nothing was sent
            3 interrupted (SIGINT/SIGTERM; a second one ends teardown at once)
            4 inconclusive: the run cannot show whether the SLOs hold (load not delivered
              beyond options.loadTolerance, generator overloaded, a threshold or criterion
              without data)`

// Run runs one ramp command and returns its exit code. ctx is cancelled on SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return Main(ctx, nil, args, stdout, stderr)
}

// Main is Run with kill, cancelled on a second SIGINT/SIGTERM: what still runs after the
// first one (teardown, the drain) then ends at once, and the summary of what ran is written.
func Main(ctx, kill context.Context, args []string, stdout, stderr io.Writer) int {
	code := ExitPass
	root := newRoot(ctx, kill, stdout, stderr, &code)
	if len(args) == 0 {
		root.SetOut(stderr)
		_ = root.Help()
		return ExitUsage
	}
	root.SetArgs(args)
	if cmd, err := singleDashLong(root, args); err != nil {
		fmt.Fprintf(stderr, "%s: %v\nRun '%s --help' for usage.\n", cmd.CommandPath(), err, cmd.CommandPath())
		return ExitUsage
	}
	cmd, err := root.ExecuteC()
	if err != nil {
		path := "ramp"
		if cmd != nil {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(stderr, "%s: %s\nRun '%s --help' for usage.\n", path, strings.TrimSpace(err.Error()), path)
		return ExitUsage
	}
	return code
}

// singleDashLong finds a long flag written with one dash, as Go's flag package took it
// (`-quick`), which pflag would read as the shorthands -q -u ick: an error saying to write
// --quick, before anything runs.
func singleDashLong(root *cobra.Command, args []string) (*cobra.Command, error) {
	cmd, _, err := root.Find(args)
	if err != nil || cmd.DisableFlagParsing {
		return root, nil // cobra reports an unknown command itself
	}
	for _, a := range args {
		if a == "--" {
			break
		}
		word, ok := strings.CutPrefix(a, "-")
		if !ok || len(word) < 2 || strings.HasPrefix(word, "-") {
			continue
		}
		word, _, _ = strings.Cut(word, "=")
		if f := cmd.Flags().Lookup(word); f != nil {
			return cmd, fmt.Errorf("unknown flag %s; did you mean --%s? (long flags take two dashes)", a, f.Name)
		}
	}
	return cmd, nil
}

// newRoot builds the command tree; the chosen command's exit code lands in *code.
func newRoot(ctx, kill context.Context, stdout, stderr io.Writer, code *int) *cobra.Command {
	root := &cobra.Command{
		Use:   "ramp",
		Short: "Load tests and SLO verification for HTTP APIs",
		Long:  rootLong,
		Example: `  ramp suite --quick                                  # the bundled Mina suite, embedded mina
  ramp validate test.yaml                             # check a file, no traffic
  ramp inspect test.yaml --quick                      # the plan a run would run
  ramp run test.yaml -e BASE_URL=http://127.0.0.1:5000 --summary-export summary.json`,
		Version:       Version(),
		SilenceErrors: true, // Main prints them, once, with where the help is
		SilenceUsage:  true, // a usage error names the problem, not the whole usage
		// Did-you-mean for a mistyped command ("rnu" → run), as k6 does.
		SuggestionsMinimumDistance: 2,
	}
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetVersionTemplate("ramp {{.Version}}\n")
	root.SetFlagErrorFunc(flagError)
	for _, s := range []spec{
		runSpec(ctx, kill, stdout, stderr),
		inspectSpec(stdout, stderr),
		compareSpec(stdout, stderr),
		capacitySpec(ctx, stdout, stderr),
		suiteSpec(ctx, kill, stdout, stderr),
		reportSpec(stdout, stderr),
		setupSpec(ctx, stdout, stderr),
		mergeSpec(stdout, stderr),
		validateSpec(stdout, stderr),
		k8sSpec(stdout, stderr),
		versionSpec(stdout),
	} {
		root.AddCommand(newCommand(s, code))
	}
	root.AddCommand(passThrough("mina serve|migrate|seed [flags]",
		"The reference Mina API server, from ramp's own binary",
		`The reference Mina API server (meetings, tasks, analytics over SQLite or PostgreSQL, with an
in-process or Redis cache), the same program as the mina binary. Its flags are its own:
"ramp mina help" lists them.`,
		"  ramp mina seed --users 100 --meetings 1000 --tokens-out tokens.csv\n  ramp mina serve --addr 127.0.0.1:5000",
		func(args []string) int { return minaCommand(ctx, args, stdout, stderr) }, code))
	return root
}

// versionSpec is `ramp version`.
func versionSpec(stdout io.Writer) spec {
	return spec{
		use:   "version",
		short: "Print ramp's version, commit, Go version and platform",
		bind: func(*pflag.FlagSet) body {
			return func([]string) int {
				fmt.Fprint(stdout, versionText())
				return ExitPass
			}
		},
	}
}

// Version is the module version ramp was built as, or "devel". Snapshots carry it: only
// snapshots of the same version merge.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}

// versionText is what `ramp version` prints: the version, then the commit (from the VCS
// stamp `go build` records, "+modified" when the tree was not clean), its time, the Go version
// and the platform, each on its own line.
func versionText() string {
	commit, when, modified := "unknown", "", false
	goVersion := runtime.Version()
	if bi, ok := debug.ReadBuildInfo(); ok {
		goVersion = bi.GoVersion
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				commit = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	if modified {
		commit += "+modified"
	}
	if when != "" {
		commit += " (" + when + ")"
	}
	return fmt.Sprintf("ramp %s\n  commit   %s\n  go       %s\n  platform %s/%s\n",
		Version(), commit, goVersion, runtime.GOOS, runtime.GOARCH)
}
