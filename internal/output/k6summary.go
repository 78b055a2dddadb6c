package output

import (
	"crypto/md5"
	"encoding/hex"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// K6Summary is a run in k6's --summary-export layout (k6's "old JSON summary"), for scripts and
// CI written against k6: {"root_group": …, "metrics": {NAME: {…}}}. Each metric holds its
// values flat: a trend its trend stats (stats; nil means metrics.DefaultTrendStats) in ms,
// `"p(95)"` as written; a counter count and rate (per second of the load); a rate passes,
// fails and value; a gauge value, min and max. A metric with thresholds has "thresholds":
// {EXPRESSION: failed}, true when the expression did not hold — as in k6, whose value is
// `!ok` — and true too when it had no data to judge (ramp never counts no data as met). The
// sub-metrics thresholds name appear under their key ("http_req_duration{name:x}"); one that
// saw no sample has its thresholds and no values, so a script reads null, never a made-up
// zero. Checks are in root_group.checks by name, k6's ids (MD5 of the path) included; ramp's
// groups are not reported as k6 groups (root_group.groups is empty).
func K6Summary(res *engine.Result, stats []string) map[string]any {
	if stats == nil {
		stats = metrics.DefaultTrendStats
	}
	failed := map[string]map[string]bool{} // metric key → expression → failed
	var order []string
	for _, t := range res.Thresholds {
		if failed[t.Metric] == nil {
			failed[t.Metric] = map[string]bool{}
			order = append(order, t.Metric)
		}
		failed[t.Metric][t.Expression] = !t.Pass
	}
	shown := map[string]bool{}
	if res.Plan != nil {
		for _, k := range threshold.Keys(res.Plan.Thresholds) {
			shown[k] = true
		}
	}
	out := map[string]any{}
	checks := map[string]any{}
	for _, m := range res.Snapshot.Metrics() {
		if m.Name == metrics.Checks && len(m.Tags) == 1 && m.Tags[0].Key == "check" {
			path := "::" + m.Tags[0].Value
			checks[m.Tags[0].Value] = map[string]any{"name": m.Tags[0].Value, "path": path, "id": md5hex(path),
				"passes": m.Passes, "fails": m.Fails}
		}
		if (len(m.Tags) > 0 && failed[m.Key] == nil && !shown[m.Key]) || !m.HasData() {
			continue
		}
		out[m.Key] = k6Values(m, stats)
	}
	for _, key := range order {
		v, ok := out[key].(map[string]any)
		if !ok {
			v = map[string]any{}
			out[key] = v
		}
		v["thresholds"] = failed[key]
	}
	return map[string]any{
		"root_group": map[string]any{"name": "", "path": "", "id": md5hex(""), "groups": map[string]any{}, "checks": checks},
		"metrics":    out,
	}
}

// k6Values are one metric's values as k6's summary export writes them.
func k6Values(m *metrics.MetricValue, stats []string) map[string]any {
	switch m.Type {
	case metrics.Counter:
		return map[string]any{"count": m.Count, "rate": m.Rate}
	case metrics.Rate:
		return map[string]any{"passes": m.Passes, "fails": m.Fails, "value": m.Rate}
	case metrics.Gauge:
		return map[string]any{"value": m.Value, "min": m.Min, "max": m.Max}
	}
	v := map[string]any{}
	for _, st := range stats {
		switch st {
		case "avg":
			v[st] = m.Avg
		case "min":
			v[st] = m.Min
		case "med":
			v[st] = m.Med
		case "max":
			v[st] = m.Max
		case "count":
			v[st] = m.Count
		default:
			if method, p, err := metrics.TrendStatMethod(st); err == nil && method == "p" {
				v[st] = m.Percentile(p)
			}
		}
	}
	return v
}

// md5hex is k6's id of a group or check: the MD5 of its path, in hex.
func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
