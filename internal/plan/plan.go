// Package plan holds the compiled form of a scenario file: plain values, already validated,
// with every default filled in. The scenario package produces a Plan; the executors, the flow
// runner and the threshold evaluator consume it. Nothing here parses YAML or sends traffic, so
// every later step of the pipeline can be tested by building a Plan in Go.
//
// Durations are time.Duration. Strings that may hold `${...}` references are kept as templates
// (see Template) and expanded at run time by the flow runner.
package plan

import "time"

// Plan is one test: the compiled form of one scenario file.
type Plan struct {
	// File is the path the plan was compiled from, for messages and reports.
	File string
	// TestType names the test in the JSON summary ("api_read_load"); from the file's
	// `test_type` key, else derived from the file name.
	TestType string
	// Description is free text from the file.
	Description string
	// Scenarios run concurrently, each from its StartTime. Ordered by name.
	Scenarios []Scenario
	// Flows by name; Scenario.Exec names one.
	Flows map[string]*Flow
	// Setup and Teardown run once before and after the load; nil when absent.
	Setup, Teardown *Flow
	// Data feeders by name, read by templates as ${name.column}.
	Data []Feeder
	// Thresholds in file order.
	Thresholds []Threshold
	// Criteria are the rules k6 cannot express (windowed, margins, budgets, target-side).
	Criteria []Criterion
	// Monitors watch the target while the load runs.
	Monitors []Monitor
	// Regressions are the file's regression budgets (`regressions:`), in file order: how far
	// each statistic may move from a baseline (ramp compare, ramp suite --baseline).
	Regressions []Regression
	// Chaos is the fault timeline; the zero value injects nothing.
	Chaos Chaos
	// Options apply to every request of the test.
	Options Options
	// Vars are the variables the file was compiled with (-e and environment), for templates
	// that are expanded at run time.
	Vars map[string]string
	// TimeScale is the factor Scale compressed the plan's durations by (--quick is 0.05); 0
	// or 1 means real time.
	TimeScale float64
	// SLO holds the targets the seed's JSON schema reports compliance against
	// (slo_compliance.p50_met …). Zero fields are "no target".
	SLO SLO
}

// SLO holds the headline targets of a test, as the seed's JSON summary reports them.
type SLO struct {
	// Metric is the trend the p50/p95/p99 targets apply to, e.g. "http_req_duration" or
	// "http_req_duration{type:api_read}". Empty means http_req_duration.
	Metric        string
	P50, P95, P99 time.Duration
	// ErrorRate is the largest acceptable http_req_failed rate; negative means no target.
	ErrorRate float64
}

// Executor names, spelled as in k6.
const (
	ConstantVUs         = "constant-vus"
	RampingVUs          = "ramping-vus"
	ConstantArrivalRate = "constant-arrival-rate"
	RampingArrivalRate  = "ramping-arrival-rate"
	PerVUIterations     = "per-vu-iterations"
	SharedIterations    = "shared-iterations"
)

// Scenario is one k6 scenario: an executor and its options. Fields that an executor does not
// use are zero. Defaults are k6's and are already applied by the compiler.
type Scenario struct {
	Name     string
	Executor string // one of the executor constants
	// Exec names the flow one iteration runs.
	Exec string
	// Tags are added to every sample the scenario produces (k6's scenario tags).
	Tags map[string]string

	StartTime    time.Duration // k6 default 0
	GracefulStop time.Duration // k6 default 30s

	// constant-vus, per-vu-iterations, shared-iterations
	VUs int
	// constant-vus, constant-arrival-rate
	Duration time.Duration
	// per-vu-iterations (per VU), shared-iterations (in all)
	Iterations int64
	// per-vu-iterations, shared-iterations; k6 default 10m
	MaxDuration time.Duration

	// ramping-vus
	StartVUs         int
	GracefulRampDown time.Duration // k6 default 30s
	// ramping-vus (targets are VUs), ramping-arrival-rate (targets are rates per TimeUnit)
	Stages []Stage

	// constant-arrival-rate (Rate), ramping-arrival-rate (StartRate); iterations per TimeUnit
	Rate, StartRate int64
	TimeUnit        time.Duration // k6 default 1s
	PreAllocatedVUs int
	MaxVUs          int // k6 default: PreAllocatedVUs
}

// Stage is one step of a ramping executor: reach Target linearly over Duration.
type Stage struct {
	Duration time.Duration
	Target   int64
}

