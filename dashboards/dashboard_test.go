// Package dashboards holds ramp's Grafana dashboard (ramp.json); its test checks that every
// query parses as PromQL and names only metrics that ramp or mina really emit.
package dashboards

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/mina/app"
	"github.com/ramp-dev/ramp/internal/output"
)

type dashboard struct {
	Inputs []struct {
		Name, Type, PluginID string
	} `json:"__inputs"`
	Templating struct {
		List []struct {
			Name, Type string
			Query      any
			Current    struct{ Value any } `json:"current"`
		}
	}
	Panels []panel
}

type panel struct {
	ID         int
	Type       string
	Title      string
	Datasource *struct{ Type, UID string }
	Targets    []struct {
		RefID      string `json:"refId"`
		Expr       string
		Datasource *struct{ Type, UID string }
	}
	Panels []panel // a collapsed row's
}

func load(t *testing.T) *dashboard {
	t.Helper()
	b, err := os.ReadFile("ramp.json")
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("ramp.json: %v", err)
	}
	return &d
}

// rampNames are the metric names ramp exports, from a real registry feeding a real Live with
// every kind of sample, trends both as native histograms and as gauges.
func rampNames(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, native := range []bool{true, false} {
		live := output.NewLive(output.LiveOptions{NativeHistograms: native,
			TargetRate: func(time.Duration) (float64, bool) { return 100, true }})
		reg, err := metrics.NewRegistry(metrics.Config{Output: live})
		if err != nil {
			t.Fatal(err)
		}
		tags := metrics.NewTags(map[string]string{"name": "list", "scenario": "default", "group": "::g"})
		rec := reg.Recorder()
		rec.HTTP(&metrics.HTTPSample{Time: time.Now(), Tags: tags, Status: 200, Expected: true, Duration: time.Millisecond, HasCorrected: true, Corrected: time.Millisecond})
		rec.HTTP(&metrics.HTTPSample{Time: time.Now(), Tags: tags, Status: 503, Duration: time.Millisecond})
		rec.Check(tags, "status is 200", true)
		rec.Group(tags, time.Millisecond)
		rec.Iteration(tags, time.Millisecond, true)
		reg.DroppedIteration(tags)
		reg.SetVUs(1, 2)
		if err := reg.Close(); err != nil {
			t.Fatal(err)
		}
		for _, e := range live.Collect(time.Now()) {
			names[e.Name] = true
		}
	}
	return names
}

// minaNames are the metric names a real mina serves at /metrics after a request, with the
// series names of its histograms (_bucket, _count, _sum).
func minaNames(t *testing.T) map[string]bool {
	t.Helper()
	m := &app.Main{
		Config: app.Config{DatabaseURL: "sqlite:" + filepath.Join(t.TempDir(), "mina.db"), CacheTTL: time.Minute, TokenTTL: time.Minute},
		Addr:   "127.0.0.1:0", Migrate: true,
	}
	if err := m.Open(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	_, token, err := m.DB.CreateUser(context.Background(), "dash@example.com", "Dash")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", m.URL()+"/api/meetings", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(m.URL() + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	tp := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := tp.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]bool{}
	for name, f := range fams {
		names[name] = true
		if f.GetType().String() == "HISTOGRAM" || f.GetType().String() == "SUMMARY" {
			names[name+"_bucket"], names[name+"_count"], names[name+"_sum"] = true, true, true
		}
	}
	return names
}

// substitute replaces Grafana's variables with values PromQL parses, as Grafana would.
func substitute(expr string, d *dashboard) string {
	r := []string{"$__rate_interval", "1m", "$__interval", "15s", "$__range", "1h"}
	for _, v := range d.Templating.List {
		val := ".*"
		if v.Type == "textbox" || v.Type == "constant" {
			val, _ = v.Query.(string)
		}
		r = append(r, "${"+v.Name+"}", val, "$"+v.Name, val)
	}
	return strings.NewReplacer(r...).Replace(expr)
}

func TestDashboardQueriesNameRealMetrics(t *testing.T) {
	d := load(t)
	ramp, mina := rampNames(t), minaNames(t)
	for _, want := range []string{"ramp_http_reqs_total", "ramp_http_req_duration_seconds", "ramp_http_req_duration_p95", "ramp_vus", "ramp_dropped_iterations_total", "ramp_target_rate"} {
		if !ramp[want] {
			t.Fatalf("ramp's output lacks %s; it has %v", want, keys(ramp))
		}
	}
	used := map[string]bool{}
	queries := 0
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if p.Datasource == nil || p.Datasource.UID != "${DS_PROMETHEUS}" {
				t.Errorf("panel %q: datasource %+v, want uid ${DS_PROMETHEUS}", p.Title, p.Datasource)
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				queries++
				expr := substitute(tg.Expr, d)
				ast, err := parser.NewParser(parser.Options{}).ParseExpr(expr)
				if err != nil {
					t.Errorf("panel %q query %s: %v\n%s", p.Title, tg.RefID, err, expr)
					continue
				}
				parser.Inspect(ast, func(n parser.Node, _ []parser.Node) error {
					vs, ok := n.(*parser.VectorSelector)
					if !ok {
						return nil
					}
					name := vs.Name
					for _, m := range vs.LabelMatchers {
						if m.Name == model.MetricNameLabel {
							name = m.Value
						}
					}
					used[name] = true
					if !ramp[name] && !mina[name] {
						t.Errorf("panel %q query %s uses %s, which neither ramp nor mina emits", p.Title, tg.RefID, name)
					}
					return nil
				})
			}
		}
	}
	walk(d.Panels)
	if queries < 10 {
		t.Errorf("only %d queries", queries)
	}
	// The panels the dashboard promises.
	for _, want := range []string{"ramp_http_reqs_total", "ramp_target_rate", "ramp_http_req_duration_seconds",
		"ramp_vus", "ramp_dropped_iterations_total", "process_cpu_seconds_total", "process_resident_memory_bytes",
		"mina_db_pool_in_use_connections"} {
		if !used[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
	ds := false
	for _, v := range d.Templating.List {
		ds = ds || v.Name == "DS_PROMETHEUS" && v.Type == "datasource"
	}
	if !ds {
		t.Error("no datasource variable DS_PROMETHEUS: the dashboard would not import as is")
	}
}

func keys(m map[string]bool) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
