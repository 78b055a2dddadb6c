package report

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
)

func TestNiceStep(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		span float64
		n    int
		want float64
	}{
		{"a round span", 1000, 4, 500}, // 250 is not 1/2/5×10^k: the next one up is 500
		{"small", 1.2, 4, 0.5},         // 0.3 rounds up to 0.5
		{"exact", 10, 5, 2},            // 2 is already nice
		{"zero span falls back to 1", 0, 4, 1},
		{"NaN falls back to 1", math.NaN(), 4, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := niceStep(tc.span, tc.n); got != tc.want {
				t.Errorf("niceStep(%v, %d) = %v, want %v", tc.span, tc.n, got, tc.want)
			}
		})
	}
}

func TestTicks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		lo, hi float64
		step   float64
		want   []float64
	}{
		{"from zero", 0, 1000, 250, []float64{0, 250, 500, 750, 1000}},
		{"inside the range only", 3, 11, 5, []float64{5, 10}},
		{"float steps stay exact", 0, 0.3, 0.1, []float64{0, 0.1, 0.2, 0.3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if got := ticks(tc.lo, tc.hi, tc.step); !slices.Equal(got, tc.want) {
				t.Errorf("ticks = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLogTicks(t *testing.T) {
	t.Parallel()
	if got, want := logTicks(3, 800), []float64{5, 10, 20, 50, 100, 200, 500}; !slices.Equal(got, want) {
		t.Errorf("logTicks(3, 800) = %v, want %v", got, want)
	}
	// Six decades: only the powers of ten.
	if got, want := logTicks(0.1, 20000), []float64{0.1, 1, 10, 100, 1000, 10000}; !slices.Equal(got, want) {
		t.Errorf("logTicks(0.1, 20000) = %v, want %v", got, want)
	}
}

func TestTimeStep(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		span, want float64
	}{{295, 60}, {40, 5}, {3180, 600}, {0, 1}} {
		if got := timeStep(tc.span, 8); got != tc.want {
			t.Errorf("timeStep(%v) = %v, want %v", tc.span, got, tc.want)
		}
	}
}

func TestRebinKeepsEveryRequest(t *testing.T) {
	t.Parallel()
	buckets := fixtureDistribution(100000, 24, 0.55, 1480)
	buckets = append(buckets, Bucket{FromMs: 7, ToMs: 7, Count: 500}) // zero width
	var total float64
	for _, b := range buckets {
		total += float64(b.Count)
	}
	for _, logX := range []bool{false, true} {
		u := func(v float64) float64 { return v }
		lo := 0.0
		if logX {
			u = func(v float64) float64 { return math.Log10(math.Max(v, 1)) }
			lo = 1
		}
		bins := rebin(buckets, u, u(lo), u(1480))
		var sum float64
		for _, n := range bins {
			if n < 0 {
				t.Fatalf("log=%v: negative bin %v", logX, n)
			}
			sum += n
		}
		if math.Abs(sum-total) > 1e-6*total {
			t.Errorf("log=%v: bins hold %v requests, the buckets %v", logX, sum, total)
		}
	}
}

func TestTimeChartGaps(t *testing.T) {
	t.Parallel()
	one, two := 1.0, 2.0
	svg := string(timeChart{Title: "t", X: []float64{0, 1, 2, 3, 4}, Lines: []chartLine{
		{Name: "a", Color: "#000", Values: []*float64{&one, &two, nil, &two, &one}},
	}}.render())
	var d string
	for _, part := range strings.Split(svg, `<path class="series" d="`)[1:] {
		d = part[:strings.IndexByte(part, '"')]
	}
	// Two runs: M L, then M L — the gap is not bridged.
	if strings.Count(d, "M") != 2 || strings.Count(d, "L") != 2 {
		t.Errorf("path %q: want two runs of two points", d)
	}
}

func TestHumanize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  string
		want string
	}{
		{"thousands", fmtInt(1234567), "1,234,567"},
		{"negative thousands", fmtInt(-1234), "-1,234"},
		{"small int", fmtInt(12), "12"},
		{"large float rounds", fmtNum(412.6), "413"},
		{"tens keep one decimal", fmtNum(12.345), "12.3"},
		{"units keep two", fmtNum(1.2345), "1.23"},
		{"fractions keep three significant digits", fmtNum(0.012345), "0.0123"},
		{"NaN", fmtNum(math.NaN()), "—"},
		{"milliseconds from 100 are whole", fmtMs(234.5), "235 ms"},
		{"milliseconds under 100 keep a decimal", fmtMs(23.44), "23.4 ms"},
		{"seconds from 10 s", fmtMs(12500), "12.5 s"},
		{"percent", fmtPercent(0.000498), "0.0498%"},
		{"a share with failures never reads 100%", fmtShareBelow(101860, 101863), "99.997%"},
		{"a whole share reads 100%", fmtShareBelow(5, 5), "100%"},
		{"bytes", fmtBytes(1536), "1.5 KiB"},
		{"mebibytes", fmtBytes(150 << 20), "150 MiB"},
		{"ratio axis ticks", unitAxis("ratio").format(0.93 * unitAxis("ratio").scale), "93%"},
		{"per-second axis ticks", unitAxis("per_second").format(12.5), "12.5/s"},
		{"per-second axis label", unitAxis("per_second").label, "per second"},
		{"a scenario's unit labels the axis", unitAxis("seconds_per_second").label, "seconds per second"},
		{"seconds offset", fmtSeconds(45), "45s"},
		{"nice floor", fmtNum(niceFloor(0.173)), "0.1"},
		{"nice floor of a round value", fmtNum(niceFloor(20)), "20"},
		{"nice ceil", fmtNum(niceCeil(42.8)), "50"},
		{"nice ceil of a round value", fmtNum(niceCeil(500)), "500"},
		{"minutes", fmtSeconds(120), "2m"},
		{"minutes and seconds", fmtSeconds(90), "1m30s"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if tc.got != tc.want {
				t.Errorf("got %q, want %q", tc.got, tc.want)
			}
		})
	}
}

