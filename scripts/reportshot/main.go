// Command reportshot photographs an HTML report for the README: headless Chromium at 1,280 px
// wide, from the top of the page down to the end of the first test's charts — the verdict,
// the tests, the SLO matrix and one test's charts, whatever their heights in this run.
//
//	go run ./scripts/reportshot load-test-report.html docs/report-screenshot.png
//
// scripts/report-screenshot.sh runs it on a real `ramp suite --quick`. It drives Chromium
// with chromedp, as the report's browser test does (a library made for the DevTools
// protocol, already a dependency of that test).
package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
)

// width is the page width the report is checked at (its browser test) and photographed at.
const width = 1280

// bottomScript is where the picture ends: the bottom of the first test's chart grid, plus a
// margin; the whole page when there is none.
const bottomScript = `(() => {
  const g = document.querySelector('section.test .charts') || document.body;
  return Math.ceil(g.getBoundingClientRect().bottom + window.scrollY + 16);
})()`

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: reportshot REPORT.html OUT.png")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Args[2]); err != nil {
		fmt.Fprintln(os.Stderr, "reportshot:", err)
		os.Exit(1)
	}
}

func run(page, out string) error {
	abs, err := filepath.Abs(page)
	if err != nil {
		return err
	}
	if _, err := os.Stat(abs); err != nil {
		return err
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		return fmt.Errorf("no chromium in PATH (apt-get install chromium): %w", err)
	}
	profile, err := os.MkdirTemp("", "reportshot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(profile)

	// The whole session is bounded: a hung browser is an error, never a hang.
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.NoFirstRun, chromedp.UserDataDir(profile), chromedp.WindowSize(width, 900),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("hide-scrollbars", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx, opts...)
	defer cancelAlloc()
	bctx, cancelBrowser := chromedp.NewContext(allocCtx)
	defer cancelBrowser()

	if err := chromedp.Do(bctx, chromedp.EmulateViewport(width, 900), chromedp.Navigate("file://"+filepath.ToSlash(abs))); err != nil {
		return fmt.Errorf("opening %s: %w", abs, err)
	}
	bottom, err := chromedp.Run(bctx, chromedp.Evaluate[float64](bottomScript))
	if err != nil {
		return fmt.Errorf("measuring the page: %w", err)
	}
	height := int64(min(max(bottom, 600), 12000))
	if err := chromedp.Do(bctx, chromedp.EmulateViewport(width, height)); err != nil {
		return err
	}
	shot, err := chromedp.Run(bctx, chromedp.CaptureScreenshot())
	if err != nil {
		return fmt.Errorf("screenshot: %w", err)
	}
	if err := os.WriteFile(out, shot, 0o644); err != nil {
		return err
	}
	fmt.Printf("wrote %s (%d×%d px)\n", out, width, height)
	return nil
}
