package report

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Headroom rules of Recommend, as shares of an SLO.
const (
	// tightHeadroom: a p95 at or above this share of its SLO (but within it) has little
	// headroom left.
	tightHeadroom = 0.9
	// memoryGrowthBytes and memoryGrowthShare: a watched memory figure that grew by more than
	// both during the test is reported as growth worth a soak test.
	memoryGrowthBytes = 50 << 20
	memoryGrowthShare = 0.2
	// lowCacheHitRatio: a cache hit ratio averaging below this is reported.
	lowCacheHitRatio = 0.5
)

// errorCodeAdvice says what a k6 error code (or "status NNN") most likely means for the
// tester, keyed by the code as Summary.ErrorCodes spells it.
var errorCodeAdvice = map[string]string{
	"1000": "an unclassified request error: read the scenario's check output and the server log",
	"1020": "the URL is invalid: check base_url and the paths built from variables",
	"1050": "request timeout: the server is too slow or the timeout too short",
	"1100": "DNS failure: check the target host name",
	"1101": "no such host: check the target host name",
	"1111": "the host is not allowed by the allowlist: add it or fix the URL",
	"1200": "TCP errors: the server or a proxy is dropping connections",
	"1201": "broken pipe: the server closed connections while ramp was writing (keep-alive timeout or crash)",
	"1202": "unclassified network errors: check the server and the network",
	"1210": "dial errors: the server is not accepting connections",
	"1211": "TCP connect timeout: the server's accept backlog is full or the host is unreachable",
	"1212": "connection refused: the server is down or listening elsewhere",
	"1213": "dial errors: the server is not accepting connections",
	"1220": "connection reset by peer: the server is crashing or shedding connections",
	"1300": "TLS handshake errors: check the certificate and the scheme",
	"1310": "unknown certificate authority: trust the target's CA",
	"1311": "the certificate does not match the host name",
	"1701": "bodies that do not decompress: the server's compression is broken",
	"1800": "malformed responses: the server (or a proxy) sent something that is not HTTP/1.x",
	"1801": "response headers too large: raise the header limit or trim the server's headers",
	"1802": "incomplete responses: the server closed connections mid-response (crash or restart?)",
	"1810": "invalid requests: scenario data put control characters into a URL or header",
}

// statusAdvice explains an HTTP error status in load-test terms.
func statusAdvice(code int) string {
	switch {
	case code == 429:
		return "rate limited: the server's limiter is below the test's rate — raise it for the test or lower the rate"
	case code == 500:
		return "internal server errors: read the server log, errors under load often come from pool exhaustion or timeouts"
	case code == 502 || code == 504:
		return "a proxy could not reach the server in time: the server is overloaded or restarting"
	case code == 503:
		return "server overloaded or failing"
	case code >= 500:
		return "server errors"
	case code == 401 || code == 403:
		return "authentication failed: check the tokens the scenario uses"
	case code == 404:
		return "not found: the scenario asks for ids the database does not hold (seed data?)"
	case code == 409:
		return "conflicts: concurrent writes touch the same records"
	case code >= 400:
		return "client errors: the scenario sends requests the server rejects"
	}
	return "unexpected status"
}

// Recommend derives advice from what a test measured, most important first: load that was
// not delivered, errors by code, latency against its SLO (and the slowest endpoint), an
// overloaded generator, memory growth and a poor cache hit ratio on the target. A test with
// none of these gets one line saying how much headroom it had. It reads only s; a nil s has
// no advice.
func Recommend(s *Summary) []string {
	if s == nil {
		return nil
	}
	var out []string
	out = append(out, droppedAdvice(s)...)
	out = append(out, errorAdvice(s)...)
	out = append(out, latencyAdvice(s)...)
	if s.Generator.Overloaded {
		why := ""
		if len(s.Generator.Reasons) > 0 {
			why = " (" + strings.Join(s.Generator.Reasons, "; ") + ")"
		}
		out = append(out, "The load generator was overloaded"+why+
			": its figures are not trustworthy — run the load from a bigger machine or one with more cores, or split it across machines.")
	}
	out = append(out, monitorAdvice(s)...)
	switch {
	case len(out) > 0:
	case s.Verdict == "pass":
		out = append(out, headroomNote(s))
	default:
		// Headroom is only shown by a run that passed: one that could not show its SLOs
		// hold, or did not, has its reasons beside its verdict instead.
		out = append(out, fmt.Sprintf("No advice from the figures, but the verdict is %s: see its reasons.", strings.ToUpper(s.Verdict)))
	}
	return out
}

