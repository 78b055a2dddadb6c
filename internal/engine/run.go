package engine

import (
	"context"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/flow"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
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
	res := &Result{Plan: p, Started: time.Now()}
	res.LoadStart = res.Started

	ready := true // setup finished and succeeded (or there is none)
	if p.Setup != nil {
		sctx, cancel := withTimeout(ctx, p.Options.SetupTimeout)
		data, ok, err := shared.RunOnce(sctx, "setup", p.Setup)
		cancel()
		ready = false
		switch {
		case ctx.Err() != nil: // interrupted: no load, no teardown, no failure either
		case err != nil:
			res.SetupError = err.Error()
		case !ok:
			res.SetupError = "a check or request of the setup failed; the load was not started"
		default:
			shared.SetSetupData(data)
			ready = true
		}
	}

	watch := startMonitors(ctx, b.mons, b.unconfigured)
	check := selfcheck.New(selfcheck.Config{})
	// judge evaluates the thresholds and criteria on a snapshot, during the run (abortOnFail)
	// and at its end, with the monitors' series so far.
	judge := func(snap *metrics.Snapshot) ([]threshold.Result, []criteria.Outcome) {
		src := criteria.SnapshotSource{Snapshot: snap, Monitors: watch.lookup, Skipped: watch.skipped, LoadStart: res.LoadStart}
		return threshold.Evaluate(b.ths, snap), criteria.Evaluate(b.crits, src)
	}
	var arrivals int64
	if ready && ctx.Err() == nil {
		res.LoadStart = time.Now()
		s := &scenarios{plan: p, shared: shared, reg: reg, ths: b.ths, judge: judge, check: check, opts: o}
		arrivals, res.Aborted = s.run(ctx)
		res.LoadDuration = loadDuration(p, time.Since(res.LoadStart), ctx.Err() == nil && res.Aborted == "")
	}
	if p.Teardown != nil && ready {
		res.TeardownError = teardown(ctx, p, shared, o.Kill)
	}

	watch.stop()
	res.Monitors = watch.series(res.Started)
	if err := reg.Close(); err != nil {
		res.OutputError = err
	}
	snap := reg.Snapshot().WithRateWindow(res.LoadDuration)
	res.Snapshot = snap
	res.Thresholds, res.Criteria = judge(snap)
	res.SelfCheck = check.Report()
	res.Interrupted = ctx.Err() != nil
	dropped, _ := snap.Aggregate(metrics.DroppedIterations, "count", 0)
	res.Load = verdict.Load{Scheduled: arrivals + int64(dropped), Dropped: int64(dropped), Tolerance: p.Options.LoadTolerance}
	res.SLO = sloOf(p, b.ths, snap)
	res.Stages = stageFigures(p, snap, res.LoadStart)
	res.TargetRate = targetRates(p, snap, res.LoadStart.Sub(snap.Time.Add(-snap.Elapsed)))
	res.Verdict = verdict.Decide(verdict.Input{
		Thresholds: res.Thresholds, Criteria: res.Criteria, Generator: res.SelfCheck, Load: res.Load,
		SetupError: res.SetupError, TeardownError: res.TeardownError, Aborted: res.Aborted,
		Interrupted: res.Interrupted,
	})
	return res, nil
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
