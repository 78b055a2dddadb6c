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

// validName keeps series names ("<monitor>.<figure>") unambiguous and usable as metric keys.
var validName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*$`)

// kinds are the kinds of monitor.
var kinds = []string{"process", "prometheus", "postgres", "redis"}

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

// Raw is a monitor as the scenario compiler reads it: its name and kind, the kind's keys
// decoded (strings, int64, float64, bool, lists and maps as YAML decodes them) in Spec, and
// for each key written with ${...} references the variables they name, so that a monitor whose
// source came out empty can say which variable to set.
type Raw struct {
	Name, Kind   string
	Spec         map[string]any
	Refs         map[string][]string
	Line, Column int
}

// Parse checks monitors as written and compiles them to plan values, in order; the scenario
// compiler calls it, so `ramp validate` and a run judge the same keys. Every problem of every
// monitor is reported (errors.Join of *ConfigError, each naming the monitor and its line).
//
// A monitor without a name is named after its kind; two monitors may not share a name. A
// monitor whose source key is empty gets Unconfigured (why) rather than a source, with or
// without other errors, its other keys checked all the same; a source key that is absent where
// one is required is an error.
func Parse(rs []Raw) ([]plan.Monitor, error) {
	out := make([]plan.Monitor, 0, len(rs))
	var errs []error
	seen := map[string]int{}
	for _, r := range rs {
		pm, err := parseOne(r, seen)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, pm)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// parseOne compiles one monitor or returns its *ConfigError.
func parseOne(r Raw, seen map[string]int) (plan.Monitor, error) {
	pm := plan.Monitor{Name: r.Name, Kind: r.Kind, Line: r.Line, Column: r.Column}
	if pm.Name == "" {
		pm.Name = pm.Kind
	}
	fail := func(err error) error { return &ConfigError{Monitor: pm.Name, Line: r.Line, Err: err} }
	if err := checkIdentity(pm.Name, pm.Kind); err != nil {
		return pm, fail(err)
	}
	if line, dup := seen[pm.Name]; dup {
		return pm, fail(fmt.Errorf("a monitor named %q is already defined (line %d); give each a distinct name", pm.Name, line))
	}
	seen[pm.Name] = r.Line
	s := newSpec(r.Spec)
	pm.Interval, pm.Timeout = s.timing()
	switch pm.Kind {
	case "process":
		parseProcess(s, &pm, r.Name != "")
	case "prometheus":
		parsePrometheus(s, &pm)
	case "postgres":
		parsePostgres(s, &pm)
	case "redis":
		parseRedis(s, &pm)
	}
	if err := s.finish(); err != nil {
		return pm, fail(err)
	}
	if len(s.unset) > 0 {
		pm.Unconfigured = unsetReason(s.unset, r.Refs)
	}
	return pm, nil
}

// checkIdentity checks a monitor's kind and name.
func checkIdentity(name, kind string) error {
	if !slices.Contains(kinds, kind) {
		return fmt.Errorf("unknown kind %q: use process, prometheus, postgres or redis", kind)
	}
	if !validName.MatchString(name) {
		return fmt.Errorf("name %q must be letters, digits, '_' or '-', starting with a letter or '_'", name)
	}
	return nil
}

// Compile builds the monitors of a plan: the ones with a source, and — in the second result —
// the ones not configured for this run, with why. Every problem is reported (errors.Join of
// *ConfigError); when there is any, no monitor is returned, so nothing is left open. A plan
// from the scenario compiler (Parse) always builds; a hand-built one (the CLI's monitors from
// -e variables) is checked here.
func Compile(pms []plan.Monitor) ([]Monitor, []Unconfigured, error) {
	var (
		out    []Monitor
		unconf []Unconfigured
		errs   []error
		seen   = map[string]int{}
	)
	for _, pm := range pms {
		if pm.Name == "" {
			pm.Name = pm.Kind
		}
		fail := func(err error) { errs = append(errs, &ConfigError{Monitor: pm.Name, Line: pm.Line, Err: err}) }
		if err := checkIdentity(pm.Name, pm.Kind); err != nil {
			fail(err)
			continue
		}
		if line, dup := seen[pm.Name]; dup {
			fail(fmt.Errorf("a monitor named %q is already defined (line %d); give each a distinct name", pm.Name, line))
			continue
		}
		seen[pm.Name] = pm.Line
		if pm.Unconfigured != "" {
			unconf = append(unconf, Unconfigured{Name: pm.Name, Kind: pm.Kind, Reason: pm.Unconfigured, Line: pm.Line})
			continue
		}
		m, err := build(pm)
		if err != nil {
			fail(err)
			continue
		}
		out = append(out, m)
	}
	if len(errs) > 0 {
		CloseAll(out)
		return nil, unconf, errors.Join(errs...)
	}
	return out, unconf, nil
}

// build makes the monitor of a compiled plan value.
func build(pm plan.Monitor) (Monitor, error) {
	t, err := timingOf(pm)
	if err != nil {
		return nil, err
	}
	switch pm.Kind {
	case "process":
		return newProcess(pm, t)
	case "prometheus":
		return newPrometheus(pm, t)
	case "postgres":
		return newPostgres(pm, t)
	}
	return newRedis(pm, t)
}

// timingOf fills a monitor's default interval and timeout and checks them.
func timingOf(pm plan.Monitor) (timing, error) {
	t := timing{name: pm.Name, kind: pm.Kind, interval: pm.Interval, timeout: pm.Timeout}
	if t.interval == 0 {
		t.interval = DefaultInterval
	}
	if t.timeout == 0 {
		t.timeout = defaultTimeout(t.interval)
	}
	if t.interval < MinInterval || t.timeout <= 0 || t.timeout >= t.interval {
		return t, fmt.Errorf("interval %v (at least %v) and timeout %v (positive, shorter than the interval) do not fit", t.interval, MinInterval, t.timeout)
	}
	return t, nil
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
