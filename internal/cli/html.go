package cli

import (
	"bytes"

	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/report"
)

// writeHTMLReport renders the suite's HTML report to path.
func writeHTMLReport(path string, s *report.Suite) error {
	var b bytes.Buffer
	if err := report.WriteHTML(&b, s); err != nil {
		return err
	}
	return outfile.WriteFile(path, b.Bytes())
}
