// Package engine runs one test: the one place where a plan becomes load. Run takes a compiled
// plan and returns a Result that is data — the metrics snapshot, threshold and criteria
// outcomes, the generator's self-check, per-stage figures, the target's monitor series and one
// verdict — for the CLI, the suite, and anything else that drives a test (merging machines,
// baselines, capacity search) to render or compare. The engine prints nothing: progress goes
// out through an Observer.
//
// A run, in order: compile the thresholds, criteria and monitors and build the executors
// (Validate does exactly this and nothing more, so `ramp validate` and a run cannot
// disagree); run setup; start the monitors; run every scenario's executor concurrently,
// evaluating abortOnFail thresholds and criteria every threshold.EvalInterval; run teardown —
// also after an interrupt, bounded by its timeout, unless Options.Kill ends it; stop the
// monitors; take the final snapshot (counter rates per second of the load, not of setup and
// teardown); judge; decide the verdict (package verdict).
package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ramp-dev/ramp/internal/chaos"
	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/segment"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Options say how a test runs beside its plan. The zero value runs the plan as it is.
type Options struct {
	// Monitors watch the target beside the plan's own monitors (e.g. a process given by
	// -e TARGET_PID); a plan monitor of the same name wins.
	Monitors []plan.Monitor
	// Output receives every sample (NDJSON, snapshots of…); nil for none. The engine
	// flushes it before Run returns; closing it is the caller's.
	Output metrics.Output
	// Observer is told the run's progress; nil for none.
	Observer Observer
	// Kill, when cancelled (a second interrupt), ends what still runs after an interrupt —
	// teardown, the drain of in-flight requests — at once. nil: teardown runs to its timeout.
	Kill context.Context
	// BeforeDispatch runs as a VU is about to start each arrival-rate iteration, from the VUs'
	// goroutines concurrently (tests make starts late with it: an overloaded generator).
	BeforeDispatch func()

	// Segment is the share of the test this process runs in a distributed run (k6's
	// execution segments; segment.Whole, the zero value, for all of it): every executor runs
	// its share, and VU ids are the segment's global ones, so that VUs — and unique-per-vu
	// feeder rows — are distinct across the segments.
	Segment segment.Segment

	// A distributed run's segments share one setup, one start and one teardown:
	//
	// SetupData, when not nil, stands for the setup flow: the data it captured once, in
	// another process (Setup, `ramp setup`); this run does not run setup itself.
	SetupData map[string]any
	// SkipTeardown leaves teardown to another process (the segment that starts at 0).
	SkipTeardown bool
	// StartAt, when not zero, is when the load begins: Run waits for it after setup, so that
	// processes on several machines start together. A load that begins later than
	// LateStartTolerance after it says so, and the run is inconclusive.
	StartAt time.Time

	// HTTPDebug, when not nil, prints every request and response (k6's --http-debug).
	HTTPDebug *HTTPDebug
}

// HTTPDebug is where and how much of each HTTP exchange to print.
type HTTPDebug struct {
	W io.Writer
	// Bodies prints the bodies too (k6's --http-debug=full); otherwise the headers only.
	Bodies bool
}

// LateStartTolerance is how late after Options.StartAt a load may begin and still count as
// started together with the other segments of its run.
const LateStartTolerance = 250 * time.Millisecond

// Observer receives progress while a test runs. Calls come from one goroutine, about once a
// second during the load and once at its end; they must return quickly.
type Observer interface {
	Progress(Progress)
}

// ObserverFunc adapts a function to Observer.
type ObserverFunc func(Progress)

// Progress implements Observer.
func (f ObserverFunc) Progress(p Progress) { f(p) }

// Progress is the state of a running test.
type Progress struct {
	// Scenarios, in the plan's order.
	Scenarios []ScenarioProgress
	// Snapshot is the metrics so far.
	Snapshot *metrics.Snapshot
	// Final is true for the last call, when the load has ended.
	Final bool
}