// Flow is what one iteration of a scenario does: a sequence of steps.
type Flow struct {
	Name  string
	Steps []Step
	// Cookies says whether VUs running this flow keep a cookie jar (default true).
	Cookies bool
}

// StepKind says which field of a Step is set.
type StepKind int

// The kinds of step.
const (
	StepRequest StepKind = iota + 1
	StepThink
	StepGroup
	StepPick
	StepWS
)

// Step is one step of a flow. Exactly the field named by Kind is set.
type Step struct {
	Kind    StepKind
	Request *Request
	Think   *Think
	Group   *Group
	Pick    []Choice
	WS      *WS
	// Line is the step's line in the scenario file, for run-time messages.
	Line int
}

// Think is a pause: a fixed Min (Max == Min) or uniform in [Min, Max].
type Think struct {
	Min, Max time.Duration
}

// Group is a named sub-sequence; it sets the `group` tag (k6's "::outer::inner" form) of the
// samples inside it and records group_duration.
type Group struct {
	Name  string
	Steps []Step
}

// Choice is one weighted branch of a pick step. Weights are relative; they need not sum to 1.
type Choice struct {
	Weight float64
	Steps  []Step
}

// Request is one HTTP request template.
type Request struct {
	// Name is the `name` tag; defaults to the URL template as written.
	Name   string
	Method string
	URL    Template
	Query  []KV
	Header []KV
	// Body: at most one of JSON and Raw is set. JSON is a decoded YAML/JSON value
	// (map[string]any, []any, string, float64/int64, bool, nil) whose strings may be templates;
	// a string that is exactly one `${...}` reference is replaced by the value with its type.
	JSON    any
	HasJSON bool
	Raw     Template
	// Timeout overrides Options.Timeout when non-zero.
	Timeout time.Duration
	Tags    map[string]string
	Checks  []Check
	Capture []Capture
	// ExpectedStatus lists the statuses that count as expected (k6's expected_response and
	// http_req_failed). Empty means 200–399.
	ExpectedStatus []int
	// Line is the request's line in the scenario file.
	Line int
}

// WS is one WebSocket session: the opening handshake, then its Steps in order, then a
// normal close unless a step closed it already. Its samples carry the tags scenario, group,
// name (Name, else the URL template) and url (the template as written), plus Tags.
type WS struct {
	Name   string
	URL    Template // ws:// or wss://
	Header []KV
	// Subprotocols are offered in Sec-WebSocket-Protocol, in order.
	Subprotocols []string
	// Timeout bounds the opening handshake; zero means Options.Timeout.
	Timeout time.Duration
	Tags    map[string]string
	Steps   []WSStep
	Line    int
}

// WSStepKind says which field of a WSStep is set.
type WSStepKind int

// The kinds of WebSocket step.
const (
	WSSend WSStepKind = iota + 1
	WSExpect
	WSPing
	WSClose
)

// WSStep is one step of a WebSocket session's program. Exactly the field named by Kind is set.
type WSStep struct {
	Kind   WSStepKind
	Send   *WSSendStep
	Expect *WSExpectStep
	Ping   *WSPingStep
	Close  *WSCloseStep
	Line   int
}

// WSSendStep sends Count messages (at least 1), Every apart (0: back to back). When Reply is
// set, each message waits for its reply before the next one is due, and the time from the
// send to the reply is a ws_msg_latency sample.
type WSSendStep struct {
	// Data is the message, a template expanded per message.
	Data Template
	// Binary sends a binary message; else a text message.
	Binary bool
	// Size, when positive, repeats (or cuts) the expanded Data to exactly Size bytes: an audio
	// chunk of a given length without writing it out.
	Size  int
	Count int
	Every time.Duration
	Reply *WSExpectStep
}

// WSExpectStep waits up to Timeout for a received message that matches: a text message whose
// JSON has Path (equal to Equals when HasEquals), or whose text matches Regex. Messages that
// do not match are counted and skipped. A match records a check (named Name) and, when the
// session sent a message before the wait began, ws_msg_latency from that send; a timeout
// records a failed check and ends the session.
type WSExpectStep struct {
	Name      string
	Path      string
	Equals    any
	HasEquals bool
	Regex     string
	Timeout   time.Duration
	// Capture reads the matched message (json and regex sources) into VU variables.
	Capture []Capture
}

