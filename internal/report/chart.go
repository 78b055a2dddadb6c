package report

import (
	"fmt"
	"html/template"
	"math"
	"strings"
)

// The report's charts are inline SVG drawn here, in Go: the page needs no JavaScript, opens
// offline, prints, and the same input always gives the same bytes (golden-testable). Each
// chart is a fixed viewBox scaled to the page width by CSS.
//
// Layout of a chart (viewBox units):
//
//	+-------------------------------------------+  0
//	| legend                                    |
//	|   y ticks | plot area                     |  chartTop … chartHeight-chartBottom
//	|           +-------------------------------|
//	|             x ticks, x label              |  chartHeight
//	+-------------------------------------------+
const (
	chartWidth  = 720.0
	chartHeight = 260.0
	chartLeft   = 64.0
	chartRight  = 16.0
	chartTop    = 34.0
	chartBottom = 40.0
	plotWidth   = chartWidth - chartLeft - chartRight
	plotHeight  = chartHeight - chartTop - chartBottom
)

// chartLine is one line of a time chart, aligned on the chart's X; a nil value is a gap.
type chartLine struct {
	Name   string
	Color  string
	Values []*float64
	Dashed bool
	Fill   bool // shade the area under the line
}

// refLine is a horizontal (time chart) or vertical (distribution) dashed reference: an SLO.
// Text is its value for people ("800 ms").
type refLine struct {
	Label string
	Value float64
	Color string
	Text  string
}

// refReach is how far above the data a time chart's reference line may be and still be
// drawn: an axis stretched further would flatten the data against zero, so a reference
// beyond it is named in a note under the chart instead ("p95 SLO 800 ms: far above").
const refReach = 2.5

// timeChart draws lines over time.
type timeChart struct {
	Title  string
	YLabel string
	X      []float64 // seconds since the start of the load
	Lines  []chartLine
	Refs   []refLine
	// Format writes a y value for the ticks; fmtNum when nil. Text writes one for people,
	// with its unit (tooltips, notes); Format when nil.
	Format, Text func(float64) string
	// Cap, when positive, is the top of the y axis whenever the data stay within it: a share
	// (1 = 100%) never reads above 100%.
	Cap float64
	// LogY allows a logarithmic y axis, taken when the lines span more than logSpan.
	LogY bool
	// XLabel and XFormat name and write the X axis; "time since start" in seconds when
	// empty (a trend across runs numbers them instead).
	XLabel  string
	XFormat func(float64) string
	// Shades are time spans drawn behind the lines: the chaos timeline's faults.
	Shades []shade
}

// shade is a span of a time chart's X (seconds), shaded with its label as tooltip.
type shade struct {
	From, To float64
	Label    string
}

// faultShades are the applied faults of a summary, as shades.
func faultShades(fs []FaultWindow) []shade {
	var out []shade
	for _, f := range fs {
		if f.Start != nil && f.End != nil {
			out = append(out, shade{From: *f.Start, To: *f.End, Label: "fault " + f.Name + " " + f.Fault})
		}
	}
	return out
}

// linearScale maps [Lo, Hi] onto [From, To] (pixels).
type linearScale struct{ Lo, Hi, From, To float64 }

func (s linearScale) at(v float64) float64 {
	if s.Hi == s.Lo {
		return (s.From + s.To) / 2
	}
	return s.From + (v-s.Lo)/(s.Hi-s.Lo)*(s.To-s.From)
}

// niceStep returns a step of 1, 2 or 5 × 10^k that cuts span into about n intervals.
func niceStep(span float64, n int) float64 {
	if span <= 0 || math.IsNaN(span) || math.IsInf(span, 0) {
		return 1
	}
	raw := span / float64(n)
	mag := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= raw {
			return m * mag
		}
	}
	return 10 * mag
}

// ticks returns the multiples of step in [lo, hi].
func ticks(lo, hi, step float64) []float64 {
	var out []float64
	for v := math.Ceil(lo/step-1e-9) * step; v <= hi+step*1e-9 && len(out) < 50; v += step {
		out = append(out, round(v, 9))
	}
	return out
}

