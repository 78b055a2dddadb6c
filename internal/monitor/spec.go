package monitor

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
)

// Bounds of the common keys.
const (
	// DefaultInterval is how often a monitor reads its source when the scenario does not say.
	DefaultInterval = time.Second
	// MinInterval keeps a monitor from competing with the load it watches.
	MinInterval = 100 * time.Millisecond
)

// ConfigError is a monitor configuration that cannot be built. Its message names the
// monitor and the line of the scenario file where it starts.
type ConfigError struct {
	Monitor string // the monitor's name, or its kind when it has none
	Line    int    // 0 when unknown
	Err     error
}

// Error implements error: one line per problem, each naming the monitor.
func (e *ConfigError) Error() string {
	prefix := fmt.Sprintf("monitor %q", e.Monitor)
	if e.Line > 0 {
		prefix += fmt.Sprintf(" (line %d)", e.Line)
	}
	lines := strings.Split(e.Err.Error(), "\n")
	for i, l := range lines {
		lines[i] = prefix + ": " + l
	}
	return strings.Join(lines, "\n")
}

// Unwrap returns the underlying problem.
func (e *ConfigError) Unwrap() error { return e.Err }

// spec reads the keys of one decoded YAML mapping, remembering which keys were read so that
// the rest can be reported as unknown, and collecting every problem rather than the first.
type spec struct {
	m    map[string]any
	used map[string]bool
	errs []error
	// unset names the source keys (url, dsn, pid, …) that are present but empty and leave
	// the monitor without a source for this run; set by the kind's builder.
	unset []string
}

func newSpec(m map[string]any) *spec { return &spec{m: m, used: map[string]bool{}} }

// errorf records one problem.
func (s *spec) errorf(format string, args ...any) {
	s.errs = append(s.errs, fmt.Errorf(format, args...))
}

// get returns the raw value of key and marks the key as known.
func (s *spec) get(key string) (any, bool) {
	s.used[key] = true
	v, ok := s.m[key]
	return v, ok && v != nil
}

// str reads a string key; numbers are not accepted, so "dsn: 5432" is a clear mistake.
func (s *spec) str(key string) string {
	v, ok := s.get(key)
	if !ok {
		return ""
	}
	str, isStr := v.(string)
	if !isStr {
		s.errorf("%s must be a string, not %s", key, describe(v))
		return ""
	}
	return str
}

// blank reports whether key is present with the empty string as its value: what a source
// key written "url: ${MONITOR_METRICS_URL:-}" becomes when the variable is not set. The key
// is marked as known.
func (s *spec) blank(key string) bool {
	v, ok := s.get(key)
	str, isStr := v.(string)
	return ok && isStr && str == ""
}

// integer reads a whole number.
func (s *spec) integer(key string) (int, bool) {
	v, ok := s.get(key)
	if !ok {
		return 0, false
	}
	f, isNum := number(v)
	if !isNum || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
		s.errorf("%s must be a whole number, not %s", key, describe(v))
		return 0, false
	}
	return int(f), true
}

// boolean reads true or false.
func (s *spec) boolean(key string) bool {
	v, ok := s.get(key)
	if !ok {
		return false
	}
	b, isBool := v.(bool)
	if !isBool {
		s.errorf("%s must be true or false, not %s", key, describe(v))
	}
	return b
}

// duration reads a Go duration string ("1s") or a number of seconds; def when absent.
func (s *spec) duration(key string, def time.Duration) time.Duration {
	v, ok := s.get(key)
	if !ok {
		return def
	}
	var d time.Duration
	switch x := v.(type) {
	case string:
		var err error
		if d, err = time.ParseDuration(strings.TrimSpace(x)); err != nil {
			s.errorf("%s %q is not a duration such as \"500ms\" or \"2s\"", key, x)
			return def
		}
	default:
		f, isNum := number(v)
		if !isNum || math.IsNaN(f) || math.IsInf(f, 0) || f > 1e6 {
			s.errorf("%s must be a duration such as \"2s\" or a number of seconds, not %s", key, describe(v))
			return def
		}
		d = time.Duration(f * float64(time.Second))
	}
	return d
}

// finish reports the keys nobody read, sorted, and returns every problem joined.
func (s *spec) finish() error {
	var unknown []string
	for k := range s.m {
		if !s.used[k] {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		s.errorf("unknown key %q", k)
	}
	return errors.Join(s.errs...)
}

// number converts the numeric types a YAML decoder produces.
func number(v any) (float64, bool) {
	switch x := v.(type) {
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case uint64:
		return float64(x), true
	case float64:
		return x, true
	case float32:
		return float64(x), true
	case int32:
		return float64(x), true
	}
	return 0, false
}

// describe quotes a bad value with its type, for error messages.
func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return fmt.Sprintf("the string %q", v)
	case map[string]any:
		return "a mapping"
	case []any:
		return "a list"
	}
	return fmt.Sprintf("%v (%T)", v, v)
}

// timing reads interval and timeout, the keys every kind shares.
func (s *spec) timing() (interval, timeout time.Duration) {
	interval = s.duration("interval", DefaultInterval)
	if interval < MinInterval {
		s.errorf("interval %v is shorter than the minimum %v", interval, MinInterval)
		interval = DefaultInterval
	}
	timeout = s.duration("timeout", defaultTimeout(interval))
	if timeout <= 0 || timeout >= interval {
		s.errorf("timeout %v must be positive and shorter than the interval %v", timeout, interval)
		timeout = defaultTimeout(interval)
	}
	return interval, timeout
}

// defaultTimeout leaves a tenth of the interval between a reading that times out and the next.
func defaultTimeout(interval time.Duration) time.Duration { return interval * 9 / 10 }
