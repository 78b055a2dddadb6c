package cli

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// asRampEnv, set in a child's environment, tells a test binary to behave as the ramp command
// (tests start the embedded mina from their own binary, as the real ramp does from its own).
const asRampEnv = "RAMP_CHILD_AS_RAMP"

// minaConfig describes the embedded mina of `ramp suite`.
type minaConfig struct {
	users, meetings int
	extraArgs       []string  // more `mina serve` flags (fault injection)
	log             io.Writer // the server's stderr goes here
	exe             string    // the binary to run as `… mina`; default this process's own
}

// minaServer is a running embedded mina: a child process of its own (never inside ramp's
// process, so that its memory and CPU are its own and the generator's self-check does not pay
// for the server), on a free loopback port, with a fresh seeded SQLite database.
type minaServer struct {
	cmd       *exec.Cmd
	dir       string
	baseURL   string
	tokensCSV string
	// adminToken enables mina's fault API for the suite's chaos (MINA_ADMIN_TOKEN);
	// probeToken is the first seeded user's token, which the resilience test reserves for
	// its probes (MINA_PROBE_TOKEN: the load reads only, so that user's cache entries change
	// only by the probes' writes).
	adminToken, probeToken string
	done                   chan error
}

// startMina seeds a temporary SQLite database, starts `mina serve` on 127.0.0.1:0 and waits
// for its "mina listening on URL" line.
func startMina(ctx context.Context, cfg minaConfig) (*minaServer, error) {
	exe := cfg.exe
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, fmt.Errorf("embedded mina: cannot find ramp's own binary: %w", err)
		}
	}
	dir, err := os.MkdirTemp("", "ramp-mina-")
	if err != nil {
		return nil, fmt.Errorf("embedded mina: %w", err)
	}
	s := &minaServer{dir: dir, tokensCSV: filepath.Join(dir, "tokens.csv"), done: make(chan error, 1)}
	env := append(os.Environ(), "DATABASE_URL=sqlite:"+filepath.Join(dir, "mina.db"), asRampEnv+"=1")
	env = withoutEnv(env, "REDIS_URL") // the embedded default is SQLite with the in-process cache

	seed := exec.CommandContext(ctx, exe, "mina", "seed", "--users", strconv.Itoa(cfg.users),
		"--meetings", strconv.Itoa(cfg.meetings), "--tokens-out", s.tokensCSV)
	seed.Env = env
	if out, err := seed.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded mina: seed failed: %w\n%s", err, out)
	}

	if s.probeToken, err = firstToken(s.tokensCSV); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded mina: %w", err)
	}
	var tok [16]byte
	rand.Read(tok[:]) // never fails
	s.adminToken = hex.EncodeToString(tok[:])

	args := append([]string{"mina", "serve", "--addr", "127.0.0.1:0"}, cfg.extraArgs...)
	s.cmd = exec.Command(exe, args...)
	// The admin token goes through the environment, not the command line (ps shows that).
	s.cmd.Env = append(withoutEnv(env, "MINA_ADMIN_TOKEN"), "MINA_ADMIN_TOKEN="+s.adminToken)
	if cfg.log != nil {
		s.cmd.Stderr = cfg.log
	}
	stdout, err := s.cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded mina: %w", err)
	}
	go func() { s.done <- s.cmd.Wait() }()

	url := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		sent := false
		for sc.Scan() {
			if u, ok := strings.CutPrefix(sc.Text(), "mina listening on "); ok && !sent {
				url <- strings.TrimSpace(u)
				sent = true
			}
		}
	}()
	select {
	case u := <-url:
		s.baseURL = u
		return s, nil
	case err := <-s.done:
		os.RemoveAll(dir)
		return nil, fmt.Errorf("embedded mina exited before listening: %v", err)
	case <-time.After(30 * time.Second):
		s.stop()
		return nil, errors.New("embedded mina did not say it was listening within 30 s")
	case <-ctx.Done():
		s.stop()
		return nil, ctx.Err()
	}
}

// pid is the server's process id (for the process monitor).
func (s *minaServer) pid() int { return s.cmd.Process.Pid }

// stop ends the server we started, by its PID: SIGTERM (it drains in-flight requests), then
// SIGKILL if it has not exited within 10 s; then removes its database.
func (s *minaServer) stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

// firstToken reads the token of the first user of a tokens CSV (user_id,email,token).
func firstToken(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	rows, err := csv.NewReader(io.LimitReader(f, 1<<20)).ReadAll()
	if err != nil || len(rows) < 2 {
		return "", fmt.Errorf("tokens %s: no user (err %v)", path, err)
	}
	for i, h := range rows[0] {
		if h == "token" && i < len(rows[1]) {
			return rows[1][i], nil
		}
	}
	return "", fmt.Errorf("tokens %s: no token column", path)
}

func withoutEnv(env []string, key string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, key+"=") {
			out = append(out, kv)
		}
	}
	return out
}
