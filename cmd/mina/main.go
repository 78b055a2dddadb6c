// Command mina is the reference Mina API server that ramp's suite, tests and benchmarks run
// against. All of it lives in internal/mina/app; this file only turns signals into a
// cancelled context and the result into an exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := app.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
