package report

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's Chromium, which CI installs.
const chromiumPath = "/usr/bin/chromium"

// browserPage collects what the page reported while the test looked at it.
type browserPage struct {
	mu       sync.Mutex
	problems []string // console errors and warnings, exceptions, log entries
	requests []string // every URL the page asked for
}

func (p *browserPage) listen(ev any) {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch e := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if e.Type == runtime.ConsoleAPICalledTypeError || e.Type == runtime.ConsoleAPICalledTypeWarning || e.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range e.Args {
				args = append(args, strings.Trim(string(a.Value), `"`)+a.Description)
			}
			p.problems = append(p.problems, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		}
	case *runtime.EventExceptionThrown:
		p.problems = append(p.problems, "exception: "+e.ExceptionDetails.Text)
	case *log.EventEntryAdded:
		if e.Entry.Level == log.EntryLevelError || e.Entry.Level == log.EntryLevelWarning {
			p.problems = append(p.problems, fmt.Sprintf("log %s (%s): %s %s", e.Entry.Level, e.Entry.Source, e.Entry.Text, e.Entry.URL))
		}
	case *network.EventRequestWillBeSent:
		p.requests = append(p.requests, e.Request.URL)
	}
}

func (p *browserPage) snapshot() (problems, requests []string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string{}, p.problems...), append([]string{}, p.requests...)
}

