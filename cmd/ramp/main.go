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
	// The first SIGINT/SIGTERM stops the load: teardown still runs, bounded by its timeout,
	// and the summary of what ran is written. A second one ends teardown and the drain at
	// once (the summary is still written), as k6 does.
	ctx, stop := context.WithCancel(context.Background())
	kill, killNow := context.WithCancel(context.Background())
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sigs
		stop()
		<-sigs
		killNow()
	}()
	code := cli.Main(ctx, kill, os.Args[1:], os.Stdout, os.Stderr)
	signal.Stop(sigs)
	os.Exit(code)
}