// droppedAdvice: iterations the open model dropped mean too few VUs. The VUs needed follow
// from Little's law: peak intended rate × iteration duration (p95, else the average).
func droppedAdvice(s *Summary) []string {
	if s.Load.IterationsDropped <= 0 {
		return nil
	}
	msg := fmt.Sprintf("%s of %s scheduled iterations were dropped (%s): no VU was free when they were due.",
		fmtInt(s.Load.IterationsDropped), fmtInt(s.Load.IterationsScheduled), fmtPercent(s.Load.DroppedShare))
	peakVUs := maxOf(seriesVUs(s))
	rate := maxPtr(seriesTarget(s))
	iter, ok := s.MetricValues[metrics.IterationDuration]["p(95)"]
	if !ok {
		iter = s.MetricValues[metrics.IterationDuration]["avg"]
	}
	switch need := math.Ceil(rate * iter / 1000); {
	case need > 0 && need > peakVUs:
		msg += fmt.Sprintf(" Raise maxVUs to at least %s (peak target %s/s × p95 iteration %s; %s VUs were in use at the peak).",
			fmtInt(int64(need)), fmtNum(rate), fmtMs(iter), fmtInt(int64(peakVUs)))
	case peakVUs > 0:
		msg += fmt.Sprintf(" Raise maxVUs above the %s VUs in use at the peak (for example to %s), or lower the rate.",
			fmtInt(int64(peakVUs)), fmtInt(int64(math.Ceil(peakVUs*1.5))))
	default:
		msg += " Raise maxVUs or lower the rate."
	}
	return []string{msg}
}

// errorAdvice explains each error code, the most frequent first.
func errorAdvice(s *Summary) []string {
	codes := SortedKeys(s.ErrorCodes)
	sort.SliceStable(codes, func(i, j int) bool { return s.ErrorCodes[codes[i]] > s.ErrorCodes[codes[j]] })
	var out []string
	for _, c := range codes {
		n := s.ErrorCodes[c]
		if n <= 0 {
			continue
		}
		advice, ok := errorCodeAdvice[c]
		if st, found := strings.CutPrefix(c, "status "); found {
			code, err := strconv.Atoi(st)
			advice, ok = statusAdvice(code), err == nil
		}
		if !ok {
			advice = "see the error_code table in the documentation"
		}
		out = append(out, fmt.Sprintf("%s ×%s → %s.", c, fmtInt(n), advice))
	}
	return out
}

// latencyAdvice compares the p95 with its SLO line: over it names the slowest endpoint,
// within 10% of it warns of little headroom.
func latencyAdvice(s *Summary) []string {
	slo, ok := s.SLOLines["p95"]
	p95 := s.Metrics.ResponseTimes.P95
	if !ok || slo <= 0 || p95 <= 0 {
		return nil
	}
	switch {
	case p95 > slo:
		msg := fmt.Sprintf("p95 %s is over its SLO of %s (by %s).", fmtMs(p95), fmtMs(slo), fmtPercent(p95/slo-1))
		if name, v, found := slowestEndpoint(s); found {
			msg += fmt.Sprintf(" The slowest endpoint is %q with p95 %s: profile it first (queries, indexes, caching).", name, fmtMs(v))
		}
		return []string{msg}
	case p95 >= tightHeadroom*slo:
		return []string{fmt.Sprintf("p95 %s is within %s of its SLO of %s: little headroom — expect breaches at a higher rate.",
			fmtMs(p95), fmtPercent(1-p95/slo), fmtMs(slo))}
	}
	return nil
}

