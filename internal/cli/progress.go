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

// progress shows, per scenario, elapsed/total, VUs, the current rate, p95 and error rate:
// redrawn in place on a terminal, as plain periodic lines otherwise.
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

func (p *progress) draw(scenarios []engine.ScenarioProgress, snap *metrics.Snapshot) {
	rate, p95, errRate := current(snap)
	lines := make([]string, 0, len(scenarios))
	for _, pr := range scenarios {
		lines = append(lines, fmt.Sprintf("%-14s %s %s/%s  VUs %d/%d  iters %d  dropped %d",
			pr.Scenario, bar(pr.Elapsed, pr.Total, 20), clock(pr.Elapsed), clock(pr.Total),
			pr.ActiveVUs, pr.AllocatedVUs, pr.Iterations, pr.Dropped))
	}
	lines = append(lines, fmt.Sprintf("%-14s %.1f req/s  p95 %s  errors %.2f%%", "now", rate,
		threshold.Format(p95, metrics.Time), 100*errRate))
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
	fmt.Fprintf(p.w, "[%s] %s\n", clock(snap.Elapsed), strings.Join(lines, " | "))
}

// current reads the request rate, p95 (ms) and error rate of the last complete interval.
func current(snap *metrics.Snapshot) (rate, p95, errRate float64) {
	last := func(key string) (metrics.SeriesPoint, time.Duration, bool) {
		s, ok := snap.Series(key)
		if !ok || s.Len() < 2 {
			return metrics.SeriesPoint{}, 0, false
		}
		return s.At(s.Len() - 2), s.Interval(), true
	}
	if pt, iv, ok := last(metrics.HTTPReqs); ok {
		rate = pt.Sum / iv.Seconds()
	}
	if pt, _, ok := last(metrics.HTTPReqDuration); ok {
		p95 = pt.P95
	}
	if pt, _, ok := last(metrics.HTTPReqFailed); ok {
		if n := pt.Passes + pt.Fails; n > 0 {
			errRate = float64(pt.Passes) / float64(n)
		}
	}
	return rate, p95, errRate
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
