// Package monitor watches the target while it is under load and records what it reads as
// bounded time series, so that SLO criteria can judge the server itself ("memory growth
// < 500 MB", "no database connection exhaustion", "no deadlocks", "cache hit rate").
//
// The scenario compiler hands a file's monitors as written (Raw) to Parse, which checks every
// key and types them as plan.Monitor values — so `ramp validate` and a run check the same
// keys; Compile builds one Monitor per plan value (and checks values built in Go, as the CLI's
// from -e variables are). A Runner then samples every monitor on its own interval, each in its
// own goroutine with a timeout shorter than the interval, so a source that hangs or refuses
// never blocks the load or the other monitors: the failure is counted in Errors and the
// monitor tries again at its next tick.
//
// # Kinds and their series
//
// Every series is named "<monitor name>.<figure>":
//
//	kind        keys (besides name, kind, interval, timeout)      figures
//	process     pid | pidfile | process (at most one; none: the    rss_bytes, cpu_percent
//	            process named like the monitor)
//	prometheus  url, series: [{name, metric, labels, rate,        one per listed series
//	            over, unit}]
//	postgres    dsn                                                connections, connections_active,
//	                                                               connections_idle, connections_idle_in_tx,
//	                                                               max_connections, connection_usage,
//	                                                               waiting_locks, deadlocks, rollbacks,
//	                                                               deadlocks_per_second, rollbacks_per_second
//	redis       url                                                hit_rate, hit_rate_total,
//	                                                               used_memory_bytes, connected_clients
//
// A source key (pid, pidfile, process, url, dsn) that is present but empty, as
// "url: ${MONITOR_METRICS_URL:-}" is when the variable is unset, leaves the monitor
// unconfigured for the run: Parse says why (plan.Monitor.Unconfigured) and Compile lists it as
// Unconfigured instead of building it; it is no error. An absent source key stays an error where one is needed.
//
// interval is a Go duration ("500ms", "2s") or a number of seconds, 1s by default and at least
// 100ms; timeout bounds one reading, 90% of the interval by default, and must be shorter than
// the interval.
//
// A figure that has no value at some reading is left out of that reading rather than given as
// NaN: cpu_percent and every rate need two readings, and hit_rate (like a Prometheus series
// with over) has no value for an interval without lookups.
//
// # Libraries
//
// Each source is read with the library that already speaks its protocol and is in go.mod:
// github.com/prometheus/procfs for /proc (the process's stat: resident pages and CPU ticks),
// github.com/prometheus/common/expfmt for the Prometheus text format (the parser Prometheus
// itself uses, so every valid exposition parses), github.com/jackc/pgx/v5 for PostgreSQL (one
// connection of the monitor's own, never one of the target's pool) and
// github.com/redis/go-redis/v9 for Redis (a client whose pool holds one connection).
//
// The package imports neither the executor nor the report: the CLI hands Runner.Series to
// both criteria and reports.
package monitor
