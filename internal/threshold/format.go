package threshold

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// Format shows a metric value for people, in the unit its kind implies:
//
//	metrics.Time     milliseconds as a duration: "0s", "812ns", "45.6µs", "812.3ms", "1.23s", "1m2.5s"
//	metrics.Data     bytes with SI prefixes, as k6 prints them: "999 B", "1.2 kB", "125 MB"
//	metrics.Default  a plain number: integers whole, others to two decimals, or to two
//	                 significant digits below 1 ("0.0004")
//
// NaN and infinities print as "NaN", "+Inf" and "-Inf" whatever the kind. Rates are fractions
// of the Default kind; FormatPercent shows them as percentages.
func Format(value float64, kind metrics.ValueKind) string {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return strconv.FormatFloat(value, 'f', -1, 64)
	}
	switch kind {
	case metrics.Time:
		return formatMillis(value)
	case metrics.Data:
		return formatBytes(value)
	}
	return formatNumber(value)
}

// FormatPercent shows a fraction as a percentage with the precision of formatNumber:
// 0.0002 → "0.02%", 0.9995 → "99.95%", 1 → "100%".
func FormatPercent(fraction float64) string {
	if math.IsNaN(fraction) || math.IsInf(fraction, 0) {
		return Format(fraction, metrics.Default)
	}
	return formatNumber(fraction*100) + "%"
}

// FormatObserved shows the value of t's aggregation in its unit: a percentage for the rate of
// a Rate metric, a per-second figure for the rate of a Counter ("412.5/s", "1.2 MB/s"), a
// count in the metric's kind ("1234", "125 MB"), and Format with the metric's kind otherwise.
func FormatObserved(t Threshold, v float64) string {
	switch {
	case t.Expr.Method == MethodRate && t.Type == metrics.Rate:
		return FormatPercent(v)
	case t.Expr.Method == MethodRate:
		return Format(v, t.Kind) + "/s"
	}
	return Format(v, t.Kind)
}

// formatMillis shows milliseconds as a duration, with one decimal below a second, two below a
// minute, and Go's h/m/s form (to a tenth of a second) above.
func formatMillis(ms float64) string {
	if ms < 0 {
		return "-" + formatMillis(-ms)
	}
	switch {
	case ms == 0:
		return "0s"
	case ms < 1e-3:
		return unitOrNext(ms*1e6, 0, "ns", 1e3, "µs")
	case ms < 1:
		return unitOrNext(ms*1e3, 1, "µs", 1e3, "ms")
	case ms < 1e3:
		return unitOrNext(ms, 1, "ms", 1e3, "s")
	case ms < 60e3:
		if s := trimmed(ms/1e3, 2); s != "60" {
			return s + "s"
		}
	}
	if ms > float64(math.MaxInt64/int64(time.Millisecond)) {
		return trimmed(ms/1e3, 0) + "s" // beyond time.Duration: plain seconds
	}
	return time.Duration(ms * float64(time.Millisecond)).Round(100 * time.Millisecond).String()
}

// unitOrNext formats v in unit, or in the next unit (v/factor) when rounding reaches factor,
// so that 999.96ms shows as "1s" and not "1000ms".
func unitOrNext(v float64, decimals int, unit string, factor float64, next string) string {
	s := trimmed(v, decimals)
	if f, _ := strconv.ParseFloat(s, 64); f >= factor {
		return trimmed(v/factor, decimals) + next
	}
	return s + unit
}

// formatBytes uses SI prefixes (powers of 1000), as k6's summary does.
func formatBytes(b float64) string {
	if b < 0 {
		return "-" + formatBytes(-b)
	}
	units := []string{"B", "kB", "MB", "GB", "TB", "PB", "EB"}
	i := 0
	for i < len(units)-1 && b >= 1000 {
		b /= 1000
		i++
	}
	s := trimmed(b, 1)
	if s == "1000" && i < len(units)-1 {
		s, i = "1", i+1
	}
	return s + " " + units[i]
}

// formatNumber shows integers whole and others with two decimals, or with two significant
// digits when below 1 in magnitude so that small rates do not print as 0.
func formatNumber(v float64) string {
	a := math.Abs(v)
	switch {
	case v == math.Trunc(v) && a < 1e15:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case a >= 1:
		return trimmed(v, 2)
	}
	decimals := int(-math.Floor(math.Log10(a))) + 1
	if decimals > 9 {
		return strconv.FormatFloat(v, 'g', 2, 64)
	}
	return trimmed(v, decimals)
}

// trimmed formats v with at most decimals decimals, dropping trailing zeros and the point.
func trimmed(v float64, decimals int) string {
	s := strconv.FormatFloat(v, 'f', decimals, 64)
	if strings.Contains(s, ".") {
		s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	}
	if s == "-0" {
		s = "0"
	}
	return s
}
