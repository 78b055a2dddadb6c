package cli

import (
	"context"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// The names of the monitors ramp adds by itself: "target" watches the target's process,
// "app" scrapes its /metrics (mina's families), "db" and "cache" its PostgreSQL and Redis.
const (
	monTarget = "target"
	monApp    = "app"
	monDB     = "db"
	monCache  = "cache"
)

// minaPromSeries are the figures of mina's /metrics worth watching under load: the database
// pool (exhaustion shows as waits) and the cache (hits and misses, for the hit rate).
var minaPromSeries = []monitor.PromSeries{
	{Name: "db_open", Metric: "mina_db_pool_open_connections", Unit: "count"},
	{Name: "db_in_use", Metric: "mina_db_pool_in_use_connections", Unit: "count"},
	{Name: "db_waits_per_second", Metric: "mina_db_pool_wait_count_total", Rate: true},
	{Name: "db_wait_seconds_per_second", Metric: "mina_db_pool_wait_duration_seconds_total", Rate: true},
	{Name: "cache_hits_per_second", Metric: "mina_cache_hits_total", Rate: true},
	{Name: "cache_misses_per_second", Metric: "mina_cache_misses_total", Rate: true},
}

// targetMonitors are the monitors ramp adds for a target it knows: the embedded mina's
// process (pid) and /metrics (metricsURL), or what -e variables name for an external target:
// TARGET_PID, MONITOR_METRICS_URL (a mina-compatible /metrics), MONITOR_POSTGRES_URL and
// MONITOR_REDIS_URL. Monitors are used by one test each: call it once per test.
func targetMonitors(pid int, metricsURL string, vars map[string]string) []monitor.Monitor {
	var ms []monitor.Monitor
	if pid <= 0 {
		pid, _ = strconv.Atoi(vars["TARGET_PID"])
	}
	if pid > 0 {
		ms = append(ms, monitor.ProcessMonitor(monTarget, pid, 0))
	}
	if metricsURL == "" {
		metricsURL = vars["MONITOR_METRICS_URL"]
	}
	if metricsURL != "" {
		if m, err := monitor.PrometheusMonitor(monApp, metricsURL, minaPromSeries, 0); err == nil {
			ms = append(ms, m)
		}
	}
	extra := []struct{ name, kind, key, env string }{
		{monDB, "postgres", "dsn", "MONITOR_POSTGRES_URL"},
		{monCache, "redis", "url", "MONITOR_REDIS_URL"},
	}
	for _, e := range extra {
		if v := vars[e.env]; v != "" {
			if compiled, err := compileMonitor(e.name, e.kind, e.key, v); err == nil {
				ms = append(ms, compiled)
			}
		}
	}
	return ms
}

// monitorRun watches the target beside the load.
type monitorRun struct {
	runner *monitor.Runner
	ms     []monitor.Monitor
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu    sync.Mutex
	final []monitor.Series // the series once stopped (the monitors are closed then)
}

func startMonitors(ctx context.Context, ms []monitor.Monitor) *monitorRun {
	if len(ms) == 0 {
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	m := &monitorRun{runner: monitor.NewRunner(ms, time.Now), ms: ms, cancel: cancel}
	m.wg.Add(1)
	go func() { defer m.wg.Done(); m.runner.Run(ctx) }()
	return m
}

// lookup answers a criterion's monitor series by name ("target.rss_bytes"), from the
// readings so far; safe during the run. A nil run has no series.
func (m *monitorRun) lookup(name string) ([]threshold.MonitorPoint, string, bool) {
	if m == nil {
		return nil, "", false
	}
	m.mu.Lock()
	final := m.final
	m.mu.Unlock()
	series := final
	if series == nil {
		series = withDerived(m.runner.Series())
	}
	for _, s := range series {
		if s.Name != name {
			continue
		}
		pts := make([]threshold.MonitorPoint, len(s.Points))
		for i, p := range s.Points {
			pts[i] = threshold.MonitorPoint{Time: p.Time, Value: p.Value}
		}
		return pts, s.Unit, len(pts) > 0
	}
	return nil, "", false
}

// stop ends the monitors and returns their series and errors.
func (m *monitorRun) stop() ([]monitor.Series, []monitor.MonitorError) {
	if m == nil {
		return nil, nil
	}
	m.cancel()
	m.wg.Wait()
	_ = monitor.CloseAll(m.ms)
	final := withDerived(m.runner.Series())
	m.mu.Lock()
	m.final = final
	m.mu.Unlock()
	return final, m.runner.Errors()
}

// withDerived adds the series computed from others: the cache hit rate from mina's hits and
// misses per second.
func withDerived(series []monitor.Series) []monitor.Series {
	var hits, misses *monitor.Series
	for i := range series {
		switch series[i].Name {
		case monApp + ".cache_hits_per_second":
			hits = &series[i]
		case monApp + ".cache_misses_per_second":
			misses = &series[i]
		}
	}
	if hits == nil || misses == nil {
		return series
	}
	rate := monitor.Series{Name: monApp + ".cache_hit_rate", Unit: "ratio", Min: math.Inf(1), Max: math.Inf(-1)}
	byTime := map[time.Time]float64{}
	for _, p := range misses.Points {
		byTime[p.Time] = p.Value
	}
	for _, p := range hits.Points {
		m, ok := byTime[p.Time]
		if !ok || p.Value+m == 0 {
			continue
		}
		v := p.Value / (p.Value + m)
		rate.Points = append(rate.Points, monitor.Point{Time: p.Time, Value: v})
		rate.Readings++
		rate.Min, rate.Max = math.Min(rate.Min, v), math.Max(rate.Max, v)
		rate.Last = monitor.Point{Time: p.Time, Value: v}
	}
	if rate.Readings == 0 {
		return series
	}
	rate.Stride = 1
	return append(series, rate)
}

// monitorSeries converts monitor series for the report, times relative to start, with each
// failing monitor's error.
func monitorSeries(series []monitor.Series, errs []monitor.MonitorError, start time.Time) []report.MonitorSeries {
	failed := map[string]string{}
	for _, e := range errs {
		failed[e.Monitor] = e.Err
	}
	var out []report.MonitorSeries
	seen := map[string]bool{}
	for _, s := range series {
		ms := report.MonitorSeries{Name: s.Name, Unit: s.Unit}
		for _, p := range s.Points {
			v := p.Value
			ms.T = append(ms.T, math.Round(p.Time.Sub(start).Seconds()*1000)/1000)
			ms.V = append(ms.V, &v)
		}
		mon, _, _ := strings.Cut(s.Name, ".")
		seen[mon] = true
		if msg, ok := failed[mon]; ok && len(ms.V) == 0 {
			ms.Error = msg
		}
		out = append(out, ms)
	}
	// A monitor that never read anything still appears, with its error.
	for _, e := range errs {
		if !seen[e.Monitor] {
			out = append(out, report.MonitorSeries{Name: e.Monitor, Error: e.Err})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// compileMonitor builds one monitor from a kind and its one source key.
func compileMonitor(name, kind, key, value string) (monitor.Monitor, error) {
	ms, _, err := monitor.Compile([]plan.Monitor{{Name: name, Kind: kind, Spec: map[string]any{key: value}}})
	if err != nil {
		return nil, err
	}
	return ms[0], nil
}
