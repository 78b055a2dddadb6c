// Package flow runs the flows of a compiled plan for one virtual user (VU) at a time.
//
// A flow is a list of steps (plan.Step): requests, think times, groups and weighted picks. The
// runner interprets it for one VU: it expands the request templates, sends the request with the
// VU's own HTTP client, records the request, its checks and its captures with the VU's own
// metrics recorder, and finally records the iteration (iterations, iteration_duration,
// session_ok, session_duration).
//
// # Sharing
//
// Shared holds what every VU of a run reads: the plan, the data feeders (loaded once, read-only),
// the setup captures and the prepared flows. Everything per request is prepared once per
// (scenario, flow): templates are parsed, every reference is bound to where its value lives,
// JSON bodies are turned into literal bytes with holes, and the metric TagSets are built, so a
// request costs the expansions of its references and little else. A VU is used by one
// goroutine at a time; Shared is safe for concurrent use.
//
// # Variables
//
// A `${name}` reference is looked up, in order, in: the built-ins (__VU, __ITER, __SCENARIO);
// the data feeders (`${users.token}` reads the column of the VU's current row); the VU's
// captured variables; the setup captures (shared, read-only); the plan's variables (-e and the
// environment). Captured variables are VU-scoped and persist across the VU's iterations, as in
// Artillery, so a token captured once can be reused; a capture that finds nothing unsets its
// variable, so a stale value from an earlier iteration is never used. `.field` and `[n]`
// navigate into captured objects and lists.
//
// Functions: randomInt(a, b) (inclusive; a and b are integers or variables), randomChoice(a, b,
// …) (the arguments are the choices) or randomChoice(listVar) (an element of the list), uuid()
// (version 4, from the VU's random source), now() (RFC 3339, UTC), nowUnix(), nowUnixMilli().
// A numeric argument stays a number (a typed JSON value keeps it a number); a quoted argument
// is literal text.
//
// # Tags
//
// Every HTTP sample carries scenario, group (k6's "::outer::inner" path, "" at the top),
// name (the request's name, else its URL template), method, url (the URL template as
// written, so cardinality stays bounded), the scenario's tags and the request's tags; the
// request's tags win over the built-in ones, which win over the scenario's. The metrics store
// adds status, error_code and expected_response (the status is in the request's expected list,
// by default 200–399, and there was no error). Check samples carry the request's tags;
// iteration samples the scenario's; group_duration the group's path.
//
// # Failures
//
// An iteration is ok (session_ok) when none of its requests failed (http_req_failed: an error
// or a status outside the expected ones) and none of its checks failed, and no step was
// skipped. A step whose template cannot be expanded — typically because it reads a variable
// whose capture found nothing — is skipped: it is counted (Shared.Skipped) with its reason, and
// the flow goes on. A context cancelled mid-iteration stops the flow; the interrupted request
// and the iteration are not recorded, since the tool, not the target, cut them short.
//
// # Response bodies
//
// A response body is kept only for a request that has a check or a capture reading it
// (body_contains, json_path, a json or regex capture), and then only up to
// options.maxBodyBytes. Every other body is read and dropped as it arrives, so a large one
// costs no memory: data_received still counts all of it, http_req_receiving still times it,
// and the connection is reused. Which requests keep their body is decided when the flow is
// prepared, not per request. options.discardResponseBodies drops every body; checks and
// captures on the body then see an empty one.
//
// # Latency correction
//
// For arrival-rate executors the iteration has an intended start. Every request of such an
// iteration also gets a corrected latency (http_req_duration_corrected), as wrk2 does to avoid
// coordinated omission:
//
//	corrected = duration + max(0, actual iteration start − intended start)
//
// Libraries: github.com/tidwall/gjson for JSON paths in checks and captures (it reads a path
// without decoding the whole body and is the syntax the scenario format documents),
// github.com/google/uuid for formatting uuid(), net/http/cookiejar for the per-VU cookie jar.
package flow

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/httpclient"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/wsclient"
)

