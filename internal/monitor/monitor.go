package monitor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
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

// Unconfigured is a monitor whose source key (url, dsn, pid, pidfile, process) is present but
// empty, as "url: ${MONITOR_METRICS_URL:-}" is when the variable is not set: the scenario
// can watch that source, this run does not. It is neither an error nor started.
type Unconfigured struct {
	Name   string // the monitor's name, or its kind when it has none
	Kind   string
	Reason string // e.g. "url is empty (set MONITOR_METRICS_URL or write url:)"
	Line   int    // 0 when unknown
}

// String says which monitor is left out and why, in the words of ConfigError.
func (u Unconfigured) String() string {
	s := fmt.Sprintf("monitor %q", u.Name)
	if u.Line > 0 {
		s += fmt.Sprintf(" (line %d)", u.Line)
	}
	return s + " is not configured for this run: " + u.Reason
}

// Compile validates monitor configs and builds them. Errors name the monitor and line; every
// problem of every monitor is reported (errors.Join of *ConfigError), and when there is any
// problem no monitor is returned, so nothing is left open.
//
// A monitor whose source key is empty is not built: it is listed in the second result, with
// or without an error, and its other keys are checked all the same. A source key that is
// absent where one is required stays an error.
//
// A monitor without a name is named after its kind; two monitors may not share a name.
func Compile(ms []plan.Monitor) ([]Monitor, []Unconfigured, error) {
	var (
		out    []Monitor
		unconf []Unconfigured
		errs   []error
		seen   = map[string]int{}
	)
	for _, pm := range ms {
		m, u, err := compileOne(pm, seen)
		switch {
		case err != nil:
			errs = append(errs, err)
		case u != nil:
			unconf = append(unconf, *u)
		default:
			out = append(out, m)
		}
	}
	if len(errs) > 0 {
		CloseAll(out)
		return nil, unconf, errors.Join(errs...)
	}
	return out, unconf, nil
}

// compileOne builds one monitor, or says why it is unconfigured, or returns its
// *ConfigError.
func compileOne(pm plan.Monitor, seen map[string]int) (Monitor, *Unconfigured, error) {
	name := pm.Name
	if name == "" {
		name = pm.Kind
	}
	fail := func(err error) error { return &ConfigError{Monitor: name, Line: pm.Line, Err: err} }
	switch pm.Kind {
	case "process", "prometheus", "postgres", "redis":
	default:
		return nil, nil, fail(fmt.Errorf("unknown kind %q: use process, prometheus, postgres or redis", pm.Kind))
	}
	if !validName.MatchString(name) {
		return nil, nil, fail(fmt.Errorf("name %q must be letters, digits, '_' or '-', starting with a letter or '_'", name))
	}
	if line, dup := seen[name]; dup {
		return nil, nil, fail(fmt.Errorf("a monitor named %q is already defined (line %d); give each a distinct name", name, line))
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
		return nil, nil, fail(err)
	}
	if len(s.unset) > 0 {
		m.Close()
		return nil, &Unconfigured{Name: name, Kind: pm.Kind, Reason: unsetReason(s.unset, pm.Refs), Line: pm.Line}, nil
	}
	return m, nil, nil
}

// unsetReason says which source keys are empty and, when the file filled them from
// variables, which to set:
//
//	url is empty (set MONITOR_METRICS_URL or write url:)
//	pid and process are empty (set TARGET_PID or TARGET_NAME, or write pid: or process:)
//	dsn is empty
func unsetReason(keys []string, refs map[string][]string) string {
	var vars, writes []string
	for _, k := range keys {
		writes = append(writes, k+":")
		for _, v := range refs[k] {
			if !slices.Contains(vars, v) {
				vars = append(vars, v)
			}
		}
	}
	reason := keys[0] + " is empty"
	if len(keys) > 1 {
		reason = list(keys, "and") + " are empty"
	}
	switch {
	case len(vars) == 0:
		return reason
	case len(keys) == 1:
		return fmt.Sprintf("%s (set %s or write %s)", reason, list(vars, "or"), writes[0])
	}
	return fmt.Sprintf("%s (set %s, or write %s)", reason, list(vars, "or"), list(writes, "or"))
}

// list joins items as prose: "a", "a or b", "a, b or c".
func list(items []string, conj string) string {
	if len(items) == 1 {
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " " + conj + " " + items[len(items)-1]
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
