package plan

import "time"

// Monitor is one watcher of the target, compiled: its kind and the source it reads. The
// monitor package parses the YAML form into it and builds the watcher from it.
type Monitor struct {
	// Name is the prefix of the monitor's series ("target" in target.rss_bytes); the kind
	// when the file gives none.
	Name string
	// Kind is process, prometheus, postgres or redis.
	Kind string
	// Interval is how often the monitor reads its source and Timeout how long one reading
	// may take; zero means the monitor package's defaults.
	Interval, Timeout time.Duration
	// A process monitor's source: exactly one of PID, Pidfile (re-read at each reading) and
	// Process (a name, or a part of a command line).
	PID     int
	Pidfile string
	Process string
	// URL is a prometheus monitor's /metrics or a redis monitor's redis://… URL; DSN a
	// postgres monitor's.
	URL, DSN string
	// Series are what a prometheus monitor reads from its scrape.
	Series []PromSeries
	// Unconfigured, when not empty, says why the monitor has no source in this run — its
	// source key was written but came out empty ("url is empty (set MONITOR_METRICS_URL or
	// write url:)"): it is not started, and the criteria on its series are skipped.
	Unconfigured string
	// Line and Column locate the monitor in the scenario file; 0 for one not from a file.
	Line, Column int
}

// PromSeries is one figure a Prometheus monitor records from a scrape.
//
// Metric names a family of the exposition. Counters, gauges and untyped metrics are read as
// they are; of a histogram "foo" ask for "foo_sum", "foo_count" or "foo_bucket" (the last with
// an "le" label, e.g. labels: {le: "0.5"}), of a summary for "foo_sum" or "foo_count". The value
// is the sum over every metric of the family whose labels include all of Labels (no labels:
// the sum over the whole family). With Rate the series is the per-second increase between
// two scrapes (a counter that goes down is taken as restarted); the first scrape then gives
// no value.
//
// With Over the series is a ratio: Metric divided by the sum of the Over metrics, each read
// as Metric is (Labels apply to all); with Rate, the ratio of their increases since the
// previous scrape, so that a cache's hit rate over each interval is
//
//	Metric: hits_total, Over: [hits_total, misses_total], Rate: true
//	value = Δhits / (Δhits + Δmisses)
//
// A scrape whose divisor is 0 (no lookups in the interval) gives no value, neither 0 nor NaN.
type PromSeries struct {
	Name   string            // the series name, "<monitor>.<Name>"
	Metric string            // the exposition's metric name
	Labels map[string]string // labels every summed metric must carry
	Rate   bool              // per-second rate instead of the value
	Over   []string          // divisor metrics: the series is Metric / sum(Over)
	Unit   string            // free text for reports; "ratio" with Over, "per_second" with Rate
}