// slowestEndpoint finds the http_req_duration{name:…} sub-metric with the highest p95.
func slowestEndpoint(s *Summary) (name string, p95 float64, ok bool) {
	for _, key := range SortedKeys(s.MetricValues) {
		n, tags, err := metrics.ParseKey(key)
		if err != nil || n != metrics.HTTPReqDuration || len(tags) != 1 || tags[0].Key != "name" {
			continue
		}
		if v, has := s.MetricValues[key]["p(95)"]; has && (!ok || v > p95) {
			name, p95, ok = tags[0].Value, v, true
		}
	}
	return name, p95, ok
}

// monitorAdvice reads the target-side series: memory that grew, a poor cache hit ratio.
func monitorAdvice(s *Summary) []string {
	var out []string
	for _, m := range s.Monitors {
		first, last, ok := firstLast(m.V)
		if !ok {
			continue
		}
		lname := strings.ToLower(m.Name)
		switch {
		case m.Unit == "bytes" && (strings.Contains(lname, "rss") || strings.Contains(lname, "mem")):
			if grow := last - first; grow > memoryGrowthBytes && first > 0 && grow/first > memoryGrowthShare {
				out = append(out, fmt.Sprintf("%s grew by %s during the test (%s → %s): look for a leak or an unbounded cache, and run a longer soak test.",
					m.Name, fmtBytes(grow), fmtBytes(first), fmtBytes(last)))
			}
		case strings.Contains(lname, "hit") && (m.Unit == "ratio" || m.Unit == "percent"):
			avg := meanPtr(m.V)
			if m.Unit == "percent" {
				avg /= 100
			}
			if avg < lowCacheHitRatio {
				out = append(out, fmt.Sprintf("%s averaged %s: most reads miss the cache — check keys and TTLs, or warm it before the test.",
					m.Name, fmtPercent(avg)))
			}
		}
	}
	return out
}

// headroomNote is the advice when nothing went wrong: how far the p95 stayed from its SLO.
func headroomNote(s *Summary) string {
	rate := s.Metrics.RequestsPerSecond
	if peak := maxOf(seriesRPS(s)); peak > rate {
		rate = peak
	}
	p95 := s.Metrics.ResponseTimes.P95
	if slo, ok := s.SLOLines["p95"]; ok && slo > 0 {
		return fmt.Sprintf("No problem found: p95 %s is %s below its SLO of %s at up to %s req/s, with no errors — the system has headroom at this load.",
			fmtMs(p95), fmtPercent(1-p95/slo), fmtMs(slo), fmtNum(rate))
	}
	return fmt.Sprintf("No problem found: p95 %s at up to %s req/s, with no errors — the system has headroom at this load.", fmtMs(p95), fmtNum(rate))
}

func seriesVUs(s *Summary) []float64 {
	if s.Series == nil {
		return nil
	}
	return s.Series.VUs
}

func seriesRPS(s *Summary) []float64 {
	if s.Series == nil {
		return nil
	}
	return s.Series.RPS
}

func seriesTarget(s *Summary) []*float64 {
	if s.Series == nil {
		return nil
	}
	return s.Series.TargetRPS
}

func maxOf(v []float64) float64 {
	m := 0.0
	for _, x := range v {
		if x > m && !math.IsInf(x, 0) {
			m = x
		}
	}
	return m
}

func maxPtr(v []*float64) float64 {
	m := 0.0
	for _, x := range v {
		if x != nil && *x > m && !math.IsInf(*x, 0) {
			m = *x
		}
	}
	return m
}

func meanPtr(v []*float64) float64 {
	sum, n := 0.0, 0
	for _, x := range v {
		if x != nil && !math.IsNaN(*x) {
			sum += *x
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}

func firstLast(v []*float64) (first, last float64, ok bool) {
	for _, x := range v {
		if x == nil || math.IsNaN(*x) {
			continue
		}
		if !ok {
			first, ok = *x, true
		}
		last = *x
	}
	return first, last, ok
}
