package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// plainEvery is how often progress prints a line when stdout is not a terminal.
const plainEvery = 10 * time.Second

// progress shows a line per scenario, in start order — a bar, elapsed/total, VUs, iterations,
// dropped iterations — and a line with the current rate, p95 and error rate: redrawn in place
// on a terminal; for CI logs (not a terminal), the same lines every plainEvery, each stamped
// with the run's clock and at most maxLine characters, and the final state at the end.
type progress struct {
	w         io.Writer
	tty       bool
	drawn     int // lines drawn last time on a terminal
	lastPlain time.Time
}

// progressWriter returns the progress display for stdout, or nil with --quiet.
func progressWriter(w io.Writer, quiet bool) engine.Observer {
	if quiet {
		return nil
	}
	return &progress{w: w, tty: isTerminal(w)}
}

// Progress implements engine.Observer: a redraw every second on a terminal, a line every
// plainEvery otherwise, and always the final state.
func (p *progress) Progress(pr engine.Progress) {
	if !pr.Final && !p.tty && time.Since(p.lastPlain) < plainEvery {
		return
	}
	p.draw(pr.Scenarios, pr.Snapshot)
}

// maxLine is the longest line progress prints: CI logs stay readable.
const maxLine = 120

func (p *progress) draw(scenarios []engine.ScenarioProgress, snap *metrics.Snapshot) {
	prefix := ""
	if !p.tty {
		prefix = "[" + clock(snap.Elapsed) + "] "
	}
	lines := make([]string, 0, len(scenarios)+1)
	for _, pr := range scenarios {
		lines = append(lines, fit(prefix+scenarioLine(pr), maxLine))
	}
	lines = append(lines, fit(prefix+nowLine(snap), maxLine))
	if p.tty {
		if p.drawn > 0 {
			fmt.Fprintf(p.w, "\x1b[%dA", p.drawn) // back to the first line drawn
		}
		for _, l := range lines {
			fmt.Fprintf(p.w, "\x1b[2K%s\n", l)
		}
		p.drawn = len(lines)
		return
	}
	p.lastPlain = time.Now()
	for _, l := range lines {
		fmt.Fprintln(p.w, l)
	}
}

// scenarioLine is one scenario's progress: "constant  [====      ]  42%  00m05s/00m12s  VUs 10/50
// iters 1234  dropped 0". A scenario that ended reads 100% and how long it ran — never more
// than planned, nor a second short of it through rounding.
func scenarioLine(pr engine.ScenarioProgress) string {
	elapsed, total := min(pr.Elapsed, pr.Total), pr.Total
	when := clock(elapsed) + "/" + clock(total)
	if pr.Done {
		elapsed, total = 1, 1
		when = "done in " + clock(min(pr.Elapsed, pr.Total))
	}
	share := 0
	if total > 0 {
		share = int(100 * float64(elapsed) / float64(total))
	}
	return fmt.Sprintf("%-20s %s %3d%%  %s  VUs %d/%d  iters %d  dropped %d", fit(pr.Scenario, 20),
		bar(elapsed, total, 20), min(share, 100), when, pr.ActiveVUs, pr.AllocatedVUs, pr.Iterations, pr.Dropped)
}

// nowLine is the last complete interval's request rate, p95 and error rate — or, before any
// response, that there is none yet (said once).
func nowLine(snap *metrics.Snapshot) string {
	rate, p95, errRate, ok := current(snap)
	if !ok {
		return fmt.Sprintf("%-20s no responses yet", "now")
	}
	return fmt.Sprintf("%-20s %.1f req/s  p95 %s  errors %s", "now", rate,
		threshold.Format(p95, metrics.Time), threshold.FormatPercent(errRate))
}

// fit cuts s to at most n characters, marking the cut with "…".
func fit(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

// current reads the request rate, p95 (ms) and error rate of the last complete interval; ok
// is false when that interval had no response.
func current(snap *metrics.Snapshot) (rate, p95, errRate float64, ok bool) {
	last := func(key string) (metrics.SeriesPoint, time.Duration, bool) {
		s, ok := snap.Series(key)
		if !ok || s.Len() < 2 {
			return metrics.SeriesPoint{}, 0, false
		}
		return s.At(s.Len() - 2), s.Interval(), true
	}
	pt, iv, ok := last(metrics.HTTPReqs)
	if !ok || pt.Sum == 0 {
		return 0, 0, 0, false
	}
	rate = pt.Sum / iv.Seconds()
	if pt, _, ok := last(metrics.HTTPReqDuration); ok {
		p95 = pt.P95
	}
	if pt, _, ok := last(metrics.HTTPReqFailed); ok {
		if n := pt.Passes + pt.Fails; n > 0 {
			errRate = float64(pt.Passes) / float64(n)
		}
	}
	return rate, p95, errRate, true
}

func bar(done, total time.Duration, width int) string {
	n := 0
	if total > 0 {
		n = int(float64(width) * float64(done) / float64(total))
	}
	n = min(max(n, 0), width)
	return "[" + strings.Repeat("=", n) + strings.Repeat(" ", width-n) + "]"
}

func clock(d time.Duration) string {
	d = d.Round(time.Second)
	return fmt.Sprintf("%02dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
}
