package criteria_test

import (
	"fmt"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// monitorData stands in for the monitors: one series of the target's memory, sampled every
// 10 s from the load's start.
type monitorData struct{ start time.Time }

func (m monitorData) MetricSeries(string) (*metrics.Series, bool) { return nil, false }

func (m monitorData) MonitorSeries(name string) ([]criteria.MonitorPoint, string, bool) {
	if name != "target.rss_bytes" {
		return nil, "", false
	}
	var pts []criteria.MonitorPoint
	for i, mb := range []float64{120, 380, 650, 700} {
		pts = append(pts, criteria.MonitorPoint{Time: m.start.Add(time.Duration(i) * 10 * time.Second), Value: mb * 1e6})
	}
	return pts, "bytes", true
}

func (m monitorData) Start() time.Time { return m.start }

// Unconfigured says PostgreSQL is not watched in this run (no DSN was given).
func (m monitorData) Unconfigured(series string) (string, bool) {
	if strings.HasPrefix(series, "db.") {
		return "monitor db has no dsn (set MONITOR_POSTGRES_URL)", true
	}
	return "", false
}

// Parse the seed's memory and pool rules and judge them on the monitors' series: growth of
// 580 MB is in the warn band; the pool rule is skipped, since PostgreSQL is not watched; the
// rule on a series the monitors never produced has no data, which never passes.
func ExampleEvaluate() {
	cs, err := criteria.Parse([]criteria.Raw{
		{Name: "memory growth", Severity: "fail", Line: 40,
			Spec: map[string]any{"rule": "growth", "series": "target.rss_bytes", "warn": "500MB", "fail": "1GB"}},
		{Name: "pool saturation", Severity: "fail", Line: 41,
			Spec: map[string]any{"rule": "ratio", "series": "db.connections", "over": "db.max_connections", "fail": 0.95}},
		{Name: "cpu", Severity: "fail", Line: 42,
			Spec: map[string]any{"rule": "max", "series": "target.cpu_percent", "fail": "90%"}},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	compiled, err := criteria.Compile(cs, time.Second)
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, o := range criteria.Evaluate(compiled, monitorData{start: time.Now()}) {
		fmt.Printf("%s: %s, observed %s", o.Name, o.Result, o.ObservedText())
		if o.Broken {
			fmt.Printf(", broken at +%s", o.FirstBrokenAt)
		}
		fmt.Printf(" (%s)\n", o.Detail)
	}
	// Output:
	// memory growth: warn, observed 580 MB, broken at +20s (580 MB above the warn limit 500 MB)
	// pool saturation: skipped, observed no data (skipped: monitor db has no dsn (set MONITOR_POSTGRES_URL))
	// cpu: no data, observed no data (no data: monitor series target.cpu_percent unavailable)
}
