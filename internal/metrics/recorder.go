package metrics

import "time"

// HTTPSample is one HTTP request's measurements.
type HTTPSample struct {
	Time      time.Time // when the request started
	Tags      *TagSet   // static tags: scenario, group, name, method, url, user tags
	Status    int       // 0 when no response
	ErrorCode int       // k6 error code, 0 when none
	Expected  bool      // k6's expected_response (status in the expected set, no error)

	Blocked, Connecting, TLSHandshaking, Sending, Waiting, Receiving time.Duration
	Duration                                                         time.Duration // sending+waiting+receiving, k6's http_req_duration
	Corrected                                                        time.Duration // from the iteration's intended start (arrival-rate only)
	HasCorrected                                                     bool
	// LookingUp is the DNS lookup (http_req_looking_up), recorded only when HasLookingUp:
	// the host is a name, not an IP literal. It is 0 on a reused connection, as the other
	// connection phases are.
	LookingUp      time.Duration
	HasLookingUp   bool
	Sent, Received int64 // bytes
	// TraceID is the W3C trace id the request carried (32 hex digits), "" when none.
	TraceID string
}

// outputBatch is how many points a Recorder buffers before handing them to the Output: a
// lock of the Output per dozen requests, and at most 6 KB per VU (ramp's budget is 32 KiB per
// VU in all).
const outputBatch = 128

// Recorder records samples for one goroutine (a VU). It is not safe for concurrent use and is
// cheap to create. Recording takes one shard lock and, in the steady state, allocates nothing.
type Recorder struct {
	r       *Registry
	home    int
	buf     []Point
	pending bool // registered in r.pending
}

// HTTP records one request: http_reqs, the http_req_* trends, http_req_failed, data_sent and
// data_received (and http_req_duration_corrected when s.HasCorrected, http_req_looking_up
// when s.HasLookingUp), with the dynamic tags
// status, expected_response and error_code (when non-zero) added to s.Tags.
func (rec *Recorder) HTTP(s *HTTPSample) {
	r := rec.r
	if r.closed.Load() {
		return
	}
	failed := int64(1)
	if s.Expected {
		failed = 0
	}
	vals := [...]int64{
		1, int64(s.Duration), int64(s.Blocked), int64(s.Connecting), int64(s.TLSHandshaking),
		int64(s.Sending), int64(s.Waiting), int64(s.Receiving), failed, s.Sent, s.Received,
		int64(s.Corrected), int64(s.LookingUp),
	}
	var skip slotMask
	if !s.HasCorrected {
		skip |= 1 << slotCorrected
	}
	if !s.HasLookingUp {
		skip |= 1 << slotLookingUp
	}
	k := cacheKey{tags: s.Tags, kind: kindHTTP, status: int32(s.Status), errCode: int32(s.ErrorCode), expected: s.Expected}
	e := rec.record(k, vals[:], s.Time, skip)
	if s.TraceID != "" {
		r.traced.add(s)
	}
	if r.out != nil {
		rec.emit(kindHTTP, e, vals[:], s.Time, skip, s.TraceID)
	}
}

// Check records one check: checks and checks{check:name}, with the check tag added to tags.
func (rec *Recorder) Check(tags *TagSet, name string, ok bool) {
	rec.CheckAt(rec.r.now(), tags, name, ok)
}

// CheckAt is Check timed t, for a caller that has just read the clock (the end of the
// response checked), so that recording costs no clock read of its own.
func (rec *Recorder) CheckAt(t time.Time, tags *TagSet, name string, ok bool) {
	rec.simpleAt(t, cacheKey{tags: tags, kind: kindCheck, check: name}, boolInt(ok))
}

// Iteration records one finished iteration of duration d: iterations, iteration_duration,
// session_ok (ok: no failed check or request) and session_duration.
func (rec *Recorder) Iteration(tags *TagSet, d time.Duration, ok bool) {
	rec.IterationAt(rec.r.now(), tags, d, ok)
}

// IterationAt is Iteration timed t, the iteration's end as the caller read it.
func (rec *Recorder) IterationAt(t time.Time, tags *TagSet, d time.Duration, ok bool) {
	rec.simpleAt(t, cacheKey{tags: tags, kind: kindIteration}, 1, int64(d), boolInt(ok), int64(d))
}

// Group records group_duration; tags carry the group tag.
func (rec *Recorder) Group(tags *TagSet, d time.Duration) {
	rec.GroupAt(rec.r.now(), tags, d)
}

