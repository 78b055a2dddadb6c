// Package cli is ramp's command line: flags, files, printing and exit codes. It compiles
// scenario files (package scenario), hands the plan to the engine (engine.Run, which runs the
// executors, flows, monitors and self-check and decides the verdict), shows its progress, has
// the result rendered (package report) and maps the verdict to an exit code. It reaches the
// executors, flows and monitors only through the engine; none of the packages imports it.
package cli

import (
	"context"
	"fmt"
	"io"
	"runtime/debug"
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

const usage = `ramp verifies that an HTTP API holds its capacity and its SLOs under load.

Usage:
  ramp run FILE [-e KEY=VALUE]... [-o|--out json=PATH|csv=PATH|snapshot=PATH|prometheus-rw=URL]...
                [--metrics-addr HOST:PORT] [--summary-export PATH] [--report PATH.html]
                [--junit PATH] [--markdown PATH] [--quiet] [--no-color]
                [--quick | --time-scale F] [--base-url URL]
                [--execution-segment A:B [--execution-segment-sequence S] | --segment i/n]
                [--tag K=V]... [--start-at TIME] [--setup-data setup.json]
  ramp suite [DIR] [--base-url URL] [--results DIR] [--quick] [--cooldown D] [--parallelism N]
             [-e KEY=VALUE]... [--out prometheus-rw=URL]... [--metrics-addr HOST:PORT]
                               run a directory of tests (default: the bundled Mina suite,
                               against an embedded mina started on a free loopback port)
             [--baseline DIR] [--save-baseline DIR] [--min-change P]
                               compare with a previous run's results; keep this one as one
  ramp compare BASELINE CURRENT [--budget "METRIC: EXPR"]... [--file FILE] [--min-change 5%]
               [--min-delta 1ms] [--format text|json|markdown]
                               regressions against a baseline (summary JSON, run snapshot or
                               suite results directory): exit 1 on one, 4 when not shown
  ramp capacity FILE [--flow NAME] [--from R] [--to R] [--quick | --hold D] [--out PATH] [--report PATH.html]
                               the highest arrival rate at which the file's rules hold
  ramp report RESULTS_DIR      re-render the HTML report from a suite's JSON files
  ramp setup FILE [-e KEY=VALUE]... --out setup.json
                               run setup once, for the segments of a distributed run
                               (ramp run --setup-data setup.json)
  ramp merge SNAPSHOT... [--summary-export PATH] [--report PATH.html] [--junit PATH] [--markdown PATH]
                               one result and verdict from the snapshots of a test's
                               segments (ramp run --out snapshot=PATH)
  ramp validate [-e KEY=VALUE]... FILE...
                               check scenario files without sending traffic
  ramp k8s FILE --parallelism N --image IMAGE (--pvc NAME | --storage-class CLASS)
                [--namespace NS] [-e KEY=VALUE]... [--start-in D | --start-at TIME] [--output PATH]
                               the Kubernetes manifests of a distributed run: N segment
                               pods from one start time, then one merged verdict
  ramp version
  ramp mina serve|migrate|seed the reference Mina server (see "ramp mina help")

Exit codes: 0 pass: every threshold and criterion was judged and held, on the load intended
            1 fail: a threshold or criterion failed, or setup/teardown failed
            2 usage or scenario-file error: nothing was sent
            3 interrupted (SIGINT/SIGTERM; a second one ends teardown at once)
            4 inconclusive: the run cannot show whether the SLOs hold (load not delivered
              beyond options.loadTolerance, generator overloaded, a threshold or criterion
              without data)
`

// Run runs one ramp command and returns its exit code. ctx is cancelled on SIGINT/SIGTERM.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return Main(ctx, nil, args, stdout, stderr)
}

// Main is Run with kill, cancelled on a second SIGINT/SIGTERM: what still runs after the
// first one (teardown, the drain) then ends at once, and the summary of what ran is written.
func Main(ctx, kill context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return ExitUsage
	}
	switch cmd, rest := args[0], args[1:]; cmd {
	case "run":
		return runCommand(ctx, kill, rest, stdout, stderr)
	case "suite":
		return suiteCommand(ctx, kill, rest, stdout, stderr)
	case "report":
		return reportCommand(rest, stdout, stderr)
	case "merge":
		return mergeCommand(rest, stdout, stderr)
	case "setup":
		return setupCommand(ctx, rest, stdout, stderr)
	case "validate":
		return validateCommand(rest, stdout, stderr)
	case "compare":
		return compareCommand(rest, stdout, stderr)
	case "capacity":
		return capacityCommand(ctx, rest, stdout, stderr)
	case "k8s":
		return k8sCommand(rest, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "ramp", Version())
		return ExitPass
	case "mina":
		return minaCommand(ctx, rest, stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return ExitPass
	default:
		fmt.Fprintf(stderr, "ramp: unknown command %q\n\n%s", cmd, usage)
		return ExitUsage
	}
}

// Version is the module version ramp was built as, or "devel".
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "devel"
}
