package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/plan"
)

// inspectSpec is `ramp inspect`: k6 inspect's use — what would run, without running it.
func inspectSpec(stdout, stderr io.Writer) spec {
	return spec{
		use:   "inspect FILE [flags]",
		files: scenarioFiles,
		short: "Print the resolved plan of a test without sending anything",
		long: `Print the plan "ramp run" would run with the same flags: every scenario with its executor,
flow, start, exact VUs, rates and durations after -e, the k6 shortcuts (--vus, --duration,
--iterations, --stage) and --quick or --time-scale, and the thresholds. It runs the checks
"ramp validate" runs and sends nothing. --json prints it as JSON.`,
		example: `  ramp inspect examples/constant-rate.yaml -e RATE=200 --quick
  ramp inspect test.yaml --vus 10 --duration 30s --json | jq '.scenarios[0]'`,
		bind: func(fs *pflag.FlagSet) body {
			f := &runFlags{}
			f.register(fs)
			// The flags that only shape outputs of a run mean nothing here.
			for _, name := range []string{"out", "summary-export", "summary-format", "report", "junit", "markdown",
				"summary-trend-stats", "quiet", "no-summary", "no-color", "http-debug", "start-at", "setup-data", "tag"} {
				_ = fs.MarkHidden(name)
			}
			asJSON := fs.Bool("json", false, "print the plan as JSON")
			return func(args []string) int {
				if err := f.finish(fs, args); err != nil {
					return usagef(stderr, "ramp inspect", "%v", err)
				}
				return inspectCommand(f, *asJSON, stdout, stderr)
			}
		},
	}
}

// inspectCommand compiles and validates the file as `ramp run` would, and prints its plan.
func inspectCommand(f *runFlags, asJSON bool, stdout, stderr io.Writer) int {
	p, err := f.plan(os.LookupEnv)
	if err == nil {
		err = engine.Validate(p, engine.Options{Segment: f.segment})
	}
	if err != nil {
		printFileError(stderr, f.file, err)
		return ExitUsage
	}
	v := newInspection(p)
	if asJSON {
		b, err := json.MarshalIndent(v, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, "ramp inspect:", err)
			return ExitFail
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return ExitPass
	}
	writeInspection(stdout, v)
	return ExitPass
}

// inspection is the plan as `ramp inspect` shows it. Durations are Go duration strings
// ("1m30s"), as written in scenario files.
type inspection struct {
	File      string              `json:"file"`
	TestType  string              `json:"test_type"`
	TimeScale float64             `json:"time_scale"`
	Duration  string              `json:"duration"`   // the last scenario's end
	MaxVUs    int                 `json:"max_vus"`    // all scenarios' VUs at most, added up
	Scenarios []inspectedScenario `json:"scenarios"`  // in start order
	Threshold []inspectedRule     `json:"thresholds"` // in file order
}

type inspectedScenario struct {
	Name             string            `json:"name"`
	Executor         string            `json:"executor"`
	Exec             string            `json:"exec"`
	StartTime        string            `json:"start_time"`
	End              string            `json:"end"`
	GracefulStop     string            `json:"graceful_stop"`
	VUs              int               `json:"vus,omitzero"`
	Iterations       int64             `json:"iterations,omitzero"`
	Duration         string            `json:"duration,omitzero"`
	MaxDuration      string            `json:"max_duration,omitzero"`
	StartVUs         int               `json:"start_vus,omitzero"`
	GracefulRampDown string            `json:"graceful_ramp_down,omitzero"`
	Rate             int64             `json:"rate,omitzero"`
	StartRate        int64             `json:"start_rate,omitzero"`
	TimeUnit         string            `json:"time_unit,omitzero"`
	RatePerSecond    float64           `json:"rate_per_second,omitzero"`
	PreAllocatedVUs  int               `json:"pre_allocated_vus,omitzero"`
	MaxVUs           int               `json:"max_vus,omitzero"`
	Stages           []inspectedStage  `json:"stages,omitzero"`
	Tags             map[string]string `json:"tags,omitzero"`
}

type inspectedStage struct {
	Duration string `json:"duration"`
	Target   int64  `json:"target"`
}

type inspectedRule struct {
	Metric      string   `json:"metric"`
	Expressions []string `json:"expressions"`
}

