package report

import (
	"encoding/xml"

	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ramp-dev/ramp/internal/compare"
)

// JUnit XML, as CI systems read it: one testsuite per test, one testcase per threshold
// expression and per criterion; a failed one carries observed versus target. What could not
// be shown is never a passed case: a threshold or criterion without data, and a test whose
// verdict is inconclusive (the load not delivered, the generator overloaded) or interrupted,
// are failures of type "inconclusive" / "interrupted"; a criterion whose source is not
// configured is skipped.

type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Time     string       `xml:"time,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Time      string      `xml:"time,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	Skipped   *struct{}     `xml:"skipped,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the suite as JUnit XML.
func WriteJUnit(w io.Writer, s *Suite) error {
	out := junitSuites{Name: "ramp"}
	var total float64
	for _, t := range s.Tests {
		js := junitSuite{Name: t.Name, Timestamp: t.Summary.Timestamp, Time: secs(t.Summary.DurationSeconds)}
		total += t.Summary.DurationSeconds
		add := func(c junitCase) {
			js.Tests++
			if c.Failure != nil {
				js.Failures++
			}
			js.Cases = append(js.Cases, c)
		}
		sum := t.Summary
		if sum.Verdict != "pass" {
			// The run itself: why the verdict is not a pass, beyond the cases below.
			var why []string
			kind := ""
			for _, r := range sum.VerdictReasons {
				if !r.IsCheck() { // thresholds and criteria have cases of their own below
					why = append(why, r.Text)
					if kind == "" {
						kind = string(r.Status)
					}
				}
			}
			if len(why) > 0 {
				msg := strings.Join(why, "; ")
				add(junitCase{Name: "run", Classname: t.Name, Failure: &junitFailure{Message: msg, Type: kind, Text: msg}})
			}
		}
		for _, th := range sum.Thresholds {
			c := junitCase{Name: th.Metric + " " + th.Expression, Classname: t.Name + ".thresholds"}
			observed := "no data"
			if th.Observed != nil {
				observed = strconv.FormatFloat(*th.Observed, 'f', -1, 64)
			}
			switch th.Status {
			case "pass":
				c.SystemOut = "observed " + observed
			case "no data":
				msg := fmt.Sprintf("%s: no data, target %s — not judged, the run is inconclusive", th.Metric, th.Expression)
				c.Failure = &junitFailure{Message: msg, Type: "inconclusive", Text: msg}
			default:
				msg := fmt.Sprintf("%s: observed %s, target %s", th.Metric, observed, th.Expression)
				c.Failure = &junitFailure{Message: msg, Type: "threshold", Text: msg}
			}
			add(c)
		}
		for _, cr := range sum.Criteria {
			c := junitCase{Name: cr.Name, Classname: t.Name + ".criteria"}
			observed := "no data"
			if cr.Observed != nil {
				observed = strconv.FormatFloat(*cr.Observed, 'f', -1, 64)
			}
			switch cr.Result {
			case "fail":
				msg := fmt.Sprintf("%s: observed %s, rule %s", cr.Name, observed, cr.Rule)
				if cr.FirstBrokenAt != nil {
					msg += fmt.Sprintf(", first broken at %ss", strconv.FormatFloat(*cr.FirstBrokenAt, 'f', -1, 64))
				}
				c.Failure = &junitFailure{Message: msg, Type: "criterion", Text: msg}
			case "skipped":
				c.Skipped = &struct{}{}
				c.SystemOut = cr.Detail
			case "no data":
				if cr.Severity == "warn" {
					// Never a passed case: a warning without data was not judged.
					c.Skipped = &struct{}{}
					c.SystemOut = fmt.Sprintf("no data (warn only, not judged): %s", cr.Detail)
					break
				}
				msg := fmt.Sprintf("%s: %s — not judged, the run is inconclusive", cr.Name, cr.Detail)
				c.Failure = &junitFailure{Message: msg, Type: "inconclusive", Text: msg}
			default:
				c.SystemOut = fmt.Sprintf("%s: observed %s, rule %s", cr.Result, observed, cr.Rule)
			}
			add(c)
		}
		out.Tests += js.Tests
		out.Failures += js.Failures
		out.Suites = append(out.Suites, js)
	}
	if s.Comparison != nil {
		out.Suites = append(out.Suites, comparisonJUnit(s.Comparison))
		out.Tests += out.Suites[len(out.Suites)-1].Tests
		out.Failures += out.Suites[len(out.Suites)-1].Failures
	}
	out.Time = secs(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func secs(f float64) string { return strconv.FormatFloat(f, 'f', 3, 64) }

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// comparisonJUnit is the comparison against the baseline as a test suite: one case per
// budgeted statistic — a failure when it regressed, a failure of type inconclusive when it
// could not be compared (never a pass) — and one per test missing on a side.
func comparisonJUnit(r *compare.Result) junitSuite {
	js := junitSuite{Name: "comparison with the baseline"}
	add := func(c junitCase) {
		js.Tests++
		if c.Failure != nil {
			js.Failures++
		}
		js.Cases = append(js.Cases, c)
	}
	for _, row := range r.Rows {
		if row.Budget == "" {
			continue
		}
		class := "comparison"
		if row.Test != "" {
			class = row.Test + ".comparison"
		}
		c := junitCase{Name: row.Metric + " " + row.Stat + " " + row.Budget, Classname: class}
		msg := fmt.Sprintf("%s %s: baseline %g, current %g, change %s", row.Metric, row.Stat, row.Baseline, row.Current, compare.FormatChange(row))
		switch row.Status {
		case compare.StatusRegression:
			c.Failure = &junitFailure{Message: msg + ", budget " + row.Budget, Type: "regression", Text: msg}
		case compare.StatusNoData:
			m := row.Metric + " " + row.Stat + ": " + row.Why + " — not compared"
			c.Failure = &junitFailure{Message: m, Type: "inconclusive", Text: m}
		case compare.StatusUnclear:
			// Beyond its budget but not significantly: the comparison counts it unjudged.
			m := msg + ", beyond the budget " + row.Budget + " but not significantly — not shown either way"
			c.Failure = &junitFailure{Message: m, Type: "inconclusive", Text: m}
		default:
			c.SystemOut = msg + " (" + row.Status + ")"
		}
		add(c)
	}
	for _, name := range r.Missing {
		m := "test " + name + " is on one side only — not compared"
		add(junitCase{Name: name, Classname: "comparison", Failure: &junitFailure{Message: m, Type: "inconclusive", Text: m}})
	}
	return js
}