// Sink receives what a VU measures. A VU owns its sink and calls it from one goroutine; the
// pointers it passes are only valid during the call. *metrics.Recorder implements it.
//
// The samples are timed by the caller (HTTP's by the request's start), with clock readings it
// already has, so that recording reads no clock of its own.
type Sink interface {
	HTTP(s *metrics.HTTPSample)
	// CheckAt records one sample of the `checks` rate at t, tagged with tags and `check: name`.
	CheckAt(t time.Time, tags *metrics.TagSet, name string, ok bool)
	// IterationAt records iterations, iteration_duration, session_ok and session_duration
	// of an iteration that ended at t.
	IterationAt(t time.Time, tags *metrics.TagSet, d time.Duration, ok bool)
	// GroupAt records one group_duration sample of a group that ended at t.
	GroupAt(t time.Time, tags *metrics.TagSet, d time.Duration)
	// Flush hands buffered points on (to the --out stream); called after every iteration.
	Flush()
	WSSink
}

// WSSink receives what a VU's WebSocket sessions measure (k6's ws_* metrics and
// ws_msg_latency); *metrics.Recorder implements it.
type WSSink interface {
	WSConnected(tags *metrics.TagSet, connecting time.Duration)
	WSSessionEnd(tags *metrics.TagSet, duration time.Duration)
	WSMessages(tags *metrics.TagSet, sent bool, n, size int64)
	WSPing(tags *metrics.TagSet, d time.Duration)
	WSLatency(tags *metrics.TagSet, d time.Duration)
}

// Doer sends one request and fills resp, which it may reuse; it never panics and reports
// every failure in resp.Err and resp.ErrorCode. It must not keep req or its slices after Do
// returns. *httpclient.Client implements it.
type Doer interface {
	Do(ctx context.Context, req *httpclient.Request, resp *httpclient.Response)
	Close() error
}

var (
	_ Sink = (*metrics.Recorder)(nil)
	_ Doer = (*httpclient.Client)(nil)
)

// Iteration describes one run of a flow by a VU; the CLI converts the executor's description.
type Iteration struct {
	// Scenario names the scenario; its tags (plan.Scenario.Tags) are added to every sample.
	Scenario string
	// Number is the iteration's number in the scenario, across VUs.
	Number int64
	// VUIter is the VU's own iteration number in the scenario, from 0: ${__ITER}.
	VUIter int64
	// Intended is when the iteration should have started (arrival-rate executors); zero when
	// the executor has no schedule (VU-based executors) and latency is not corrected.
	Intended time.Time
}

// Shared is what all VUs of a run share: the plan, the feeders, the setup captures, the
// prepared flows and the way to make a VU's client and recorder.
type Shared struct {
	plan *plan.Plan

	newSink func() Sink
	newDoer func(jar http.CookieJar) Doer
	ws      *wsclient.Client // every VU's WebSocket sessions; safe for concurrent use
	now     func() time.Time
	seed    atomic.Uint64

	feeders   []*feeder
	feederIdx map[string]int
	// captureVars and setupVars are the names captures of the flows and of setup write.
	captureVars, setupVars map[string]bool
	vars                   map[string]any // plan.Vars, boxed once
	scenarioTags           map[string]map[string]string
	setupData              atomic.Pointer[map[string]any]

	mu       sync.Mutex
	programs map[progKey]*program

	skipped     atomic.Int64
	skipMu      sync.Mutex
	skipReasons map[string]int64
}

// maxSkipReasons bounds the distinct skip reasons kept; later ones are only counted.
const maxSkipReasons = 100

// progKey identifies a prepared flow.
type progKey struct {
	scenario string
	flow     *plan.Flow
}

