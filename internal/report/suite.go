package report

import "github.com/ramp-dev/ramp/internal/verdict"

// Suite is the result of `ramp suite`: every test's verdict and the overall one
// (summary.json).
type Suite struct {
	Timestamp string `json:"timestamp"`
	// Target is the base URL the suite ran against; Embedded says ramp started mina itself.
	Target   string `json:"target"`
	Embedded bool   `json:"embedded"`
	Quick    bool   `json:"quick"` // the load shape was compressed (--quick, --time-scale < 1)
	// Pass is true only when Verdict is pass.
	Pass bool `json:"pass"`
	// Verdict is the suite's (verdict.Combine of its tests'), VerdictReasons why.
	Verdict        string           `json:"verdict"`
	VerdictReasons []verdict.Reason `json:"verdict_reasons"`
	Tests          []SuiteTest      `json:"tests"`
	// Interrupted is true when the user stopped the suite; the tests that did not run are
	// absent.
	Interrupted bool `json:"interrupted"`
}

// SuiteTest is one test of a suite: its file, the file its summary was written to, and the
// summary itself.
type SuiteTest struct {
	Name        string   `json:"name"`         // file name without extension: "01-api-read-load"
	File        string   `json:"file"`         // scenario file
	SummaryFile string   `json:"summary_file"` // per-test JSON, relative to the results directory
	Pass        bool     `json:"pass"`
	Verdict     string   `json:"verdict"`
	Summary     *Summary `json:"-"`
}

// NewSuite assembles a suite's results around its verdict, which the caller decided
// (verdict.Combine).
func NewSuite(timestamp, target string, embedded, quick, interrupted bool, v verdict.Verdict, tests []SuiteTest) *Suite {
	return &Suite{Timestamp: timestamp, Target: target, Embedded: embedded, Quick: quick, Tests: tests,
		Interrupted: interrupted, Pass: v.Passed(), Verdict: string(v.Status), VerdictReasons: v.Reasons}
}
