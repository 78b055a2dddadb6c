// Package verdict decides, once, what a run showed: pass, fail, inconclusive or interrupted,
// with the reasons. Every output renders the Verdict; none decides it again.
//
// The rules, in order of precedence (the first that applies is the status; every reason is
// kept, so that a failed run that was also overloaded says both):
//
//	interrupted   the user stopped the run (SIGINT/SIGTERM): the figures cover only what ran
//	fail          setup or teardown failed; a threshold or criterion with abortOnFail ended the
//	              run; a threshold did not hold; a criterion of severity fail failed
//	inconclusive  the run cannot show whether the SLOs hold: a threshold without data; a
//	              criterion of severity fail without data (or that cannot be judged at the
//	              run's time scale); more dropped iterations than the load tolerance; the
//	              generator overloaded; segments that did not start together; nothing to
//	              judge (no threshold and no criterion)
//	pass          every threshold and criterion was judged and held, on the load intended
//
// No data never counts as met. A criterion whose source is not configured for the run
// (skipped) and one of severity warn count neither way; they are listed by the renderers
// from the criteria outcomes.
package verdict

import (
	"fmt"
	"strings"

	"github.com/ramp-dev/ramp/internal/criteria"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/threshold"
)

// Status is a run's verdict.
type Status string

// The verdicts, as the summary JSON spells them.
const (
	Pass         Status = "pass"
	Fail         Status = "fail"
	Inconclusive Status = "inconclusive"
	Interrupted  Status = "interrupted"
)

// rank orders the statuses by precedence: the highest of a run's reasons wins.
func (s Status) rank() int {
	switch s {
	case Interrupted:
		return 3
	case Fail:
		return 2
	case Inconclusive:
		return 1
	}
	return 0
}

// DefaultLoadTolerance is the share of scheduled arrival-rate iterations that may be dropped
// before a run counts as not having delivered its load (options.loadTolerance).
const DefaultLoadTolerance = 0.01

// Reason is one cause of a verdict: the status it leads to on its own, why in words, and the
// kind of check it came from (KindThreshold, KindCriterion; "" for the run itself), so that
// an output listing thresholds and criteria apart can leave those reasons out by kind, and
// a capacity search can tell the generator's doubts from the target's.
type Reason struct {
	Status Status `json:"status"`
	Text   string `json:"text"`
	Kind   string `json:"kind,omitempty"`
	// Test is the test of a suite a comparison's reason concerns ("" for none in particular).
	Test string `json:"test,omitempty"`
}

// IsCheck reports whether the reason is one threshold's or criterion's.
func (r Reason) IsCheck() bool { return r.Kind == KindThreshold || r.Kind == KindCriterion }

// The kinds of a Reason: one check's, or the load generator's own doubt (its self-check).
const (
	KindThreshold = "threshold"
	KindCriterion = "criterion"
	KindGenerator = "generator"
)

// Verdict is a run's one answer.
type Verdict struct {
	Status  Status   `json:"status"`
	Reasons []Reason `json:"reasons"`
}

// Passed reports whether the run proved its SLOs hold.
func (v Verdict) Passed() bool { return v.Status == Pass }

// Why is the reasons of the verdict's own status, joined: what a one-line summary says.
func (v Verdict) Why() string {
	var parts []string
	for _, r := range v.Reasons {
		if r.Status == v.Status {
			parts = append(parts, r.Text)
		}
	}
	return strings.Join(parts, "; ")
}

// Load is what the arrival-rate scenarios were asked to start and what they dropped.
type Load struct {
	Scheduled, Dropped int64
	// Tolerance is the share of Scheduled that may be dropped (options.loadTolerance).
	Tolerance float64
}

// DroppedShare is Dropped over Scheduled; 0 without arrival-rate scenarios.
func (l Load) DroppedShare() float64 {
	if l.Scheduled <= 0 {
		return 0
	}
	return float64(l.Dropped) / float64(l.Scheduled)
}

// Delivered reports whether no more than the tolerated share was dropped.
func (l Load) Delivered() bool { return l.DroppedShare() <= l.Tolerance }

// Input is everything a run's verdict depends on.
type Input struct {
	Thresholds []threshold.Result
	Criteria   []criteria.Outcome
	Generator  selfcheck.Report
	Load       Load
	// SetupError and TeardownError say why they failed; Aborted why abortOnFail (or a VU
	// that could not be made) ended the run; empty when not.
	SetupError, TeardownError, Aborted string
	Interrupted                        bool
	// Late names the segments of a distributed run that began after the shared start: the
	// load together was not the one intended.
	Late []string
	// Chaos lists the faults of the chaos timeline that were not applied or not cleared, with
	// why: the run was not the one the file asked for.
	Chaos []string
}