// SLO lines within reach of the data are drawn; those far above are named in a note, on the
// time charts and on the distribution alike.
func TestRefsFarAboveTheData(t *testing.T) {
	t.Parallel()
	v := func(f float64) *float64 { return &f }
	refs := []refLine{
		{Label: "p95 SLO", Value: 4, Color: "#111", Text: "4 ms"},
		{Label: "p99 SLO", Value: 800, Color: "#222", Text: "800 ms"},
	}
	tests := []struct {
		name string
		svg  string
	}{
		{"time chart", string(timeChart{Title: "t", X: []float64{0, 1, 2}, Refs: refs, Text: fmtMs, Lines: []chartLine{
			{Name: "p99", Color: "#000", Values: []*float64{v(1.5), v(2.5), v(2)}},
		}}.render())},
		{"distribution", string(distChart{Title: "d", Refs: refs, Buckets: []Bucket{
			{FromMs: 0.1, ToMs: 1, Count: 90}, {FromMs: 1, ToMs: 2.5, Count: 10},
		}}.render())},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if n := strings.Count(tt.svg, `class="ref"`); n != 1 || !strings.Contains(tt.svg, "p95 SLO: 4 ms") {
				t.Errorf("%d reference lines drawn, want the 4 ms one only", n)
			}
			if !strings.Contains(tt.svg, `<p class="chart-note">p99 SLO 800 ms: far above`) {
				t.Errorf("no note for the 800 ms SLO:\n%s", tt.svg)
			}
		})
	}
}

// Fault windows are shaded behind the lines, clipped to the chart, with their label; a
// window outside the chart's time is left out.
func TestTimeChartShadesFaults(t *testing.T) {
	t.Parallel()
	one := 1.0
	vals := []*float64{&one, &one, &one, &one, &one}
	start, end, late := 1.0, 3.0, 9.0
	shades := faultShades([]FaultWindow{
		{Name: "slow", Fault: `{"latency":"500ms"}`, Start: &start, End: &end},
		{Name: "later", Fault: "{}", Start: &late, End: &late}, // outside the chart
		{Name: "refused", Error: "not applied"},                // never on: nothing to shade
	})
	svg := string(timeChart{Title: "t", X: []float64{0, 1, 2, 3, 4}, Shades: shades,
		Lines: []chartLine{{Name: "a", Color: "#000", Values: vals}}}.render())
	if n := strings.Count(svg, `<rect class="fault"`); n != 1 {
		t.Fatalf("%d fault shades, want 1:\n%s", n, svg)
	}
	// X 0..4 over the plot's width: 1..3 is half of it, from a quarter in.
	want := fmt.Sprintf(`x="%.1f" y="%g" width="%.1f"`, chartLeft+plotWidth/4, chartTop, plotWidth/2)
	if !strings.Contains(svg, want) || !strings.Contains(svg, "fault slow") {
		t.Fatalf("shade not at %s with its label:\n%s", want, svg)
	}
	if strings.Index(svg, `class="fault"`) > strings.Index(svg, `class="series"`) {
		t.Error("the shade is drawn over the line, not behind it")
	}
}
