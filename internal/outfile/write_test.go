package outfile_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/ramp-dev/ramp/internal/outfile"
)

// TestWriteFileLandsInARegularFile: wherever the path leads, the data ends up in the right
// regular file, links are kept, and no temporary file is left behind.
func TestWriteFileLandsInARegularFile(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) (path, lands string)
	}{
		// A new file.
		{"new file", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "summary.json")
			return p, p
		}},
		// Its missing directories are created, as before.
		{"new directories", func(t *testing.T, dir string) (string, string) {
			p := filepath.Join(dir, "a", "b", "summary.json")
			return p, p
		}},
		// A longer old file leaves no tail behind.
		{"existing file", func(t *testing.T, dir string) (string, string) {
			p := write(t, filepath.Join(dir, "summary.json"), strings.Repeat("old ", 100), 0o644)
			return p, p
		}},
		// A relative link: its target is written, in the target's directory.
		{"symlink", func(t *testing.T, dir string) (string, string) {
			target := write(t, filepath.Join(dir, "runs", "run-1.json"), "old", 0o644)
			os.Mkdir(filepath.Join(dir, "links"), 0o755)
			return symlink(t, "../runs/run-1.json", filepath.Join(dir, "links"), "latest.json"), target
		}},
		// A chain of links ends at one file.
		{"symlink chain", func(t *testing.T, dir string) (string, string) {
			target := write(t, filepath.Join(dir, "real.json"), "old", 0o644)
			first := symlink(t, target, dir, "one.json")
			return symlink(t, filepath.Base(first), dir, "two.json"), target
		}},
		// A link to nothing yet creates the file it names.
		{"dangling symlink", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "target.json")
			return symlink(t, target, dir, "link.json"), target
		}},
		// ... and the directories on the way to it.
		{"dangling symlink into new directories", func(t *testing.T, dir string) (string, string) {
			target := filepath.Join(dir, "x", "y", "target.json")
			return symlink(t, "x/y/target.json", dir, "link.json"), target
		}},
		// A file whose directory takes no new file (no temporary file possible) is written in
		// place rather than not at all.
		{"file in an immutable directory", func(t *testing.T, dir string) (string, string) {
			p := write(t, filepath.Join(dir, "locked", "summary.json"), strings.Repeat("old ", 100), 0o644)
			immutable(t, filepath.Dir(p))
			return p, p
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path, lands := tt.setup(t, dir)
			link, _ := os.Readlink(path) // "" when path is no link
			if err := outfile.Check(path); err != nil {
				t.Fatalf("Check(%q) = %v, but the path is writable", path, err)
			}
			data := `{"ok":true}` + "\n"
			if err := outfile.WriteFile(path, []byte(data)); err != nil {
				t.Fatalf("WriteFile: %v", err)
			}
			if got := readFile(t, lands); got != data {
				t.Errorf("%s holds %q, want %q", lands, got, data)
			}
			if fi, err := os.Lstat(lands); err != nil || !fi.Mode().IsRegular() {
				t.Errorf("%s is not a regular file: %v %v", lands, fi.Mode(), err)
			}
			if link != "" {
				if now, err := os.Readlink(path); err != nil || now != link {
					t.Errorf("the link %s now reads %q (%v), want it kept pointing at %q", path, now, err, link)
				}
			}
			if all := entriesDeep(t, dir); strings.Contains(all, ".tmp") {
				t.Errorf("temporary file left behind: %s", all)
			}
		})
	}
}