// NewShared loads the plan's data feeders and prepares the flows of its scenarios, setup and
// teardown, so that every bad template, regex or feeder column is reported before any traffic.
// Errors name the file or the flow and line at fault. Each VU records into its own
// reg.Recorder(); a nil reg discards the measurements.
func NewShared(p *plan.Plan, reg *metrics.Registry) (*Shared, error) {
	if p == nil {
		return nil, fmt.Errorf("flow: nil plan")
	}
	s := &Shared{
		plan:         p,
		now:          time.Now,
		feederIdx:    map[string]int{},
		captureVars:  map[string]bool{},
		setupVars:    map[string]bool{},
		vars:         make(map[string]any, len(p.Vars)),
		scenarioTags: map[string]map[string]string{},
		programs:     map[progKey]*program{},
		skipReasons:  map[string]int64{},
	}
	if reg != nil {
		s.newSink = func() Sink { return reg.Recorder() }
	}
	opts := clientOptions(p.Options)
	cookies := usesCookies(p)
	s.newDoer = func(jar http.CookieJar) Doer {
		o := opts
		if cookies { // a jar costs the client allocations per request: only when some flow wants it
			o.Jar = jar
		}
		return httpclient.New(o)
	}
	s.ws = wsclient.New(wsclient.Options{
		Timeout:               p.Options.Timeout,
		InsecureSkipTLSVerify: p.Options.InsecureSkipTLSVerify,
		UserAgent:             p.Options.UserAgent,
		Allow:                 allowHosts(p.Options.Hosts),
	})
	s.seed.Store(rand.Uint64())
	for k, v := range p.Vars {
		s.vars[k] = v
	}
	for _, sc := range p.Scenarios {
		s.scenarioTags[sc.Name] = sc.Tags
	}
	for _, f := range p.Data {
		if _, dup := s.feederIdx[f.Name]; dup {
			return nil, fmt.Errorf("data %s: defined twice", f.Name)
		}
		fd, err := loadFeeder(f)
		if err != nil {
			return nil, err
		}
		s.feederIdx[f.Name] = len(s.feeders)
		s.feeders = append(s.feeders, fd)
	}
	for name, f := range p.Flows {
		if f == nil {
			return nil, fmt.Errorf("flow %s: nil", name)
		}
		collectCaptures(f.Steps, s.captureVars)
	}
	if p.Setup != nil {
		collectCaptures(p.Setup.Steps, s.setupVars)
	}
	if p.Teardown != nil {
		collectCaptures(p.Teardown.Steps, s.captureVars)
	}
	if err := s.prepareAll(); err != nil {
		return nil, err
	}
	return s, nil
}

// prepareAll prepares every (scenario, flow) the plan runs, so that errors surface before any
// traffic is sent.
func (s *Shared) prepareAll() error {
	for _, sc := range s.plan.Scenarios {
		f := s.plan.Flows[sc.Exec]
		if f == nil {
			return fmt.Errorf("scenario %s: exec names flow %q, which is not defined", sc.Name, sc.Exec)
		}
		if _, err := s.program(sc.Name, f); err != nil {
			return err
		}
	}
	for name, f := range map[string]*plan.Flow{"setup": s.plan.Setup, "teardown": s.plan.Teardown} {
		if f != nil {
			if _, err := s.program(name, f); err != nil {
				return err
			}
		}
	}
	return nil
}

// clientOptions maps the plan's options onto the HTTP client's.
func clientOptions(o plan.Options) httpclient.Options {
	return httpclient.Options{
		Timeout:               o.Timeout,
		MaxBodyBytes:          o.MaxBodyBytes,
		DiscardBodies:         o.DiscardResponseBodies,
		NoConnectionReuse:     o.NoConnectionReuse,
		InsecureSkipTLSVerify: o.InsecureSkipTLSVerify,
		UserAgent:             o.UserAgent,
		MaxRedirects:          o.MaxRedirects,
		Allow:                 allowHosts(o.Hosts),
	}
}

// allowHosts returns the client's allowlist: a host:port passes when it, or its host alone, is
// listed (case-insensitively). No hosts means no restriction: the compiler always lists the
// base URL's host, so an empty list only comes from plans built in Go.
func allowHosts(hosts []string) func(string) bool {
	if len(hosts) == 0 {
		return nil
	}
	set := make(map[string]bool, len(hosts))
	for _, h := range hosts {
		set[strings.ToLower(h)] = true
	}
	return func(hostport string) bool {
		hostport = strings.ToLower(hostport)
		if set[hostport] {
			return true
		}
		host, _, err := net.SplitHostPort(hostport)
		return err == nil && (set[host] || set["["+host+"]"])
	}
}

