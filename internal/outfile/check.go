package outfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"

	"golang.org/x/sys/unix"
)

// Check says whether WriteFile and Create can write path, without writing it and without
// waiting. Call it for every output before any load is sent, so that a typo or a read-only
// disk shows in a second rather than after the whole test has run.
//
//	path names          it is writable when
//	nothing yet         the nearest existing ancestor of its directory is a directory that
//	                    accepts a new file: an empty file is created there and removed
//	a regular file      it opens for writing (O_WRONLY, not truncated, closed at once)
//	a FIFO or device    access(2) grants W_OK; it is never opened (a FIFO would block)
//	a directory/socket  never
//
// Symbolic links are followed as WriteFile follows them. Creating a file is the only honest
// test of a directory: permission bits and access(2) say yes to root everywhere, and to
// anyone for /proc and /sys, whose directories take no new files. Check creates no
// directory; WriteFile creates the missing ones later.
//
// The error names what is wrong and what to do about it.
func Check(path string) error {
	t, err := resolve(path)
	if err != nil {
		return fmt.Errorf("%s cannot be written: %w", path, err)
	}
	if err := refuse(path, t); err != nil {
		return err
	}
	switch {
	case t.info == nil:
		return checkNew(path, t.path)
	case t.info.Mode().IsRegular():
		f, err := os.OpenFile(t.path, os.O_WRONLY, 0)
		if err != nil {
			return fmt.Errorf("%s cannot be written (%w): make it writable or choose another path", describe(path, t), cause(err))
		}
		return f.Close()
	}
	if err := unix.Access(t.path, unix.W_OK); err != nil {
		return fmt.Errorf("%s cannot be written (%w): make it writable or choose another path", describe(path, t), err)
	}
	return nil
}

// checkNew checks that the file p (path, or where path's links end) can be created.
func checkNew(path, p string) error {
	dir, err := existingDir(filepath.Dir(p))
	if err != nil {
		return fmt.Errorf("cannot create %s: %w", path, err)
	}
	f, err := os.CreateTemp(dir, ".ramp-check-*")
	if err != nil {
		return fmt.Errorf("cannot create %s: %s does not accept new files (%w): choose a path on a writable disk", path, dir, cause(err))
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// existingDir returns the nearest of dir and its ancestors that exists, which must be a
// directory: a regular file on the way ("out.json/summary.json") is an error wrapping
// syscall.ENOTDIR, which no permission can overcome.
func existingDir(dir string) (string, error) {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		switch {
		case err == nil && fi.IsDir():
			return d, nil
		case err == nil:
			return "", fmt.Errorf("%s is a file, not a directory (%w): remove it or choose another path", d, syscall.ENOTDIR)
		case !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, syscall.ENOTDIR):
			return "", err
		case filepath.Dir(d) == d: // "/" or "." does not exist (a removed working directory)
			return "", err
		}
	}
}

// describe names path, and the file its links end at when that is another.
func describe(path string, t target) string {
	if t.path == path {
		return path
	}
	return fmt.Sprintf("%s (→ %s)", path, t.path)
}

// cause drops the *fs.PathError around an errno whose path the message names already (or
// names a temporary file the user never chose).
func cause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
