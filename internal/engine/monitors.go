package engine

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/monitor"
)

// watch runs the monitors beside the load and answers the criteria's questions about their
// series. The engine names no series of any target: the scenario file (or -e variables,
// through the CLI) says which monitors run and what they read.
type watch struct {
	runner       *monitor.Runner // nil without monitors
	mons         []monitor.Monitor
	unconfigured []monitor.Unconfigured
	cancel       context.CancelFunc
	wg           sync.WaitGroup

	mu    sync.Mutex
	final []monitor.Series // the series once stopped
	errs  []monitor.MonitorError
}

// startMonitors starts ms; the unconfigured ones are only remembered, for skipped criteria.
func startMonitors(ctx context.Context, ms []monitor.Monitor, unconfigured []monitor.Unconfigured) *watch {
	w := &watch{mons: ms, unconfigured: unconfigured, cancel: func() {}}
	if len(ms) == 0 {
		return w
	}
	ctx, w.cancel = context.WithCancel(ctx)
	w.runner = monitor.NewRunner(ms, time.Now)
	w.wg.Go(func() { w.runner.Run(ctx) })
	return w
}

// lookup answers a criterion's monitor series by name ("target.rss_bytes"), from the readings
// so far; safe during the run.
func (w *watch) lookup(name string) ([]criteria.MonitorPoint, string, bool) {
	for _, s := range w.current() {
		if s.Name != name {
			continue
		}
		pts := make([]criteria.MonitorPoint, len(s.Points))
		for i, p := range s.Points {
			pts[i] = criteria.MonitorPoint{Time: p.Time, Value: p.Value}
		}
		return pts, s.Unit, len(pts) > 0
	}
	return nil, "", false
}

// skipped says why a series' monitor is not part of this run: declared without a source,
// or not declared at all (e.g. PostgreSQL deadlocks in a file run without MONITOR_POSTGRES_URL).
func (w *watch) skipped(series string) (string, bool) {
	mon, _, _ := strings.Cut(series, ".")
	for _, u := range w.unconfigured {
		if u.Name == mon {
			return "monitor " + u.Name + " is not configured for this run: " + u.Reason, true
		}
	}
	for _, m := range w.mons {
		if m.Name() == mon {
			return "", false
		}
	}
	return "no monitor " + mon + " runs in this test (declare it under monitors:, or give its source with -e)", true
}

// current is the series so far, or the final ones once stopped.
func (w *watch) current() []monitor.Series {
	w.mu.Lock()
	final := w.final
	w.mu.Unlock()
	if final != nil || w.runner == nil {
		return final
	}
	return w.runner.Series()
}

// stop ends the monitors and keeps their final series and errors.
func (w *watch) stop() {
	w.cancel()
	w.wg.Wait()
	_ = monitor.CloseAll(w.mons)
	if w.runner == nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.final, w.errs = w.runner.Series(), w.runner.Errors()
}

// series is what the monitors recorded, times as offsets from start, with each failing
// monitor's error and each unconfigured monitor's reason, sorted by name.
func (w *watch) series(start time.Time) []MonitorSeries {
	w.mu.Lock()
	final, errs := w.final, w.errs
	w.mu.Unlock()
	failed := map[string]string{}
	for _, e := range errs {
		failed[e.Monitor] = e.Err
	}
	var out []MonitorSeries
	seen := map[string]bool{}
	for _, s := range final {
		ms := MonitorSeries{Name: s.Name, Unit: s.Unit}
		for _, p := range s.Points {
			ms.Points = append(ms.Points, MonitorPoint{Offset: p.Time.Sub(start), Value: p.Value})
		}
		mon, _, _ := strings.Cut(s.Name, ".")
		seen[mon] = true
		if msg, ok := failed[mon]; ok && len(ms.Points) == 0 {
			ms.Error = msg
		}
		out = append(out, ms)
	}
	// A monitor that never read anything still appears, with its error.
	for _, e := range errs {
		if !seen[e.Monitor] {
			out = append(out, MonitorSeries{Name: e.Monitor, Error: e.Err})
		}
	}
	for _, u := range w.unconfigured {
		out = append(out, MonitorSeries{Name: u.Name, Skipped: u.Reason})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
