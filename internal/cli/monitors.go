package cli

import "github.com/ramp-dev/ramp/internal/plan"

// extraMonitors are the watchers that -e variables ask for beside a file's own, for any
// target: TARGET_PID its process ("target"), MONITOR_POSTGRES_URL its PostgreSQL ("db") and
// MONITOR_REDIS_URL its Redis ("cache"). A file's monitor of the same name wins (see
// engine.Options.Monitors). What a target's own /metrics holds is the file's to say, in its
// monitors: block (the bundled suite reads ${MONITOR_METRICS_URL} there).
func extraMonitors(vars map[string]string) []plan.Monitor {
	var out []plan.Monitor
	for _, e := range []struct{ name, kind, key, env string }{
		{"target", "process", "pid", "TARGET_PID"},
		{"db", "postgres", "dsn", "MONITOR_POSTGRES_URL"},
		{"cache", "redis", "url", "MONITOR_REDIS_URL"},
	} {
		if v := vars[e.env]; v != "" {
			out = append(out, plan.Monitor{Name: e.name, Kind: e.kind, Spec: map[string]any{e.key: v}})
		}
	}
	return out
}