// GroupAt is Group timed t, the group's end as the caller read it.
func (rec *Recorder) GroupAt(t time.Time, tags *TagSet, d time.Duration) {
	rec.simpleAt(t, cacheKey{tags: tags, kind: kindGroup}, int64(d))
}

// WSConnected records one WebSocket session that connected, when it connects (as k6 does):
// ws_sessions and ws_connecting (the opening handshake).
func (rec *Recorder) WSConnected(tags *TagSet, connecting time.Duration) {
	rec.simple(cacheKey{tags: tags, kind: kindWSSession}, 1, int64(connecting))
}

// WSSessionEnd records ws_session_duration (from the dial to the end of the session) of a
// session that ran to its end.
func (rec *Recorder) WSSessionEnd(tags *TagSet, duration time.Duration) {
	rec.simple(cacheKey{tags: tags, kind: kindWSSessionEnd}, int64(duration))
}

// WSMessages records n WebSocket messages of size bytes in all: ws_msgs_sent and data_sent
// when sent, else ws_msgs_received and data_received. (A session's reader counts what it
// receives; the VU records the count when it next runs, so n may be more than one.)
func (rec *Recorder) WSMessages(tags *TagSet, sent bool, n, size int64) {
	kind := kindWSReceived
	if sent {
		kind = kindWSSent
	}
	rec.simple(cacheKey{tags: tags, kind: kind}, n, size)
}

// WSPing records the round trip of one ping to its pong (ws_ping).
func (rec *Recorder) WSPing(tags *TagSet, d time.Duration) {
	rec.simple(cacheKey{tags: tags, kind: kindWSPing}, int64(d))
}

// WSLatency records ws_msg_latency: from a sent message to the reply an expect matched.
func (rec *Recorder) WSLatency(tags *TagSet, d time.Duration) {
	rec.simple(cacheKey{tags: tags, kind: kindWSLatency}, int64(d))
}

// simple records a sample timed now, with up to four values.
func (rec *Recorder) simple(k cacheKey, v ...int64) {
	rec.simpleAt(rec.r.now(), k, v...)
}

// simpleAt records a sample timed t, with up to four values.
func (rec *Recorder) simpleAt(t time.Time, k cacheKey, v ...int64) {
	r := rec.r
	if r.closed.Load() {
		return
	}
	var vals [4]int64
	copy(vals[:], v)
	e := rec.record(k, vals[:len(v)], t, 0)
	if r.out != nil {
		rec.emit(k.kind, e, vals[:len(v)], t, 0, "")
	}
}

func (rec *Recorder) record(k cacheKey, vals []int64, t time.Time, skip slotMask) *entry {
	r := rec.r
	bi := r.baseIndex(t)
	sh := r.lockShard(rec.home)
	e := sh.entry(k)
	sh.record(e, vals, bi, skip)
	sh.mu.Unlock()
	return e
}

// emit buffers one point per metric of the sample (not per sub-metric, as k6 does).
func (rec *Recorder) emit(kind sampleKind, e *entry, vals []int64, t time.Time, skip slotMask, traceID string) {
	names, types := kindMetrics[kind], kindTypes[kind]
	if len(rec.buf)+len(names) > outputBatch {
		rec.Flush()
	}
	if !rec.pending {
		r := rec.r
		r.outMu.Lock()
		r.pending[rec] = struct{}{}
		r.outMu.Unlock()
		rec.pending = true
	}
	for i, v := range vals {
		if skip.has(i) {
			continue
		}
		p := Point{Metric: names[i], Time: t, Value: float64(v), Tags: e.tags, TraceID: traceID}
		if types[i] == Trend {
			p.Value = float64(v) / 1e6 // ns → ms, as k6 writes trends
		}
		rec.buf = append(rec.buf, p)
	}
}

// Flush hands the buffered points to the Output. Call it when the VU finishes an iteration
// or stops: until then its points wait in the buffer. It blocks while the Output does.
func (rec *Recorder) Flush() {
	r := rec.r
	if len(rec.buf) > 0 {
		r.write(rec.buf)
		clear(rec.buf) // drop the TagSet references
		rec.buf = rec.buf[:0]
	}
	if rec.pending {
		r.outMu.Lock()
		delete(r.pending, rec)
		r.outMu.Unlock()
		rec.pending = false
	}
}

func boolInt(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
