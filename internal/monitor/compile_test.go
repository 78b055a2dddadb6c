package monitor_test

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/scenario"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	promSeries := []any{map[string]any{"name": "waits", "metric": "mina_db_pool_wait_count_total"}}
	tests := []struct {
		name string
		in   []monitor.Raw
		want []string // substrings of the error
	}{
		// A kind nobody implements names the kinds there are.
		{"unknown kind", []monitor.Raw{{Name: "m", Kind: "mysql", Line: 3}},
			[]string{`monitor "m" (line 3)`, `unknown kind "mysql"`, "process, prometheus, postgres or redis"}},
		// A Prometheus monitor cannot scrape without a URL.
		{"missing url", []monitor.Raw{{Name: "p", Kind: "prometheus", Line: 4, Spec: map[string]any{"series": promSeries}}},
			[]string{`monitor "p" (line 4)`, "url is required"}},
		// Nor can a Redis monitor.
		{"redis missing url", []monitor.Raw{{Kind: "redis", Line: 5, Spec: map[string]any{}}},
			[]string{`monitor "redis" (line 5)`, "url is required"}},
		// A PostgreSQL monitor needs a DSN.
		{"missing dsn", []monitor.Raw{{Name: "db", Kind: "postgres", Line: 6, Spec: map[string]any{}}},
			[]string{`monitor "db" (line 6)`, "dsn is required"}},
		// An unnamed process monitor needs one way to find its process.
		{"missing pid", []monitor.Raw{{Kind: "process", Line: 7, Spec: map[string]any{}}},
			[]string{`monitor "process" (line 7)`, "exactly one of pid, pidfile or process", "0 given"}},
		// And only one.
		{"pid and process", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 12, "process": "mina"}}},
			[]string{"exactly one of pid, pidfile or process", "2 given"}},
		// A PID given as a string is a type mistake, quoted.
		{"pid string", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": "12"}}},
			[]string{`pid must be a whole number, not the string "12"`}},
		// A negative PID cannot name a process.
		{"negative pid", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": -4}}},
			[]string{"pid -4 must be a positive number"}},
		// An interval that is not a duration is quoted.
		{"bad interval", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "fast"}}},
			[]string{`interval "fast" is not a duration`}},
		// An interval so short the monitor would compete with the load.
		{"short interval", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "10ms"}}},
			[]string{"interval 10ms is shorter than the minimum 100ms"}},
		// A list is no interval.
		{"interval list", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": []any{1}}}},
			[]string{"interval must be a duration", "a list"}},
		// A timeout as long as the interval would let readings pile up.
		{"timeout too long", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": 1, "interval": "1s", "timeout": "1s"}}},
			[]string{"timeout 1s must be positive and shorter than the interval 1s"}},
		// A misspelt key is reported, not ignored.
		{"unknown key", []monitor.Raw{{Name: "db", Kind: "postgres", Line: 9, Spec: map[string]any{"dsn": "postgres://u@127.0.0.1/x", "intervall": "2s"}}},
			[]string{`monitor "db" (line 9)`, `unknown key "intervall"`}},
		// An unknown key inside a series entry names the entry.
		{"unknown series key", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w", "metric": "m", "rates": true}}}}},
			[]string{`series[0]: unknown key "rates"`}},
		// Two problems of one series entry are two lines, each naming the entry.
		{"two series problems", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w", "metric": 5, "rate": "yes"}}}}},
			[]string{`monitor "p": series[0]: metric must be a string, not 5 (int)` + "\n" + `monitor "p": series[0]: rate must be true or false, not the string "yes"`}},
		// An entry that is not a mapping at all, even null.
		{"null series entry", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{nil}}}},
			[]string{"series[0] must be a mapping {name, metric, labels, rate, over, unit}, not null"}},
		// A ratio over nothing.
		{"over empty", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "r", "metric": "hits_total", "over": []any{}}}}}},
			[]string{"series[0]: over is empty: list the metrics whose sum divides hits_total"}},
		// over written as one name instead of a list.
		{"over not a list", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "r", "metric": "hits_total", "over": "requests_total"}}}}},
			[]string{`series[0]: over must be a list of metric names`, `not the string "requests_total"`}},
		// A number among the names; an empty name.
		{"over bad items", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "r", "metric": "hits_total", "over": []any{"misses_total", 3, ""}}}}}},
			[]string{"series[0]: over[1] must be a metric name, not 3 (int)"}},
		{"over empty name", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "r", "metric": "hits_total", "over": []any{"misses_total", ""}}}}}},
			[]string{"series[0]: over[1] is empty"}},
		// The labels apply to the divisors too, so a bucket among them needs its le.
		{"over bucket without le", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "r", "metric": "lat_count", "over": []any{"lat_bucket"}}}}}},
			[]string{`metric "lat_bucket" is a histogram bucket`}},
		// An empty source does not excuse a mistake elsewhere in the monitor.
		{"empty url and bad series", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "",
			"series": []any{map[string]any{"name": "r"}}}}},
			[]string{"series[0]: metric is required"}},
		// An empty pid beside two other sources is still two sources.
		{"empty pid, pidfile and process", []monitor.Raw{{Name: "app", Kind: "process", Spec: map[string]any{"pid": "", "pidfile": "/run/x.pid", "process": "x"}}},
			[]string{"exactly one of pid, pidfile or process", "2 given"}},
		// A source key set to null is absent, not empty: still required.
		{"null url", []monitor.Raw{{Name: "r", Kind: "redis", Spec: map[string]any{"url": nil}}},
			[]string{"url is required"}},
		// A series without its metric.
		{"series without metric", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "w"}}}}},
			[]string{"series[0]: metric is required"}},
		// series given as a mapping instead of a list.
		{"series not a list", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": map[string]any{"name": "w"}}}},
			[]string{"series must be a list, not a mapping"}},
		// A bucket without its le cannot be summed meaningfully.
		{"bucket without le", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:1/metrics",
			"series": []any{map[string]any{"name": "b", "metric": "lat_bucket"}}}}},
			[]string{`"lat_bucket" is a histogram bucket`}},
		// A URL that is not http(s).
		{"ftp url", []monitor.Raw{{Name: "p", Kind: "prometheus", Spec: map[string]any{"url": "ftp://127.0.0.1/metrics", "series": promSeries}}},
			[]string{`url "ftp://127.0.0.1/metrics" must be an absolute http`}},
		// A Redis URL of another scheme.
		{"redis bad url", []monitor.Raw{{Name: "r", Kind: "redis", Spec: map[string]any{"url": "http://127.0.0.1:6379"}}},
			[]string{`monitor "r"`, "url:", "invalid URL scheme"}},
		// A DSN pgx cannot parse.
		{"bad dsn", []monitor.Raw{{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": "postgres://u@127.0.0.1:notaport/x"}}},
			[]string{`monitor "db"`, "dsn:"}},
		// Two monitors with the same name would mix their series.
		{"duplicate name", []monitor.Raw{
			{Kind: "process", Line: 2, Spec: map[string]any{"pid": 1}},
			{Kind: "process", Line: 5, Spec: map[string]any{"pid": 2}}},
			[]string{`monitor "process" (line 5)`, "already defined (line 2)"}},
		// A dot in a name would make "<monitor>.<series>" ambiguous.
		{"dotted name", []monitor.Raw{{Name: "a.b", Kind: "process", Spec: map[string]any{"pid": 1}}},
			[]string{`name "a.b" must be letters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, _, err := compileRaw(tt.in)
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
	ms, _, err := compileRaw([]monitor.Raw{
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

func TestCompileUnconfigured(t *testing.T) {
	t.Parallel()
	series := []any{map[string]any{"name": "waits", "metric": "w_total", "rate": true}}
	tests := []struct {
		name   string
		in     monitor.Raw
		reason string // "": built, not unconfigured
	}{
		// url: ${MONITOR_METRICS_URL:-} with the variable unset: the scenario says which.
		{"prometheus url from a variable", monitor.Raw{Name: "app", Kind: "prometheus", Line: 4,
			Spec: map[string]any{"url": "", "series": series}, Refs: map[string][]string{"url": {"MONITOR_METRICS_URL"}}},
			"url is empty (set MONITOR_METRICS_URL or write url:)"},
		// url: "" as written: no variable to name.
		{"prometheus url written empty", monitor.Raw{Name: "app", Kind: "prometheus", Spec: map[string]any{"url": "", "series": series}},
			"url is empty"},
		{"postgres dsn", monitor.Raw{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": "", "interval": "2s"},
			Refs: map[string][]string{"dsn": {"MONITOR_POSTGRES_URL"}}},
			"dsn is empty (set MONITOR_POSTGRES_URL or write dsn:)"},
		{"redis url", monitor.Raw{Name: "cache", Kind: "redis", Spec: map[string]any{"url": ""}},
			"url is empty"},
		// pid: ${TARGET_PID:-}: not the process named like the monitor, which the file did not
		// ask for.
		{"process pid", monitor.Raw{Name: "target", Kind: "process", Spec: map[string]any{"pid": ""},
			Refs: map[string][]string{"pid": {"TARGET_PID"}}},
			"pid is empty (set TARGET_PID or write pid:)"},
		{"process pidfile", monitor.Raw{Kind: "process", Spec: map[string]any{"pidfile": ""}}, "pidfile is empty"},
		{"process name", monitor.Raw{Kind: "process", Spec: map[string]any{"process": ""}}, "process is empty"},
		// Two ways to find the process, neither given this run.
		{"process pid and name", monitor.Raw{Name: "target", Kind: "process", Spec: map[string]any{"pid": "", "process": ""},
			Refs: map[string][]string{"pid": {"TARGET_PID"}, "process": {"TARGET_NAME"}}},
			"pid and process are empty (set TARGET_PID or TARGET_NAME, or write pid: or process:)"},
		// One of them given: that one is used.
		{"process pid empty, name set", monitor.Raw{Name: "target", Kind: "process", Spec: map[string]any{"pid": "", "process": "mina"}}, ""},
		// A value with text around the variable is not empty.
		{"url with text", monitor.Raw{Name: "app", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:9/metrics", "series": series}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, unconf, err := compileRaw([]monitor.Raw{tt.in})
			if err != nil {
				t.Fatalf("Compile: %v", err)
			}
			defer monitor.CloseAll(ms)
			if tt.reason == "" {
				if len(ms) != 1 || len(unconf) != 0 {
					t.Fatalf("got %d monitors and %v unconfigured; want the monitor built", len(ms), unconf)
				}
				return
			}
			if len(ms) != 0 {
				t.Errorf("got %d monitors, want none started", len(ms))
			}
			name := tt.in.Name
			if name == "" {
				name = tt.in.Kind
			}
			want := []monitor.Unconfigured{{Name: name, Kind: tt.in.Kind, Reason: tt.reason, Line: tt.in.Line}}
			if !reflect.DeepEqual(unconf, want) {
				t.Errorf("unconfigured = %+v\nwant           %+v", unconf, want)
			}
		})
	}
}

// TestCompileUnconfiguredAmongOthers: the configured monitors are built, the others listed,
// in file order, and an unconfigured monitor still holds its name.
func TestCompileUnconfiguredAmongOthers(t *testing.T) {
	t.Parallel()
	in := []monitor.Raw{
		{Name: "target", Kind: "process", Line: 2, Spec: map[string]any{"pid": ""}},
		{Name: "mina", Kind: "process", Line: 5, Spec: map[string]any{"pid": 1}},
		{Name: "cache", Kind: "redis", Line: 8, Spec: map[string]any{"url": ""}},
	}
	ms, unconf, err := compileRaw(in)
	if err != nil {
		t.Fatal(err)
	}
	defer monitor.CloseAll(ms)
	if len(ms) != 1 || ms[0].Name() != "mina" {
		t.Errorf("built %d monitors, want only mina", len(ms))
	}
	var got []string
	for _, u := range unconf {
		got = append(got, u.String())
	}
	want := []string{
		`monitor "target" (line 2) is not configured for this run: pid is empty`,
		`monitor "cache" (line 8) is not configured for this run: url is empty`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("unconfigured:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}

	_, _, err = compileRaw(append(in, monitor.Raw{Name: "target", Kind: "process", Line: 11, Spec: map[string]any{"pid": 1}}))
	if err == nil || !strings.Contains(err.Error(), `a monitor named "target" is already defined (line 2)`) {
		t.Errorf("a second monitor named like an unconfigured one: %v, want a duplicate-name error", err)
	}
}

// TestCompileUnconfiguredFromScenario compiles a real scenario file: the variable the file
// names for a source reaches the reason, and setting it configures the monitor.
func TestCompileUnconfiguredFromScenario(t *testing.T) {
	t.Parallel()
	src := []byte(`
flows:
  default:
    - request: { url: "${BASE_URL:-http://127.0.0.1:9}/health" }
monitors:
  - name: target
    kind: process
    pid: ${TARGET_PID:-}
  - name: app
    kind: prometheus
    url: ${MONITOR_METRICS_URL:-}
    series:
      - { name: cache_hit_rate, metric: mina_cache_hits_total, over: [mina_cache_hits_total, mina_cache_misses_total], rate: true, unit: ratio }
`)
	tests := []struct {
		name  string
		vars  map[string]string
		built []string
		want  []string // Unconfigured.String()
	}{
		// No variable set: nothing to watch, and the file says how to change that.
		{"unset", nil, nil, []string{
			`monitor "target" (line 6) is not configured for this run: pid is empty (set TARGET_PID or write pid:)`,
			`monitor "app" (line 9) is not configured for this run: url is empty (set MONITOR_METRICS_URL or write url:)`,
		}},
		// Both set with -e.
		{"set", map[string]string{"TARGET_PID": "1", "MONITOR_METRICS_URL": "http://127.0.0.1:9/metrics"}, []string{"target", "app"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := scenario.Compile("monitors.yaml", src, tt.vars, func(string) (string, bool) { return "", false })
			if err != nil {
				t.Fatal(err)
			}
			ms, unconf, err := monitor.Compile(p.Monitors)
			if err != nil {
				t.Fatal(err)
			}
			defer monitor.CloseAll(ms)
			var built, got []string
			for _, m := range ms {
				built = append(built, m.Name())
			}
			for _, u := range unconf {
				got = append(got, u.String())
			}
			if !reflect.DeepEqual(built, tt.built) || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("built %q, unconfigured:\n%s\nwant built %q, unconfigured:\n%s", built, strings.Join(got, "\n"), tt.built, strings.Join(tt.want, "\n"))
			}
		})
	}
}

// Parse gives typed plan values: the defaults stated, a process monitor without a source
// watching the process named like it.
func TestParseTyped(t *testing.T) {
	t.Parallel()
	pms, err := monitor.Parse([]monitor.Raw{
		{Name: "mina", Kind: "process", Line: 3, Column: 5, Spec: map[string]any{"interval": "2s"}},
		{Name: "app", Kind: "prometheus", Spec: map[string]any{"url": "http://127.0.0.1:9/metrics",
			"series": []any{map[string]any{"name": "hit", "metric": "h_total", "over": []any{"h_total", "m_total"}, "rate": true}}}},
		{Kind: "redis", Spec: map[string]any{"url": "", "timeout": "200ms"}, Refs: map[string][]string{"url": {"REDIS"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []plan.Monitor{
		{Name: "mina", Kind: "process", Process: "mina", Interval: 2 * time.Second, Timeout: 1800 * time.Millisecond, Line: 3, Column: 5},
		{Name: "app", Kind: "prometheus", URL: "http://127.0.0.1:9/metrics", Interval: time.Second, Timeout: 900 * time.Millisecond,
			Series: []plan.PromSeries{{Name: "hit", Metric: "h_total", Over: []string{"h_total", "m_total"}, Rate: true}}},
		{Name: "redis", Kind: "redis", Interval: time.Second, Timeout: 200 * time.Millisecond, Unconfigured: "url is empty (set REDIS or write url:)"},
	}
	if !reflect.DeepEqual(pms, want) {
		t.Errorf("Parse:\n got  %+v\n want %+v", pms, want)
	}
}

// Compile checks hand-built plan values too (the CLI's monitors from -e variables): a bad one
// is an error naming the monitor, never a monitor that fails later.
func TestCompileHandBuilt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   plan.Monitor
		want string
	}{
		{"no source", plan.Monitor{Name: "target", Kind: "process"}, "exactly one of"},
		{"two sources", plan.Monitor{Name: "target", Kind: "process", PID: 1, Process: "x"}, "exactly one of"},
		{"bad dsn", plan.Monitor{Name: "db", Kind: "postgres", DSN: "mysql://x"}, "dsn"},
		{"bad redis url", plan.Monitor{Name: "cache", Kind: "redis", URL: "http://x"}, "url"},
		{"prometheus without series", plan.Monitor{Name: "app", Kind: "prometheus", URL: "http://127.0.0.1:9/metrics"}, "series is empty"},
		{"short interval", plan.Monitor{Name: "t", Kind: "process", PID: 1, Interval: time.Millisecond}, "interval"},
		{"unknown kind", plan.Monitor{Name: "m", Kind: "mysql"}, "unknown kind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ms, _, err := monitor.Compile([]plan.Monitor{tt.in})
			if err == nil || len(ms) != 0 || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), `monitor "`) {
				t.Errorf("Compile(%+v) = %d monitors, %v; want an error saying %q", tt.in, len(ms), err, tt.want)
			}
		})
	}
	ms, _, err := monitor.Compile([]plan.Monitor{{Name: "target", Kind: "process", PID: 1}})
	if err != nil || len(ms) != 1 {
		t.Errorf("a process monitor by pid: %v, %d monitors", err, len(ms))
	}
	monitor.CloseAll(ms)
}