// chartInfo is what the browser says about one rendered chart.
type chartInfo struct {
	Title  string  `json:"title"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Marks  int     `json:"marks"`  // line and bar paths
	Drawn  int     `json:"drawn"`  // of those, the ones with a non-empty d and a visible box
	Length float64 `json:"length"` // total length of the lines, in user units
	Ticks  int     `json:"ticks"`  // tick labels with a rendered box
	Filled int     `json:"filled"` // lines the CSS failed to reach: filled instead of stroked
}

const chartsScript = `[...document.querySelectorAll('svg.chart')].map(svg => {
  const r = svg.getBoundingClientRect();
  const marks = [...svg.querySelectorAll('path.series, path.bar')];
  const lines = marks.filter(p => p.classList.contains('series'));
  return {
    title: svg.getAttribute('aria-label'),
    width: r.width, height: r.height,
    marks: marks.length,
    drawn: marks.filter(p => (p.getAttribute('d') || '').length > 0 && (p.getBBox().width > 0 || p.getBBox().height > 0)).length,
    length: lines.reduce((sum, p) => sum + p.getTotalLength(), 0),
    ticks: [...svg.querySelectorAll('text.tick')].filter(t => t.getBBox().width > 0).length,
    filled: lines.filter(p => getComputedStyle(p).fill !== 'none').length,
  };
})`

// lineInfo is what the browser says about one drawn data line of a time chart.
type lineInfo struct {
	Chart  string  `json:"chart"`
	Name   string  `json:"name"`
	Min    float64 `json:"min"` // the line's data (data-min, data-max)
	Max    float64 `json:"max"`
	Top    float64 `json:"top"`    // the largest value of any line in the chart
	Extent float64 `json:"extent"` // the drawn line's height, in user units
	Plot   float64 `json:"plot"`   // the plot area's height, in user units
}

// linesScript measures every data line of every time chart. The plot height is the y axis's
// (the first line.axis, drawn from the top of the plot to its bottom).
//
// On a logarithmic axis (svg.log) the values are compared as their logarithms above the
// chart's smallest positive value, which is where such an axis starts.
const linesScript = `[...document.querySelectorAll('svg.chart.time')].flatMap(svg => {
  const lines = [...svg.querySelectorAll('path.series')];
  const axis = svg.querySelector('line.axis');
  const plot = Math.abs(axis.y2.baseVal.value - axis.y1.baseVal.value);
  const log = svg.classList.contains('log');
  const bottom = Math.min(...lines.map(p => Number(p.dataset.min)).filter(v => v > 0));
  const f = v => log ? Math.log10(Math.max(v, bottom)) - Math.log10(bottom) : v;
  const top = f(Math.max(...lines.map(p => Number(p.dataset.max))));
  return lines.map(p => ({
    chart: svg.getAttribute('aria-label') + (log ? ' (log)' : ''), name: p.querySelector('title').textContent,
    min: f(Number(p.dataset.min)), max: f(Number(p.dataset.max)), top, extent: p.getBBox().height, plot,
  }));
})`

// overflowScript lists every box whose content is wider than the box (text running out of
// a cell, or a table hidden behind a scrollbar), every chart text outside its chart, and a
// page wider than the window.
const overflowScript = `(() => {
  const out = [];
  let boxes = 0, texts = 0;
  const name = el => el.tagName.toLowerCase() + (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : '') +
    ' "' + (el.textContent || '').trim().slice(0, 60) + '"';
  for (const el of document.querySelectorAll('body *')) {
    if (el.closest('svg') || el.clientWidth === 0) continue;
    boxes++;
    if (el.scrollWidth > el.clientWidth + 1) out.push(name(el) + ': content ' + el.scrollWidth + ' px wide in a box of ' + el.clientWidth + ' px');
  }
  for (const t of document.querySelectorAll('svg.chart text')) {
    texts++;
    const b = t.getBoundingClientRect(), s = t.ownerSVGElement.getBoundingClientRect();
    if (b.left < s.left - 1 || b.right > s.right + 1 || b.top < s.top - 1 || b.bottom > s.bottom + 1) {
      out.push('chart "' + t.ownerSVGElement.getAttribute('aria-label') + '": text "' + t.textContent + '" outside its chart');
    }
  }
  if (document.documentElement.scrollWidth > window.innerWidth) out.push('the page is ' + document.documentElement.scrollWidth + ' px wide in a window of ' + window.innerWidth);
  return {problems: out, boxes, texts};
})()`

// overflowInfo is what overflowScript measured.
type overflowInfo struct {
	Problems []string `json:"problems"`
	Boxes    int      `json:"boxes"` // elements with a width, outside the charts
	Texts    int      `json:"texts"` // texts inside the charts
}

// TestHTMLInBrowser opens the report of the four Mina tests in headless Chromium: no console
// error, no exception, no request beyond the file itself, and every chart drawn — checked
// both in the DOM (paths with geometry, axis labels laid out) and in pixels (each chart's
// screenshot holds coloured marks, not just grey axes).
func TestHTMLInBrowser(t *testing.T) {
	if _, err := os.Stat(chromiumPath); err != nil {
		if os.Getenv("RAMP_TEST_CHROMIUM") == "1" {
			t.Fatalf("RAMP_TEST_CHROMIUM=1 but no browser at %s: %v", chromiumPath, err)
		}
		t.Skipf("no %s (set RAMP_TEST_CHROMIUM=1 to make this a failure)", chromiumPath)
	}
	dir := t.TempDir()
	file := filepath.Join(dir, "load-test-report.html")
	var b bytes.Buffer
	if err := WriteHTML(&b, minaSuite()); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	// RAMP_TEST_REPORT=path/load-test-report.html runs the same checks on a real run's page
	// (the fixture's chart count aside).
	given := os.Getenv("RAMP_TEST_REPORT")
	if given != "" {
		abs, err := filepath.Abs(given)
		if err != nil {
			t.Fatal(err)
		}
		file = abs
	}

	// The whole browser session is bounded: a hung browser fails the test, never hangs it.
	parent, stop := context.WithTimeout(context.Background(), 90*time.Second)
	defer stop()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU, chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(filepath.Join(dir, "profile")),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(parent, opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()

	var page browserPage
	if err := chromedp.Listen(ctx, page.listen); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	url := "file://" + filepath.ToSlash(file)
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900), chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening the report: %v", err)
	}
	charts, err := chromedp.Run(ctx, chromedp.Evaluate[[]chartInfo](chartsScript))
	if err != nil {
		t.Fatalf("reading the charts: %v", err)
	}

	t.Run("charts drawn", func(t *testing.T) {
		want := 0
		for _, tt := range minaSuite().Tests {
			want += 5
			if maxPtr(tt.Summary.Series.TargetRPS) > 0 && len(tt.Summary.Series.IterationsPS) > 0 {
				want++
			}
			for _, m := range tt.Summary.Monitors {
				if m.Error == "" {
					want++
				}
			}
		}
		if given == "" && len(charts) != want {
			t.Fatalf("%d charts in the page, want %d", len(charts), want)
		}
		for _, c := range charts {
			switch {
			case c.Width < 200 || c.Height < 60:
				t.Errorf("chart %q laid out at %.0f×%.0f px", c.Title, c.Width, c.Height)
			case c.Marks == 0 || c.Drawn != c.Marks:
				t.Errorf("chart %q: %d of %d marks drawn", c.Title, c.Drawn, c.Marks)
			case c.Ticks < 4:
				t.Errorf("chart %q: %d axis labels rendered", c.Title, c.Ticks)
			case c.Filled > 0:
				t.Errorf("chart %q: %d lines filled instead of stroked (stylesheet not applied)", c.Title, c.Filled)
			}
			if c.Title != "Latency distribution" && c.Length < 100 {
				t.Errorf("chart %q: lines only %.0f units long", c.Title, c.Length)
			}
		}
	})

	t.Run("charts in pixels", func(t *testing.T) {
		for i, c := range charts {
			shot, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.JSPath(fmt.Sprintf(`document.querySelectorAll('svg.chart')[%d]`, i))))
			if err != nil {
				t.Fatalf("screenshot of chart %q: %v", c.Title, err)
			}
			img, err := png.Decode(bytes.NewReader(shot))
			if err != nil {
				t.Fatalf("chart %q: %v", c.Title, err)
			}
			// Below the legend (the top tenth), the axes and labels are grey: coloured pixels
			// are the data.
			if n := colouredPixels(img, 0.1); n < 300 {
				t.Errorf("chart %q: %d coloured pixels below the legend, want a drawn line or bars", c.Title, n)
			}
		}
	})

	// A line that lies flat while its data move is the chart lying: the y axis stretched to
	// something far from the data (an SLO of 800 ms over sub-millisecond latencies). Each
	// line must span at least 30% of the height its spread would take on an axis that ends
	// at the chart's largest value.
	t.Run("lines follow their data", func(t *testing.T) {
		lines, err := chromedp.Run(ctx, chromedp.Evaluate[[]lineInfo](linesScript))
		if err != nil {
			t.Fatalf("reading the lines: %v", err)
		}
		if len(lines) < len(charts) {
			t.Fatalf("%d data lines in %d charts", len(lines), len(charts))
		}
		checked := 0
		defer func() {
			t.Logf("%d data lines in %d charts; %d with moving data checked against their spread", len(lines), len(charts), checked)
		}()
		for _, l := range lines {
			if l.Top <= 0 || l.Plot <= 0 || (l.Max-l.Min)/l.Top < 0.05 {
				continue // flat data may be drawn flat
			}
			checked++
			want := 0.3 * (l.Max - l.Min) / l.Top * l.Plot
			if l.Extent < want {
				t.Errorf("chart %q, line %q: drawn %.1f units high for data from %g to %g (want at least %.1f of a %.0f-unit plot)",
					l.Chart, l.Name, l.Extent, l.Min, l.Max, want, l.Plot)
			}
		}
	})

	t.Run("no text overflows at 1280 px", func(t *testing.T) {
		over, err := chromedp.Run(ctx, chromedp.Evaluate[overflowInfo](overflowScript))
		if err != nil {
			t.Fatalf("measuring the boxes: %v", err)
		}
		if over.Boxes < 100 || over.Texts < 100 {
			t.Fatalf("measured %d boxes and %d chart texts: the page did not lay out", over.Boxes, over.Texts)
		}
		for _, o := range over.Problems {
			t.Error(o)
		}
		t.Logf("%d boxes and %d chart texts measured at 1,280 px", over.Boxes, over.Texts)
	})

	// A probe proves the listener hears the console: without it, "no errors" could mean
	// "not listening".
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`console.error("ramp-probe"), true`)); err != nil {
		t.Fatal(err)
	}
	var problems, requests []string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if problems, requests = page.snapshot(); strings.Contains(strings.Join(problems, "\n"), "ramp-probe") {
			break
		}
	}
	var real []string
	probed := false
	for _, p := range problems {
		if strings.Contains(p, "ramp-probe") {
			probed = true
			continue
		}
		real = append(real, p)
	}
	if !probed {
		t.Error("the console listener did not hear the probe: the console checks prove nothing")
	}
	if len(real) > 0 {
		t.Errorf("the page reported problems:\n%s", strings.Join(real, "\n"))
	}
	for _, r := range requests {
		if r != url {
			t.Errorf("the page requested %s: the report must open offline", r)
		}
	}
}

// colouredPixels counts the saturated pixels of img below the given share of its height.
func colouredPixels(img image.Image, skipTop float64) int {
	bounds := img.Bounds()
	n := 0
	for y := bounds.Min.Y + int(skipTop*float64(bounds.Dy())); y < bounds.Max.Y; y++ {
		for x := bounds.Min.X; x < bounds.Max.X; x++ {
			r, g, b, _ := img.At(x, y).RGBA()
			hi, lo := max(r, g, b), min(r, g, b)
			if hi-lo > 0x3000 { // a clear hue, not grey, white or black
				n++
			}
		}
	}
	return n
}
