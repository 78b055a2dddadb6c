package cli

import (
	"fmt"
	"io"
	"path/filepath"

	"github.com/ramp-dev/ramp/internal/report"
)

// reportCommand is `ramp report RESULTS_DIR`: re-render load-test-report.html from the JSON
// files a suite wrote.
func reportCommand(args []string, stdout, stderr io.Writer) int {
	if len(args) != 1 {
		fmt.Fprintln(stderr, "ramp report: name one results directory (the one ramp suite wrote)")
		return ExitUsage
	}
	s, err := report.LoadSuite(args[0])
	if err != nil {
		fmt.Fprintln(stderr, "ramp report:", err)
		return ExitUsage
	}
	// The trend, from the results folder's index, as it was when this run was added.
	if _, runs, err := readHistory(args[0]); err != nil {
		fmt.Fprintln(stderr, "ramp report: history:", err)
	} else {
		s.History = historyUpTo(args[0], runs)
	}
	path := filepath.Join(args[0], "load-test-report.html")
	if err := writeHTMLReport(path, s); err != nil {
		fmt.Fprintln(stderr, "ramp report:", err)
		return ExitFail
	}
	fmt.Fprintln(stdout, "ramp report: wrote", path)
	return ExitPass
}