// ScenarioProgress is one scenario's executor, as a progress display shows it.
type ScenarioProgress struct {
	Scenario                string
	Elapsed, Total          time.Duration
	ActiveVUs, AllocatedVUs int
	Iterations, Dropped     int64
	Done                    bool
}

// ConfigError is a test that cannot start: its thresholds, criteria, monitors, executors or
// flows do not build. Nothing was sent. Run and Validate return only these.
type ConfigError struct{ Err error }

func (e *ConfigError) Error() string { return e.Err.Error() }

// Unwrap returns the cause.
func (e *ConfigError) Unwrap() error { return e.Err }

// Result is a finished test, as data. Every output renders it; none recomputes the verdict.
type Result struct {
	Plan *plan.Plan
	// Started is when Run began; LoadStart when the load began (after setup); LoadDuration
	// how long it ran: the planned length, or less when it was cut short.
	Started, LoadStart time.Time
	LoadDuration       time.Duration
	// Snapshot holds every metric; counter rates are per second of LoadDuration.
	Snapshot   *metrics.Snapshot
	Thresholds []threshold.Result
	Criteria   []criteria.Outcome
	// SLO is the headline targets and whether they were met (the seed's slo_compliance).
	SLO SLO
	// Stages are the figures of each stage of each scenario.
	Stages    []Stage
	SelfCheck selfcheck.Report
	Load      verdict.Load
	// TargetRate is the intended arrival rate (iterations per second, all arrival-rate
	// scenarios together) per series interval from the registry's start; empty without
	// arrival-rate scenarios.
	TargetRate []RatePoint
	// Monitors are the target-side series, including those of monitors that could not read
	// (Error) and those not configured for this run (Skipped).
	Monitors []MonitorSeries
	// SetupError and TeardownError say why they failed; Aborted why the run ended early
	// (abortOnFail, a VU that could not be made); empty otherwise.
	SetupError, TeardownError, Aborted string
	// Interrupted is true when ctx was cancelled (SIGINT/SIGTERM).
	Interrupted bool
	// Faults are the chaos timeline's faults as they happened (when each was on), for the
	// reports to shade and the resilience criteria to judge; empty without chaos.
	Faults []chaos.Window
	// OutputError is why the sample output failed (samples were lost); nil when it did not.
	OutputError error
	// Traced are the slowest and the failed requests that carried a trace context
	// (options.tracing), with their trace ids; empty without tracing. A merged run has none.
	Traced metrics.Traced
	// Verdict is the run's one answer.
	Verdict verdict.Verdict
	// Segments and Regions are the parts of a distributed run, each on its own (`ramp merge`
	// fills them; empty for one process).
	Segments, Regions []Part
	// Measured is what the Result was judged from: what a run snapshot carries, so that the
	// snapshots of a distributed run's segments can be merged and judged as one (Judge).
	Measured Measurements
}

// RatePoint is the intended rate at Offset from the registry's start; Set is false when no
// arrival-rate scenario runs then. Iterations is what those scenarios achieved in the
// interval: completed iterations per second.
type RatePoint struct {
	Offset     time.Duration
	Rate       float64
	Set        bool
	Iterations float64
}

// MonitorSeries is one watched figure of the target.
type MonitorSeries struct {
	Name   string         // "<monitor>.<figure>": "target.rss_bytes"
	Unit   string         // "bytes", "count", "ratio", "percent", "per_second"…
	Points []MonitorPoint // in time order
	// Error says why the monitor could not read its source; Skipped why it was not
	// configured for this run (then Name is the monitor's and there are no points).
	Error, Skipped string
}

// MonitorPoint is one reading, Offset after the run's start (Result.Started).
type MonitorPoint struct {
	Offset time.Duration
	Value  float64
}

// errNoScenario guards a hand-built plan.
var errNoScenario = errors.New("the plan has no scenario")

// configErr wraps err as a *ConfigError, naming what failed to build.
func configErr(what string, err error) error {
	return &ConfigError{Err: fmt.Errorf("%s: %w", what, err)}
}
