package monitor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/procfs"
	"github.com/ramp-dev/ramp/internal/plan"
)

// processMonitor reads a process's resident memory and CPU time from /proc.
//
// The process is found by exactly one of:
//   - pid: that process, for the whole test;
//   - pidfile: the number in the file, re-read at every reading (a restarted server is
//     followed);
//   - process (or, when none of the three is given, the monitor's name): the first process, by ascending PID, whose name (comm) equals it, or else the
//     first whose command line contains it, never ramp itself nor a zombie; the match is kept
//     while that process lives and looked for again when it exits.
//
// cpu_percent is CPU time (user + system) over wall time between two readings of the same
// process, in percent of one core (a process busy on two cores reads 200). The kernel counts
// CPU time in clock ticks (10 ms at the usual 100 Hz), so at a 1 s interval the figure moves
// in steps of about 1%. rss_bytes is the resident set (resident pages × page size).
type processMonitor struct {
	timing
	pid     int
	pidfile string
	match   string
	now     func() time.Time

	mu      sync.Mutex
	current int       // the PID read last; 0 before the first reading
	cpu     float64   // its CPU seconds at the last reading
	at      time.Time // when
}

var (
	_ Monitor = (*processMonitor)(nil)
	_ Timing  = (*processMonitor)(nil)
)

// parseProcess reads pid, pidfile or process. name is the monitor's own key (the scenario
// takes it for Monitor.Name), so a monitor with none of the three watches the process named
// like the monitor: {name: mina, kind: process} watches mina. A key that is present but empty
// (pid: ${TARGET_PID:-}) counts as not given; when all that are present are empty, the
// monitor is unconfigured, not watching the process named like it: the file asked for
// another source.
func parseProcess(s *spec, pm *plan.Monitor, named bool) {
	var blank []string
	hasPID := false
	if s.blank("pid") {
		blank = append(blank, "pid")
	} else if p, ok := s.integer("pid"); ok {
		pm.PID, hasPID = p, true
		if p <= 0 {
			s.errorf("pid %d must be a positive number", p)
		}
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"pidfile", &pm.Pidfile}, {"process", &pm.Process}} {
		if s.blank(k.key) {
			blank = append(blank, k.key)
		} else {
			*k.dst = s.str(k.key)
		}
	}
	n := 0
	for _, set := range []bool{hasPID, pm.Pidfile != "", pm.Process != ""} {
		if set {
			n++
		}
	}
	switch {
	case n == 0 && len(blank) > 0:
		s.unset = blank
	case n == 0 && named:
		pm.Process = pm.Name
	case n != 1:
		s.errorf("a process monitor needs exactly one of pid, pidfile or process (e.g. pid: 1234, pidfile: /run/mina.pid, process: mina), or a name that is the process's; %d given", n)
	}
}

// newProcess builds a process monitor from its compiled form.
func newProcess(pm plan.Monitor, t timing) (Monitor, error) {
	n := 0
	for _, set := range []bool{pm.PID > 0, pm.Pidfile != "", pm.Process != ""} {
		if set {
			n++
		}
	}
	if n != 1 || pm.PID < 0 {
		return nil, fmt.Errorf("a process monitor needs exactly one of a positive pid, a pidfile or a process name")
	}
	return &processMonitor{timing: t, now: time.Now, pid: pm.PID, pidfile: pm.Pidfile, match: pm.Process}, nil
}

// Sample reads the process's stat once.
func (m *processMonitor) Sample(ctx context.Context) ([]Reading, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	fsys, err := procfs.NewDefaultFS()
	if err != nil {
		return nil, fmt.Errorf("process: open /proc: %w", err)
	}
	pid, err := m.resolve(fsys)
	if err != nil {
		return nil, err
	}
	st, err := liveStat(fsys, pid)
	if err != nil {
		return nil, err
	}
	now, cpu := m.now(), st.CPUTime()
	out := []Reading{{Series: "rss_bytes", Value: float64(st.ResidentMemory()), Unit: UnitBytes}}
	if pid == m.current {
		if dt := now.Sub(m.at).Seconds(); dt > 0 && cpu >= m.cpu {
			out = append(out, Reading{Series: "cpu_percent", Value: (cpu - m.cpu) / dt * 100, Unit: UnitPercent})
		}
	}
	m.current, m.cpu, m.at = pid, cpu, now
	return out, nil
}

// resolve finds the PID to read now.
func (m *processMonitor) resolve(fsys procfs.FS) (int, error) {
	switch {
	case m.pidfile != "":
		b, err := os.ReadFile(m.pidfile)
		if err != nil {
			return 0, fmt.Errorf("process: read pidfile: %w", err)
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || pid <= 0 {
			return 0, fmt.Errorf("process: pidfile %s holds %q, not a process id", m.pidfile, truncate(string(b), 40))
		}
		return pid, nil
	case m.match != "":
		if m.current != 0 {
			if _, err := liveStat(fsys, m.current); err == nil {
				return m.current, nil
			}
		}
		pid, err := findProcess(fsys, m.match)
		if err != nil && m.current != 0 {
			return 0, fmt.Errorf("process: %q (pid %d) has exited and no other process matches: %w", m.match, m.current, err)
		}
		return pid, err
	}
	return m.pid, nil
}

// liveStat reads a process's stat; a process that is gone or a zombie is an error.
func liveStat(fsys procfs.FS, pid int) (procfs.ProcStat, error) {
	p, err := fsys.Proc(pid)
	if err == nil {
		var st procfs.ProcStat
		if st, err = p.Stat(); err == nil {
			if st.State == "Z" || st.State == "X" {
				return st, fmt.Errorf("process: pid %d has exited (state %s)", pid, st.State)
			}
			return st, nil
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		return procfs.ProcStat{}, fmt.Errorf("process: pid %d does not exist (or has exited)", pid)
	}
	return procfs.ProcStat{}, fmt.Errorf("process: read /proc/%d: %w", pid, err)
}

// findProcess returns the first live process named match, else the first whose command line
// contains it, skipping this process.
func findProcess(fsys procfs.FS, match string) (int, error) {
	procs, err := fsys.AllProcs()
	if err != nil {
		return 0, fmt.Errorf("process: list /proc: %w", err)
	}
	self := os.Getpid()
	byCmdline := 0
	for _, p := range procs { // AllProcs sorts by PID
		if p.PID == self {
			continue
		}
		st, err := p.Stat()
		if err != nil || st.State == "Z" || st.State == "X" {
			continue
		}
		if st.Comm == match {
			return p.PID, nil
		}
		if byCmdline == 0 {
			if args, err := p.CmdLine(); err == nil && strings.Contains(strings.Join(args, " "), match) {
				byCmdline = p.PID
			}
		}
	}
	if byCmdline != 0 {
		return byCmdline, nil
	}
	return 0, fmt.Errorf("process: no process is named %q or has it in its command line", match)
}

// Close has nothing to release.
func (m *processMonitor) Close() error { return nil }

// truncate shortens s for an error message.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
