package engine

import (
	"context"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/chaos"
	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// built is a test compiled for a run: what Validate checks, ready to use.
type built struct {
	ths   []threshold.Threshold
	crits []criteria.Criterion
	mons  []monitor.Monitor
	// unconfigured are the monitors without a source in this run, with why.
	unconfigured []monitor.Unconfigured
	// chaos is the fault timeline with its adapters.
	chaos *chaos.Timeline
}

// build compiles everything of p that can be wrong before traffic, except the flows (which
// need the run's registry; see Validate). Every problem is reported, joined.
func build(p *plan.Plan, o Options) (*built, error) {
	if p == nil || len(p.Scenarios) == 0 {
		return nil, &ConfigError{Err: errNoScenario}
	}
	var errs []error
	for _, sc := range p.Scenarios {
		// New runs the executor's own validation and precomputes its schedule: exactly what
		// Run does, with a VU source that is never asked for a VU.
		if _, err := executor.New(sc, idleSource{}, nil, executor.Options{Segment: o.Segment}); err != nil {
			errs = append(errs, err)
		}
	}
	b := &built{}
	var err error
	if b.ths, err = threshold.Compile(p.Thresholds); err != nil {
		errs = append(errs, err)
	}
	if b.crits, err = criteria.Compile(p.Criteria, p.SeriesInterval()); err != nil {
		errs = append(errs, err)
	}
	if b.chaos, err = chaos.Build(p.Chaos); err != nil {
		errs = append(errs, err)
	}
	if len(errs) > 0 {
		return nil, &ConfigError{Err: errors.Join(errs...)}
	}
	if b.mons, b.unconfigured, err = monitor.Compile(monitors(p.Monitors, o.Monitors)); err != nil {
		return nil, configErr("monitors", err)
	}
	return b, nil
}

// monitors lists the plan's monitors, then the extra ones whose names the plan does not use.
func monitors(own, extra []plan.Monitor) []plan.Monitor {
	out := append([]plan.Monitor(nil), own...)
	taken := map[string]bool{}
	for _, m := range own {
		taken[nameOf(m)] = true
	}
	for _, m := range extra {
		if !taken[nameOf(m)] {
			out = append(out, m)
		}
	}
	return out
}

// nameOf is a monitor's name: its own, else its kind (as monitor.Compile names it).
func nameOf(m plan.Monitor) string {
	if m.Name != "" {
		return m.Name
	}
	return m.Kind
}

// Validate runs every check Run makes before it sends traffic — executors, thresholds,
// criteria, monitors, data feeders and flows — and sends nothing. An error is a
// *ConfigError. A plan Validate accepts starts without a configuration error.
func Validate(p *plan.Plan, o Options) error {
	b, err := build(p, o)
	if err != nil {
		return err
	}
	_ = monitor.CloseAll(b.mons)
	if _, err := flow.NewShared(p, nil); err != nil {
		return configErr("flows", err)
	}
	return nil
}

// idleSource is the VU source of executors built only to be validated.
type idleSource struct{}

func (idleSource) NewVU(context.Context, string) (executor.VU, error) {
	return nil, fmt.Errorf("engine: a validated executor asked for a VU")
}
