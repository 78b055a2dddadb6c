package report

import (
	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/verdict"
)

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
	// Baseline is the results directory compared against (ramp suite --baseline), and
	// Comparison the comparison; its verdict is part of Verdict.
	Baseline   string          `json:"baseline,omitempty"`
	Comparison *compare.Result `json:"comparison,omitempty"`
	// History is the results folder's index (index.json), this run last: the trend the HTML
	// report charts. Not written into summary.json (index.json holds it).
	History []HistoryEntry `json:"-"`
}

// HistoryEntry is one suite run in the results folder's index.json.
type HistoryEntry struct {
	Timestamp string        `json:"timestamp"`
	Results   string        `json:"results"` // the run's results directory, relative to the index
	Verdict   string        `json:"verdict"`
	Tests     []HistoryTest `json:"tests"`
}

// HistoryTest is one test's headline figures in a HistoryEntry.
type HistoryTest struct {
	Name      string  `json:"name"`
	P95       float64 `json:"p95_ms"`
	RPS       float64 `json:"requests_per_second"`
	ErrorRate float64 `json:"error_rate"`
	Verdict   string  `json:"verdict"`
}

// HistoryOf is a suite's entry in the index; results is its directory as the index names it.
func HistoryOf(s *Suite, results string) HistoryEntry {
	e := HistoryEntry{Timestamp: s.Timestamp, Results: results, Verdict: s.Verdict, Tests: []HistoryTest{}}
	for _, t := range s.Tests {
		m := t.Summary.Metrics
		e.Tests = append(e.Tests, HistoryTest{Name: t.Name, P95: m.ResponseTimes.P95, RPS: m.RequestsPerSecond,
			ErrorRate: m.ErrorRate, Verdict: t.Verdict})
	}
	return e
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
