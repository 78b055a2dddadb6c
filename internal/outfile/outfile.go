// Package outfile writes ramp's output files (summaries, reports, NDJSON streams) to the
// path the user named, through whatever that path is, and says before any load is sent
// whether it can be written.
//
// What a path names decides how it is written:
//
//	path names                          WriteFile                              Create
//	nothing yet                         parents made, new file atomically      parents made, new file
//	a regular file                      replaced atomically, mode kept         truncated
//	a symbolic link (chain)             the file it ends at, as above;         the file it ends at
//	                                    the link is kept
//	a FIFO, character device, or a      opened O_WRONLY and written through;   the same
//	link through /proc (/dev/stdout,    never renamed over, never truncated
//	/dev/fd/N)                          (a regular file there is appended to)
//	a directory or a socket             an error                               an error
//
// "Atomically" means a temporary file in the same directory, synced, then renamed over the
// path, so a reader sees the old content or the new, never half a file. When the directory
// refuses new entries but the file itself is writable (a file someone else's directory lets
// us write, a directory marked immutable), or the file is a mount point that cannot be
// renamed over, the file is written in place instead: that is the only way to write it.
//
// /dev/stdout is a symbolic link to /proc/self/fd/1, itself a link to whatever the shell
// connected: a pipe, a terminal, or a file. Following that last link by name would replace the
// shell's file behind its back (or create a file called "pipe:[1234]"), so a link into /proc
// is where resolution stops: the path is opened as it is and written through, appending when
// it is a regular file, as `>>` would.
//
// Writing to a FIFO waits until a reader opens it, as a shell redirection does. Check never
// opens one, so it never blocks.
package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// maxLinks bounds a chain of symbolic links, as the kernel's own limit (40) does.
const maxLinks = 40

// target is what a path names once its symbolic links are followed.
type target struct {
	// path is where to write: the path as given, or the file its links end at.
	path string
	// info describes what is at path; nil when nothing is there yet (a new file, or the end
	// of a dangling link).
	info fs.FileInfo
	// through is true when path is opened and written as it is, never replaced: a FIFO, a
	// device, anything reached through /proc.
	through bool
}

// resolve follows path's symbolic links one at a time (os.Lstat and os.Readlink), so that a
// dangling link resolves to the file it would create and a link into /proc stops the walk.
func resolve(path string) (target, error) {
	if path == "" {
		return target{}, errors.New("no output path given")
	}
	p := path
	for range maxLinks {
		fi, err := os.Lstat(p)
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
			// Nothing there; ENOTDIR: nothing can be, which Check and WriteFile explain.
			return target{path: p}, nil
		}
		if err != nil {
			return target{}, err
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return target{path: p, info: fi, through: !fi.Mode().IsRegular() || underProc(p)}, nil
		}
		if underProc(p) {
			// A "magic" link such as /proc/self/fd/1: only the kernel can follow it.
			fi, err := os.Stat(p)
			if err != nil {
				return target{}, err
			}
			return target{path: p, info: fi, through: true}, nil
		}
		dest, err := os.Readlink(p)
		if err != nil {
			return target{}, err
		}
		if !filepath.IsAbs(dest) {
			dest = filepath.Join(filepath.Dir(p), dest)
		}
		p = dest
	}
	return target{}, fmt.Errorf("%s: more than %d symbolic links in a row (a loop?): point it at a file", path, maxLinks)
}

// underProc reports whether p lies in /proc, whose links (fd/N, cwd, exe) name open files
// rather than paths. Its directory is resolved first: /dev/fd/1 is /proc/self/fd/1.
func underProc(p string) bool {
	abs, err := filepath.Abs(p)
	if err != nil {
		return false
	}
	dir := filepath.Dir(abs)
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return dir == "/proc" || strings.HasPrefix(dir, "/proc/")
}

// refuse returns the error for what can never be written as a file, or nil.
func refuse(path string, t target) error {
	if t.info == nil {
		return nil
	}
	switch m := t.info.Mode(); {
	case m.IsDir():
		return fmt.Errorf("%s is a directory: give the path of a file (in it or elsewhere)", path)
	case m&fs.ModeSocket != 0:
		return fmt.Errorf("%s is a socket, which cannot be opened for writing: give a file, a FIFO or /dev/stdout", path)
	}
	return nil
}
