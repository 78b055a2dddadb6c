package plan

import "time"

// Chaos is a test's fault timeline: faults applied to the target at set times during the
// load, through adapters that know how to reach it. The scenario file's `chaos:` and
// `chaos_adapters:` keys compile to it; the engine applies it (package chaos).
type Chaos struct {
	// Adapters by name, in file order.
	Adapters []ChaosAdapter
	// Events in order of At.
	Events []ChaosEvent
}

// Adapter kinds.
const (
	// AdapterMina drives mina's admin fault API: PUT/DELETE {URL}/admin/faults/{name} with
	// the bearer Token.
	AdapterMina = "mina"
	// AdapterHTTP sends the user-given Set request when a fault starts and Clear when it ends.
	AdapterHTTP = "http"
)

// ChaosAdapter is how faults reach the target.
type ChaosAdapter struct {
	Name string
	Kind string // AdapterMina or AdapterHTTP
	// URL is mina's base URL (AdapterMina).
	URL string
	// Token is mina's admin token (AdapterMina).
	Token string
	// Set and Clear are the requests of AdapterHTTP; Clear may be empty (a fault that ends on
	// its own).
	Set, Clear HTTPCall
	// Line locates the adapter in the scenario file.
	Line int
}

// HTTPCall is one request of the http adapter. URL and Body are templates over the fault
// event: ${fault.name}, ${fault.for} (seconds), ${fault.<key>} for each key of its fault:
// mapping, and ${fault.json}, the whole mapping as JSON.
type HTTPCall struct {
	Method string
	URL    Template
	Header []KV
	Body   Template
}

// ChaosEvent is one fault of the timeline.
type ChaosEvent struct {
	// Name identifies the fault to the target (mina's fault name); default "fault-N".
	Name string
	// At is when the fault starts, from the load's start; For how long it lasts.
	At, For time.Duration
	// Adapter names the ChaosAdapter that applies it.
	Adapter string
	// Fault holds the fault's settings as written (strings, numbers, booleans): what the
	// adapter sends. Durations stay as written ("500ms"): a fault's latency is not scaled by
	// --quick, like think times.
	Fault map[string]any
	// Line locates the event in the scenario file.
	Line int
}
