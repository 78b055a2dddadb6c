package report

import (
	"sort"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// The breakdowns beside the headline figures: per endpoint (k6's `name` tag), per check, and
// per phase of a request. They read the sub-metrics the registry keeps for every name and
// check (metrics: "What is tracked"), so they need nothing configured in the scenario file.

// EndpointResult is one request name's figures: k6's `name` tag (the URL when unnamed).
type EndpointResult struct {
	Name      string  `json:"name"`
	Requests  int64   `json:"requests"`
	RPS       float64 `json:"requests_per_second"`
	P50       float64 `json:"p50"` // ms
	P95       float64 `json:"p95"`
	P99       float64 `json:"p99"`
	Errors    int64   `json:"errors"`     // requests counted failed by http_req_failed
	ErrorRate float64 `json:"error_rate"` // Errors / the requests http_req_failed saw
}

// CheckResult is one check's outcome over the run.
type CheckResult struct {
	Name   string `json:"name"`
	Passes int64  `json:"passes"`
	Fails  int64  `json:"fails"`
}

// PhaseResult is one phase of the requests' timing (k6's http_req_blocked … _receiving).
type PhaseResult struct {
	Phase string  `json:"phase"` // "blocked", "looking_up", "connecting", "tls_handshaking", "sending", "waiting", "receiving"
	Avg   float64 `json:"avg"`   // ms
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// phaseMetrics are the request phases in the order a request goes through them.
var phaseMetrics = []struct{ phase, metric string }{
	{"blocked", metrics.HTTPReqBlocked},
	{"looking_up", metrics.HTTPReqLookingUp}, // only when a host is a name, not an IP
	{"connecting", metrics.HTTPReqConnecting},
	{"tls_handshaking", metrics.HTTPReqTLSHandshaking},
	{"sending", metrics.HTTPReqSending},
	{"waiting", metrics.HTTPReqWaiting},
	{"receiving", metrics.HTTPReqReceiving},
}

// tagValue returns the value of the one-tag selector key of m, or false when m is not the
// sub-metric name{key:value}.
func tagValue(m *metrics.MetricValue, name, key string) (string, bool) {
	if m.Name != name || len(m.Tags) != 1 || m.Tags[0].Key != key {
		return "", false
	}
	return m.Tags[0].Value, true
}

// buildEndpoints lists every request name with its count, rate, percentiles and errors,
// the busiest first (ties by name).
func buildEndpoints(snap *metrics.Snapshot) []EndpointResult {
	byName := map[string]*EndpointResult{}
	get := func(n string) *EndpointResult {
		if byName[n] == nil {
			byName[n] = &EndpointResult{Name: n}
		}
		return byName[n]
	}
	for _, m := range snap.Metrics() {
		if n, ok := tagValue(m, metrics.HTTPReqs, "name"); ok {
			e := get(n)
			e.Requests = int64(m.Count)
			rate, _ := snap.Aggregate(m.Key, "rate", 0) // per second of the load, as the headline rate
			e.RPS = round(rate, 2)
		}
		if n, ok := tagValue(m, metrics.HTTPReqDuration, "name"); ok && m.HasData() {
			e := get(n)
			e.P50, e.P95, e.P99 = round(m.Percentile(50), 3), round(m.Percentile(95), 3), round(m.Percentile(99), 3)
		}
		if n, ok := tagValue(m, metrics.HTTPReqFailed, "name"); ok {
			e := get(n)
			e.Errors = m.Passes // http_req_failed is true for a failure
			if all := m.Passes + m.Fails; all > 0 {
				e.ErrorRate = round(float64(m.Passes)/float64(all), 6)
			}
		}
	}
	out := make([]EndpointResult, 0, len(byName))
	for _, e := range byName {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Requests != out[j].Requests {
			return out[i].Requests > out[j].Requests
		}
		return out[i].Name < out[j].Name
	})
	if len(out) == 0 {
		return nil
	}
	return out
}

// buildChecks lists every check by name, in name order.
func buildChecks(snap *metrics.Snapshot) []CheckResult {
	var out []CheckResult
	for _, m := range snap.Metrics() {
		if n, ok := tagValue(m, metrics.Checks, "check"); ok {
			out = append(out, CheckResult{Name: n, Passes: m.Passes, Fails: m.Fails})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// buildPhases returns the timing phases of the requests, those with data.
func buildPhases(snap *metrics.Snapshot) []PhaseResult {
	var out []PhaseResult
	for _, ph := range phaseMetrics {
		m, ok := snap.Get(ph.metric)
		if !ok || !m.HasData() || m.Type != metrics.Trend {
			continue
		}
		out = append(out, PhaseResult{Phase: ph.phase, Avg: round(m.Avg, 3), P50: round(m.Percentile(50), 3),
			P95: round(m.Percentile(95), 3), P99: round(m.Percentile(99), 3), Max: round(m.Max, 3)})
	}
	return out
}
