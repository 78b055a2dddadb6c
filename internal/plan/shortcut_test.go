package plan

import (
	"strings"
	"testing"
	"time"
)

// k6's execution shortcuts: which scenario each combination makes, and the combinations k6
// refuses.
func TestApplyShortcut(t *testing.T) {
	t.Parallel()
	two := []Stage{{Duration: 30 * time.Second, Target: 10}, {Duration: 10 * time.Second, Target: 0}}
	tests := []struct {
		name  string
		sc    Shortcut
		flows []string
		want  Scenario // compared on the fields the shortcut sets
		err   string
	}{
		{"none leaves the file's scenarios", Shortcut{}, []string{"default"}, Scenario{Name: "file"}, ""},
		{"duration: constant-vus, 1 VU", Shortcut{Duration: time.Minute, DurationSet: true}, []string{"default"},
			Scenario{Name: "default", Executor: ConstantVUs, Exec: "default", VUs: 1, Duration: time.Minute}, ""},
		{"vus and duration", Shortcut{VUs: 10, VUsSet: true, Duration: 30 * time.Second, DurationSet: true}, []string{"default"},
			Scenario{Name: "default", Executor: ConstantVUs, Exec: "default", VUs: 10, Duration: 30 * time.Second}, ""},
		{"iterations: shared-iterations, maxDuration 10m", Shortcut{Iterations: 100, IterationsSet: true}, []string{"default"},
			Scenario{Name: "default", Executor: SharedIterations, Exec: "default", VUs: 1, Iterations: 100, MaxDuration: 10 * time.Minute}, ""},
		{"iterations win over duration, which bounds them", Shortcut{Iterations: 5, IterationsSet: true, Duration: time.Second, DurationSet: true, VUs: 2, VUsSet: true},
			[]string{"default"}, Scenario{Name: "default", Executor: SharedIterations, Exec: "default", VUs: 2, Iterations: 5, MaxDuration: time.Second}, ""},
		{"stages: ramping-vus from --vus", Shortcut{Stages: two, VUs: 3, VUsSet: true}, []string{"default"},
			Scenario{Name: "default", Executor: RampingVUs, Exec: "default", StartVUs: 3, Stages: two}, ""},
		{"the file's only flow", Shortcut{Duration: time.Second, DurationSet: true}, []string{"browse"},
			Scenario{Name: "default", Executor: ConstantVUs, Exec: "browse", VUs: 1, Duration: time.Second}, ""},
		{"several flows, none default", Shortcut{Duration: time.Second, DurationSet: true}, []string{"a", "b"}, Scenario{}, "none of that name (a, b)"},
		{"stages and iterations", Shortcut{Stages: two, Iterations: 1, IterationsSet: true}, []string{"default"}, Scenario{}, "exclusive"},
		{"stages and duration", Shortcut{Stages: two, Duration: time.Second, DurationSet: true}, []string{"default"}, Scenario{}, "exclusive"},
		{"vus alone", Shortcut{VUs: 3, VUsSet: true}, []string{"default"}, Scenario{}, "--vus needs"},
		{"zero vus", Shortcut{VUs: 0, VUsSet: true, Duration: time.Second, DurationSet: true}, []string{"default"}, Scenario{}, "at least 1 VU"},
		{"zero duration", Shortcut{Duration: 0, DurationSet: true}, []string{"default"}, Scenario{}, "positive duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := &Plan{Scenarios: []Scenario{{Name: "file", Executor: ConstantArrivalRate}}, Flows: map[string]*Flow{}}
			for _, f := range tt.flows {
				p.Flows[f] = &Flow{Name: f}
			}
			err := p.ApplyShortcut(tt.sc)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("want an error with %q, got %v", tt.err, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Scenarios) != 1 {
				t.Fatalf("%d scenarios, want 1", len(p.Scenarios))
			}
			got, w := p.Scenarios[0], tt.want
			if got.Name != w.Name || got.Executor != w.Executor && w.Executor != "" || got.Exec != w.Exec ||
				got.VUs != w.VUs || got.Duration != w.Duration || got.Iterations != w.Iterations ||
				got.MaxDuration != w.MaxDuration || got.StartVUs != w.StartVUs || len(got.Stages) != len(w.Stages) {
				t.Errorf("got %+v\nwant %+v", got, w)
			}
			if w.Name == "default" && got.GracefulStop != 30*time.Second {
				t.Errorf("gracefulStop %v, want k6's 30s", got.GracefulStop)
			}
		})
	}
}

func TestParseStage(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]Stage{"30s:10": {30 * time.Second, 10}, "1m30s:0": {90 * time.Second, 0}, " 5s : 3 ": {5 * time.Second, 3}} {
		if got, err := ParseStage(in); err != nil || got != want {
			t.Errorf("ParseStage(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"10", "30s", ":10", "30s:", "x:10", "30s:-1", "-5s:3", "30s:ten"} {
		if _, err := ParseStage(in); err == nil {
			t.Errorf("ParseStage(%q) accepted", in)
		}
	}
}
