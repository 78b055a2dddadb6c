package cli

import (
	"context"
	"io"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// minaCommand runs the reference Mina server's commands from ramp's own binary, so that
// `ramp suite` can start the target as a child process of its own (`ramp mina serve …`)
// without a second binary to install.
func minaCommand(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return app.Run(ctx, args, stdout, stderr)
}
