package metrics

// Type is a metric's kind, as in k6.
type Type int

// The metric types. Their aggregations, as thresholds name them:
//
//	Counter: count, rate (per second over the run)
//	Gauge:   value (last), min, max
//	Rate:    rate (share of non-zero samples)
//	Trend:   avg, min, max, med, p(N)
const (
	Counter Type = iota + 1
	Gauge
	Rate
	Trend
)

// String returns k6's name for the type.
func (t Type) String() string {
	switch t {
	case Counter:
		return "counter"
	case Gauge:
		return "gauge"
	case Rate:
		return "rate"
	case Trend:
		return "trend"
	}
	return "unknown"
}

// ValueKind says what a metric's values mean, for formatting (k6's ValueType).
type ValueKind int

// The value kinds.
const (
	Default ValueKind = iota
	Time              // milliseconds
	Data              // bytes
)

// Names of the built-in metrics: k6's, plus ramp's own.
const (
	HTTPReqs                 = "http_reqs"
	HTTPReqDuration          = "http_req_duration"
	HTTPReqDurationCorrected = "http_req_duration_corrected" // ramp: from the intended start
	HTTPReqBlocked           = "http_req_blocked"
	HTTPReqLookingUp         = "http_req_looking_up" // ramp: DNS lookup, named as k6 names the phases
	HTTPReqConnecting        = "http_req_connecting"
	HTTPReqTLSHandshaking    = "http_req_tls_handshaking"
	HTTPReqSending           = "http_req_sending"
	HTTPReqWaiting           = "http_req_waiting"
	HTTPReqReceiving         = "http_req_receiving"
	HTTPReqFailed            = "http_req_failed"
	Iterations               = "iterations"
	IterationDuration        = "iteration_duration"
	DroppedIterations        = "dropped_iterations"
	VUs                      = "vus"
	VUsMax                   = "vus_max"
	Checks                   = "checks"
	DataSent                 = "data_sent"
	DataReceived             = "data_received"
	GroupDuration            = "group_duration"
	SessionOK                = "session_ok"       // ramp: iteration with no failed check or request
	SessionDuration          = "session_duration" // ramp: duration of a successful-or-not session

	// WebSocket metrics, k6's names (k6/ws), plus ramp's ws_msg_latency.
	WSConnecting      = "ws_connecting"       // the opening handshake, dial to 101
	WSSessionDuration = "ws_session_duration" // from the dial to the session's end
	WSSessions        = "ws_sessions"         // sessions that connected
	WSMsgsSent        = "ws_msgs_sent"
	WSMsgsReceived    = "ws_msgs_received"
	WSPing            = "ws_ping"        // a ping to its pong
	WSMsgLatency      = "ws_msg_latency" // ramp: a sent message to the reply an expect matched
)

// Builtin describes one built-in metric.
type Builtin struct {
	Name string
	Type Type
	Kind ValueKind
}

// builtins is the table of every built-in metric, in the order the summary prints them.
var builtins = []Builtin{
	{Checks, Rate, Default},
	{DataReceived, Counter, Data},
	{DataSent, Counter, Data},
	{DroppedIterations, Counter, Default},
	{GroupDuration, Trend, Time},
	{HTTPReqBlocked, Trend, Time},
	{HTTPReqConnecting, Trend, Time},
	{HTTPReqDuration, Trend, Time},
	{HTTPReqDurationCorrected, Trend, Time},
	{HTTPReqFailed, Rate, Default},
	{HTTPReqLookingUp, Trend, Time},
	{HTTPReqReceiving, Trend, Time},
	{HTTPReqSending, Trend, Time},
	{HTTPReqTLSHandshaking, Trend, Time},
	{HTTPReqWaiting, Trend, Time},
	{HTTPReqs, Counter, Default},
	{IterationDuration, Trend, Time},
	{Iterations, Counter, Default},
	{SessionDuration, Trend, Time},
	{SessionOK, Rate, Default},
	{VUs, Gauge, Default},
	{VUsMax, Gauge, Default},
	{WSConnecting, Trend, Time},
	{WSMsgLatency, Trend, Time},
	{WSMsgsReceived, Counter, Default},
	{WSMsgsSent, Counter, Default},
	{WSPing, Trend, Time},
	{WSSessionDuration, Trend, Time},
	{WSSessions, Counter, Default},
}

// Builtins returns the built-in metrics in summary order. The slice is a copy.
func Builtins() []Builtin {
	return append([]Builtin(nil), builtins...)
}

// Lookup returns the built-in metric called name.
func Lookup(name string) (Builtin, bool) {
	for _, b := range builtins {
		if b.Name == name {
			return b, true
		}
	}
	return Builtin{}, false
}
