package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ramp-dev/ramp/internal/compare"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
)

// baselineFlags are the suite's comparison options (ramp suite --baseline DIR
// --save-baseline DIR --min-change P), kept together so that they port as one group.
type baselineFlags struct {
	baseline, save string
	minChange      float64
}

// compareSuite compares a finished suite's tests with the baseline directory's, test by
// test, with each test's own regressions: budgets.
func compareSuite(baseline string, minChange float64, s *report.Suite, plans map[string]*plan.Plan) (*compare.Result, error) {
	base, err := readCompared(baseline)
	if err != nil {
		return nil, err
	}
	if base.tests == nil {
		return nil, errors.New("not a suite results directory (ramp suite --results or --save-baseline)")
	}
	cur := &compared{tests: map[string]*compared{}}
	var budgets []compare.Budget
	for _, t := range s.Tests {
		cur.tests[t.Name] = &compared{single: report.CompareRun(t.Summary)}
		cur.order = append(cur.order, t.Name)
		if p := plans[t.Name]; p != nil {
			for _, r := range p.Regressions {
				b, err := compare.ParseBudget(r.Metric, r.Expression) // checked when compiled
				if err != nil {
					return nil, err
				}
				b.Line, b.Test = r.Line, t.Name
				budgets = append(budgets, b)
			}
		}
	}
	pairs, _, err := pairRuns(base, cur)
	if err != nil {
		return nil, err
	}
	return compare.Compare(pairs, compare.Options{MinChange: minChange, Budgets: budgets}), nil
}

// saveBaseline copies a suite's results that a comparison reads — summary.json and each
// test's summary — into dir, replacing what a previous baseline left there.
func saveBaseline(results, dir string, s *report.Suite) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	files := []string{"summary.json"}
	for _, t := range s.Tests {
		files = append(files, t.SummaryFile)
	}
	for _, f := range files {
		b, err := os.ReadFile(filepath.Join(results, f))
		if err != nil {
			return err
		}
		if err := outfile.WriteFile(filepath.Join(dir, filepath.Base(f)), b); err != nil {
			return err
		}
	}
	return nil
}

// indexFile is the results folder's history: one entry per suite run.
const indexFile = "index.json"

// appendHistory adds the suite's entry to index.json in the folder holding its results
// directory and returns the whole history. An index that cannot be read as one is left as
// it is (nothing lost) and reported.
func appendHistory(results string, s *report.Suite) ([]report.HistoryEntry, error) {
	path, runs, err := readHistory(results)
	if err != nil {
		return nil, err
	}
	runs = append(runs, report.HistoryOf(s, filepath.Base(filepath.Clean(results))))
	if err := writeJSON(path, historyIndex{Runs: runs}); err != nil {
		return nil, err
	}
	return runs, nil
}

// historyIndex is index.json.
type historyIndex struct {
	Runs []report.HistoryEntry `json:"runs"`
}

// readHistory reads the index.json beside a results directory: its path and its runs (none
// when there is no index yet).
func readHistory(results string) (string, []report.HistoryEntry, error) {
	path := filepath.Join(filepath.Dir(filepath.Clean(results)), indexFile)
	var index historyIndex
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return path, nil, nil
	case err != nil:
		return path, nil, err
	}
	if err := json.Unmarshal(b, &index); err != nil {
		return path, nil, fmt.Errorf("%s is not ramp's index (left as it is; move it away to start a new one): %w", path, err)
	}
	return path, index.Runs, nil
}

// historyUpTo is the history as it was when the run in results was added: the entries up
// to its own (all of them when it has none).
func historyUpTo(results string, runs []report.HistoryEntry) []report.HistoryEntry {
	name := filepath.Base(filepath.Clean(results))
	for i, e := range runs {
		if e.Results == name {
			return runs[:i+1]
		}
	}
	return runs
}

// testComparison is the part of a suite's comparison that concerns one test, for its own
// summary.
func testComparison(r *compare.Result, test string) *compare.Result {
	out := *r
	out.Rows = nil
	for _, row := range r.Rows {
		if row.Test == test {
			out.Rows = append(out.Rows, row)
		}
	}
	// The verdict stays the suite's comparison's (its p-values were adjusted together);
	// the reasons, and the tests missing on a side, are this test's.
	out.Verdict.Reasons = nil
	for _, reason := range r.Verdict.Reasons {
		if reason.Test == test {
			out.Verdict.Reasons = append(out.Verdict.Reasons, reason)
		}
	}
	out.Missing = nil
	for _, m := range r.Missing {
		if m == test {
			out.Missing = append(out.Missing, m)
		}
	}
	return &out
}
