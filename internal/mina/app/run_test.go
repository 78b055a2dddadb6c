package app_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// syncBuffer is an output stream safe to read while a command writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// env returns an Env whose environment holds only vars, and its output streams.
func env(vars map[string]string) (*app.Env, *syncBuffer, *syncBuffer) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	return &app.Env{Stdout: out, Stderr: errOut, Getenv: func(k string) string { return vars[k] }}, out, errOut
}

// waitListening returns the URL of the "mina listening on URL" line, failing after 10 s.
func waitListening(t *testing.T, out *syncBuffer, exited <-chan int) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		if line, ok := strings.CutPrefix(out.String(), "mina listening on "); ok {
			return strings.TrimSpace(line)
		}
		select {
		case code := <-exited:
			t.Fatalf("serve exited with %d before listening", code)
		case <-deadline:
			t.Fatal("serve did not print its listening line within 10 s")
		case <-time.After(10 * time.Millisecond):
		}
	}
}

func TestRunServe(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, out, errOut := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "m.db")})
	pidfile := filepath.Join(dir, "mina.pid")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() {
		exited <- e.Run(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--pidfile", pidfile,
			"--inject-latency", "400ms", "--inject-route", "/slow"})
	}()
	url := waitListening(t, out, exited)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || strings.Count(out.String(), "\n") != 1 {
		t.Fatalf("stdout %q: want exactly one listening line", out.String())
	}
	if b, err := os.ReadFile(pidfile); err != nil || strings.TrimSpace(string(b)) != strconv.Itoa(os.Getpid()) {
		t.Fatalf("pidfile %q, %v", b, err)
	}
	res, err := http.Get(url + "/health")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("/health %d", res.StatusCode)
	}

	// A slow request is in flight when ctx is cancelled: it still gets its answer.
	slow := make(chan int, 1)
	go func() {
		res, err := http.Get(url + "/slow")
		if err != nil {
			slow <- -1
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		slow <- res.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	cancel()
	if code := <-slow; code != 404 { // /slow is no route: the answer after the delay is a 404
		t.Fatalf("in-flight request got %d, want its 404 after the injected delay", code)
	}
	select {
	case code := <-exited:
		if code != 0 {
			t.Fatalf("serve exited %d; stderr:\n%s", code, errOut.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not return after ctx was cancelled")
	}
	if _, err := os.Stat(pidfile); !os.IsNotExist(err) {
		t.Fatalf("pidfile left behind: %v", err)
	}
}

func TestRunMigrate(t *testing.T) {
	t.Parallel()
	e, out, errOut := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(t.TempDir(), "m.db")})
	ctx := context.Background()
	steps := []struct {
		args             []string
		applied, pending int
	}{
		{[]string{"migrate", "status"}, 0, -1}, // a new database: nothing applied
		{[]string{"migrate", "up"}, -1, 0},     // everything applied
		{[]string{"migrate", "down"}, -1, 1},   // the latest reverted
		{[]string{"migrate", "status"}, -1, 1}, // status does not change anything
	}
	for _, s := range steps {
		out.mu.Lock()
		out.b.Reset()
		out.mu.Unlock()
		if code := e.Run(ctx, s.args); code != 0 {
			t.Fatalf("%v: exit %d: %s", s.args, code, errOut.String())
		}
		text := out.String()
		if !strings.HasPrefix(text, "VERSION") {
			t.Fatalf("%v: output %q", s.args, text)
		}
		applied, pending := strings.Count(text, " applied "), strings.Count(text, " pending")
		if (s.applied >= 0 && applied != s.applied) || (s.pending >= 0 && pending != s.pending) || applied+pending == 0 {
			t.Fatalf("%v: %d applied, %d pending:\n%s", s.args, applied, pending, text)
		}
	}
}

func TestRunSeed(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	e, _, errOut := env(map[string]string{"DATABASE_URL": "sqlite:" + filepath.Join(dir, "m.db")})
	tokens := filepath.Join(dir, "tokens.csv")
	if code := e.Run(context.Background(), []string{"seed", "--users", "7", "--meetings", "20", "--tokens-out", tokens}); code != 0 {
		t.Fatalf("seed exit %d: %s", code, errOut.String())
	}
	f, err := os.Open(tokens)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 8 || !strings.Contains(strings.Join(rows[0], ","), "token") {
		t.Fatalf("tokens CSV: %d rows (want a header and 7 users), header %v", len(rows), rows[0])
	}

	// The tokens work against a server on the same database.
	col := -1
	for i, h := range rows[0] {
		if h == "token" {
			col = i
		}
	}
	m := newMain(t, func(m *app.Main) { m.Config.DatabaseURL = "sqlite:" + filepath.Join(dir, "m.db") })
	c := client{t, m.URL(), rows[1][col]}
	if l := decode[meetingList](t, c.want(200, "GET", "/api/meetings?per_page=100", "")); l.Total == 0 {
		t.Log("the first seeded user has no meeting (allowed: meetings are spread at random)")
	}
}

func TestRunErrors(t *testing.T) {
	t.Parallel()
	db := "sqlite:" + filepath.Join(t.TempDir(), "m.db")
	tests := []struct {
		name string
		vars map[string]string
		args []string
		code int
		want string // in stderr
	}{
		{"NoCommand", nil, nil, 2, "usage:"},                                                                                // nothing to do
		{"UnknownCommand", nil, []string{"serv"}, 2, `unknown command "serv"`},                                              // a typo
		{"UnknownFlag", nil, []string{"serve", "--port", "1"}, 2, "-port"},                                                  // not a flag of serve
		{"MigrateWhat", nil, []string{"migrate", "sideways"}, 2, `"sideways"`},                                              // not an action
		{"SeedNoUsers", nil, []string{"seed", "--users", "0"}, 2, "--users 0"},                                              // out of range
		{"BadDatabaseURL", map[string]string{"DATABASE_URL": "mysql://x"}, []string{"migrate", "status"}, 1, `"mysql://x"`}, // unsupported
		{"BadTTL", map[string]string{"DATABASE_URL": db, "MINA_CACHE_TTL": "soon"}, []string{"serve"}, 1, `MINA_CACHE_TTL="soon"`},
		{"BadPool", map[string]string{"DATABASE_URL": db, "MINA_DB_POOL_SIZE": "-1"}, []string{"serve"}, 1, `MINA_DB_POOL_SIZE="-1"`},
		{"BadErrorRate", map[string]string{"DATABASE_URL": db}, []string{"serve", "--addr", "127.0.0.1:0", "--inject-error-rate", "2"}, 1, "error rate 2"},
		{"BadAddr", map[string]string{"DATABASE_URL": db}, []string{"serve", "--addr", "nonsense"}, 1, `"nonsense"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e, _, errOut := env(tt.vars)
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if code := e.Run(ctx, tt.args); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
				t.Fatalf("exit %d, want %d; stderr %q lacks %q", code, tt.code, errOut.String(), tt.want)
			}
		})
	}
}
