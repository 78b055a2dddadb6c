package output

import (
	"slices"
	"testing"

	"github.com/ramp-dev/ramp/internal/metrics"
)

// --summary-trend-stats takes k6's statistics and refuses anything else.
func TestParseTrendStats(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want []string
		ok   bool
	}{
		{"", nil, true}, // k6's default
		{"avg,min,med,max,p(90),p(95)", metrics.DefaultTrendStats, true},
		{"p(99.9), count ,max", []string{"p(99.9)", "count", "max"}, true},
		{"p(0),p(100)", []string{"p(0)", "p(100)"}, true},
		{"p95", nil, false},
		{"p(101)", nil, false},
		{"p()", nil, false},
		{"avg,mean", nil, false},
	}
	for _, tt := range tests {
		got, err := metrics.ParseTrendStats(tt.in)
		if (err == nil) != tt.ok || (tt.ok && !slices.Equal(got, tt.want)) {
			t.Errorf("metrics.ParseTrendStats(%q) = %v, %v; want %v (ok %v)", tt.in, got, err, tt.want, tt.ok)
		}
	}
}