// TestWriteFileReplaces: an existing file is replaced by a new one (a new inode, renamed over
// it) that keeps its permission bits; a new file gets 0644 less the umask, as os.WriteFile
// would give it, not os.CreateTemp's 0600.
func TestWriteFileReplaces(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	old := write(t, filepath.Join(dir, "summary.json"), "old", 0o640)
	before, err := os.Stat(old)
	if err != nil {
		t.Fatal(err)
	}
	fresh := filepath.Join(dir, "new.json")
	for _, p := range []string{old, fresh} {
		if err := outfile.WriteFile(p, []byte("new")); err != nil {
			t.Fatal(err)
		}
	}
	after, err := os.Stat(old)
	if err != nil {
		t.Fatal(err)
	}
	if os.SameFile(before, after) {
		t.Errorf("%s was rewritten in place, not replaced: a reader could see half of it", old)
	}
	if after.Mode().Perm() != 0o640 {
		t.Errorf("replaced file has mode %v, want the old %v", after.Mode().Perm(), os.FileMode(0o640))
	}
	fi, err := os.Stat(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if want := 0o644 &^ umask(t); fi.Mode().Perm() != want {
		t.Errorf("new file has mode %v, want %v", fi.Mode().Perm(), want)
	}
}

// TestWriteFileIsAtomic reads the file over and over while it is rewritten with one of two
// large contents: every read must be one of them, whole. Written in place, a read would now
// and then see a truncated or mixed file.
func TestWriteFileIsAtomic(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "summary.json")
	a, b := bytes.Repeat([]byte("a"), 256<<10), bytes.Repeat([]byte("b"), 256<<10)
	if err := outfile.WriteFile(path, a); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var (
		wg          sync.WaitGroup
		reads, torn int
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			got, err := os.ReadFile(path)
			reads++
			if err != nil || (!bytes.Equal(got, a) && !bytes.Equal(got, b)) {
				torn++
			}
		}
	}()
	for i := range 40 {
		data := a
		if i%2 == 0 {
			data = b
		}
		if err := outfile.WriteFile(path, data); err != nil {
			t.Error(err)
			break
		}
	}
	close(stop)
	wg.Wait()
	if torn > 0 {
		t.Errorf("%d of %d reads saw something other than a whole old or new file", torn, reads)
	}
}

// TestWriteFileThrough: FIFOs, devices and /proc links are written through, never replaced.
func TestWriteFileThrough(t *testing.T) {
	t.Parallel()
	const data = "summary\n"

	t.Run("fifo", func(t *testing.T) {
		t.Parallel()
		p := mkfifo(t, t.TempDir(), "pipe")
		got := readAll(t, p)
		if err := within(t, "WriteFile", func() error { return outfile.WriteFile(p, []byte(data)) }); err != nil {
			t.Fatal(err)
		}
		if s := receive(t, got); s != data {
			t.Errorf("reader got %q, want %q", s, data)
		}
		if fi, err := os.Lstat(p); err != nil || fi.Mode()&fs.ModeNamedPipe == 0 {
			t.Errorf("%s is no longer a FIFO: %v %v", p, fi.Mode(), err)
		}
	})

	t.Run("symlink to fifo", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		p := mkfifo(t, dir, "pipe")
		link := symlink(t, "pipe", dir, "out")
		got := readAll(t, p)
		if err := within(t, "WriteFile", func() error { return outfile.WriteFile(link, []byte(data)) }); err != nil {
			t.Fatal(err)
		}
		if s := receive(t, got); s != data {
			t.Errorf("reader got %q, want %q", s, data)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link: %v %v", link, fi.Mode(), err)
		}
	})

	t.Run("/dev/null", func(t *testing.T) {
		t.Parallel()
		if err := outfile.WriteFile("/dev/null", []byte(data)); err != nil {
			t.Fatal(err)
		}
		if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Fatalf("/dev/null is no longer a character device: %v %v", fi.Mode(), err)
		}
	})

	// /dev/fd/N of a pipe, as /dev/stdout is in `ramp run … | jq`.
	t.Run("/dev/fd of a pipe", func(t *testing.T) {
		t.Parallel()
		r, w, err := os.Pipe()
		if err != nil {
			t.Fatal(err)
		}
		defer r.Close()
		if err := outfile.WriteFile(devFD(t, w), []byte(data)); err != nil {
			t.Fatal(err)
		}
		w.Close()
		if got, _ := io.ReadAll(r); string(got) != data {
			t.Errorf("pipe carried %q, want %q", got, data)
		}
	})

	// /dev/fd/N of a regular file, as /dev/stdout is in `ramp run … > out.txt`: appended
	// after what the process wrote there, in the same file the shell opened.
	t.Run("/dev/fd of a file", func(t *testing.T) {
		t.Parallel()
		path := filepath.Join(t.TempDir(), "stdout.txt")
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		f.WriteString("progress\n")
		before, _ := f.Stat()
		if err := outfile.WriteFile(devFD(t, f), []byte(data)); err != nil {
			t.Fatal(err)
		}
		if got := readFile(t, path); got != "progress\n"+data {
			t.Errorf("file holds %q, want %q", got, "progress\n"+data)
		}
		if after, err := os.Stat(path); err != nil || !os.SameFile(before, after) {
			t.Errorf("the shell's file was replaced: the process's own stdout would now write to a deleted file")
		}
	})
}

func TestWriteFileErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string) string
		want  string
		is    error
	}{
		// A directory is never replaced by a file.
		{"directory", func(t *testing.T, dir string) string { return dir }, "is a directory", nil},
		// A regular file where a directory must be made.
		{"parent is a file", func(t *testing.T, dir string) string {
			return filepath.Join(write(t, filepath.Join(dir, "out.json"), "", 0o644), "sub", "x.json")
		}, "out.json is a file, not a directory", syscall.ENOTDIR},
		// A socket cannot be opened.
		{"socket", func(t *testing.T, dir string) string { return listen(t, dir, "s.sock") }, "is a socket", nil},
		// /proc takes no new file.
		{"under /proc", func(t *testing.T, dir string) string { return "/proc/ramp-outfile-test.json" }, "write /proc/ramp-outfile-test.json", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			path := tt.setup(t, dir)
			err := outfile.WriteFile(path, []byte("x"))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("WriteFile(%q) = %v, want an error containing %q", path, err, tt.want)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %q does not wrap %v", err, tt.is)
			}
			if cerr := outfile.Check(path); cerr == nil {
				t.Errorf("Check(%q) = nil, but WriteFile failed", path)
			}
		})
	}
	if fi, err := os.Stat("/proc/ramp-outfile-test.json"); err == nil {
		t.Errorf("a file was created in /proc: %v", fi.Mode())
	}
}

// opened is what Create returned, passed out of within.
type opened struct {
	w   io.WriteCloser
	err error
}

// TestCreate: a stream opens through what the path names; a regular file is truncated.
func TestCreate(t *testing.T) {
	t.Parallel()
	const data = `{"metric":"http_reqs"}` + "\n"
	stream := func(t *testing.T, path string) {
		t.Helper()
		o := within(t, "Create", func() opened {
			w, err := outfile.Create(path)
			return opened{w, err}
		})
		if o.err != nil {
			t.Fatalf("Create(%q): %v", path, o.err)
		}
		w := o.w
		for _, part := range []string{data[:5], data[5:]} { // two writes, one stream
			if _, err := io.WriteString(w, part); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}

	t.Run("regular file is truncated", func(t *testing.T) {
		t.Parallel()
		p := write(t, filepath.Join(t.TempDir(), "out.json"), strings.Repeat("old\n", 100), 0o644)
		stream(t, p)
		if got := readFile(t, p); got != data {
			t.Errorf("file holds %q, want %q", got, data)
		}
	})
	t.Run("new file in new directories", func(t *testing.T) {
		t.Parallel()
		p := filepath.Join(t.TempDir(), "a", "b", "out.json")
		stream(t, p)
		if got := readFile(t, p); got != data {
			t.Errorf("file holds %q, want %q", got, data)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		target := write(t, filepath.Join(dir, "runs", "out.json"), "old", 0o644)
		link := symlink(t, "runs/out.json", dir, "latest.json")
		stream(t, link)
		if got := readFile(t, target); got != data {
			t.Errorf("target holds %q, want %q", got, data)
		}
		if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
			t.Errorf("%s is no longer a link", link)
		}
	})
	t.Run("fifo", func(t *testing.T) {
		t.Parallel()
		p := mkfifo(t, t.TempDir(), "pipe")
		got := readAll(t, p)
		stream(t, p)
		if s := receive(t, got); s != data {
			t.Errorf("reader got %q, want %q", s, data)
		}
	})
	t.Run("/dev/null", func(t *testing.T) {
		t.Parallel()
		stream(t, "/dev/null")
		if fi, err := os.Lstat("/dev/null"); err != nil || fi.Mode()&fs.ModeCharDevice == 0 {
			t.Fatalf("/dev/null is no longer a character device")
		}
	})
	t.Run("directory", func(t *testing.T) {
		t.Parallel()
		w, err := outfile.Create(t.TempDir())
		if err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("Create(directory) = %v, want an error saying it is a directory", err)
		}
		if w != nil {
			t.Errorf("Create returned a writer (%T) with its error", w)
		}
	})
	t.Run("parent is a file", func(t *testing.T) {
		t.Parallel()
		f := write(t, filepath.Join(t.TempDir(), "out"), "", 0o644)
		w, err := outfile.Create(filepath.Join(f, "x.json"))
		if !errors.Is(err, syscall.ENOTDIR) || w != nil {
			t.Errorf("Create under a file = %v, %v; want no writer and an error wrapping ENOTDIR", w, err)
		}
	})
}