// usesCookies reports whether any flow of p keeps cookies.
func usesCookies(p *plan.Plan) bool {
	for _, f := range p.Flows {
		if f != nil && f.Cookies {
			return true
		}
	}
	return (p.Setup != nil && p.Setup.Cookies) || (p.Teardown != nil && p.Teardown.Cookies)
}

func collectCaptures(steps []plan.Step, into map[string]bool) {
	for _, st := range steps {
		switch {
		case st.Request != nil:
			for _, c := range st.Request.Capture {
				into[c.Var] = true
			}
		case st.WS != nil:
			for _, ws := range st.WS.Steps {
				e := ws.Expect
				if ws.Send != nil {
					e = ws.Send.Reply
				}
				if e != nil {
					for _, c := range e.Capture {
						into[c.Var] = true
					}
				}
			}
		case st.Group != nil:
			collectCaptures(st.Group.Steps, into)
		case st.Pick != nil:
			for _, ch := range st.Pick {
				collectCaptures(ch.Steps, into)
			}
		}
	}
}

// Seed makes the random choices of VUs created afterwards (picks, think times, random feeder
// rows, randomInt, randomChoice, uuid) reproducible: VU n draws from a generator seeded with
// (seed, n). Without it the seed is random.
func (s *Shared) Seed(seed uint64) { s.seed.Store(seed) }

// SetSetupData makes the setup flow's captures readable by every VU. Call it before the VUs
// run; the map must not be modified afterwards.
func (s *Shared) SetSetupData(captured map[string]any) {
	s.setupData.Store(&captured)
}

// setup returns the setup captures, nil before SetSetupData.
func (s *Shared) setup() map[string]any {
	if p := s.setupData.Load(); p != nil {
		return *p
	}
	return nil
}

// Skipped returns how many steps were skipped because a template could not be expanded.
func (s *Shared) Skipped() int64 { return s.skipped.Load() }

// SkipReasons returns a copy of the distinct reasons steps were skipped, with their counts
// (at most 100 reasons are kept; Skipped counts them all).
func (s *Shared) SkipReasons() map[string]int64 {
	s.skipMu.Lock()
	defer s.skipMu.Unlock()
	out := make(map[string]int64, len(s.skipReasons))
	for k, v := range s.skipReasons {
		out[k] = v
	}
	return out
}

func (s *Shared) skip(reason string) {
	s.skipped.Add(1)
	s.skipMu.Lock()
	defer s.skipMu.Unlock()
	if _, ok := s.skipReasons[reason]; ok || len(s.skipReasons) < maxSkipReasons {
		s.skipReasons[reason]++
	}
}

// program returns the prepared form of flow for scenario, preparing it on first use.
func (s *Shared) program(scenario string, f *plan.Flow) (*program, error) {
	key := progKey{scenario, f}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p, ok := s.programs[key]; ok {
		return p, nil
	}
	p, err := s.compile(scenario, f)
	if err != nil {
		return nil, err
	}
	s.programs[key] = p
	return p, nil
}

// NewVU returns VU id (from 1) with its own HTTP client, cookie jar, recorder, variables and
// random source. It fails when a unique-per-vu feeder has fewer rows than id.
func (s *Shared) NewVU(id int) (*VU, error) {
	if id < 1 {
		return nil, fmt.Errorf("flow: VU id %d: ids start at 1", id)
	}
	return s.newVU(id)
}

func (s *Shared) newVU(id int) (*VU, error) {
	for _, f := range s.feeders {
		if f.mode == plan.FeedUniqueVU && id > len(f.rows) {
			return nil, fmt.Errorf("data %s: %d rows for %d VUs — unique-per-vu needs one row per VU", f.name, len(f.rows), id)
		}
	}
	v := &VU{
		id:          id,
		shared:      s,
		jar:         &switchJar{},
		rng:         rand.New(rand.NewPCG(s.seed.Load(), uint64(id))),
		vars:        map[string]any{},
		rows:        make([]int, len(s.feeders)),
		vuBox:       any(int64(id)),
		timer:       time.NewTimer(time.Hour),
		scenarioBox: any(""),
	}
	v.timer.Stop()
	v.tracer = newTracer(s.plan.Options.Tracing)
	v.lookupFn = v.lookup
	v.doer = s.newDoer(v.jar)
	if s.newSink != nil {
		v.sink = s.newSink()
	} else {
		v.sink = discard{}
	}
	return v, nil
}