func newInspection(p *plan.Plan) inspection {
	v := inspection{File: p.File, TestType: p.TestType, TimeScale: p.TimeScale}
	if v.TimeScale == 0 {
		v.TimeScale = 1
	}
	var end time.Duration
	scheds := engine.Schedules(p)
	most := make([]int, len(scheds)) // each scenario's VUs at most
	for i, s := range scheds {
		end = max(end, s.End)
		is := inspectedScenario{Name: s.Name, Executor: s.Executor, Exec: s.Exec, StartTime: s.StartTime.String(),
			End: s.End.String(), GracefulStop: s.GracefulStop.String(), Tags: s.Tags}
		switch s.Executor {
		case plan.ConstantVUs:
			is.VUs, is.Duration = s.VUs, s.Duration.String()
			most[i] = s.VUs
		case plan.PerVUIterations, plan.SharedIterations:
			is.VUs, is.Iterations, is.MaxDuration = s.VUs, s.Iterations, s.MaxDuration.String()
			most[i] = s.VUs
		case plan.RampingVUs:
			is.StartVUs, is.GracefulRampDown = s.StartVUs, s.GracefulRampDown.String()
			most[i] = s.StartVUs
			for _, st := range s.Stages {
				most[i] = max(most[i], int(st.Target))
			}
		case plan.ConstantArrivalRate, plan.RampingArrivalRate:
			is.Rate, is.StartRate, is.TimeUnit = s.Rate, s.StartRate, s.TimeUnit.String()
			is.PreAllocatedVUs, is.MaxVUs = s.PreAllocatedVUs, s.MaxVUs
			if s.Executor == plan.ConstantArrivalRate {
				is.Duration = s.Duration.String()
				is.RatePerSecond = float64(s.Rate) / s.TimeUnit.Seconds()
			}
			most[i] = s.MaxVUs
		}
		for _, st := range s.Stages {
			is.Stages = append(is.Stages, inspectedStage{Duration: st.Duration.String(), Target: st.Target})
		}
		v.Scenarios = append(v.Scenarios, is)
	}
	v.Duration = end.String()
	// The most VUs at once: at some scenario's start, the scenarios running then (to their
	// hard end, graceful stop included) add up.
	for _, a := range scheds {
		at := 0
		for j, b := range scheds {
			if b.StartTime <= a.StartTime && a.StartTime < max(b.HardEnd, b.StartTime+1) {
				at += most[j]
			}
		}
		v.MaxVUs = max(v.MaxVUs, at)
	}
	v.Threshold = []inspectedRule{}
	for _, t := range p.Thresholds {
		r := inspectedRule{Metric: t.Metric, Expressions: []string{}}
		for _, e := range t.Rules {
			r.Expressions = append(r.Expressions, e.Expression)
		}
		v.Threshold = append(v.Threshold, r)
	}
	return v
}

// writeInspection prints the plan as text: a header, a line per scenario, the thresholds.
func writeInspection(w io.Writer, v inspection) {
	fmt.Fprintf(w, "%s  %s  time scale %g  duration %s  VUs at most %d\n\n", v.TestType, v.File, v.TimeScale, v.Duration, v.MaxVUs)
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tEXECUTOR\tFLOW\tSTART\tEND\tLOAD")
	for _, s := range v.Scenarios {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", s.Name, s.Executor, s.Exec, s.StartTime, s.End, loadText(s))
	}
	_ = tw.Flush()
	if len(v.Threshold) > 0 {
		fmt.Fprintln(w, "\nTHRESHOLDS")
		for _, t := range v.Threshold {
			exprs := "[] (shown in the summary, judges nothing)"
			if len(t.Expressions) > 0 {
				exprs = strings.Join(t.Expressions, ", ")
			}
			fmt.Fprintf(w, "  %s: %s\n", t.Metric, exprs)
		}
	}
}

// loadText is a scenario's load in one phrase.
func loadText(s inspectedScenario) string {
	stages := func() string {
		parts := make([]string, len(s.Stages))
		for i, st := range s.Stages {
			parts[i] = fmt.Sprintf("%s→%d", st.Duration, st.Target)
		}
		return strings.Join(parts, " ")
	}
	switch s.Executor {
	case plan.ConstantVUs:
		return fmt.Sprintf("%d VUs for %s", s.VUs, s.Duration)
	case plan.PerVUIterations:
		return fmt.Sprintf("%d VUs × %d iterations, max %s", s.VUs, s.Iterations, s.MaxDuration)
	case plan.SharedIterations:
		return fmt.Sprintf("%d iterations shared by %d VUs, max %s", s.Iterations, s.VUs, s.MaxDuration)
	case plan.RampingVUs:
		return fmt.Sprintf("from %d VUs: %s", s.StartVUs, stages())
	case plan.ConstantArrivalRate:
		return fmt.Sprintf("%d/%s (%g/s) for %s, VUs %d–%d", s.Rate, s.TimeUnit, s.RatePerSecond, s.Duration, s.PreAllocatedVUs, s.MaxVUs)
	case plan.RampingArrivalRate:
		return fmt.Sprintf("from %d/%s: %s, VUs %d–%d", s.StartRate, s.TimeUnit, stages(), s.PreAllocatedVUs, s.MaxVUs)
	}
	return ""
}