// WSPingStep sends a ping and waits up to Timeout for its pong (ws_ping).
type WSPingStep struct {
	Timeout time.Duration
}

// WSCloseStep closes the session with Code (default 1000) and Reason.
type WSCloseStep struct {
	Code   int
	Reason string
}

// KV is one query parameter or header; Value may be a template.
type KV struct {
	Key   string
	Value Template
}

// Template is a string that may contain `${...}` references, kept as written.
type Template string

// CheckKind names what a check looks at.
type CheckKind string

// The kinds of check.
const (
	CheckStatus       CheckKind = "status"        // Status (any of Statuses)
	CheckHeader       CheckKind = "header"        // Header exists, or equals Equals when set
	CheckBodyContains CheckKind = "body_contains" // Contains
	CheckJSONPath     CheckKind = "json_path"     // Path exists, or equals Equals when HasEquals
	CheckDuration     CheckKind = "duration"      // http_req_duration below Below
)

// Check is one assertion on a response; each records a sample of the `checks` rate metric
// tagged with `check: Name`.
type Check struct {
	Name      string
	Kind      CheckKind
	Statuses  []int
	Header    string
	Contains  string
	Path      string
	Equals    any
	HasEquals bool
	Below     time.Duration
}

// CaptureSource says where a capture looks.
type CaptureSource string

// The capture sources.
const (
	CaptureJSON   CaptureSource = "json"   // Expr is a JSON path (gjson syntax)
	CaptureHeader CaptureSource = "header" // Expr is a header name
	CaptureRegex  CaptureSource = "regex"  // Expr is a regexp over the body; group 1 or the match
)

// Capture stores part of a response into a VU variable.
type Capture struct {
	Var    string
	Source CaptureSource
	Expr   string
	// All captures every match as a list (JSON arrays, every regex match).
	All bool
}

// FeederMode says how VUs take rows from a data feeder.
type FeederMode string

// The feeder modes.
const (
	FeedSequential FeederMode = "sequential"
	FeedRandom     FeederMode = "random"
	FeedUniqueVU   FeederMode = "unique-per-vu"
)

// Feeder is a data file read once and shared read-only.
type Feeder struct {
	Name string
	Path string // absolute, resolved against the scenario file's directory
	Mode FeederMode
}

// Threshold is one k6 threshold: a metric (or sub-metric) and its expressions.
type Threshold struct {
	// Metric as written: "http_req_duration" or "http_req_duration{name:meetings_list}".
	Metric string
	Rules  []ThresholdRule
	Line   int
}

// Regression is one regression budget of the file: a metric (or sub-metric) and one
// expression, "p(95) < +10%" (package compare parses it; the compiler has checked it).
type Regression struct {
	Metric     string
	Expression string
	Line       int
}

// ThresholdRule is one expression of a threshold with k6's object-form options.
type ThresholdRule struct {
	Expression     string // "p(95)<800"
	AbortOnFail    bool
	DelayAbortEval time.Duration
}

// Options apply to every request of a test.
type Options struct {
	// BaseURL is the target's base URL (from BASE_URL / --base-url), may be empty.
	BaseURL string
	// Hosts are the hosts (host or host:port) allowed to receive traffic. The compiler fills
	// it with the base URL's host when the file names none.
	Hosts                 []string
	Timeout               time.Duration // k6 default 60s
	DiscardResponseBodies bool
	NoConnectionReuse     bool
	InsecureSkipTLSVerify bool
	UserAgent             string
	MaxRedirects          int // k6 default 10
	// MaxBodyBytes bounds how much of a response body is kept; the rest is read and dropped.
	MaxBodyBytes int64
	// SetupTimeout and TeardownTimeout bound setup and teardown (k6 default 60s).
	SetupTimeout, TeardownTimeout time.Duration
	// LoadTolerance is the share of scheduled arrival-rate iterations that may be dropped
	// before the run cannot show its SLOs hold (verdict inconclusive); default 0.01.
	LoadTolerance float64
	// Tracing puts a W3C traceparent on a share of the requests; off when Propagation is "".
	Tracing Tracing
}

// Tracing is options.tracing: which requests carry a trace context, so that a slow request in
// ramp's report leads to the server's log line and metric exemplar of that very request.
type Tracing struct {
	// Propagation is the header format: "w3c" (traceparent, the W3C Trace Context), or ""
	// for none.
	Propagation string
	// SampleRate is the share of requests that carry one, in (0, 1].
	SampleRate float64
}
