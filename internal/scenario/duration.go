package scenario

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// parseDuration reads a duration the way k6 does (types.ParseExtendedDuration):
//
//	duration = number                       ; a bare number is milliseconds
//	         | [ "-" ] [ days "d" ] [ go ]  ; Go's time.ParseDuration form, plus whole days
//	go       = { number unit }              ; unit: ns us µs ms s m h
//
// so "30s", "5m", "1h30m", "500ms", "1.5s", "2d12h" and "250" (250ms) are all accepted.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, fmt.Errorf("empty duration")
	}
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		return millis(f)
	}
	body, neg := s, false
	if strings.HasPrefix(body, "-") {
		body, neg = body[1:], true
	}
	var days time.Duration
	if i := strings.IndexByte(body, 'd'); i >= 0 {
		n, err := strconv.ParseUint(body[:i], 10, 32)
		if err != nil {
			return 0, fmt.Errorf("duration %q: days must be a whole number before 'd'", s)
		}
		days = time.Duration(n) * 24 * time.Hour
		body = body[i+1:]
	}
	var rest time.Duration
	if body != "" {
		d, err := time.ParseDuration(body)
		if err != nil || d < 0 {
			return 0, fmt.Errorf("duration %q is not a number followed by ns, us, ms, s, m, h or d", s)
		}
		rest = d
	} else if days == 0 {
		return 0, fmt.Errorf("duration %q has no value", s)
	}
	d := days + rest
	if neg {
		d = -d
	}
	return d, nil
}

// millis converts a number of milliseconds (k6's unit for bare numbers) to a duration.
func millis(f float64) (time.Duration, error) {
	d := f * float64(time.Millisecond)
	if math.IsNaN(d) || math.IsInf(d, 0) || math.Abs(d) > math.MaxInt64 {
		return 0, fmt.Errorf("duration %vms is out of range", f)
	}
	return time.Duration(d), nil
}