// Decide computes the verdict of one run.
func Decide(in Input) Verdict {
	var v Verdict
	add := func(s Status, format string, args ...any) {
		v.Reasons = append(v.Reasons, Reason{Status: s, Text: fmt.Sprintf(format, args...)})
	}
	if in.Interrupted {
		add(Interrupted, "interrupted by the user: the figures cover only what ran")
	}
	if in.SetupError != "" {
		add(Fail, "setup failed: %s", in.SetupError)
	}
	if in.Aborted != "" {
		add(Fail, "aborted: %s", in.Aborted)
	}
	if in.TeardownError != "" {
		add(Fail, "teardown failed: %s", in.TeardownError)
	}
	of := func(kind string) { v.Reasons[len(v.Reasons)-1].Kind = kind }
	for _, r := range in.Thresholds {
		switch {
		case !r.HasValue:
			add(Inconclusive, "threshold %s %s: no data", r.Metric, r.Expression)
			of(KindThreshold)
		case !r.Pass:
			add(Fail, "threshold %s %s failed", r.Metric, r.Expression)
			of(KindThreshold)
		}
	}
	for _, o := range in.Criteria {
		switch {
		case o.Result == criteria.ResultFail:
			add(Fail, "criterion %q failed: %s", o.Name, o.Detail)
			of(KindCriterion)
		case o.Result == criteria.ResultNoData && o.Severity != criteria.ResultWarn:
			add(Inconclusive, "criterion %q: %s", o.Name, o.Detail)
			of(KindCriterion)
		}
	}
	if !in.Load.Delivered() {
		add(Inconclusive, "intended load not delivered: %d of %d scheduled iterations dropped (%s, tolerance %s) — no VU was free; raise maxVUs or lower the rate",
			in.Load.Dropped, in.Load.Scheduled, percent(in.Load.DroppedShare()), percent(in.Load.Tolerance))
	}
	for _, c := range in.Chaos {
		add(Inconclusive, "chaos: %s", c)
	}
	if len(in.Late) > 0 {
		add(Inconclusive, "not started together: %s", strings.Join(in.Late, "; "))
	}
	if in.Generator.Overloaded {
		add(Inconclusive, "generator overloaded — results not trustworthy: %s", strings.Join(in.Generator.Reasons, "; "))
		of(KindGenerator)
	}
	judged := 0
	for _, o := range in.Criteria {
		if o.Result != criteria.ResultSkipped {
			judged++
		}
	}
	if len(in.Thresholds) == 0 && judged == 0 && in.SetupError == "" && in.Aborted == "" && in.TeardownError == "" {
		add(Inconclusive, "nothing to judge: the test states no threshold and no criterion")
	}
	v.Status = Pass
	for _, r := range v.Reasons {
		if r.Status.rank() > v.Status.rank() {
			v.Status = r.Status
		}
	}
	if v.Reasons == nil {
		v.Reasons = []Reason{}
	}
	return v
}

// Combine is the verdict of several runs (a suite): the highest status of them, with every
// reason prefixed by its run's name. No run at all is inconclusive.
func Combine(names []string, vs []Verdict) Verdict {
	v := Verdict{Status: Pass, Reasons: []Reason{}}
	if len(vs) == 0 {
		v.Status = Inconclusive
		v.Reasons = append(v.Reasons, Reason{Status: Inconclusive, Text: "no test ran"})
	}
	for i, t := range vs {
		if t.Status.rank() > v.Status.rank() {
			v.Status = t.Status
		}
		for _, r := range t.Reasons {
			if i < len(names) {
				r.Text = names[i] + ": " + r.Text
			}
			v.Reasons = append(v.Reasons, r)
		}
	}
	return v
}

// percent shows a share as a percentage: 0.0123 → "1.23%".
func percent(f float64) string {
	return strings.TrimSuffix(strings.TrimRight(fmt.Sprintf("%.3f", 100*f), "0"), ".") + "%"
}

// Comparison is what a comparison against a baseline showed (package compare): the gated
// statistics that regressed beyond their budgets, those that could not be compared, and how
// many were judged.
type Comparison struct {
	Regressions []Finding
	Unjudged    []Finding
	Judged      int
}

// Finding is one statistic or test of a comparison, in words, with the test it belongs to.
type Finding struct {
	Test, Text string
}

// DecideComparison is the verdict of a comparison: fail when a budget was broken; else
// inconclusive when a budget (or a whole test) could not be judged, or nothing was; else pass.
// No data never counts as no regression.
func DecideComparison(c Comparison) Verdict {
	v := Verdict{Status: Pass, Reasons: []Reason{}}
	for _, r := range c.Regressions {
		v.Reasons = append(v.Reasons, Reason{Status: Fail, Text: "regression: " + r.Text, Test: r.Test})
	}
	for _, u := range c.Unjudged {
		v.Reasons = append(v.Reasons, Reason{Status: Inconclusive, Text: "not compared: " + u.Text, Test: u.Test})
	}
	if c.Judged == 0 {
		v.Reasons = append(v.Reasons, Reason{Status: Inconclusive,
			Text: "nothing to compare: no budgeted statistic has data in both runs"})
	}
	for _, r := range v.Reasons {
		if r.Status.rank() > v.Status.rank() {
			v.Status = r.Status
		}
	}
	return v
}
