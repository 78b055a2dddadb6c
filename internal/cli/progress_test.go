package cli

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// Progress for CI logs: one line per scenario in the order the engine gives (start order), at
// most 120 characters each, a finished scenario at 100% without rounding short or running
// over, and "no responses yet" said once.
func TestProgressPlainLines(t *testing.T) {
	t.Parallel()
	reg, err := metrics.NewRegistry(metrics.Config{})
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	p := &progress{w: &b}
	p.Progress(engine.Progress{Final: true, Snapshot: reg.Snapshot(), Scenarios: []engine.ScenarioProgress{
		// Ended 0.4 s before its planned 17 s: rounding once printed 00m16s/00m17s.
		{Scenario: "warmup", Elapsed: 16600 * time.Millisecond, Total: 17 * time.Second, Done: true, Iterations: 10},
		// Ran over its plan by its drain: once printed 01m05s/01m03s.
		{Scenario: "steady", Elapsed: 65 * time.Second, Total: 63 * time.Second, Done: true, AllocatedVUs: 50},
		// Still running, with a name longer than the column and figures that fill the line.
		{Scenario: strings.Repeat("a-very-long-scenario-name", 3), Elapsed: 30 * time.Second, Total: 2 * time.Minute,
			ActiveVUs: 12345, AllocatedVUs: 99999, Iterations: 123456789012, Dropped: 1234567890},
	}})
	lines := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
	if len(lines) != 4 {
		t.Fatalf("want 3 scenario lines and the now line, got:\n%s", b.String())
	}
	for i, want := range []string{"warmup", "steady", "a-very-long-scenari…", "now"} {
		if !strings.Contains(lines[i], "] "+want) {
			t.Errorf("line %d is not %s's: %q", i, want, lines[i])
		}
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > maxLine {
			t.Errorf("%d characters, over %d: %q", n, maxLine, l)
		}
	}
	for i, want := range []string{"100%  done in 00m17s", "100%  done in 01m03s", " 25%  00m30s/02m00s"} {
		if !strings.Contains(lines[i], want) {
			t.Errorf("line %d: want %q in %q", i, want, lines[i])
		}
	}
	if got := strings.Count(b.String(), "no responses yet"); got != 1 || strings.Contains(b.String(), "no data") {
		t.Errorf("want \"no responses yet\" once before any response:\n%s", b.String())
	}
}
