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

// screenshotPath is the README's picture of the report, refreshed with RAMP_SCREENSHOT=1.
const screenshotPath = "../../docs/report-screenshot.png"

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
			for _, m := range tt.Summary.Monitors {
				if m.Error == "" {
					want++
				}
			}
		}
		if len(charts) != want {
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
			// Below the legend, the axes and labels are grey: coloured pixels are the data.
			if n := colouredPixels(img, 0.15); n < 300 {
				t.Errorf("chart %q: %d coloured pixels below the legend, want a drawn line or bars", c.Title, n)
			}
		}
	})

	if os.Getenv("RAMP_SCREENSHOT") == "1" {
		if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 2200)); err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		shot, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
		if err != nil {
			t.Fatalf("screenshot: %v", err)
		}
		if err := os.WriteFile(screenshotPath, shot, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", screenshotPath)
	}

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
