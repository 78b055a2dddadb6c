package monitor_test

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/monitor"
	"github.com/ramp-dev/ramp/internal/plan"
)

// FuzzCompile feeds Compile whatever a YAML mapping can decode to, under every kind: it must
// return monitors or an error, never panic, and never touch the network (nothing is sampled).
func FuzzCompile(f *testing.F) {
	for _, seed := range []string{
		"pid: 1\ninterval: 2s",
		"name: mina\ntimeout: 0.5",
		"url: http://127.0.0.1:5000/metrics\nseries: [{name: w, metric: m_total, labels: {pool: read}, rate: true}]",
		"url: http://127.0.0.1:5000/metrics\nseries: [{name: b, metric: lat_bucket, labels: {le: 0.5}}]",
		"dsn: postgres://u@127.0.0.1:5432/x?sslmode=disable\ninterval: 100ms",
		"url: redis://127.0.0.1:6379/0",
		"series: [null, 1, [2], {labels: [a]}]\ninterval: 1e300",
		"pid: 99999999999999999999\ninterval: -1",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var spec map[string]any
		if yaml.Unmarshal([]byte(src), &spec) != nil {
			return
		}
		for _, kind := range []string{"process", "prometheus", "postgres", "redis"} {
			ms, err := monitor.Compile([]plan.Monitor{{Name: "m", Kind: kind, Spec: spec, Line: 1}})
			if err == nil {
				monitor.CloseAll(ms)
			} else if err.Error() == "" {
				t.Errorf("%s: an empty error for %q", kind, src)
			}
		}
	})
}
