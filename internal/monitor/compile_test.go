package monitor_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	promSeries := []any{map[string]any{"name": "waits", "metric": "mina_db_pool_wait_count_total"}}
	tests := []struct {
		name string
		in   []plan.Monitor
		want []string // substrings of the error
	}{
		// A kind nobody implements names the kinds there are.
		{"unknown kind", []plan.Monitor{{Name: "m", Kind: "mysql", Line: 3}},
			[]string{`monitor "m" (line 3)`, `unknown kind "mysql"`, "process, prometheus, postgres or redis"}},
		// A Prometheus monitor cannot scrape without a URL.
		{"missing url", []plan.Monitor{{Name: "p", Kind: "prometheus", Line: 4, Spec: map[string]any{"series": promSeries}}},
			[]string{`monitor "p" (line 4)`, "url is required"}},
		// Nor can a Redis monitor.
		{"redis missing url", []plan.Monitor{{Kind: "redis", Line: 5, Spec: map[string]any{}}},
			[]string{`monitor "redis" (line 5)`, "url is required"}},
		// A PostgreSQL monitor needs a DSN.
		{"missing dsn", []plan.Monitor{{Name: "db", Kind: "postgres", Line: 6, Spec: map[string]any{}}},
			[]string{`monitor "db" (line 6)`, "dsn is required"}},
		// An unnamed process monitor needs one way to find its process.
		{"missing pid", []plan.Monitor{{Kind: "process", Line: 7, Spec: map[string]any{}}},
			[]string{`monitor "process" (line 7)`, "exactly one of pid, pidfile or process", "0 given"}},
		// And only one.
		{"pid and process", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 12, "process": "mina"}}},
			[]string{"exactly one of pid, pidfile or process", "2 given"}},
		// A PID given as a string is a type mistake, quoted.
		{"pid string", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": "12"}}},
			[]string{`pid must be a whole number, not the string "12"`}},
		// A negative PID cannot name a process.
		{"negative pid", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": -4}}},
			[]string{"pid -4 must be a positive number"}},
		// An interval that is not a duration is quoted.
		{"bad interval", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "fast"}}},
			[]string{`interval "fast" is not a duration`}},
		// An interval so short the monitor would compete with the load.
		{"short interval", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "10ms"}}},
			[]string{"interval 10ms is shorter than the minimum 100ms"}},
		// A list is no interval.
		{"interval list", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": []any{1}}}},
			[]string{"interval must be a duration", "a list"}},
		// A timeout as long as the interval would let readings pile up.
		{"timeout too long", []plan.Monitor{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "1s", "timeout": "1s"}}},
			[]string{"timeout 1s must be positive and shorter than the interval 1s"}},
		// A misspelt key is reported, not ignored.
		{"unknown key", []plan.Monitor{{Name: "db", Kind: "postgres", Line: 9, Spec: map[string]any{"dsn": "postgres://u@127.0.0.1/x", "intervall": "2s"}}},
			[]string{`monitor "db" (line 9)`, `unknown key "intervall"`}},
		// An unknown key inside a series entry names the entry.
		{"unknown series key", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w", "metric": "m", "rates": true}}}}},
			[]string{`series[0]: unknown key "rates"`}},
		// Two problems of one series entry are two lines, each naming the entry.
		{"two series problems", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w", "metric": 5, "rate": "yes"}}}}},
			[]string{`monitor "p": series[0]: metric must be a string, not 5 (int)` + "\n" + `monitor "p": series[0]: rate must be true or false, not the string "yes"`}},
		// An entry that is not a mapping at all, even null.
		{"null series entry", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{nil}}}},
			[]string{"series[0] must be a mapping {name, metric, labels, rate, unit}, not null"}},
		// A series without its metric.
		{"series without metric", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w"}}}}},
			[]string{"series[0]: metric is required"}},
		// series given as a mapping instead of a list.
		{"series not a list", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": map[string]any{"name": "w"}}}},
			[]string{"series must be a list, not a mapping"}},
		// A bucket without its le cannot be summed meaningfully.
		{"bucket without le", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "b", "metric": "lat_bucket"}}}}},
			[]string{`"lat_bucket" is a histogram bucket`}},
		// A URL that is not http(s).
		{"ftp url", []plan.Monitor{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "ftp://127.0.0.1/metrics", "series": promSeries}}},
			[]string{`url "ftp://127.0.0.1/metrics" must be an absolute http`}},
		// A Redis URL of another scheme.
		{"redis bad url", []plan.Monitor{{Name: "r", Kind: "redis", Spec: map[string]any{"url": "http://127.0.0.1:6379"}}},
			[]string{`monitor "r"`, "url:", "invalid URL scheme"}},
		// A DSN pgx cannot parse.
		{"bad dsn", []plan.Monitor{{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": "postgres://u@127.0.0.1:notaport/x"}}},
			[]string{`monitor "db"`, "dsn:"}},
		// Two monitors with the same name would mix their series.
		{"duplicate name", []plan.Monitor{
			{Kind: "process", Line: 2, Spec: map[string]any{"pid": 1}},
			{Kind: "process", Line: 5, Spec: map[string]any{"pid": 2}}},
			[]string{`monitor "process" (line 5)`, "already defined (line 2)"}},
		// A dot in a name would make "<monitor>.<series>" ambiguous.
		{"dotted name", []plan.Monitor{{Name: "a.b", Kind: "process", Spec: map[string]any{"pid": 1}}},
			[]string{`name "a.b" must be letters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, err := monitor.Compile(tt.in)
			if err == nil {
				t.Fatalf("Compile succeeded with %d monitors; want an error", len(ms))
			}
			if ms != nil {
				t.Errorf("Compile returned monitors along with its error")
			}
			var ce *monitor.ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("error %v is not a *ConfigError", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestCompileBuildsEveryKind(t *testing.T) {
	t.Parallel()
	ms, err := monitor.Compile([]plan.Monitor{
		{Name: "mina", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "2s"}},
		{Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:5000/metrics", "interval": 0.5,
			"series": []any{map[string]any{"name": "waits", "metric": "w_total", "labels": map[string]any{"pool": "read", "code": 200}, "rate": true}}}},
		{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": "postgres://u@127.0.0.1:5432/x", "timeout": "300ms"}},
		{Name: "cache", Kind: "redis", Spec: map[string]any{"url": "redis://127.0.0.1:6379/0"}},
	})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	t.Cleanup(func() { monitor.CloseAll(ms) })
	want := []struct {
		name, kind        string
		interval, timeout time.Duration
	}{
		{"mina", "process", 2 * time.Second, 1800 * time.Millisecond},
		{"prometheus", "prometheus", 500 * time.Millisecond, 450 * time.Millisecond}, // named after its kind
		{"db", "postgres", time.Second, 300 * time.Millisecond},
		{"cache", "redis", time.Second, 900 * time.Millisecond},
	}
	if len(ms) != len(want) {
		t.Fatalf("got %d monitors, want %d", len(ms), len(want))
	}
	for i, w := range want {
		m := ms[i]
		tm, ok := m.(monitor.Timing)
		if !ok {
			t.Fatalf("monitor %d does not implement Timing", i)
		}
		if m.Name() != w.name || m.Kind() != w.kind || tm.Interval() != w.interval || tm.Timeout() != w.timeout {
			t.Errorf("monitor %d = %s/%s every %v within %v; want %s/%s every %v within %v",
				i, m.Name(), m.Kind(), tm.Interval(), tm.Timeout(), w.name, w.kind, w.interval, w.timeout)
		}
	}
}
