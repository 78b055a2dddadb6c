package report

// Suite is the result of `ramp suite`: every test's verdict and the overall one
// (summary.json).
type Suite struct {
	Timestamp string `json:"timestamp"`
	// Target is the base URL the suite ran against; Embedded says ramp started mina itself.
	Target   string      `json:"target"`
	Embedded bool        `json:"embedded"`
	Quick    bool        `json:"quick"` // the load shape was compressed (--quick, --time-scale < 1)
	Pass     bool        `json:"pass"`
	Tests    []SuiteTest `json:"tests"`
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
	Summary     *Summary `json:"-"`
}

// NewSuite returns the suite verdict over its tests: it passes when every test passed and
// the suite was not interrupted.
func NewSuite(timestamp, target string, embedded, quick, interrupted bool, tests []SuiteTest) *Suite {
	s := &Suite{Timestamp: timestamp, Target: target, Embedded: embedded, Quick: quick, Tests: tests,
		Interrupted: interrupted, Pass: !interrupted && len(tests) > 0}
	for _, t := range tests {
		s.Pass = s.Pass && t.Pass
	}
	return s
}
