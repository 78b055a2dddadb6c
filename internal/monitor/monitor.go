package monitor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
)

// Monitor reads one source of the target (a process, a /metrics endpoint, a database, a
// cache).
//
// Contract: Sample is called from one goroutine at a time and returns soon after ctx ends. It
// returns the figures it could read; it may return some readings together with an error when
// part of the source could not be read (a Prometheus series that is absent), and it keeps the
// state it needs for rates between calls. After a failed Sample the next one tries again
// (reconnecting when needed). Close releases connections; Sample is not called after it.
type Monitor interface {
	Name() string
	Kind() string
	// Sample reads the source once; readings are values for the series of this monitor.
	Sample(ctx context.Context) ([]Reading, error)
	Close() error
}

// Timing is implemented by monitors that say how often to read them and how long one reading
// may take. The Runner reads a Monitor without it every DefaultInterval, with a timeout of 90%
// of that.
type Timing interface {
	Interval() time.Duration
	Timeout() time.Duration
}

// Reading is one value of one series of a monitor. Series is the figure's name without the
// monitor prefix ("rss_bytes"); Unit is "bytes", "percent", "count", "ratio", "per_second" or,
// for Prometheus series, what the scenario says.
type Reading struct {
	Series string
	Value  float64
	Unit   string
}

// Units of the built-in figures.
const (
	UnitBytes     = "bytes"
	UnitPercent   = "percent"
	UnitCount     = "count"
	UnitRatio     = "ratio"
	UnitPerSecond = "per_second"
)

// timing is embedded by every monitor of this package: name, kind, interval and timeout.
type timing struct {
	name, kind        string
	interval, timeout time.Duration
}

// Name is the monitor's name, the prefix of its series.
func (t timing) Name() string { return t.name }

// Kind is process, prometheus, postgres or redis.
func (t timing) Kind() string { return t.kind }

// Interval is how often the Runner reads the monitor.
func (t timing) Interval() time.Duration { return t.interval }

// Timeout bounds one reading.
func (t timing) Timeout() time.Duration { return t.timeout }

// newTiming fills the default interval and timeout of the exported constructors.
func newTiming(name, kind string, interval time.Duration) timing {
	if interval <= 0 {
		interval = DefaultInterval
	}
	return timing{name: name, kind: kind, interval: interval, timeout: defaultTimeout(interval)}
}

// validName keeps series names ("<monitor>.<figure>") unambiguous and usable as metric keys.
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// build compiles the kind-specific keys of a spec; the common keys are read already. named
// says whether the scenario gave the monitor a name. ok is false for an unknown kind.
func build(kind string, t timing, s *spec, named bool) (m Monitor, ok bool) {
	switch kind {
	case "process":
		return buildProcess(t, s, named), true
	case "prometheus":
		return buildPrometheus(t, s), true
	case "postgres":
		return buildPostgres(t, s), true
	case "redis":
		return buildRedis(t, s), true
	}
	return nil, false
}

// Compile validates monitor configs and builds them. Errors name the monitor and line; every
// problem of every monitor is reported (errors.Join of *ConfigError), and when there is any
// problem no monitor is returned, so nothing is left open.
//
// A monitor without a name is named after its kind; two monitors may not share a name.
func Compile(ms []plan.Monitor) ([]Monitor, error) {
	var (
		out  []Monitor
		errs []error
		seen = map[string]int{}
	)
	for _, pm := range ms {
		m, err := compileOne(pm, seen)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, m)
	}
	if len(errs) > 0 {
		CloseAll(out)
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// compileOne builds one monitor or returns its *ConfigError.
func compileOne(pm plan.Monitor, seen map[string]int) (Monitor, error) {
	name := pm.Name
	if name == "" {
		name = pm.Kind
	}
	fail := func(err error) error { return &ConfigError{Monitor: name, Line: pm.Line, Err: err} }
	switch pm.Kind {
	case "process", "prometheus", "postgres", "redis":
	default:
		return nil, fail(fmt.Errorf("unknown kind %q: use process, prometheus, postgres or redis", pm.Kind))
	}
	if !validName.MatchString(name) {
		return nil, fail(fmt.Errorf("name %q must be letters, digits, '_' or '-', starting with a letter or '_'", name))
	}
	if line, dup := seen[name]; dup {
		return nil, fail(fmt.Errorf("a monitor named %q is already defined (line %d); give each a distinct name", name, line))
	}
	seen[name] = pm.Line
	s := newSpec(pm.Spec)
	interval, timeout := s.timing()
	t := timing{name: name, kind: pm.Kind, interval: interval, timeout: timeout}
	m, _ := build(pm.Kind, t, s, pm.Name != "")
	if err := s.finish(); err != nil {
		if m != nil {
			m.Close()
		}
		return nil, fail(err)
	}
	return m, nil
}

// CloseAll closes every monitor and returns their errors joined.
func CloseAll(ms []Monitor) error {
	var errs []error
	for _, m := range ms {
		if err := m.Close(); err != nil {
			errs = append(errs, fmt.Errorf("monitor %q: %w", m.Name(), err))
		}
	}
	return errors.Join(errs...)
}
