package outfile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/ramp-dev/ramp/internal/outfile"
)

func TestCheck(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string // returns the path to check
		want  []string                              // substrings of the error; none: no error
		is    error                                 // what the error wraps, when it must
	}{
		// The usual case: a new file in a directory that exists.
		{"new file", func(t *testing.T, dir string) string { return filepath.Join(dir, "summary.json") }, nil, nil},
		// Missing directories are fine: WriteFile creates them, in a directory that takes them.
		{"new file in new directories", func(t *testing.T, dir string) string {
			return filepath.Join(dir, "reports", "2024", "summary.json")
		}, nil, nil},
		// A file from an earlier run is overwritten.
		{"existing file", func(t *testing.T, dir string) string {
			return write(t, filepath.Join(dir, "summary.json"), "old", 0o644)
		}, nil, nil},
		// A relative link to a file: the file is what must be writable.
		{"symlink to file", func(t *testing.T, dir string) string {
			write(t, filepath.Join(dir, "real", "summary.json"), "old", 0o644)
			return symlink(t, "real/summary.json", dir, "latest.json")
		}, nil, nil},
		// A link to nothing yet: the file it names will be created.
		{"dangling symlink", func(t *testing.T, dir string) string {
			return symlink(t, filepath.Join(dir, "target.json"), dir, "link.json")
		}, nil, nil},
		// A FIFO with no reader: checking it must not open it, which would block.
		{"fifo", func(t *testing.T, dir string) string { return mkfifo(t, dir, "pipe") }, nil, nil},
		// A link to a FIFO likewise.
		{"symlink to fifo", func(t *testing.T, dir string) string {
			return symlink(t, mkfifo(t, dir, "pipe"), dir, "link")
		}, nil, nil},
		// The null device.
		{"/dev/null", func(t *testing.T, dir string) string { return "/dev/null" }, nil, nil},
		// /dev/fd/N (what /dev/stdout is when stdout is a pipe): a link through /proc.
		{"/dev/fd of a pipe", func(t *testing.T, dir string) string { return devFD(t, pipeWriter(t)) }, nil, nil},
		// Nothing named.
		{"empty path", func(t *testing.T, dir string) string { return "" }, []string{"no output path given"}, nil},
		// A directory given as the file: "--summary-export reports/".
		{"directory", func(t *testing.T, dir string) string { return dir }, []string{" is a directory: give the path of a file"}, nil},
		// A link to a directory is the same mistake.
		{"symlink to directory", func(t *testing.T, dir string) string {
			os.Mkdir(filepath.Join(dir, "d"), 0o755)
			return symlink(t, "d", dir, "link")
		}, []string{"is a directory"}, nil},
		// The parent is a regular file: no permission makes that writable, not even root's.
		{"parent is a file", func(t *testing.T, dir string) string {
			return filepath.Join(write(t, filepath.Join(dir, "out.json"), "{}", 0o644), "summary.json")
		}, []string{"out.json is a file, not a directory", "remove it or choose another path"}, syscall.ENOTDIR},
		// A file further up, under directories that do not exist.
		{"ancestor is a file", func(t *testing.T, dir string) string {
			return filepath.Join(write(t, filepath.Join(dir, "out"), "", 0o644), "a", "b", "summary.json")
		}, []string{"out is a file, not a directory"}, syscall.ENOTDIR},
		// A dangling link whose target could never be created.
		{"dangling symlink under a file", func(t *testing.T, dir string) string {
			f := write(t, filepath.Join(dir, "file"), "", 0o644)
			return symlink(t, filepath.Join(f, "target.json"), dir, "link.json")
		}, []string{"file is a file, not a directory"}, syscall.ENOTDIR},
		// /proc takes no new files, though access(2) says root may write it.
		{"under /proc", func(t *testing.T, dir string) string { return "/proc/ramp-outfile-test.json" },
			[]string{"cannot create /proc/ramp-outfile-test.json", "/proc does not accept new files", "choose a path on a writable disk"}, nil},
		// Nor /sys.
		{"under /sys", func(t *testing.T, dir string) string { return "/sys/ramp-outfile-test.json" },
			[]string{"/sys does not accept new files"}, nil},
		// Nor a directory that would be created inside /proc.
		{"new directory under /proc", func(t *testing.T, dir string) string { return "/proc/self/ramp-outfile-test/x.json" },
			[]string{"/proc/self does not accept new files"}, nil},
		// A directory marked immutable takes no new file, whoever asks.
		{"immutable directory", func(t *testing.T, dir string) string {
			d := filepath.Join(dir, "locked")
			os.Mkdir(d, 0o755)
			immutable(t, d)
			return filepath.Join(d, "summary.json")
		}, []string{"locked does not accept new files", "operation not permitted"}, fs.ErrPermission},
		// A Unix socket cannot be opened as a file.
		{"socket", func(t *testing.T, dir string) string { return listen(t, dir, "s.sock") }, []string{"is a socket"}, nil},
		// Two links naming each other.
		{"symlink loop", func(t *testing.T, dir string) string {
			symlink(t, "b", dir, "a")
			return symlink(t, "a", dir, "b")
		}, []string{"symbolic links in a row"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := within(t, "Check", func() error { return outfile.Check(path) })
			switch {
			case len(tt.want) == 0 && err != nil:
				t.Fatalf("Check(%q) = %v, want nil", path, err)
			case len(tt.want) > 0 && err == nil:
				t.Fatalf("Check(%q) = nil, want an error", path)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if strings.Contains(entriesDeep(t, dir), ".ramp-check") {
				t.Errorf("Check left its probe file: %s", entriesDeep(t, dir))
			}
		})
	}
}

