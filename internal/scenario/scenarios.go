package scenario

import (
	"fmt"
	"regexp"
	"sort"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/ramp-dev/ramp/internal/plan"
)

// k6's defaults and limits (lib/executor/*_config.go).
const (
	DefaultGracefulStop     = 30 * time.Second
	DefaultGracefulRampDown = 30 * time.Second
	DefaultTimeUnit         = time.Second
	DefaultMaxDuration      = 10 * time.Minute
	// MinDuration is the shortest duration / maxDuration k6 accepts.
	MinDuration = time.Second
	// DefaultExec is the flow a scenario runs when it names none.
	DefaultExec = "default"
)

// scenarioName is k6's rule for scenario names.
var scenarioName = regexp.MustCompile(`^[0-9a-zA-Z_-]+$`)

// identifier is a name a template can read: feeders and capture variables.
var identifier = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// executors lists the executor names.
var executors = []string{plan.ConstantVUs, plan.RampingVUs, plan.ConstantArrivalRate,
	plan.RampingArrivalRate, plan.PerVUIterations, plan.SharedIterations}

// commonKeys are the options every executor takes.
var commonKeys = []string{"executor", "startTime", "gracefulStop", "exec", "tags"}

// executorKeys are each executor's own options, as k6 names them.
var executorKeys = map[string][]string{
	plan.ConstantVUs:         {"vus", "duration"},
	plan.RampingVUs:          {"startVUs", "stages", "gracefulRampDown"},
	plan.ConstantArrivalRate: {"rate", "timeUnit", "duration", "preAllocatedVUs", "maxVUs"},
	plan.RampingArrivalRate:  {"startRate", "timeUnit", "stages", "preAllocatedVUs", "maxVUs"},
	plan.PerVUIterations:     {"vus", "iterations", "maxDuration"},
	plan.SharedIterations:    {"vus", "iterations", "maxDuration"},
}

