package engine

import (
	"fmt"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/chaos"
	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// Measurements are what a run measured, before any judging: what Run collects, and what
// `ramp merge` rebuilds from the snapshots of a distributed run's segments.
type Measurements struct {
	// Started is when the run began, LoadStart when its load began, LoadDuration how long the
	// load ran.
	Started, LoadStart time.Time
	LoadDuration       time.Duration
	// StartAt is when the load was to begin (Options.StartAt), zero when it was not set;
	// Late names the segments whose load began more than LateStartTolerance after it, and
	// by how much ("segment 2/4 began 1.2s late").
	StartAt time.Time
	Late    []string
	// Snapshot is the metrics as recorded; Judge sets its counter rates per second of
	// LoadDuration. (A run snapshot encodes it on its own: not JSON.)
	Snapshot  *metrics.Snapshot `json:"-"`
	SelfCheck selfcheck.Report
	// Arrivals counts the arrival-rate iterations that started (the scheduled ones are these
	// and the dropped ones).
	Arrivals int64
	// Monitors are the target-side series; Watched names the monitors that ran (a criterion
	// on a monitor that did not run is skipped, one on a monitor that ran and read nothing
	// has no data).
	Monitors []MonitorSeries
	Watched  []string
	// SetupError, TeardownError and Aborted say why those failed or ended the run early.
	SetupError, TeardownError, Aborted string
	Interrupted                        bool
	// Faults are the chaos timeline's faults as they happened, in timeline order.
	Faults []chaos.Window
}

// Judge judges measurements against the plan they were taken under: thresholds, criteria, the
// headline SLO, the stages' figures, the intended rate, and the one verdict. Run calls it
// when the load has ended; `ramp merge` calls it on the merged measurements of a distributed
// run, so that the segments together are judged exactly as one process would be. An error is
// a *ConfigError (a plan that does not compile).
func Judge(p *plan.Plan, m Measurements) (*Result, error) {
	ths, err := threshold.Compile(p.Thresholds)
	if err != nil {
		return nil, configErr("thresholds", err)
	}
	crits, err := criteria.Compile(p.Criteria, p.SeriesInterval())
	if err != nil {
		return nil, configErr("criteria", err)
	}
	return judge(p, ths, crits, m), nil
}

// judge is Judge with the rules compiled.
func judge(p *plan.Plan, ths []threshold.Threshold, crits []criteria.Criterion, m Measurements) *Result {
	snap := m.Snapshot.WithRateWindow(m.LoadDuration)
	if late := m.LoadStart.Sub(m.StartAt); !m.StartAt.IsZero() && late > LateStartTolerance && len(m.Late) == 0 {
		m.Late = []string{fmt.Sprintf("the load began %s after --start-at", late.Round(time.Millisecond))}
	}
	res := &Result{
		Plan: p, Started: m.Started, LoadStart: m.LoadStart, LoadDuration: m.LoadDuration,
		Snapshot: snap, SelfCheck: m.SelfCheck, Monitors: m.Monitors,
		SetupError: m.SetupError, TeardownError: m.TeardownError, Aborted: m.Aborted, Interrupted: m.Interrupted,
		Faults: m.Faults, Measured: m,
	}
	src := monitorSource(m.Monitors, m.Watched, m.Started, m.LoadStart)
	src.Faults = faultWindows(m.Faults)
	res.Thresholds, res.Criteria = evaluate(ths, crits, snap, src)
	dropped, _ := snap.Aggregate(metrics.DroppedIterations, "count", 0)
	res.Load = verdict.Load{Scheduled: m.Arrivals + int64(dropped), Dropped: int64(dropped), Tolerance: p.Options.LoadTolerance}
	res.SLO = sloOf(p, ths, snap)
	res.Stages = stageFigures(p, snap, m.LoadStart)
	res.TargetRate = targetRates(p, snap, m.LoadStart.Sub(snap.Time.Add(-snap.Elapsed)))
	res.Verdict = verdict.Decide(verdict.Input{
		Thresholds: res.Thresholds, Criteria: res.Criteria, Generator: res.SelfCheck, Load: res.Load,
		SetupError: res.SetupError, TeardownError: res.TeardownError, Aborted: res.Aborted,
		Interrupted: res.Interrupted, Late: m.Late, Chaos: chaosProblems(m.Faults),
	})
	return res
}

// evaluate judges the thresholds and the criteria on a snapshot and the monitors' series:
// during the run (for abortOnFail) and at its end.
func evaluate(ths []threshold.Threshold, crits []criteria.Criterion, snap *metrics.Snapshot, src criteria.SnapshotSource) ([]threshold.Result, []criteria.Outcome) {
	src.Snapshot = snap
	return threshold.Evaluate(ths, snap), criteria.Evaluate(crits, src)
}

// monitorSource answers the criteria's questions about monitor series from the series
// themselves (offsets from start) and the names of the monitors that ran.
func monitorSource(series []MonitorSeries, watched []string, start, loadStart time.Time) criteria.SnapshotSource {
	ran := map[string]bool{}
	for _, w := range watched {
		ran[w] = true
	}
	return criteria.SnapshotSource{
		LoadStart: loadStart,
		Monitors: func(name string) ([]criteria.MonitorPoint, string, bool) {
			for _, s := range series {
				if s.Name != name {
					continue
				}
				pts := make([]criteria.MonitorPoint, len(s.Points))
				for i, p := range s.Points {
					pts[i] = criteria.MonitorPoint{Time: start.Add(p.Offset), Value: p.Value}
				}
				return pts, s.Unit, len(pts) > 0
			}
			return nil, "", false
		},
		Skipped: func(name string) (string, bool) {
			mon, _, _ := strings.Cut(name, ".")
			for _, s := range series {
				if s.Name == mon && s.Skipped != "" {
					return fmt.Sprintf("monitor %s is not configured for this run: %s", mon, s.Skipped), true
				}
			}
			if ran[mon] {
				return "", false
			}
			return "no monitor " + mon + " runs in this test (declare it under monitors:, or give its source with -e)", true
		},
	}
}

// faultWindows are the faults that were on, for the resilience criteria.
func faultWindows(ws []chaos.Window) []criteria.FaultWindow {
	var out []criteria.FaultWindow
	for _, w := range ws {
		if w.Applied() {
			out = append(out, criteria.FaultWindow{Name: w.Name, Start: w.Start, End: w.End})
		}
	}
	return out
}

// chaosProblems names the faults that were not applied or not cleared.
func chaosProblems(ws []chaos.Window) []string {
	var out []string
	for _, w := range ws {
		if w.Error != "" {
			out = append(out, fmt.Sprintf("fault %q: %s", w.Name, w.Error))
		}
	}
	return out
}
