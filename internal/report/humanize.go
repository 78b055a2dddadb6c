package report

import (
	"math"
	"strconv"
	"strings"
)

// The fmt… helpers format figures for people (the HTML report and the recommendations): a
// thousands separator, significant digits rather than fixed decimals, units that scale.

// fmtInt writes n with comma thousands separators: 1234567 → "1,234,567".
func fmtInt(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// fmtNum writes f with at most three significant decimals and separators for the integer
// part: 412.345 → "412", 12.3456 → "12.3", 0.01234 → "0.0123".
func fmtNum(f float64) string {
	switch {
	case math.IsNaN(f) || math.IsInf(f, 0):
		return "—"
	case math.Abs(f) >= 100:
		return fmtInt(int64(math.Round(f)))
	case math.Abs(f) >= 10:
		return strconv.FormatFloat(round(f, 1), 'f', -1, 64)
	case math.Abs(f) >= 1:
		return strconv.FormatFloat(round(f, 2), 'f', -1, 64)
	case f == 0:
		return "0"
	}
	return strconv.FormatFloat(f, 'g', 3, 64)
}

// fmtMs writes a duration in milliseconds, switching to seconds from 10 s: "412 ms", "12.5 s".
func fmtMs(v float64) string {
	if math.Abs(v) >= 10000 {
		return fmtNum(v/1000) + " s"
	}
	return fmtNum(v) + " ms"
}

// fmtPercent writes a share as a percentage with up to three significant digits:
// 0.00123 → "0.123%".
func fmtPercent(share float64) string {
	return fmtNum(100*share) + "%"
}

// fmtBytes writes a byte count in IEC units: 1536 → "1.5 KiB".
func fmtBytes(v float64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB"}
	i := 0
	for math.Abs(v) >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	return fmtNum(v) + " " + units[i]
}
