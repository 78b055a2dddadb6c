package cli

import (
	"bytes"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/scenario"
	"github.com/ramp-dev/ramp/internal/segment"
)

// mergeSpec is `ramp merge`.
func mergeSpec(stdout, stderr io.Writer) spec {
	return spec{
		use:   "merge SNAPSHOT... [flags]",
		short: "One result and verdict from the snapshots of a test's segments",
		long: `Merge the snapshots of one test's segments, taken by processes that ran at the same time
(ramp run --segment i/n --out snapshot=PATH), into the result one process running the whole
test would have had: its thresholds and criteria judged on the merged data, one verdict and
ramp run's outputs and exit codes. Snapshots of different tests or ramp versions, a segment
twice or one missing are refused (exit 2).`,
		example: `  ramp merge seg-*.snap --summary-export summary.json --report report.html --junit junit.xml`,
		bind: func(fs *pflag.FlagSet) body {
			var results resultFiles
			results.register(fs)
			trendStats := fs.String("summary-trend-stats", "", "the trend statistics of the k6-format summary export, a `LIST` such as avg,p(95),p(99)")
			noColor := fs.Bool("no-color", false, "no colours in the output")
			noSummary := fs.Bool("no-summary", false, "no end-of-test summary (the one-line verdict still prints)")
			// A merge has no progress to hide: --quiet, as ramp run's scripts pass it, is --no-summary.
			quiet := fs.BoolP("quiet", "q", false, "the same as --no-summary: a merge shows no progress")
			return func(files []string) int {
				return mergeCommand(files, results, *trendStats, *noColor, *quiet || *noSummary, stdout, stderr)
			}
		},
	}
}

// mergeCommand is `ramp merge SNAPSHOT...`: the snapshots of one test's segments, taken by
// processes that ran at the same time (`ramp run --execution-segment … --out snapshot=…`),
// merged into the result one process running the whole test would have had — its thresholds
// and criteria judged on the merged data, one verdict, `ramp run`'s outputs and exit codes.
func mergeCommand(files []string, results resultFiles, trendStats string, noColor, quiet bool, stdout, stderr io.Writer) int {
	if len(files) == 0 {
		return usagef(stderr, "ramp merge", "name the snapshots of a test's segments (ramp run --out snapshot=PATH)")
	}
	if err := results.finish(); err != nil {
		return usagef(stderr, "ramp merge", "%v", err)
	}
	stats, err := metrics.ParseTrendStats(trendStats)
	if err != nil {
		return usagef(stderr, "ramp merge", "--summary-trend-stats: %v", err)
	}
	if err := results.check(); err != nil {
		fmt.Fprintln(stderr, "ramp merge:", err)
		return ExitUsage
	}
	res, test, err := mergeSnapshots(files)
	if err != nil {
		printFileError(stderr, test.File, err)
		return ExitUsage
	}
	summary := report.Build(res)
	color := !noColor && isTerminal(stdout)
	if quiet {
		fmt.Fprintln(stdout, report.VerdictLine(summary, color))
	} else if err := report.WriteText(stdout, summary, res.Snapshot, report.TextOptions{Color: color, TrendStats: stats}); err != nil {
		fmt.Fprintln(stderr, "ramp merge:", err)
	}
	code := exitCode(res.Verdict)
	code = max(code, results.write(stderr, strings.TrimSuffix(filepath.Base(test.File), filepath.Ext(test.File)), summary, res, stats))
	return code
}

// mergeSnapshots reads the snapshots of a test's segments, merges their measurements and judges
// them as one run, with a part per segment and per region. It returns the test they measured.
// An error means nothing could be judged (exit 2).
func mergeSnapshots(files []string) (*engine.Result, output.Test, error) {
	snaps, err := readSnapshots(files)
	if err != nil {
		return nil, output.Test{}, err
	}
	test := snaps[0].Test
	p, err := scenario.Compile(test.File, test.Source, test.Vars, lookupIn(test.Env))
	if err != nil {
		return nil, test, err
	}
	p.Scale(test.TimeScale)
	names := make([]string, len(snaps))
	regions := make([]string, len(snaps))
	ms := make([]engine.Measurements, len(snaps))
	for i, s := range snaps {
		names[i], regions[i], ms[i] = segmentName(files[i], s.Test), s.Test.Tags["region"], s.Measured
	}
	m, err := engine.Merge(names, ms)
	if err != nil {
		return nil, test, err
	}
	res, err := engine.Judge(p, m)
	if err != nil {
		return nil, test, err
	}
	for i := range snaps {
		res.Segments = append(res.Segments, engine.PartOf(names[i], ms[i]))
	}
	if res.Regions, err = engine.Regions(regions, names, ms); err != nil {
		return nil, test, err
	}
	return res, test, nil
}

// readSnapshots decodes every snapshot and checks that they are the segments of one test,
// taken by one version of ramp, each segment once.
func readSnapshots(files []string) ([]*output.RunSnapshot, error) {
	snaps := make([]*output.RunSnapshot, len(files))
	for i, path := range files {
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		if snaps[i], err = output.DecodeRun(b); err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	first := snaps[0]
	seen := map[string]string{}
	for i, s := range snaps {
		switch {
		case s.Ramp != first.Ramp:
			return nil, fmt.Errorf("%s was written by ramp %s, %s by ramp %s: merge the snapshots of one version", files[0], first.Ramp, files[i], s.Ramp)
		case !bytes.Equal(s.Test.Source, first.Test.Source) || !maps.Equal(s.Test.Vars, first.Test.Vars) ||
			!maps.Equal(s.Test.Env, first.Test.Env) || s.Test.TimeScale != first.Test.TimeScale:
			return nil, fmt.Errorf("%s and %s are snapshots of different tests (%s, %s): the scenario file, its variables and its time scale must be the same",
				files[0], files[i], first.Test.File, s.Test.File)
		}
		seg := s.Test.Segment
		if seg == "" {
			seg = "the whole test"
		}
		if other, dup := seen[seg]; dup {
			return nil, fmt.Errorf("%s and %s both measured %s: each segment once", other, files[i], seg)
		}
		seen[seg] = files[i]
		if s.Test.Sequence != first.Test.Sequence {
			return nil, fmt.Errorf("%s is a segment of the sequence %q, %s of %q: merge the segments of one run", files[0], first.Test.Sequence, files[i], s.Test.Sequence)
		}
	}
	// Every segment of the sequence, or the whole test once.
	want := 1
	if first.Test.Sequence != "" {
		seq, err := segment.ParseSequence(first.Test.Sequence)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", files[0], err)
		}
		want = seq.Len()
		if missing := missingSegments(seq, seen); len(missing) > 0 {
			return nil, fmt.Errorf("segments %s of %s are missing: a merged result must cover the whole test", strings.Join(missing, ", "), first.Test.Sequence)
		}
	}
	if len(snaps) != want {
		return nil, fmt.Errorf("%d snapshots of the whole test: merge the segments of one distributed run, each once", len(snaps))
	}
	return snaps, nil
}

// missingSegments lists the segments of seq that no snapshot measured.
func missingSegments(seq segment.Sequence, seen map[string]string) []string {
	var out []string
	for _, g := range seq.Segments() {
		if _, ok := seen[g.String()]; !ok {
			out = append(out, g.String())
		}
	}
	return out
}

// segmentName labels a snapshot in merged reasons: its segment, else its file.
func segmentName(file string, t output.Test) string {
	if t.Segment != "" {
		return "segment " + t.Segment
	}
	return file
}

// lookupIn looks variables up in the environment a run recorded (its snapshot's Env).
func lookupIn(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}
}
