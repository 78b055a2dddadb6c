// Command ramp runs load tests and verifies SLOs against HTTP APIs. See the README and
// `ramp help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/ramp-dev/ramp/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