// scenarios compiles `scenarios`, sorted by name. With no `scenarios` key the file runs k6's
// default: one VU running the "default" flow once (per-vu-iterations, vus 1, iterations 1).
func (c *compiler) scenarios(top *obj, flows map[string]*plan.Flow) []plan.Scenario {
	n, path := top.get("scenarios")
	if n == nil {
		s := plan.Scenario{Name: "default", Executor: plan.PerVUIterations, Exec: DefaultExec,
			GracefulStop: DefaultGracefulStop, VUs: 1, Iterations: 1, MaxDuration: DefaultMaxDuration}
		if _, ok := flows[DefaultExec]; !ok && len(flows) > 0 {
			c.errAt(top.node, "scenarios", `no scenarios, and no flow named "default" to run once`,
				"add a scenarios: section whose exec names one of your flows")
		}
		return []plan.Scenario{s}
	}
	o := c.object(n, path, nil)
	if o == nil {
		return nil
	}
	if len(o.order) == 0 {
		c.errAt(n, path, "no scenarios", "add one, e.g. `read: { executor: constant-vus, vus: 10, duration: 1m }`")
	}
	var out []plan.Scenario
	for _, name := range o.order {
		v, p := o.get(name)
		if !scenarioName.MatchString(name) {
			c.errAt(o.keys[name], p, fmt.Sprintf("scenario name %q may hold only letters, digits, '_' and '-'", name), "")
		}
		if v == nil {
			c.errAt(o.keys[name], p, "a scenario needs an executor and its options", "")
			continue
		}
		if s, ok := c.scenario(name, v, p, flows); ok {
			out = append(out, s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// scenario compiles one scenario and applies k6's defaults and checks for its executor.
func (c *compiler) scenario(name string, n *yaml.Node, path string, flows map[string]*plan.Flow) (plan.Scenario, bool) {
	s := plan.Scenario{Name: name, Exec: DefaultExec, GracefulStop: DefaultGracefulStop}
	from := len(c.errs)
	o := c.object(n, path, nil)
	if o == nil {
		return s, false
	}
	known := false
	if o.has("executor") && o.str("executor", &s.Executor) {
		if known = executorKeys[s.Executor] != nil; !known {
			v, p := o.get("executor")
			c.errAt(v, p, fmt.Sprintf("unknown executor %q", s.Executor), didYouMean(s.Executor, executors))
		}
	}
	// Keys first, so that a misspelt "executor" is reported once, as a typo.
	c.checkScenarioKeys(o, s.Executor, known)
	o.require("executor", "one of "+quoteList(executors))

	o.duration("startTime", &s.StartTime)
	o.duration("gracefulStop", &s.GracefulStop)
	if o.str("exec", &s.Exec) {
		if _, ok := flows[s.Exec]; !ok {
			v, p := o.get("exec")
			c.errAt(v, p, fmt.Sprintf("no flow named %q", s.Exec), didYouMean(s.Exec, flowNames(flows)))
		}
	} else if !o.has("exec") {
		if _, ok := flows[DefaultExec]; !ok {
			c.errAt(o.node, join(path, "exec"), `no exec, and no flow named "default"`,
				"name the flow to run: exec: "+firstOr(flowNames(flows), "<flow>"))
		}
	}
	if v, p := o.get("tags"); v != nil {
		s.Tags = c.stringMap(v, p)
	}
	if !known {
		return s, false
	}
	switch s.Executor {
	case plan.ConstantVUs:
		c.constantVUs(o, &s)
	case plan.RampingVUs:
		c.rampingVUs(o, &s)
	case plan.ConstantArrivalRate:
		c.constantArrivalRate(o, &s)
	case plan.RampingArrivalRate:
		c.rampingArrivalRate(o, &s)
	case plan.PerVUIterations, plan.SharedIterations:
		c.iterations(o, &s)
	}
	c.checkExecutor(o, s, from)
	return s, true
}

// checkScenarioKeys reports keys that are unknown, or that belong to another executor (k6
// rejects `rate` on constant-vus).
func (c *compiler) checkScenarioKeys(o *obj, executor string, known bool) {
	allowed := append([]string(nil), commonKeys...)
	if known {
		allowed = append(allowed, executorKeys[executor]...)
	}
	for _, key := range o.order {
		if contains(allowed, key) {
			continue
		}
		var owners []string
		for _, e := range executors {
			if contains(executorKeys[e], key) {
				owners = append(owners, e)
			}
		}
		p := join(o.path, key)
		switch {
		case len(owners) > 0 && known:
			c.errAt(o.keys[key], p, fmt.Sprintf("option %q does not apply to executor %s", key, executor),
				fmt.Sprintf("it is an option of %s; remove it or change the executor", quoteList(owners)))
		case len(owners) == 0:
			candidates := allowed
			if !known {
				candidates = allKeys()
			}
			c.errAt(o.keys[key], p, fmt.Sprintf("unknown key %q", key), didYouMean(key, candidates))
			o.unknown = append(o.unknown, key)
		}
	}
}

// allKeys lists every scenario option of every executor.
func allKeys() []string {
	keys := append([]string(nil), commonKeys...)
	for _, e := range executors {
		for _, k := range executorKeys[e] {
			if !contains(keys, k) {
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// The executor options are read here with k6's defaults; whether their values make a valid
// scenario is executor.Validate's to say (see checkExecutor), so that the file is accepted
// exactly when the executor will run it. What stays here is about the file: types, keys that
// k6 requires, and k6's minimum of 1s for duration and maxDuration, which the executor does
// not have because --time-scale compresses a run below it.

// constantVUs: vus (default 1) looping for duration (required, at least 1s).
func (c *compiler) constantVUs(o *obj, s *plan.Scenario) {
	s.VUs = 1
	o.count("vus", &s.VUs)
	c.requiredDuration(o, "duration", &s.Duration)
}

// rampingVUs: startVUs (default 1) then stages; gracefulRampDown default 30s.
func (c *compiler) rampingVUs(o *obj, s *plan.Scenario) {
	s.StartVUs, s.GracefulRampDown = 1, DefaultGracefulRampDown
	o.count("startVUs", &s.StartVUs)
	o.duration("gracefulRampDown", &s.GracefulRampDown)
	s.Stages = c.stages(o)
}

// constantArrivalRate: rate (required) iterations per timeUnit for duration, with VUs from a
// pool.
func (c *compiler) constantArrivalRate(o *obj, s *plan.Scenario) {
	s.TimeUnit = DefaultTimeUnit
	if o.require("rate", "iterations started per timeUnit, e.g. rate: 100") {
		o.integer("rate", &s.Rate)
	}
	o.duration("timeUnit", &s.TimeUnit)
	c.requiredDuration(o, "duration", &s.Duration)
	c.vuPool(o, s)
}

// rampingArrivalRate: from startRate (default 0) through stages of rates per timeUnit.
func (c *compiler) rampingArrivalRate(o *obj, s *plan.Scenario) {
	s.TimeUnit = DefaultTimeUnit
	o.integer("startRate", &s.StartRate)
	o.duration("timeUnit", &s.TimeUnit)
	s.Stages = c.stages(o)
	c.vuPool(o, s)
}

// iterations: per-vu-iterations and shared-iterations (vus 1, iterations 1, maxDuration 10m,
// at least 1s).
func (c *compiler) iterations(o *obj, s *plan.Scenario) {
	s.VUs, s.Iterations, s.MaxDuration = 1, 1, DefaultMaxDuration
	o.count("vus", &s.VUs)
	o.integer("iterations", &s.Iterations)
	if o.duration("maxDuration", &s.MaxDuration) && s.MaxDuration < MinDuration {
		v, p := o.get("maxDuration")
		c.errAt(v, p, fmt.Sprintf("the maxDuration should be at least %s, but is %s", MinDuration, s.MaxDuration), "")
	}
}

// vuPool reads preAllocatedVUs (required) and maxVUs (default preAllocatedVUs).
func (c *compiler) vuPool(o *obj, s *plan.Scenario) {
	if o.require("preAllocatedVUs", "the VUs started before the test, e.g. preAllocatedVUs: 50") {
		o.count("preAllocatedVUs", &s.PreAllocatedVUs)
	}
	s.MaxVUs = s.PreAllocatedVUs
	o.count("maxVUs", &s.MaxVUs)
}

// requiredDuration reads a duration k6 requires, of at least MinDuration.
func (c *compiler) requiredDuration(o *obj, key string, dst *time.Duration) {
	if !o.require(key, `how long the scenario runs, e.g. "5m"`) {
		return
	}
	if o.duration(key, dst) && *dst < MinDuration {
		v, p := o.get(key)
		c.errAt(v, p, fmt.Sprintf("the %s should be at least %s, but is %s", key, MinDuration, *dst), "")
	}
}

var stageKeys = []string{"duration", "target"}

// stages reads the list of {duration, target}, both required.
func (c *compiler) stages(o *obj) []plan.Stage {
	if !o.require("stages", "list the steps, e.g. - { duration: 1m, target: 100 }") {
		return nil
	}
	n, path := o.get("stages")
	items, ok := c.list(n, path)
	if !ok {
		return nil
	}
	stages := make([]plan.Stage, 0, len(items))
	for i, item := range items {
		so := c.object(item, index(path, i), stageKeys)
		if so == nil {
			continue
		}
		var st plan.Stage
		if so.require("duration", "") {
			so.duration("duration", &st.Duration)
		}
		if so.require("target", "") {
			so.integer("target", &st.Target)
		}
		stages = append(stages, st)
	}
	return stages
}

// flowNames lists the flows, sorted.
func flowNames(flows map[string]*plan.Flow) []string {
	names := make([]string, 0, len(flows))
	for n := range flows {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func firstOr(list []string, def string) string {
	if len(list) > 0 {
		return list[0]
	}
	return def
}
