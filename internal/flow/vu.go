package flow

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/tmpl"
)

// VU is one virtual user: its HTTP client and cookie jar, its recorder, its variables and its
// random source. A VU runs one iteration at a time, from one goroutine.
type VU struct {
	id     int
	shared *Shared
	doer   Doer
	sink   Sink
	jar    *switchJar
	rng    *rand.Rand
	timer  *time.Timer

	// vars are the VU's captured variables; they persist across iterations.
	vars map[string]any
	// rows holds, per feeder, the row this iteration reads, or -1 before the first read.
	rows []int

	vuBox, scenarioBox any   // built-ins, boxed once
	iter               int64 // ${__ITER}
	iterBox            any   // iter boxed on first read in the iteration, else nil

	// Per iteration.
	prog     *program
	lateness time.Duration
	hasLate  bool
	failed   bool

	// Reused buffers and values, so a request allocates little.
	cur      *texpr
	lookupFn func(tmpl.Ref) (any, error)
	url      []byte
	body     []byte
	scratch  []byte
	headers  []httpclient.Header
	req      httpclient.Request
	resp     httpclient.Response
	sample   metrics.HTTPSample
	// tracer puts a traceparent on sampled requests (options.tracing); nil when off.
	tracer  *tracer
	traceID string // of the request being sent, "" when it carries none

	lastKey progKey
}

// ID returns the VU's id, from 1 (0 for the VU of RunOnce).
func (v *VU) ID() int { return v.id }

// Close releases the VU's connections and flushes its recorder.
func (v *VU) Close() error {
	v.sink.Flush()
	v.timer.Stop()
	return v.doer.Close()
}

// Run runs one iteration of f and reports whether it was ok: no failed request, no failed
// check, no skipped step. The iteration is recorded unless ctx ended it early. A flow that
// cannot be prepared (one NewShared did not see) is counted in Skipped and not run.
func (v *VU) Run(ctx context.Context, f *plan.Flow, it Iteration) (ok bool) {
	if err := v.begin(f, it); err != nil {
		v.shared.skip(err.Error())
		return false
	}
	start := v.shared.now()
	if !it.Intended.IsZero() {
		v.lateness, v.hasLate = max(start.Sub(it.Intended), 0), true
	}
	if !v.runSteps(ctx, v.prog.steps) {
		return false
	}
	ok = !v.failed
	end := v.shared.now()
	v.sink.IterationAt(end, v.prog.iterTags, end.Sub(start), ok)
	v.sink.Flush() // the recorder asks for it per iteration; cheap without an output
	return ok
}

// begin resets the per-iteration state for it.
func (v *VU) begin(f *plan.Flow, it Iteration) error {
	if f == nil {
		return fmt.Errorf("scenario %s: no flow to run", it.Scenario)
	}
	if key := (progKey{it.Scenario, f}); v.prog == nil || key != v.lastKey {
		p, err := v.shared.program(it.Scenario, f)
		if err != nil {
			return err
		}
		v.prog, v.lastKey = p, key
		v.scenarioBox = any(it.Scenario)
	}
	v.jar.on.Store(v.prog.cookies)
	v.iter, v.iterBox = it.VUIter, nil
	v.failed, v.lateness, v.hasLate = false, 0, false
	for i := range v.rows {
		v.rows[i] = -1
	}
	return nil
}

// runSteps runs steps in order; it returns false when ctx ended the iteration.
func (v *VU) runSteps(ctx context.Context, steps []step) bool {
	for i := range steps {
		st := &steps[i]
		switch st.kind {
		case plan.StepRequest:
			if !v.request(ctx, st.req) {
				return false
			}
		case plan.StepWS:
			if !v.ws(ctx, st.ws) {
				return false
			}
		case plan.StepThink:
			if !v.think(ctx, st.think) {
				return false
			}
		case plan.StepGroup:
			start := v.shared.now()
			if !v.runSteps(ctx, st.group.steps) {
				return false
			}
			end := v.shared.now()
			v.sink.GroupAt(end, st.group.tags, end.Sub(start))
		case plan.StepPick:
			if !v.runSteps(ctx, st.pick.branches[v.choose(st.pick.cum)]) {
				return false
			}
		}
	}
	return ctx.Err() == nil
}

// choose draws a branch index by the cumulative weights: the first whose cumulative weight
// exceeds a uniform draw in [0, total), so a zero-weight branch is never chosen.
func (v *VU) choose(cum []float64) int {
	x := v.rng.Float64() * cum[len(cum)-1]
	for i, c := range cum {
		if x < c {
			return i
		}
	}
	for i := len(cum) - 1; i > 0; i-- { // unreachable but for rounding: the last weighted branch
		if cum[i] > cum[i-1] {
			return i
		}
	}
	return 0
}

