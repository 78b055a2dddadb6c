package outfile_test

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// timeout bounds anything that could block on a FIFO, so a wrong open fails the test instead
// of hanging it.
const timeout = 10 * time.Second

// within runs fn and fails the test if it has not returned in time (fn's goroutine is then
// left blocked: the test binary exits soon after).
func within[T any](t *testing.T, what string, fn func() T) T {
	t.Helper()
	done := make(chan T, 1)
	go func() { done <- fn() }()
	select {
	case v := <-done:
		return v
	case <-time.After(timeout):
		t.Fatalf("%s did not return within %v (blocked on a FIFO?)", what, timeout)
		panic("unreachable")
	}
}

// mkfifo makes a FIFO at dir/name.
func mkfifo(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatalf("mkfifo: %v", err)
	}
	return p
}

// readAll reads a FIFO to its end in a goroutine, as the other end of a pipe would.
func readAll(t *testing.T, path string) <-chan string {
	t.Helper()
	out := make(chan string, 1)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			out <- "open error: " + err.Error()
			return
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			out <- "read error: " + err.Error()
			return
		}
		out <- string(b)
	}()
	return out
}

// receive waits for what readAll read.
func receive(t *testing.T, got <-chan string) string {
	t.Helper()
	select {
	case s := <-got:
		return s
	case <-time.After(timeout):
		t.Fatalf("the FIFO's reader got nothing within %v", timeout)
		return ""
	}
}

// write makes a regular file with content and mode.
func write(t *testing.T, path, content string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // not reduced by the umask
		t.Fatal(err)
	}
	return path
}

// symlink makes a link at dir/name pointing at dest, as written.
func symlink(t *testing.T, dest, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.Symlink(dest, p); err != nil {
		t.Fatal(err)
	}
	return p
}

// readFile returns a file's content.
func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// listen makes a Unix socket at dir/name, closed with the test.
func listen(t *testing.T, dir, name string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	l, err := net.Listen("unix", p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return p
}

// immutable marks dir immutable (chattr +i): even root can then create no file in it, while
// the files already there stay writable. It skips the test where the flag cannot be set (no
// CAP_LINUX_IMMUTABLE, or a filesystem without it), and clears it at cleanup so t.TempDir can
// remove the directory.
func immutable(t *testing.T, dir string) {
	t.Helper()
	const immutableFlag = 0x10 // FS_IMMUTABLE_FL of linux/fs.h, which x/sys/unix does not name
	setFlags := func(on bool) error {
		f, err := os.Open(dir)
		if err != nil {
			return err
		}
		defer f.Close()
		flags, err := unix.IoctlGetInt(int(f.Fd()), unix.FS_IOC_GETFLAGS)
		if err != nil {
			return err
		}
		if on {
			flags |= immutableFlag
		} else {
			flags &^= immutableFlag
		}
		return unix.IoctlSetPointerInt(int(f.Fd()), unix.FS_IOC_SETFLAGS, flags)
	}
	if err := setFlags(true); err != nil {
		t.Skipf("cannot mark %s immutable: %v", dir, err)
	}
	t.Cleanup(func() {
		if err := setFlags(false); err != nil {
			t.Errorf("clear the immutable flag of %s: %v", dir, err)
		}
	})
}

// entries lists a directory's names, to show that no temporary or probe file is left.
func entries(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return strings.Join(names, " ")
}

// umask reads the process's umask from /proc/self/status without changing it.
func umask(t *testing.T) os.FileMode {
	t.Helper()
	for _, line := range strings.Split(readFile(t, "/proc/self/status"), "\n") {
		if v, ok := strings.CutPrefix(line, "Umask:"); ok {
			if m, err := strconv.ParseUint(strings.TrimSpace(v), 8, 32); err == nil {
				return os.FileMode(m)
			}
		}
	}
	t.Skip("no Umask line in /proc/self/status")
	return 0
}
