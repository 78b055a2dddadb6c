package engine

import (
	"cmp"
	"slices"
	"time"

	"github.com/ramp-dev/ramp/internal/executor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// Schedule is one scenario as Run would run it, for `ramp inspect`: the scenario with the
// executor's defaults applied, and when it ends.
type Schedule struct {
	plan.Scenario
	// End is when its regular schedule ends, from the start of the load; HardEnd adds the
	// graceful stop (and ramp-down), the latest it can run.
	End, HardEnd time.Duration
}

// Schedules lists the plan's scenarios as the executors read them, in start order (then by
// name). It sends nothing and starts nothing.
func Schedules(p *plan.Plan) []Schedule {
	out := make([]Schedule, 0, len(p.Scenarios))
	for _, sc := range p.Scenarios {
		out = append(out, Schedule{Scenario: executor.Normalize(sc),
			End: executor.TotalDuration(sc, false), HardEnd: executor.TotalDuration(sc, true)})
	}
	slices.SortStableFunc(out, func(a, b Schedule) int { return cmp.Compare(a.StartTime, b.StartTime) })
	return out
}