// timeSteps are the tick steps of a time axis, in seconds: round minutes and hours.
var timeSteps = []float64{1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 86400}

// timeStep returns the smallest step of timeSteps that cuts span into at most n intervals.
func timeStep(span float64, n int) float64 {
	for _, s := range timeSteps {
		if span/s <= float64(n) {
			return s
		}
	}
	return niceStep(span, n)
}

// fmtSeconds writes a time offset: "45s", "2m", "1m30s".
func fmtSeconds(s float64) string {
	if s < 60 || math.Mod(s, 1) != 0 {
		return fmtNum(s) + "s"
	}
	m, sec := int(s)/60, int(s)%60
	if sec == 0 {
		return fmt.Sprintf("%dm", m)
	}
	return fmt.Sprintf("%dm%02ds", m, sec)
}

// svgBuilder accumulates one chart's SVG.
type svgBuilder struct{ strings.Builder }

func (b *svgBuilder) f(format string, args ...any) { fmt.Fprintf(b, format, args...) }

// open writes the chart's caption (the template puts each chart in a <figure>) and starts the
// SVG element with its accessible title.
func (b *svgBuilder) open(class, title string) {
	b.f(`<figcaption>%s</figcaption>`, esc(title))
	b.f(`<svg class="chart %s" viewBox="0 0 %g %g" role="img" aria-label="%s" xmlns="http://www.w3.org/2000/svg">`,
		class, chartWidth, chartHeight, esc(title))
	b.f(`<title>%s</title>`, esc(title))
}

// legend draws the swatches and names in a row above the plot.
func (b *svgBuilder) legend(items []chartLine) {
	x := chartLeft
	for _, it := range items {
		dash := ""
		if it.Dashed {
			dash = ` stroke-dasharray="5 3"`
		}
		b.f(`<line class="swatch" x1="%.1f" y1="14" x2="%.1f" y2="14" stroke="%s" stroke-width="3"%s/>`, x, x+18, it.Color, dash)
		b.f(`<text class="legend" x="%.1f" y="18">%s</text>`, x+23, esc(it.Name))
		x += 23 + 7.2*float64(len([]rune(it.Name))) + 18
	}
}

// yMap places a value on a chart's y axis (at), linear or logarithmic; base is the bottom of
// the plot, where areas close.
type yMap struct {
	at   func(float64) float64
	base float64
}

// logSpan is how many times its smallest positive value a chart's largest must be before a
// chart that allows it (latency) switches to a logarithmic y axis: sub-millisecond medians
// under tail spikes of tens of milliseconds would otherwise lie flat on zero.
const logSpan = 50.0

// niceFloor and niceCeil round a positive v down or up to 1, 2 or 5 × 10^k.
func niceFloor(v float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{5, 2, 1} {
		if m*mag <= v*(1+1e-9) {
			return m * mag
		}
	}
	return mag
}

func niceCeil(v float64) float64 {
	mag := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*mag >= v*(1-1e-9) {
			return m * mag
		}
	}
	return 10 * mag
}

// minPositive is the smallest positive drawable value of the lines (0 when none).
func minPositive(lines []chartLine, n int) float64 {
	lo := math.Inf(1)
	for _, l := range lines {
		for i, v := range l.Values {
			if i < n && finite(v) && *v > 0 {
				lo = math.Min(lo, *v)
			}
		}
	}
	if math.IsInf(lo, 1) {
		return 0
	}
	return lo
}

