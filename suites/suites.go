// Package suites embeds the bundled test suites in the ramp binary, so that `ramp suite`
// runs the Mina suite from a fresh clone or a lone binary with no files beside it.
package suites

import (
	"embed"
	"io/fs"
)

//go:embed mina/*.yaml
var files embed.FS

// Mina returns the bundled Mina suite, by file name: the four tests of the user's strategy and,
// for its Phase 2, live transcription (05) and resilience under chaos (06).
func Mina() fs.FS {
	sub, err := fs.Sub(files, "mina")
	if err != nil {
		panic(err) // the embedded directory is fixed at build time
	}
	return sub
}
