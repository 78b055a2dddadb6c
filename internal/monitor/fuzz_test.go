package monitor_test

import (
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// FuzzCompile feeds Compile whatever a YAML mapping can decode to, under every kind: it must
// build the monitor, say why it is unconfigured, or return an error, never panic, and never
// touch the network (nothing is sampled).
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
		"pid: ''\nprocess: ''\nurl: ''\ndsn: ''",
		"url: http://127.0.0.1:5000/metrics\nseries: [{name: r, metric: h_total, over: [h_total, m_total], rate: true}]",
		"url: ''\nseries: [{name: r, metric: h, over: []}, {name: s, metric: h, over: [1, '']}]",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var spec map[string]any
		if yaml.Unmarshal([]byte(src), &spec) != nil {
			return
		}
		for _, kind := range []string{"process", "prometheus", "postgres", "redis"} {
			ms, unconf, err := compileRaw([]monitor.Raw{{Name: "m", Kind: kind, Spec: spec, Line: 1}})
			switch {
			case err != nil && err.Error() == "":
				t.Errorf("%s: an empty error for %q", kind, src)
			case err == nil && len(ms)+len(unconf) != 1:
				t.Errorf("%s: %d monitors and %d unconfigured for %q; want the one either built or unconfigured", kind, len(ms), len(unconf), src)
			case len(unconf) == 1 && unconf[0].Reason == "":
				t.Errorf("%s: unconfigured without a reason for %q", kind, src)
			}
			monitor.CloseAll(ms)
		}
	})
}
