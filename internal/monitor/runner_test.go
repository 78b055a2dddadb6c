package monitor_test

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// counting is a Monitor whose i-th reading is i; it ends the run after n readings. It stands
// in for a source so that the Runner's storage can be checked value by value.
type counting struct {
	n      int
	cancel context.CancelFunc
	mu     sync.Mutex
	i      int
}

var (
	_ monitor.Monitor = (*counting)(nil)
	_ monitor.Timing  = (*counting)(nil)
)

func (c *counting) Name() string            { return "c" }
func (c *counting) Kind() string            { return "test" }
func (c *counting) Close() error            { return nil }
func (c *counting) Interval() time.Duration { return time.Millisecond }
func (c *counting) Timeout() time.Duration  { return 500 * time.Microsecond }
func (c *counting) Sample(context.Context) ([]monitor.Reading, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v := float64(c.i)
	if c.i++; c.i == c.n {
		c.cancel()
	}
	return []monitor.Reading{{Series: "v", Value: v, Unit: monitor.UnitCount}}, nil
}

func TestRunnerThinsFullSeries(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		readings   int
		maxPoints  int
		wantValues []float64
		wantStride int
	}{
		// Below the cap every reading is kept.
		{"under cap", 5, 8, []float64{0, 1, 2, 3, 4}, 1},
		// Reading 8 finds the series full: every other point goes, then every 2nd reading is kept.
		{"one thinning", 12, 8, []float64{0, 2, 4, 6, 8, 10}, 2},
		// Reading 16 thins again: every 4th reading, and 17-19 are not kept.
		{"two thinnings", 20, 8, []float64{0, 4, 8, 12, 16}, 4},
		// An odd cap is rounded up to an even one (4).
		{"odd cap", 6, 3, []float64{0, 2, 4}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			clock := time.Unix(0, 0)
			var mu sync.Mutex
			now := func() time.Time { mu.Lock(); defer mu.Unlock(); clock = clock.Add(time.Second); return clock }
			r := monitor.NewRunner([]monitor.Monitor{&counting{n: tt.readings, cancel: cancel}}, now)
			r.MaxPoints = tt.maxPoints
			r.Run(ctx)
			ss := r.Series()
			if len(ss) != 1 || ss[0].Name != "c.v" || ss[0].Unit != monitor.UnitCount {
				t.Fatalf("series = %+v, want one c.v in count", ss)
			}
			s := ss[0]
			var got []float64
			for i, p := range s.Points {
				got = append(got, p.Value)
				if want := time.Unix(int64(p.Value)+1, 0); !p.Time.Equal(want) {
					t.Errorf("point %d at %v, want %v (the clock of its reading)", i, p.Time, want)
				}
			}
			if !equal(got, tt.wantValues) || s.Stride != tt.wantStride {
				t.Errorf("points %v stride %d, want %v stride %d", got, s.Stride, tt.wantValues, tt.wantStride)
			}
			last := float64(tt.readings - 1)
			if s.Readings != tt.readings || s.Min != 0 || s.Max != last || s.Last.Value != last {
				t.Errorf("readings %d min %v max %v last %v; want %d, 0, %v, %v", s.Readings, s.Min, s.Max, s.Last.Value, tt.readings, last, last)
			}
			if errs := r.Errors(); len(errs) != 0 {
				t.Errorf("errors %+v, want none", errs)
			}
		})
	}
}

func equal(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// refusedAddr returns a local address nothing listens on.
func refusedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestRunnerKeepsGoingWhenSourcesFail runs a healthy monitor beside ones whose sources refuse
// the connection, do not exist or hang, and checks that the healthy one keeps its pace while
// the others' failures are counted and retried.
func TestRunnerKeepsGoingWhenSourcesFail(t *testing.T) {
	t.Parallel()
	reg := prometheus.NewRegistry()
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: "up_gauge", Help: "A gauge."})
	g.Set(1)
	reg.MustRegister(g)
	good := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	t.Cleanup(good.Close)
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select { // answers only when the client gives up (or after a bound)
		case <-r.Context().Done():
		case <-time.After(5 * time.Second):
		}
	}))
	t.Cleanup(hang.Close)
	refused := refusedAddr(t)
	series := []any{map[string]any{"name": "up", "metric": "up_gauge"}}
	ms, _, err := compileRaw([]monitor.Raw{
		{Name: "good", Kind: "prometheus", Spec: map[string]any{"url": good.URL + "/metrics", "series": series, "interval": "100ms"}},
		{Name: "refused", Kind: "prometheus", Spec: map[string]any{"url": "http://" + refused + "/metrics", "series": series, "interval": "100ms"}},
		{Name: "hangs", Kind: "prometheus", Spec: map[string]any{"url": hang.URL + "/metrics", "series": series, "interval": "200ms", "timeout": "100ms"}},
		{Name: "gone", Kind: "process", Spec: map[string]any{"pid": 1 << 30, "interval": "100ms"}},
		{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": "postgres://nobody@" + refused + "/none?sslmode=disable&connect_timeout=1", "interval": "100ms"}},
		{Name: "cache", Kind: "redis", Spec: map[string]any{"url": "redis://" + refused + "/0", "interval": "100ms"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"refused": "connection refused",
		"hangs":   "no answer within 100ms",
		"gone":    "does not exist",
		"db":      "connect",
		"cache":   "connection refused",
	}
	// With the real server at hand, a DSN naming a database it does not have.
	if dsn := os.Getenv("MINA_TEST_POSTGRES_URL"); dsn != "" {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal(err)
		}
		u.Path = "/ramp_no_such_database"
		more, _, err := compileRaw([]monitor.Raw{{Name: "nodb", Kind: "postgres", Spec: map[string]any{"dsn": u.String(), "interval": "500ms"}}})
		if err != nil {
			t.Fatal(err)
		}
		ms = append(ms, more...)
		want["nodb"] = `database "ramp_no_such_database" does not exist`
	}
	defer monitor.CloseAll(ms)
	ctx, cancel := context.WithTimeout(context.Background(), 1200*time.Millisecond)
	defer cancel()
	r := monitor.NewRunner(ms, nil)
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of a 1.2s context")
	}

	ss := r.Series()
	if len(ss) != 1 || ss[0].Name != "good.up" {
		t.Fatalf("series %+v, want only good.up", ss)
	}
	if n := len(ss[0].Points); n < 5 || ss[0].Last.Value != 1 {
		t.Errorf("good.up has %d points ending at %v; want at least 5 (every 100ms for 1.2s) of value 1", n, ss[0].Last.Value)
	}
	errs := map[string]monitor.MonitorError{}
	for _, e := range r.Errors() {
		errs[e.Monitor] = e
	}
	for name, want := range want {
		e, ok := errs[name]
		switch {
		case !ok:
			t.Errorf("no error recorded for %s", name)
		case !strings.Contains(e.Err, want):
			t.Errorf("%s: error %q, want one containing %q", name, e.Err, want)
		case e.Count < 2 || e.Last.Before(e.First) || !e.LastOK.IsZero():
			t.Errorf("%s: %+v; want several failures (it keeps trying) and never a success", name, e)
		}
	}
	if _, ok := errs["good"]; ok {
		t.Errorf("good has an error: %+v", errs["good"])
	}
}
