package engine

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// Run runs the test p end to end and returns its Result. Cancelling ctx (an interrupt) stops
// the load at once; teardown still runs, bounded by its timeout and by Options.Kill; the
// Result then covers what ran and its verdict is interrupted.
//
// Run returns an error only when the test cannot start — a *ConfigError, with nothing sent. A
// test that fails its SLOs is a Result, not an error.
func Run(ctx context.Context, p *plan.Plan, o Options) (*Result, error) {
	b, err := build(p, o)
	if err != nil {
		return nil, err
	}
	cfg := metrics.Config{
		Submetrics:     submetrics(p, b),
		SeriesInterval: p.SeriesInterval(),
		Output:         o.Output,
	}
	reg, err := metrics.NewRegistry(cfg)
	if err != nil {
		_ = monitor.CloseAll(b.mons)
		return nil, configErr("metrics", err)
	}
	shared, err := flow.NewShared(p, reg)
	if err != nil {
		_ = monitor.CloseAll(b.mons)
		return nil, configErr("flows", err)
	}
	m := Measurements{Started: time.Now()}
	m.LoadStart = m.Started

	ready := true // setup finished and succeeded (or there is none)
	switch {
	case o.SetupData != nil:
		shared.SetSetupData(o.SetupData)
	case p.Setup != nil:
		sctx, cancel := withTimeout(ctx, p.Options.SetupTimeout)
		data, ok, err := shared.RunOnce(sctx, "setup", p.Setup)
		cancel()
		ready = false
		switch {
		case ctx.Err() != nil: // interrupted: no load, no teardown, no failure either
		case err != nil:
			m.SetupError = err.Error()
		case !ok:
			m.SetupError = "a check or request of the setup failed; the load was not started"
		default:
			shared.SetSetupData(data)
			ready = true
		}
	}
	if ready && !o.StartAt.IsZero() {
		waitUntil(ctx, o.StartAt)
	}

	watch := startMonitors(ctx, b.mons, b.unconfigured)
	check := selfcheck.New(selfcheck.Config{})
	if ready && ctx.Err() == nil {
		m.LoadStart = time.Now()
		if !o.StartAt.IsZero() {
			m.StartAt = o.StartAt
		}
		// During the load the rules are judged on the snapshot and the monitors' series so
		// far, for abortOnFail.
		judgeNow := func(snap *metrics.Snapshot) ([]threshold.Result, []criteria.Outcome) {
			return evaluate(b.ths, b.crits, snap, monitorSource(watch.series(m.Started), watch.names(), m.Started, m.LoadStart))
		}
		s := &scenarios{plan: p, shared: shared, reg: reg, ths: b.ths, judge: judgeNow, check: check, opts: o}
		timeline := b.chaos
		if o.SkipTeardown {
			timeline = nil // a distributed run's faults are applied once, by the segment at 0
		}
		faults := timeline.Start(ctx, m.LoadStart)
		m.Arrivals, m.Aborted = s.run(ctx)
		m.Faults = faults.Stop() // the faults are cleared before teardown reads the data back
		m.LoadDuration = loadDuration(p, time.Since(m.LoadStart), ctx.Err() == nil && m.Aborted == "")
	}
	if p.Teardown != nil && ready && !o.SkipTeardown {
		m.TeardownError = teardown(ctx, p, shared, o.Kill)
	}
	watch.stop()
	m.Monitors, m.Watched = watch.series(m.Started), watch.names()
	m.SelfCheck = check.Report()
	m.Interrupted = ctx.Err() != nil
	outputErr := reg.Close() // flushes the recorders and the output: after it, the snapshot is whole
	m.Snapshot = reg.Snapshot()
	res := judge(p, b.ths, b.crits, m)
	res.OutputError = outputErr
	res.Traced = reg.Traced()
	return res, nil
}

// waitUntil sleeps until t or until ctx ends.
func waitUntil(ctx context.Context, t time.Time) {
	timer := time.NewTimer(time.Until(t))
	defer timer.Stop()
	select {
	case <-ctx.Done():
	case <-timer.C:
	}
}

// Setup runs the plan's setup flow once and returns what it captured, for the segments of a
// distributed run (Options.SetupData): `ramp setup`. A file without setup captures nothing.
// An error says why setup failed; a *ConfigError, that its flows do not build.
func Setup(ctx context.Context, p *plan.Plan) (map[string]any, error) {
	shared, err := flow.NewShared(p, nil)
	if err != nil {
		return nil, configErr("flows", err)
	}
	if p.Setup == nil {
		return map[string]any{}, nil
	}
	data, ok, err := shared.RunOnce(ctx, "setup", p.Setup)
	switch {
	case err != nil:
		return nil, err
	case !ok:
		return nil, errors.New("a check or request of the setup failed")
	case data == nil:
		data = map[string]any{}
	}
	return data, nil
}

// teardown runs the teardown flow: after an interrupt too (as k6 does), bounded by its
// timeout and ended at once when kill is cancelled. It returns why it failed, or "".
func teardown(ctx context.Context, p *plan.Plan, shared *flow.Shared, kill context.Context) string {
	tctx, cancel := withTimeout(context.WithoutCancel(ctx), p.Options.TeardownTimeout)
	defer cancel()
	if kill != nil {
		stop := context.AfterFunc(kill, cancel)
		defer stop()
	}
	_, ok, err := shared.RunOnce(tctx, "teardown", p.Teardown)
	switch {
	case kill != nil && kill.Err() != nil:
		return "ended by a second interrupt before it finished"
	case err != nil:
		return err.Error()
	case !ok:
		return "a check or request of the teardown failed"
	}
	return ""
}

// submetrics lists the sub-metric keys the thresholds, the criteria, the SLO and the stage
// figures need tracked.
func submetrics(p *plan.Plan, b *built) []string {
	keys := append(threshold.SubmetricKeys(b.ths), criteria.MetricKeys(b.crits)...)
	if p.SLO.Metric != "" {
		keys = append(keys, p.SLO.Metric)
	}
	for _, sc := range p.Scenarios {
		keys = append(keys, stageKeys(sc.Name)...)
	}
	return keys
}

func withTimeout(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		d = 60 * time.Second
	}
	return context.WithTimeout(ctx, d)
}

// abortReason says which abortOnFail rule ended the run, or "" when none.
func abortReason(ths []threshold.Threshold, results []threshold.Result, outcomes []criteria.Outcome, elapsed time.Duration) string {
	if stop, failed := threshold.ShouldAbort(ths, results, elapsed); stop {
		return fmt.Sprintf("threshold %s %s failed with abortOnFail", failed[0].Metric, failed[0].Expression)
	}
	if stop, failed := criteria.ShouldAbort(outcomes); stop {
		return fmt.Sprintf("criterion %q failed with abortOnFail: %s", failed[0].Name, failed[0].Rule)
	}
	return ""
}