// yAxis draws the grid lines and labels of the y ticks, and the axis label.
func (b *svgBuilder) yAxis(y yMap, at []float64, format func(float64) string, label string) {
	for _, v := range at {
		py := y.at(v)
		b.f(`<line class="grid" x1="%g" y1="%.1f" x2="%g" y2="%.1f"/>`, chartLeft, py, chartWidth-chartRight, py)
		b.f(`<text class="tick" x="%g" y="%.1f" text-anchor="end">%s</text>`, chartLeft-6, py+4, esc(format(v)))
	}
	b.f(`<text class="axis-label" transform="translate(12 %.1f) rotate(-90)" text-anchor="middle">%s</text>`,
		chartTop+plotHeight/2, esc(label))
	b.f(`<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, chartLeft, chartTop, chartLeft, chartTop+plotHeight)
}

// xAxis draws the x ticks at the given values and the axis label.
func (b *svgBuilder) xAxis(x func(float64) float64, at []float64, format func(float64) string, label string) {
	base := chartTop + plotHeight
	b.f(`<line class="axis" x1="%g" y1="%g" x2="%g" y2="%g"/>`, chartLeft, base, chartWidth-chartRight, base)
	for _, v := range at {
		px := x(v)
		b.f(`<line class="axis" x1="%.1f" y1="%g" x2="%.1f" y2="%g"/>`, px, base, px, base+4)
		b.f(`<text class="tick" x="%.1f" y="%g" text-anchor="middle">%s</text>`, px, base+16, esc(format(v)))
	}
	b.f(`<text class="axis-label" x="%g" y="%g" text-anchor="middle">%s</text>`, chartLeft+plotWidth/2, chartHeight-4, esc(label))
}

// render draws the chart, or a note when there is nothing to draw.
func (c timeChart) render() template.HTML {
	format := c.Format
	if format == nil {
		format = fmtNum
	}
	text := c.Text
	if text == nil {
		text = format
	}
	n := len(c.X)
	lo, hi, has := 0.0, 0.0, false
	xLo, xHi := math.Inf(1), math.Inf(-1)
	for _, l := range c.Lines {
		for i, v := range l.Values {
			if i < n && finite(v) && finite(&c.X[i]) {
				lo, hi, has = math.Min(lo, *v), math.Max(hi, *v), true
				xLo, xHi = math.Min(xLo, c.X[i]), math.Max(xHi, c.X[i])
			}
		}
	}
	if n == 0 || !has || xLo > xHi {
		return emptyChart(c.Title)
	}
	dataHi := hi
	var refs, far []refLine
	for _, r := range c.Refs {
		switch {
		case !finite(&r.Value):
		case r.Value > dataHi*refReach && r.Value > lo:
			far = append(far, r)
		default:
			hi, refs = math.Max(hi, r.Value), append(refs, r)
		}
	}
	c.Refs = refs
	if hi <= lo {
		hi = lo + 1
	}
	y, yticks, logY := c.yScale(lo, hi, dataHi)
	x := linearScale{Lo: xLo, Hi: xHi, From: chartLeft, To: chartLeft + plotWidth}
	class, ylabel := "time", c.YLabel
	if logY {
		class, ylabel = "time log", c.YLabel+" (log scale)"
	}

	var b svgBuilder
	b.open(class, c.Title)
	legend := append([]chartLine{}, c.Lines...)
	for _, r := range c.Refs {
		legend = append(legend, chartLine{Name: r.Label, Color: r.Color, Dashed: true})
	}
	b.legend(legend)
	b.yAxis(y, yticks, format, ylabel)
	if c.XFormat == nil {
		b.xAxis(x.at, ticks(x.Lo, x.Hi, timeStep(x.Hi-x.Lo, 8)), fmtSeconds, "time since start")
	} else {
		b.xAxis(x.at, ticks(x.Lo, x.Hi, math.Max(1, niceStep(x.Hi-x.Lo, 8))), c.XFormat, c.XLabel)
	}
	for _, sh := range c.Shades {
		from, to := math.Max(sh.From, x.Lo), math.Min(sh.To, x.Hi)
		if !(to > from) {
			continue // outside the chart (or not a number)
		}
		b.f(`<rect class="fault" x="%.1f" y="%g" width="%.1f" height="%g"><title>%s: %s–%s</title></rect>`,
			x.at(from), chartTop, x.at(to)-x.at(from), plotHeight, esc(sh.Label), esc(fmtSeconds(sh.From)), esc(fmtSeconds(sh.To)))
	}
	for _, r := range c.Refs {
		py := y.at(r.Value)
		b.f(`<path class="ref" d="M%g %.1fH%g" stroke="%s" stroke-dasharray="6 4"><title>%s: %s</title></path>`,
			chartLeft, py, chartLeft+plotWidth, r.Color, esc(r.Label), esc(refText(r, text)))
	}
	for _, l := range c.Lines {
		b.line(l, c.X, x, y, text)
	}
	b.WriteString(`</svg>`)
	if len(far) > 0 {
		var parts []string
		for _, r := range far {
			parts = append(parts, r.Label+" "+refText(r, text))
		}
		b.f(`<p class="chart-note">%s: far above the data (peak %s), not drawn</p>`,
			esc(strings.Join(parts, ", ")), esc(text(dataHi)))
	}
	return template.HTML(b.String())
}

// yScale chooses the y axis for values in [lo, hi] (references within reach included; the
// lines alone reach dataHi): a logarithmic one when the chart allows it and its lines span
// more than logSpan, else a linear one from zero (or below, for negative values) with round
// ticks, stopped at Cap when the data stay within it.
func (c timeChart) yScale(lo, hi, dataHi float64) (y yMap, at []float64, logY bool) {
	base := chartTop + plotHeight
	// A positive value below a nanosecond (in ms) can only be corrupt input: its logarithm
	// would stretch the axis over hundreds of decades, or to -Inf.
	if pos := minPositive(c.Lines, len(c.X)); c.LogY && lo >= 0 && pos >= 1e-6 && dataHi/pos >= logSpan {
		bottom, top := niceFloor(pos), niceCeil(hi)
		s := linearScale{Lo: math.Log10(bottom), Hi: math.Log10(top), From: base, To: chartTop}
		return yMap{at: func(v float64) float64 { return s.at(math.Log10(math.Max(v, bottom))) }, base: base},
			logTicks(bottom, top), true
	}
	step := niceStep(hi-lo, 4)
	top := math.Ceil(hi*1.05/step) * step
	if c.Cap > 0 && hi <= c.Cap && top > c.Cap {
		top = c.Cap
		step = niceStep(top-lo, 4)
	}
	s := linearScale{Lo: math.Floor(lo/step) * step, Hi: top, From: base, To: chartTop}
	return yMap{at: s.at, base: base}, ticks(s.Lo, s.Hi, step), false
}

// refText is a reference's value for people: its Text, else the chart's format.
func refText(r refLine, format func(float64) string) string {
	if r.Text != "" {
		return r.Text
	}
	return format(r.Value)
}

// line draws one series as a path broken at gaps, with its area when asked.
func (b *svgBuilder) line(l chartLine, xs []float64, x linearScale, y yMap, format func(float64) string) {
	var d, area strings.Builder
	run := 0 // points in the current unbroken run
	var runStart, prevX float64
	closeArea := func() {
		if l.Fill && run > 0 {
			fmt.Fprintf(&area, "L%.1f %.1fL%.1f %.1fZ", prevX, y.base, runStart, y.base)
		}
		run = 0
	}
	for i, v := range l.Values {
		if i >= len(xs) {
			break
		}
		if !finite(v) || !finite(&xs[i]) {
			closeArea()
			continue
		}
		px, py := x.at(xs[i]), y.at(*v)
		cmd := "L"
		if run == 0 {
			cmd, runStart = "M", px
			if l.Fill {
				fmt.Fprintf(&area, "M%.1f %.1f", px, y.base)
			}
		}
		fmt.Fprintf(&d, "%s%.1f %.1f", cmd, px, py)
		if l.Fill {
			fmt.Fprintf(&area, "L%.1f %.1f", px, py)
		}
		prevX = px
		run++
	}
	closeArea()
	if d.Len() == 0 {
		return
	}
	if area.Len() > 0 {
		b.f(`<path class="area" d="%s" fill="%s"/>`, area.String(), l.Color)
	}
	dash := ""
	if l.Dashed {
		dash = ` stroke-dasharray="5 3"`
	}
	lo, hi := spread(l.Values)
	b.f(`<path class="series" d="%s" stroke="%s"%s data-min="%g" data-max="%g"><title>%s (peak %s)</title></path>`,
		d.String(), l.Color, dash, lo, hi, esc(l.Name), esc(format(maxPtr(l.Values))))
}

// distChart draws a latency distribution as a histogram of equal-width bars, each the share
// of requests in its latency range. The buckets it is given may have any widths (ramp's are
// percentile bins, narrow in the body and wide in the tail); their counts are spread
// uniformly over their ranges and re-binned. When the latencies span more than a factor of
// 20, x is logarithmic — the tail of a latency distribution is long, and on a linear axis it
// would crush the body into one bar.
type distChart struct {
	Title   string
	Buckets []Bucket
	Refs    []refLine // SLOs, drawn as vertical dashed lines
}

// distBins is the number of bars of a distribution chart.
const distBins = 40

// validBucket reports whether a bucket can be drawn: counted, finite, not inverted.
func validBucket(bk Bucket) bool {
	return bk.Count > 0 && bk.FromMs >= 0 && bk.ToMs >= bk.FromMs && finite(&bk.ToMs)
}

// render draws the histogram, or a note when there is nothing to draw.
func (c distChart) render() template.HTML {
	var total float64
	lo, hi := math.Inf(1), 0.0
	for _, bk := range c.Buckets {
		if !validBucket(bk) {
			continue
		}
		total += float64(bk.Count)
		if bk.FromMs > 0 {
			lo = math.Min(lo, bk.FromMs)
		}
		if bk.ToMs > 0 {
			lo = math.Min(lo, bk.ToMs)
		}
		hi = math.Max(hi, bk.ToMs)
	}
	if total == 0 || hi <= 0 {
		return emptyChart(c.Title)
	}
	// An SLO a little beyond the slowest request is still drawn; one far beyond it would
	// crush the bars to one side, and is named in a note instead.
	slowest := hi
	var near, far []refLine
	for _, r := range c.Refs {
		switch {
		case !finite(&r.Value):
			continue
		case r.Value > slowest*refReach:
			far = append(far, r)
			continue
		case r.Value > hi:
			hi = r.Value * 1.05
		}
		near = append(near, r)
	}
	c.Refs = near
	logX := hi/lo > 20
	// u maps a latency to the x unit bars are equal in: ms, or log10(ms).
	u := func(v float64) float64 { return v }
	xLo := 0.0
	if logX {
		u = func(v float64) float64 { return math.Log10(math.Max(v, lo)) }
		xLo = lo
	}
	uLo, uHi := u(xLo), u(hi)
	bins := rebin(c.Buckets, u, uLo, uHi)
	top := 0.0
	for _, n := range bins {
		top = math.Max(top, n/total)
	}
	x := linearScale{Lo: uLo, Hi: uHi, From: chartLeft, To: chartLeft + plotWidth}
	ystep := niceStep(top, 4)
	y := linearScale{Lo: 0, Hi: math.Ceil(top*1.05/ystep) * ystep, From: chartTop + plotHeight, To: chartTop}

	var b svgBuilder
	b.open("distribution", c.Title)
	legend := []chartLine{{Name: "requests", Color: "#0969da"}}
	for _, r := range c.Refs {
		legend = append(legend, chartLine{Name: r.Label, Color: r.Color, Dashed: true})
	}
	b.legend(legend)
	xlabel := "latency (ms)"
	at := ticks(0, hi, niceStep(hi, 8))
	if logX {
		xlabel, at = "latency (ms, log scale)", logTicks(lo, hi)
	}
	b.yAxis(yMap{at: y.at, base: y.From}, ticks(y.Lo, y.Hi, ystep), fmtPercent, "share of requests")
	b.xAxis(func(v float64) float64 { return x.at(u(v)) }, at, fmtNum, xlabel)
	width := (uHi - uLo) / distBins
	inv := func(v float64) float64 { return v }
	if logX {
		inv = func(v float64) float64 { return math.Pow(10, v) }
	}
	for i, n := range bins {
		if n <= 0 {
			continue
		}
		a, z := uLo+float64(i)*width, uLo+float64(i+1)*width
		x0, x1, y0 := x.at(a), x.at(z), y.at(n/total)
		b.f(`<path class="bar" d="M%.1f %.1fH%.1fV%.1fH%.1fZ" fill="#0969da"><title>%s–%s: ≈%s requests (%s)</title></path>`,
			x0, y.From, x1, y0, x0, esc(fmtMs(inv(a))), esc(fmtMs(inv(z))), fmtInt(int64(math.Round(n))), fmtPercent(n/total))
	}
	for _, r := range c.Refs {
		if !finite(&r.Value) || r.Value <= 0 || u(r.Value) > uHi || u(r.Value) < uLo {
			continue
		}
		px := x.at(u(r.Value))
		b.f(`<path class="ref" d="M%.1f %gV%g" stroke="%s" stroke-dasharray="6 4"><title>%s: %s</title></path>`,
			px, chartTop, chartTop+plotHeight, r.Color, esc(r.Label), esc(fmtMs(r.Value)))
	}
	b.WriteString(`</svg>`)
	if len(far) > 0 {
		var parts []string
		for _, r := range far {
			parts = append(parts, r.Label+" "+fmtMs(r.Value))
		}
		b.f(`<p class="chart-note">%s: far above the slowest request (%s), not drawn</p>`,
			esc(strings.Join(parts, ", ")), esc(fmtMs(slowest)))
	}
	return template.HTML(b.String())
}

// rebin spreads each bucket's count uniformly over its range in u-space and sums it into
// distBins equal bins over [uLo, uHi]. A bucket of zero width falls into the bin holding it.
func rebin(buckets []Bucket, u func(float64) float64, uLo, uHi float64) []float64 {
	bins := make([]float64, distBins)
	width := (uHi - uLo) / distBins
	index := func(v float64) int {
		i := int((v - uLo) / width)
		return max(0, min(distBins-1, i))
	}
	for _, bk := range buckets {
		if !validBucket(bk) {
			continue
		}
		a, z := u(bk.FromMs), u(bk.ToMs)
		if width <= 0 || z-a <= 0 {
			bins[index(a)] += float64(bk.Count)
			continue
		}
		for i := index(a); i <= index(z); i++ {
			binLo, binHi := uLo+float64(i)*width, uLo+float64(i+1)*width
			overlap := math.Min(z, binHi) - math.Max(a, binLo)
			if overlap > 0 {
				bins[i] += float64(bk.Count) * overlap / (z - a)
			}
		}
	}
	return bins
}

// logTicks returns 1, 2 and 5 × 10^k within [lo, hi], thinned to 1 × 10^k when there are
// too many.
func logTicks(lo, hi float64) []float64 {
	var all, decades []float64
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo*(1-1e-9) && v <= hi*(1+1e-9) {
				all = append(all, round(v, 9))
				if m == 1 {
					decades = append(decades, round(v, 9))
				}
			}
		}
	}
	if len(all) > 10 && len(decades) >= 2 {
		return decades
	}
	return all
}

// spread returns the smallest and largest drawable values: what the line must show. The
// browser test compares them with the line's drawn height.
func spread(v []*float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		if finite(x) {
			lo, hi = math.Min(lo, *x), math.Max(hi, *x)
		}
	}
	if lo > hi {
		return 0, 0
	}
	return lo, hi
}

// emptyChart says there was no data rather than drawing empty axes.
func emptyChart(title string) template.HTML {
	return template.HTML(`<p class="empty">` + esc(title) + `: no data</p>`)
}

// maxCoord bounds the values a chart draws: larger ones (1e18 ms is 30 million years; 1e18
// bytes an exabyte) can only come from corrupt input, and their spans would overflow.
const maxCoord = 1e18

// finite reports whether v is a value a chart can draw: present, a number, within maxCoord.
func finite(v *float64) bool { return v != nil && !math.IsNaN(*v) && math.Abs(*v) <= maxCoord }

// esc escapes text for SVG content and attributes.
func esc(s string) string { return template.HTMLEscapeString(s) }