// TestCheckChangesNothing: Check is a question, not a write. The file keeps its content, no
// directory is made, no probe file is left.
func TestCheckChangesNothing(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	existing := write(t, filepath.Join(dir, "summary.json"), "keep me", 0o644)
	for _, p := range []string{existing, filepath.Join(dir, "a", "b", "report.html")} {
		if err := outfile.Check(p); err != nil {
			t.Fatalf("Check(%q): %v", p, err)
		}
	}
	if got := readFile(t, existing); got != "keep me" {
		t.Errorf("existing file now holds %q", got)
	}
	if got := entries(t, dir); got != "summary.json" {
		t.Errorf("directory holds %q after Check, want only summary.json", got)
	}
}

// TestCheckPermissions covers what permission bits refuse, which only a user other than root
// sees (tests usually run as root: the rows that fail for root are in TestCheck).
func TestCheckPermissions(t *testing.T) {
	t.Parallel()
	if os.Geteuid() == 0 {
		t.Skip("root writes regardless of permission bits")
	}
	dir := t.TempDir()
	ro := write(t, filepath.Join(dir, "ro.json"), "", 0o444)
	locked := filepath.Join(dir, "locked")
	if err := os.Mkdir(locked, 0o555); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		ro:                                   "ro.json cannot be written (permission denied)",
		filepath.Join(locked, "x.json"):      "locked does not accept new files (permission denied)",
		filepath.Join(locked, "a", "x.json"): "locked does not accept new files",
	} {
		if err := outfile.Check(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want an error containing %q", path, err, want)
		}
	}
}

// pipeWriter returns the write end of a pipe whose read end is drained, both closed with the
// test.
func pipeWriter(t *testing.T) *os.File {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return w
}

// devFD is the /dev/fd path of an open file, as /dev/stdout is of fd 1.
func devFD(t *testing.T, f *os.File) string {
	t.Helper()
	return fmt.Sprintf("/dev/fd/%d", f.Fd())
}

// entriesDeep lists every path under dir, relative to it.
func entriesDeep(t *testing.T, dir string) string {
	t.Helper()
	var names []string
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && p != dir {
			rel, _ := filepath.Rel(dir, p)
			names = append(names, rel)
		}
		return nil
	})
	return strings.Join(names, " ")
}
