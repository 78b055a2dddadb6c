package plan

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Shortcut is k6's execution shortcuts (`--vus`, `--duration`, `--iterations`, `--stage`):
// given on the command line, they replace the file's scenarios with one scenario named
// "default", as k6's do:
//
//	--iterations N [--vus V] [--duration D]  shared-iterations: N iterations shared by V VUs
//	                                         (default 1), maxDuration D (default 10m)
//	--duration D [--vus V]                   constant-vus: V VUs (default 1) for D
//	--stage D:T... [--vus V]                 ramping-vus from V VUs (default 1) through the stages
//
// --iterations with --stage and --duration with --stage are errors (k6: "using multiple
// execution config shortcuts simultaneously"). --vus alone changes nothing in k6 when the
// script has scenarios, silently; here it is an error, since every scenario file has them.
type Shortcut struct {
	VUs        int
	Duration   time.Duration
	Iterations int64
	Stages     []Stage
	// VUsSet, DurationSet and IterationsSet say the flag was given (a zero is then an error).
	VUsSet, DurationSet, IterationsSet bool
}

// DefaultScenario is the name of the scenario the shortcuts make: k6's.
const DefaultScenario = "default"

// k6's defaults of the scenario the shortcuts make.
const (
	defaultGracefulStop = 30 * time.Second
	defaultMaxDuration  = 10 * time.Minute
)

// Set reports whether any shortcut replaces the scenarios.
func (s Shortcut) Set() bool {
	return s.DurationSet || s.IterationsSet || len(s.Stages) > 0
}

// Check reports a combination or value that k6 refuses, or that would be silently ignored.
func (s Shortcut) Check() error {
	switch {
	case s.VUsSet && s.VUs < 1:
		return fmt.Errorf("--vus %d: want at least 1 VU", s.VUs)
	case s.DurationSet && s.Duration <= 0:
		return fmt.Errorf("--duration %v: want a positive duration such as 30s", s.Duration)
	case s.IterationsSet && s.Iterations < 1:
		return fmt.Errorf("--iterations %d: want at least 1", s.Iterations)
	case len(s.Stages) > 0 && s.IterationsSet:
		return errors.New("--iterations and --stage are exclusive (as in k6): shared iterations or ramping VUs")
	case len(s.Stages) > 0 && s.DurationSet:
		return errors.New("--duration and --stage are exclusive (as in k6): the stages say how long the test lasts")
	case s.VUsSet && !s.Set():
		return errors.New("--vus needs --duration, --iterations or --stage, which replace the file's scenarios with one; to change a scenario's VUs, make them a variable of the file (vus: ${VUS:-10}) and set it with -e VUS=N")
	}
	return nil
}

// ParseStage parses one --stage, k6's `DURATION:TARGET` ("30s:10").
func ParseStage(s string) (Stage, error) {
	d, t, ok := strings.Cut(s, ":")
	if !ok {
		return Stage{}, errors.New("want DURATION:TARGET, e.g. 30s:10")
	}
	dur, err := time.ParseDuration(strings.TrimSpace(d))
	if err != nil || dur < 0 {
		return Stage{}, fmt.Errorf("duration %q: want a Go duration such as 30s or 1m30s", d)
	}
	target, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || target < 0 {
		return Stage{}, fmt.Errorf("target %q: want a number of VUs, 0 or more", t)
	}
	return Stage{Duration: dur, Target: target}, nil
}

// ApplyShortcut replaces the plan's scenarios with the one the shortcut makes (see Shortcut);
// without one it changes nothing, and --vus alone is an error. The scenario runs the flow "default", or the file's
// only flow; a file with several flows and none named default is an error.
func (p *Plan) ApplyShortcut(s Shortcut) error {
	if err := s.Check(); err != nil {
		return err
	}
	if !s.Set() {
		return nil
	}
	exec, err := p.defaultFlow()
	if err != nil {
		return err
	}
	vus := 1
	if s.VUsSet {
		vus = s.VUs
	}
	sc := Scenario{Name: DefaultScenario, Exec: exec, GracefulStop: defaultGracefulStop}
	switch {
	case s.IterationsSet:
		sc.Executor, sc.VUs, sc.Iterations, sc.MaxDuration = SharedIterations, vus, s.Iterations, defaultMaxDuration
		if s.DurationSet {
			sc.MaxDuration = s.Duration
		}
	case s.DurationSet:
		sc.Executor, sc.VUs, sc.Duration = ConstantVUs, vus, s.Duration
	default:
		sc.Executor, sc.StartVUs, sc.GracefulRampDown = RampingVUs, vus, defaultGracefulStop
		sc.Stages = append([]Stage(nil), s.Stages...)
	}
	p.Scenarios = []Scenario{sc}
	return nil
}

// defaultFlow is the flow the shortcuts' scenario runs.
func (p *Plan) defaultFlow() (string, error) {
	if _, ok := p.Flows[DefaultScenario]; ok {
		return DefaultScenario, nil
	}
	if len(p.Flows) == 1 {
		for name := range p.Flows {
			return name, nil
		}
	}
	names := make([]string, 0, len(p.Flows))
	for name := range p.Flows {
		names = append(names, name)
	}
	sort.Strings(names)
	return "", fmt.Errorf("--vus/--duration/--iterations/--stage run the flow %q, and the file has several flows but none of that name (%s): name one of them default", DefaultScenario, strings.Join(names, ", "))
}
