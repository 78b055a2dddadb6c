// Package criteria judges the seed's pass/fail rules that k6's whole-run thresholds cannot express:
// conditions judged per time window and how long they may stay broken, margins over an SLO,
// budgets of violations, and rules on the target's own series (from the monitors).
//
// A criterion arrives from the scenario compiler as a Raw: name, kind, severity and abortOnFail
// are its own fields; the rule is Kind, or the "rule" key of Spec when kind is not written;
// every other key stays in Spec as decoded, until Parse turns it into a typed plan.Criterion. The YAML forms (one line per rule, the
// keys a rule accepts; [brackets] are optional, values in <angles>):
//
//	rule: windowed    metric: <key>  [aggregate: <agg>]  [window: <dur>]  condition: <cond>  [for: <dur>]
//	rule: margin      metric: <key>  aggregate: <agg>  [window: <dur>]  slo: <num>  margin: <pct>
//	rule: violations  metric: <key>  aggregate: <agg>  [window: <dur>]  condition: <cond>  max: <int>
//	rule: violations  metric: <trend key>  per: request  condition: <"<" or "<=" num>  max: <int>
//	rule: growth      series: <monitor series>  [of: last|max]  [warn: <num>]  fail: <num>
//	rule: max         series: <monitor series>  [warn: <num>]  fail: <num>
//	rule: final       series: <monitor series>  ([warn: <num>]  fail: <num> | below: <num>)
//	rule: ratio       series: <monitor series>  over: <monitor series>  [warn: <num>]  fail: <num>
//
//	<key>   a metric key as in thresholds: http_reqs, http_req_duration{type:api_read}
//	<agg>   rate, count (counter, rate); value, min, max (gauge); avg, min, max, med, p(N) (trend)
//	        default: rate for counters and rates, value for gauges; trends must name one
//	<cond>  <op> <number>, op one of < <= > >= == !=; time metrics take ms or a duration ("1.5s")
//	<dur>   a Go duration: "1s", "30s", "2m"
//	<pct>   "20%" or a fraction (0.2)
//	<num>   a number, a size ("500MB", "1GiB": SI and binary prefixes) or a percentage ("90%")
//
// A shorthand rule is also accepted, as in the bundled scenario 01: a rule string that names
// the breach rather than the rule kind,
//
//	rule: "<key> <agg> <op> <number> [per <dur>] [for <dur>]"
//
// e.g. "http_reqs rate < 400 for 30s": a windowed rule broken when the condition holds.
//
// What each rule judges (Outcome.Observed):
//
//	windowed    the condition must hold in every window; with for: D the rule fails when it is
//	            broken in consecutive windows for longer than D. Observed: the longest breach in
//	            seconds (for: given) or the worst window's value (for: absent, any breach fails).
//	margin      the aggregate over the run (or the worst window): above slo×(1+margin) fails,
//	            above slo warns, else passes. Observed: that value.
//	violations  the windows that break the condition (per: request: the requests above the
//	            value, read from the merged histograms); more than max fails. Observed: the count.
//	growth      last − first (of: max: max − first) of a monitor series. Observed: the growth.
//	max         the largest value of a monitor series.
//	final       the last value of a monitor series; below: fails when it is below.
//	ratio       series ÷ over at each sample (over's latest sample at or before it); the largest.
//
// Windows are cut from the first series interval that begins at or after the load's start,
// a window rounded up to a multiple of the series interval; a counter's last interval, still
// being filled, is left out of its rates and counts. A window without samples (no requests
// for a latency rule) neither breaks nor holds a condition: it ends a run of broken windows.
//
// For the monitor rules, warn: and fail: are upper limits: above fail fails, above warn warns.
// A criterion with severity warn never fails: a broken rule warns. A criterion with no data (a
// metric never recorded, a monitor that delivered nothing) is "no data", never a pass; one
// whose monitor is not configured for the run is "skipped"; one whose window or for-duration
// is shorter than the run's series resolution (a --time-scale too small) cannot be judged and
// is "no data" too, saying so.
//
// The flow: the scenario compiler calls Parse, so that `ramp validate` and a run reject the same
// files, and keeps typed plan.Criterion values (which plan.Scale compresses with --quick);
// the engine calls Compile with the run's series resolution, tracks the sub-metrics MetricKeys
// names, and calls Evaluate on a snapshot during the run (ShouldAbort, for abortOnFail) and at
// its end. The verdict package decides what the outcomes mean for the run.
//
// Only the standard library and the threshold package's grammar are used.
package criteria
