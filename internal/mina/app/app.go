// Package app is the mina program: its commands, wiring and lifecycle, callable from any
// binary. cmd/mina calls Run with the process's arguments; ramp's own binary calls it as
// `ramp mina …` so that `ramp suite` can start the reference server as a child process without
// a second binary. Nothing here touches global state: no flag.CommandLine, no os.Exit, no
// default Prometheus registry, no signal handling (the caller cancels ctx).
//
// Commands:
//
//	mina serve [--addr 127.0.0.1:5000] [--no-migrate] [--inject-latency D]
//	           [--inject-error-rate F] [--inject-route PATTERN] [--pidfile FILE]
//	           [--max-inflight N [--max-queue-wait D]]
//	           [--shutdown-timeout D]
//	mina migrate up|down|status
//	mina seed --users N --meetings N [--tokens-out FILE]
//
// serve prints exactly one line to stdout once it listens, "mina listening on http://ADDR",
// which callers that start it with --addr 127.0.0.1:0 read to learn the port. It logs to
// stderr. When ctx is cancelled it stops accepting connections, lets in-flight requests finish
// (within --shutdown-timeout) and closes the store.
//
// Exit codes: 0 success, 1 failure, 2 usage error.
//
// As in benbjohnson/wtf's cmd/wtfd, a Main type holds the running program (Open, Close) so
// that end-to-end tests start the real wiring in process.
package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
)

// Exit codes of Run.
const (
	ExitOK    = 0
	ExitError = 1
	ExitUsage = 2
)

// usage is printed for help and usage errors.
const usage = `usage:
  mina serve [--addr 127.0.0.1:5000] [--no-migrate] [--inject-latency D]
             [--inject-error-rate F] [--inject-route PATTERN] [--pidfile FILE]
             [--max-inflight N [--max-queue-wait D]]
             [--shutdown-timeout D]
  mina migrate up|down|status
  mina seed --users N --meetings N [--tokens-out FILE]

environment:
  DATABASE_URL       postgres://… | postgresql://… | sqlite:PATH (default sqlite:mina.db)
  REDIS_URL          cache reads in Redis (default: in process)
  MINA_DB_POOL_SIZE  database pool size
  MINA_CACHE_TTL     cached read lifetime (default 30s)
  MINA_TOKEN_TTL     token lookup lifetime; a revoked token works that long (default 10s)
  MINA_REDIS_PREFIX  prefix of mina's Redis keys (default mina:)
`

// Run runs one mina command with the process's environment and returns its exit code.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return (&Env{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv}).Run(ctx, args)
}

// Env is where a command runs: its output streams and environment.
type Env struct {
	Stdout, Stderr io.Writer
	Getenv         func(string) string
}

// usageError marks an error as the caller's (exit 2).
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usage error.
func usagef(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// Run runs one command and returns its exit code.
func (e *Env) Run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		fmt.Fprint(e.Stderr, usage)
		return ExitUsage
	}
	var err error
	switch cmd, rest := args[0], args[1:]; cmd {
	case "serve":
		err = e.serve(ctx, rest)
	case "migrate":
		err = e.migrate(ctx, rest)
	case "seed":
		err = e.seed(ctx, rest)
	case "help", "-h", "--help", "-help":
		fmt.Fprint(e.Stdout, usage)
		return ExitOK
	default:
		err = usagef("unknown command %q", cmd)
	}
	var ue usageError
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.As(err, &ue):
		fmt.Fprintf(e.Stderr, "mina: %v\n\n%s", err, usage)
		return ExitUsage
	}
	fmt.Fprintf(e.Stderr, "mina: %v\n", err)
	return ExitError
}

// flags returns a flag set for a command that reports its errors as usage errors.
func (e *Env) flags(name string) *flag.FlagSet {
	fs := flag.NewFlagSet("mina "+name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return fs
}

// parse parses args into fs, allowing no positional arguments beyond max.
func parse(fs *flag.FlagSet, args []string, max int) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err}
	}
	if fs.NArg() > max {
		return usagef("%s: unexpected argument %q", fs.Name(), fs.Arg(max))
	}
	return nil
}

// logger returns the program's logger, on stderr.
func (e *Env) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(e.Stderr, nil))
}
