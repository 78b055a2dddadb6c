package threshold

import (
	"math"
	"testing"

	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/plan"
)

func TestFormat(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value float64
		kind  metrics.ValueKind
		want  string
	}{
		// Time: values are milliseconds.
		{"zero duration", 0, metrics.Time, "0s"},
		{"nanoseconds", 0.000812, metrics.Time, "812ns"},
		{"microseconds", 0.0456, metrics.Time, "45.6µs"},
		{"milliseconds with a decimal", 812.34, metrics.Time, "812.3ms"},
		{"whole milliseconds drop the point", 800, metrics.Time, "800ms"},
		{"seconds", 1234, metrics.Time, "1.23s"},
		{"seconds, one decimal", 1200, metrics.Time, "1.2s"},
		{"minutes", 62500, metrics.Time, "1m2.5s"},
		{"hours", 3_723_000, metrics.Time, "1h2m3s"},
		{"negative duration", -5, metrics.Time, "-5ms"},
		// Rounding never shows a unit's full multiple: 999.96ms is 1s.
		{"rounds up into seconds", 999.96, metrics.Time, "1s"},
		{"rounds up into milliseconds", 0.99996, metrics.Time, "1ms"},
		{"rounds up into microseconds", 0.0009999, metrics.Time, "1µs"},
		{"rounds up into minutes", 59999.999, metrics.Time, "1m0s"},
		// Beyond time.Duration the value is still shown.
		{"enormous duration", 1e16, metrics.Time, "10000000000000s"},
		// Data: bytes with SI prefixes.
		{"bytes", 999, metrics.Data, "999 B"},
		{"kilobytes", 1234, metrics.Data, "1.2 kB"},
		{"megabytes", 125e6, metrics.Data, "125 MB"},
		{"gigabytes", 2.5e9, metrics.Data, "2.5 GB"},
		{"rounds up into the next prefix", 999_960, metrics.Data, "1 MB"},
		{"zero bytes", 0, metrics.Data, "0 B"},
		{"fractional bytes of a rate", 12.5, metrics.Data, "12.5 B"},
		// Default: plain numbers.
		{"integer", 1234, metrics.Default, "1234"},
		{"two decimals", 412.345, metrics.Default, "412.35"},
		{"small value keeps two significant digits", 0.000423, metrics.Default, "0.00042"},
		{"fraction", 0.5, metrics.Default, "0.5"},
		{"tiny value", 1.5e-12, metrics.Default, "1.5e-12"},
		{"negative", -3.25, metrics.Default, "-3.25"},
		{"zero", 0, metrics.Default, "0"},
		// Not numbers, whatever the kind.
		{"NaN", math.NaN(), metrics.Time, "NaN"},
		{"infinity", math.Inf(1), metrics.Data, "+Inf"},
		{"negative infinity", math.Inf(-1), metrics.Default, "-Inf"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := Format(tt.value, tt.kind); got != tt.want {
				t.Errorf("Format(%v, %v) = %q, want %q", tt.value, tt.kind, got, tt.want)
			}
		})
	}
}

func TestFormatPercent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		value float64
		want  string
	}{
		// The seed's error budget.
		{"error budget", 0.0002, "0.02%"},
		// The seed's checks target.
		{"checks target", 0.9995, "99.95%"},
		{"all", 1, "100%"},
		{"none", 0, "0%"},
		// Tiny rates are not rounded to zero.
		{"tiny", 0.00001, "0.001%"},
		{"NaN", math.NaN(), "NaN"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := FormatPercent(tt.value); got != tt.want {
				t.Errorf("FormatPercent(%v) = %q, want %q", tt.value, got, tt.want)
			}
		})
	}
}

func TestFormatObserved(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, metric, expr string
		value              float64
		want               string
	}{
		// A trend of a time metric is a duration.
		{"latency", "http_req_duration{name:x}", "p(95)<800", 812.34, "812.3ms"},
		// The rate of a Rate metric is a percentage.
		{"error rate", "http_req_failed", "rate<0.0005", 0.0002, "0.02%"},
		// The rate of a counter is per second.
		{"request rate", "http_reqs", "rate>=400", 412.5, "412.5/s"},
		// The rate of a data counter is bytes per second.
		{"data rate", "data_received", "rate<1e6", 1234, "1.2 kB/s"},
		// A count is a number, or bytes for data.
		{"count", "iterations", "count>0", 1234, "1234"},
		{"data count", "data_sent", "count<1e9", 125e6, "125 MB"},
		// A gauge is a number.
		{"gauge", "vus", "max<100", 42, "42"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ts, err := Compile([]plan.Threshold{{Metric: tt.metric, Rules: rules(tt.expr)}})
			if err != nil {
				t.Fatal(err)
			}
			if got := FormatObserved(ts[0], tt.value); got != tt.want {
				t.Errorf("FormatObserved(%s %s, %v) = %q, want %q", tt.metric, tt.expr, tt.value, got, tt.want)
			}
		})
	}
}
