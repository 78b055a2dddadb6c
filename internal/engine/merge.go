package engine

import (
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/selfcheck"
)

// Merge combines the measurements of a distributed run's segments — processes that ran parts
// of one test at the same time — into the measurements one process running the whole test
// would have taken, for Judge:
//
//   - metrics: metrics.Merge (counts exact, histograms merged, per-interval series summed on
//     wall-clock time, gauges added);
//   - the run's span: the earliest start and load start, the longest load;
//   - iterations started: added;
//   - the generator's self-check: overloaded when any segment was, every reason kept and named
//     by its segment; the worst lag and CPU;
//   - the monitors: they watch the target, which every segment shares, so each series is taken
//     from the first segment that has it (the others read the same source); every monitor that
//     ran in any segment ran;
//   - setup, teardown, abort: any segment's failure, named by its segment; interrupted when
//     any was.
//
// names label the segments in the reasons ("segment 2/4"); ms and names are in the same order.
func Merge(names []string, ms []Measurements) (Measurements, error) {
	if len(ms) == 0 {
		return Measurements{}, errors.New("merge: no measurements")
	}
	snaps := make([]*metrics.Snapshot, len(ms))
	for i, m := range ms {
		if m.Snapshot == nil {
			return Measurements{}, fmt.Errorf("merge: %s has no metrics", names[i])
		}
		snaps[i] = m.Snapshot
	}
	snap, err := metrics.Merge(snaps...)
	if err != nil {
		return Measurements{}, fmt.Errorf("merge: %w", err)
	}
	out := Measurements{Snapshot: snap, Started: ms[0].Started, LoadStart: ms[0].LoadStart}
	var setup, teardown, aborted []string
	watched := map[string]bool{}
	series := map[string]bool{}
	sc := &out.SelfCheck
	for i, m := range ms {
		if m.Started.Before(out.Started) {
			out.Started = m.Started
		}
		if m.LoadStart.Before(out.LoadStart) {
			out.LoadStart = m.LoadStart
		}
		out.LoadDuration = max(out.LoadDuration, m.LoadDuration)
		out.Arrivals += m.Arrivals
		out.Interrupted = out.Interrupted || m.Interrupted
		mergeSelfCheck(sc, m.SelfCheck, names[i])
		for _, s := range m.Monitors {
			if !series[s.Name] {
				series[s.Name] = true
				// Offsets are from each segment's start: keep them from the merged one.
				shifted := s
				shifted.Points = make([]MonitorPoint, len(s.Points))
				for j, p := range s.Points {
					shifted.Points[j] = MonitorPoint{Offset: p.Offset + m.Started.Sub(ms[0].Started), Value: p.Value}
				}
				out.Monitors = append(out.Monitors, shifted)
			}
		}
		for _, w := range m.Watched {
			watched[w] = true
		}
		named := func(list *[]string, why string) {
			if why != "" {
				*list = append(*list, names[i]+": "+why)
			}
		}
		if late := m.LoadStart.Sub(m.StartAt); !m.StartAt.IsZero() && late > LateStartTolerance {
			out.Late = append(out.Late, fmt.Sprintf("%s began %s after --start-at", names[i], late.Round(time.Millisecond)))
		}
		if out.StartAt.IsZero() || m.StartAt.Before(out.StartAt) {
			out.StartAt = m.StartAt
		}
		// Only the segment that runs teardown (the one starting at 0) applies the chaos
		// timeline; its windows are absolute times and merge as they are.
		out.Faults = append(out.Faults, m.Faults...)
		named(&setup, m.SetupError)
		named(&teardown, m.TeardownError)
		named(&aborted, m.Aborted)
	}
	// Offsets were shifted to ms[0].Started; express them from the merged start.
	if shift := ms[0].Started.Sub(out.Started); shift != 0 {
		for i := range out.Monitors {
			for j := range out.Monitors[i].Points {
				out.Monitors[i].Points[j].Offset += shift
			}
		}
	}
	for w := range watched {
		out.Watched = append(out.Watched, w)
	}
	sort.Strings(out.Watched)
	sort.Slice(out.Monitors, func(i, j int) bool { return out.Monitors[i].Name < out.Monitors[j].Name })
	out.SetupError, out.TeardownError, out.Aborted = strings.Join(setup, "; "), strings.Join(teardown, "; "), strings.Join(aborted, "; ")
	return out, nil
}

// mergeSelfCheck folds one segment's self-check into the merged one.
func mergeSelfCheck(into *selfcheck.Report, r selfcheck.Report, name string) {
	into.Overloaded = into.Overloaded || r.Overloaded
	for _, why := range r.Reasons {
		into.Reasons = append(into.Reasons, name+": "+why)
	}
	into.LagP99 = max(into.LagP99, r.LagP99)
	into.LagMax = max(into.LagMax, r.LagMax)
	into.LagSamples += r.LagSamples
	into.CPUMaxPercent = max(into.CPUMaxPercent, r.CPUMaxPercent)
	into.SaturatedShare = max(into.SaturatedShare, r.SaturatedShare)
	into.Cores = max(into.Cores, r.Cores)
	into.MaxLagP99 = max(into.MaxLagP99, r.MaxLagP99)
	into.MaxSaturatedPct = max(into.MaxSaturatedPct, r.MaxSaturatedPct)
}
