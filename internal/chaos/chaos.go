// Package chaos applies a test's fault timeline (plan.Chaos) to the target while the load
// runs, through adapters, and records when each fault was really on: the windows that
// reports shade and the resilience criteria judge.
//
// An Adapter turns a fault on and off. Two are provided: Mina drives mina's admin fault API
// (PUT and DELETE /admin/faults/{name} with its admin token, see docs/mina-api.md), and HTTP
// sends requests of the user's own (a Toxiproxy, a feature flag service, a script behind an
// endpoint), whose URL and body are templates over the fault.
//
// Timeline: each event waits until its At after the load's start, is applied, lasts For, and
// is cleared. A window starts when the adapter confirmed the fault (Apply returned) and ends
// when it confirmed the clearing, so the recorded window covers every moment the fault may
// have been on. When the load ends first (its end, an interrupt, abortOnFail), the faults on
// are cleared at once and the ones not yet started are recorded as not applied: a run never
// leaves its target broken. A fault that could not be applied or cleared keeps its error in
// the window; the verdict then cannot be a pass (it was not shown what the file asked for).
package chaos

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// Adapter turns faults on and off on the target. Implementations are safe for concurrent use
// (overlapping faults run at once).
type Adapter interface {
	// Apply turns the fault on; an error means it may not be on.
	Apply(ctx context.Context, e plan.ChaosEvent) error
	// Clear turns the fault off; an error means it may still be on.
	Clear(ctx context.Context, e plan.ChaosEvent) error
}

// Window is one fault as it happened.
type Window struct {
	// Name and Adapter are the event's; Fault its settings as JSON.
	Name, Adapter, Fault string
	// Planned are the event's At and For (after --quick scaling).
	PlannedAt, PlannedFor time.Duration
	// Start and End are when the fault was confirmed on and off; zero Start: never applied.
	Start, End time.Time
	// Error says why the fault was not applied or not cleared (then it may still be on).
	Error string
}

// Applied reports whether the fault was on at all.
func (w Window) Applied() bool { return !w.Start.IsZero() }

// Timeline is a plan's chaos ready to run: its adapters built.
type Timeline struct {
	events   []plan.ChaosEvent
	adapters map[string]Adapter
}

// DefaultTimeout bounds each adapter request.
const DefaultTimeout = 5 * time.Second

// Build makes the adapters of c, checking what can be checked before the run.
func Build(c plan.Chaos) (*Timeline, error) {
	t := &Timeline{events: c.Events, adapters: map[string]Adapter{}}
	client := &http.Client{Timeout: DefaultTimeout}
	var errs []error
	for _, a := range c.Adapters {
		ad, err := NewAdapter(a, client)
		if err != nil {
			errs = append(errs, fmt.Errorf("chaos adapter %q (line %d): %w", a.Name, a.Line, err))
			continue
		}
		t.adapters[a.Name] = ad
	}
	for _, e := range c.Events {
		if _, ok := t.adapters[e.Adapter]; !ok && len(errs) == 0 {
			errs = append(errs, fmt.Errorf("chaos fault %q (line %d): no adapter named %q", e.Name, e.Line, e.Adapter))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return t, nil
}

// NewAdapter builds the adapter a declares.
func NewAdapter(a plan.ChaosAdapter, client *http.Client) (Adapter, error) {
	switch a.Kind {
	case plan.AdapterMina:
		return newMina(a, client)
	case plan.AdapterHTTP:
		return newHTTP(a, client)
	}
	return nil, fmt.Errorf("unknown kind %q (mina or http)", a.Kind)
}

// Empty reports whether the timeline has no fault.
func (t *Timeline) Empty() bool { return t == nil || len(t.events) == 0 }

// Running is a timeline being applied.
type Running struct {
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	mu      sync.Mutex
	windows []Window
}

// Start applies the timeline from loadStart until Stop. ctx is the run's: when it ends (an
// interrupt), the faults on are cleared too.
func (t *Timeline) Start(ctx context.Context, loadStart time.Time) *Running {
	if t.Empty() {
		return &Running{}
	}
	r := &Running{windows: make([]Window, len(t.events))}
	ctx, r.cancel = context.WithCancel(ctx)
	for i, e := range t.events {
		r.windows[i] = Window{Name: e.Name, Adapter: e.Adapter, Fault: FaultJSON(e.Fault), PlannedAt: e.At, PlannedFor: e.For}
		r.wg.Add(1)
		go func() {
			defer r.wg.Done()
			w := run(ctx, t.adapters[e.Adapter], e, loadStart)
			r.mu.Lock()
			r.windows[i].Start, r.windows[i].End, r.windows[i].Error = w.Start, w.End, w.Error
			r.mu.Unlock()
		}()
	}
	return r
}

// Stop ends the timeline — clearing the faults on, abandoning those to come — and returns
// the windows in timeline order.
func (r *Running) Stop() []Window {
	if r.cancel != nil {
		r.cancel()
	}
	r.wg.Wait()
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Window(nil), r.windows...)
}

// run applies one event: wait for its start, apply, wait for its end (or ctx), clear.
func run(ctx context.Context, a Adapter, e plan.ChaosEvent, loadStart time.Time) Window {
	var w Window
	if !executor.TimerWait(ctx, loadStart.Add(e.At)) {
		w.Error = "not applied: the load ended before the fault was due"
		return w
	}
	actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	err := a.Apply(actx, e)
	cancel()
	if err != nil {
		w.Error = "not applied: " + err.Error()
		// It may be half on: clear it to leave the target as it was.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
		_ = a.Clear(cctx, e)
		cancel()
		return w
	}
	w.Start = time.Now()
	executor.TimerWait(ctx, w.Start.Add(e.For))
	// Clearing must happen even when the run is being interrupted.
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), DefaultTimeout)
	defer cancel()
	if err := a.Clear(cctx, e); err != nil {
		w.Error = "not cleared, it may still be on: " + err.Error()
	}
	w.End = time.Now()
	return w
}

// FaultJSON is a fault's settings as JSON, for adapters and reports.
func FaultJSON(fault map[string]any) string {
	b, err := json.Marshal(fault)
	if err != nil {
		return "{}"
	}
	return string(b)
}
