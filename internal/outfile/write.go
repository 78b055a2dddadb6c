package outfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// WriteFile writes data to path, as the package comment's table says: a new path or a
// regular file atomically (a reader never sees half a file; an existing file keeps its
// permission bits), a symbolic link by writing the file it ends at and keeping the link, a
// FIFO or device by writing through it. Missing parent directories are created (0755).
func WriteFile(path string, data []byte) error {
	t, err := resolve(path)
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := refuse(path, t); err != nil {
		return err
	}
	if t.through {
		err = writeThrough(t, data)
	} else {
		err = replace(t, data)
	}
	if err != nil {
		return fmt.Errorf("write %s: %w", describe(path, t), err)
	}
	return nil
}

// Create opens path for a stream (NDJSON): a regular file is truncated, a new one created
// (parent directories too), a symbolic link opened at the file it ends at, a FIFO or device
// opened as it is. Opening a FIFO waits for its reader.
//
// Unlike WriteFile it cannot be atomic: a reader may see the stream as it grows.
func Create(path string) (io.WriteCloser, error) {
	t, err := resolve(path)
	if err != nil {
		return nil, fmt.Errorf("create %s: %w", path, err)
	}
	if err := refuse(path, t); err != nil {
		return nil, err
	}
	var f *os.File
	if t.through {
		f, err = openThrough(t)
	} else {
		f, err = create(t)
	}
	if err != nil {
		// A nil *os.File in the interface would not compare equal to nil.
		return nil, fmt.Errorf("create %s: %w", describe(path, t), err)
	}
	return f, nil
}

// create makes or truncates the regular file at t.path, with its parents.
func create(t target) (*os.File, error) {
	if t.info == nil {
		if err := makeParents(filepath.Dir(t.path)); err != nil {
			return nil, err
		}
	}
	return os.OpenFile(t.path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
}

// makeParents creates dir and its missing parents (0755). A regular file in the way is named,
// as Check names it.
func makeParents(dir string) error {
	err := os.MkdirAll(dir, 0o755)
	if errors.Is(err, syscall.ENOTDIR) {
		if _, nerr := existingDir(dir); nerr != nil {
			return nerr
		}
	}
	return err
}

// openThrough opens what must not be replaced. A regular file there (stdout redirected to a
// file, seen through /proc/self/fd/1) is appended to, as `>>` would: opening it anew gives
// an offset of 0, which would overwrite what the process wrote to it before.
func openThrough(t target) (*os.File, error) {
	flag := os.O_WRONLY
	if t.info.Mode().IsRegular() {
		flag |= os.O_APPEND
	}
	return os.OpenFile(t.path, flag, 0)
}

// writeThrough writes data to a FIFO, a device or a file behind /proc.
func writeThrough(t target, data []byte) error {
	f, err := openThrough(t)
	if err != nil {
		return err
	}
	return writeClose(f, data)
}

// replace writes data to a temporary file beside t.path and renames it over t.path. When the
// directory will not take the temporary file (permission) or the file cannot be renamed over
// (EBUSY: a bind-mounted file such as a container's /etc/hosts), an existing file is
// written in place, the only way left to write it.
func replace(t target, data []byte) error {
	dir := filepath.Dir(t.path)
	if t.info == nil {
		if err := makeParents(dir); err != nil {
			return err
		}
	}
	f, err := createTemp(dir, filepath.Base(t.path))
	if err != nil {
		if t.info != nil && errors.Is(err, fs.ErrPermission) {
			return writeInPlace(t.path, data)
		}
		return err
	}
	tmp := f.Name()
	if err := fill(f, data, t.info); err != nil {
		os.Remove(tmp)
		return err
	}
	if err := os.Rename(tmp, t.path); err != nil {
		os.Remove(tmp)
		if t.info != nil && errors.Is(err, syscall.EBUSY) {
			return writeInPlace(t.path, data)
		}
		return err
	}
	return nil
}

// createTemp creates a hidden file beside base in dir, exclusively, with mode 0644 less the
// umask (what os.WriteFile would give a new file; os.CreateTemp would give 0600).
func createTemp(dir, base string) (*os.File, error) {
	const maxBase = 200 // keeps the name under NAME_MAX (255) with the suffix
	if len(base) > maxBase {
		base = base[:maxBase]
	}
	for {
		name := filepath.Join(dir, "."+base+"."+strconv.FormatUint(rand.Uint64(), 36)+".tmp")
		f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		if !errors.Is(err, fs.ErrExist) { // 64 random bits: a clash is retried, never twice
			return f, err
		}
	}
}

// fill writes data to the temporary file, gives it old's permission bits when it replaces a
// file, and syncs it, so that after the rename the new content is on disk, not only its name.
func fill(f *os.File, data []byte, old fs.FileInfo) error {
	_, err := f.Write(data)
	if err == nil && old != nil {
		err = f.Chmod(old.Mode().Perm())
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// writeInPlace truncates and rewrites an existing file.
func writeInPlace(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		return err
	}
	return writeClose(f, data)
}

// writeClose writes data and closes f, returning the first error.
func writeClose(f *os.File, data []byte) error {
	_, err := f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