// RunOnce runs flow once, as setup or teardown (name is the scenario tag of its samples), on a
// VU of its own (${__VU} is 0, and it reads row 0 of unique-per-vu feeders), and returns what
// it captured. ok is false when a check or a request failed or
// a step was skipped. err reports a flow that could not run: a bad template, or the plan's
// setupTimeout/teardownTimeout (for name "setup"/"teardown") or ctx running out.
func (s *Shared) RunOnce(ctx context.Context, name string, f *plan.Flow) (captured map[string]any, ok bool, err error) {
	if f == nil {
		return nil, true, nil
	}
	if _, err := s.program(name, f); err != nil {
		return nil, false, err
	}
	timeout := map[string]time.Duration{"setup": s.plan.Options.SetupTimeout, "teardown": s.plan.Options.TeardownTimeout}[name]
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	v, err := s.newVU(0)
	if err != nil {
		return nil, false, err
	}
	defer v.Close()
	ok = v.Run(ctx, f, Iteration{Scenario: name})
	if ctx.Err() != nil {
		if timeout > 0 && ctx.Err() == context.DeadlineExceeded {
			return nil, false, fmt.Errorf("%s timed out after %v: %w", name, timeout, ctx.Err())
		}
		return nil, false, fmt.Errorf("%s interrupted: %w", name, ctx.Err())
	}
	captured = make(map[string]any, len(v.vars))
	for k, val := range v.vars {
		captured[k] = val
	}
	return captured, ok, nil
}

// switchJar is a VU's cookie jar, switched off while the VU runs a flow without cookies. The
// jar itself is made when the first cookie arrives: until then the VU holds no jar's memory,
// and the client, seeing it Empty, spends nothing on cookies per request (most targets of a
// load test set none, while cookies are on by default).
type switchJar struct {
	jar *cookiejar.Jar // nil until a cookie is stored
	on  atomic.Bool    // read by the client's goroutines during a request
}

var _ httpclient.EmptyJar = (*switchJar)(nil)

// SetCookies stores cookies for u while the jar is on.
func (j *switchJar) SetCookies(u *url.URL, cookies []*http.Cookie) {
	if !j.on.Load() || len(cookies) == 0 {
		return
	}
	if j.jar == nil {
		j.jar, _ = cookiejar.New(nil) // fails only on bad options; nil has none
	}
	j.jar.SetCookies(u, cookies)
}

// Cookies returns the cookies to send to u while the jar is on.
func (j *switchJar) Cookies(u *url.URL) []*http.Cookie {
	if j.Empty() {
		return nil
	}
	return j.jar.Cookies(u)
}

// Empty reports whether the jar has nothing to send: it is off, or no cookie ever arrived.
func (j *switchJar) Empty() bool { return !j.on.Load() || j.jar == nil }

// discard is the sink of a Shared made without a registry.
type discard struct{}

func (discard) HTTP(*metrics.HTTPSample)                                    {}
func (discard) CheckAt(time.Time, *metrics.TagSet, string, bool)            {}
func (discard) IterationAt(time.Time, *metrics.TagSet, time.Duration, bool) {}
func (discard) GroupAt(time.Time, *metrics.TagSet, time.Duration)           {}
func (discard) Flush()                                                      {}
func (discard) WSConnected(*metrics.TagSet, time.Duration)                  {}
func (discard) WSSessionEnd(*metrics.TagSet, time.Duration)                 {}
func (discard) WSMessages(*metrics.TagSet, bool, int64, int64)              {}
func (discard) WSPing(*metrics.TagSet, time.Duration)                       {}
func (discard) WSLatency(*metrics.TagSet, time.Duration)                    {}

// sortedKeys returns m's keys in order, for deterministic JSON bodies.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// jsonText renders v for check names and messages.
func jsonText(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// hasVar reports whether the plan defines variable name.
func (s *Shared) hasVar(name string) bool {
	_, ok := s.vars[name]
	return ok
}
