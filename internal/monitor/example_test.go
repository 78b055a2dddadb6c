package monitor_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// Every problem of a scenario's monitors is reported at once, each naming the monitor and the
// line where it starts.
func ExampleCompile() {
	_, _, err := compileRaw([]monitor.Raw{
		{Name: "db", Kind: "postgres", Line: 12, Spec: map[string]any{"interval": "fast", "dns": "postgres://127.0.0.1/mina"}},
		{Kind: "process", Line: 15, Spec: map[string]any{"pid": "1234"}},
	})
	fmt.Println(err)
	// Output:
	// monitor "db" (line 12): interval "fast" is not a duration such as "500ms" or "2s"
	// monitor "db" (line 12): dsn is required, e.g. dsn: postgres://user@127.0.0.1:5432/mina?sslmode=disable
	// monitor "db" (line 12): unknown key "dns"
	// monitor "process" (line 15): pid must be a whole number, not the string "1234"
	// monitor "process" (line 15): a process monitor needs exactly one of pid, pidfile or process (e.g. pid: 1234, pidfile: /run/mina.pid, process: mina), or a name that is the process's; 0 given
}

// A Runner reads a /metrics endpoint every 100ms beside the load; when the load ends, its
// series go to the criteria and the report.
func ExampleRunner() {
	reg := prometheus.NewRegistry()
	open := prometheus.NewGauge(prometheus.GaugeOpts{Name: "db_open_connections", Help: "Open connections."})
	open.Set(12)
	reg.MustRegister(open)
	srv := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer srv.Close()

	ms, _, err := monitor.Compile([]plan.Monitor{{Name: "app", Kind: "prometheus", URL: srv.URL + "/metrics",
		Series: []plan.PromSeries{{Name: "db_open", Metric: "db_open_connections", Unit: monitor.UnitCount}}, Interval: 100 * time.Millisecond}})
	if err != nil {
		fmt.Println(err)
		return
	}
	m := ms[0]
	defer m.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 350*time.Millisecond)
	defer cancel()
	r := monitor.NewRunner([]monitor.Monitor{m}, nil)
	r.Run(ctx) // the load would run meanwhile
	for _, s := range r.Series() {
		fmt.Printf("%s: last %v %s, max %v, %d or more points\n", s.Name, s.Last.Value, s.Unit, s.Max, min(len(s.Points), 2))
	}
	fmt.Println(len(r.Errors()), "errors")
	// Output:
	// app.db_open: last 12 count, max 12, 2 or more points
	// 0 errors
}