// think pauses for a fixed or uniformly random duration; false when ctx ended first.
func (v *VU) think(ctx context.Context, t plan.Think) bool {
	d := v.thinkTime(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	v.timer.Reset(d)
	select {
	case <-v.timer.C:
		return true
	case <-ctx.Done():
		v.timer.Stop()
		return false
	}
}

// thinkTime draws a pause in [Min, Max].
func (v *VU) thinkTime(t plan.Think) time.Duration {
	if t.Max <= t.Min {
		return t.Min
	}
	return t.Min + time.Duration(v.rng.Int64N(int64(t.Max-t.Min)+1))
}

// request sends one request and records it, its checks and its captures. It returns false
// only when ctx ended the iteration.
func (v *VU) request(ctx context.Context, r *request) bool {
	if err := v.build(r); err != nil {
		v.failed = true
		v.shared.skip(fmt.Sprintf("%s skipped: %v", r.label, err))
		return ctx.Err() == nil
	}
	resp := &v.resp
	v.doer.Do(ctx, &v.req, resp)
	if resp.Err != nil && ctx.Err() != nil {
		return false // interrupted by us, not failed by the target
	}
	expected := resp.Err == nil && r.isExpected(resp.Status)
	if !expected {
		v.failed = true
	}
	v.record(r, resp, expected)
	for i := range r.checks {
		c := &r.checks[i]
		ok := c.eval(resp)
		v.sink.CheckAt(resp.End, r.tags, c.auto, ok)
		v.failed = v.failed || !ok
	}
	for i := range r.captures {
		c := &r.captures[i]
		val, ok := c.find(resp)
		if ok {
			v.vars[c.Var] = val
		} else {
			delete(v.vars, c.Var)
			v.failed = true
		}
		v.sink.CheckAt(resp.End, r.tags, c.checkName, ok)
	}
	return true
}

// isExpected says whether a status counts as expected (k6's expected_response).
func (r *request) isExpected(status int) bool {
	if r.expected == nil {
		return status >= 200 && status <= 399
	}
	for _, s := range r.expected {
		if s == status {
			return true
		}
	}
	return false
}

// record records the HTTP sample of a response.
func (v *VU) record(r *request, resp *httpclient.Response, expected bool) {
	t := &resp.Timings
	v.sample = metrics.HTTPSample{
		Time:           resp.Start,
		Tags:           r.tags,
		Status:         resp.Status,
		ErrorCode:      resp.ErrorCode,
		Expected:       expected,
		Blocked:        t.Blocked,
		LookingUp:      t.LookingUp,
		HasLookingUp:   resp.NamedHost,
		Connecting:     t.Connecting,
		TLSHandshaking: t.TLSHandshaking,
		Sending:        t.Sending,
		Waiting:        t.Waiting,
		Receiving:      t.Receiving,
		Duration:       t.Duration,
		Sent:           resp.Sent,
		Received:       resp.Received,
		TraceID:        v.traceID,
	}
	if v.hasLate {
		v.sample.Corrected, v.sample.HasCorrected = t.Duration+v.lateness, true
	}
	v.sink.HTTP(&v.sample)
}

// build expands r into v.req.
func (v *VU) build(r *request) error {
	v.req.Method, v.req.Timeout, v.req.DiscardBody = r.method, r.timeout, !r.keepBody
	if r.isFullLit {
		v.req.URL = r.fullLit
	} else {
		var err error
		if v.url, err = v.expand(v.url[:0], r.url); err != nil {
			return err
		}
		if v.url, err = appendQuery(v.url, r.query, v); err != nil {
			return err
		}
		v.req.URL = string(v.url)
	}
	v.headers = v.headers[:0]
	for i := range r.headers {
		h := &r.headers[i]
		if h.val.isLit {
			v.headers = append(v.headers, httpclient.Header{Key: h.key, Value: h.val.lit})
			continue
		}
		var err error
		if v.scratch, err = v.expand(v.scratch[:0], h.val); err != nil {
			return err
		}
		v.headers = append(v.headers, httpclient.Header{Key: h.key, Value: string(v.scratch)})
	}
	v.traceID = ""
	if v.tracer != nil && !hasHeader(v.headers, "traceparent") { // the file's own one wins
		if h, id, ok := v.tracer.next(); ok {
			v.headers = append(v.headers, h)
			v.traceID = id
		}
	}
	v.req.Header = v.headers
	v.req.Body = nil
	switch {
	case r.jsonBody != nil:
		var err error
		if v.body, err = r.jsonBody.appendJSON(v.body[:0], v); err != nil {
			return err
		}
		v.req.Body = v.body
	case r.rawBody != nil:
		var err error
		if v.body, err = v.expand(v.body[:0], r.rawBody); err != nil {
			return err
		}
		v.req.Body = v.body
	}
	return nil
}
