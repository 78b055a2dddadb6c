package cli

import (
	"fmt"
	"strconv"

	"github.com/ramp-dev/ramp/internal/plan"
)

// extraMonitors are the watchers that -e variables ask for beside a file's own, for any
// target: TARGET_PID its process ("target"), MONITOR_POSTGRES_URL its PostgreSQL ("db") and
// MONITOR_REDIS_URL its Redis ("cache"). A file's monitor of the same name wins (see
// engine.Options.Monitors). What a target's own /metrics holds is the file's to say, in its
// monitors: block (the bundled suite reads ${MONITOR_METRICS_URL} there).
func extraMonitors(vars map[string]string) ([]plan.Monitor, error) {
	var out []plan.Monitor
	if v := vars["TARGET_PID"]; v != "" {
		pid, err := strconv.Atoi(v)
		if err != nil || pid <= 0 {
			return nil, fmt.Errorf("-e TARGET_PID=%s: want the target's process id, a positive number", v)
		}
		out = append(out, plan.Monitor{Name: "target", Kind: "process", PID: pid})
	}
	if v := vars["MONITOR_POSTGRES_URL"]; v != "" {
		out = append(out, plan.Monitor{Name: "db", Kind: "postgres", DSN: v})
	}
	if v := vars["MONITOR_REDIS_URL"]; v != "" {
		out = append(out, plan.Monitor{Name: "cache", Kind: "redis", URL: v})
	}
	return out, nil
}
