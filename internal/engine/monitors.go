package engine

import (
	"context"
	"sort"
	"strings"
	"sync"
	"time"

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

// names lists the monitors that run.
func (w *watch) names() []string {
	out := make([]string, len(w.mons))
	for i, m := range w.mons {
		out[i] = m.Name()
	}
	return out
}

// stop ends the monitors; their series stay readable.
func (w *watch) stop() {
	w.cancel()
	w.wg.Wait()
	_ = monitor.CloseAll(w.mons)
}

// series is what the monitors recorded so far (or in all, once stopped), times as offsets
// from start, with each failing monitor's error and each unconfigured monitor's reason,
// sorted by name. It is safe during the run.
func (w *watch) series(start time.Time) []MonitorSeries {
	var final []monitor.Series
	var errs []monitor.MonitorError
	if w.runner != nil {
		final, errs = w.runner.Series(), w.runner.Errors()
	}
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
