package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/outfile"
	"github.com/ramp-dev/ramp/internal/output"
	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/ramp-dev/ramp/internal/report"
	"github.com/ramp-dev/ramp/internal/segment"
)

// sampleOutputs are the streams a run's samples feed while it runs: --out json= and csv=
// files, --out prometheus-rw= receivers and the --metrics-addr endpoint. The files block the
// load when the disk does (nothing lost); the live ones aggregate and never block it.
type sampleOutputs struct {
	files   []sampleFile
	live    *output.Live
	remotes []*output.RemoteWrite
	urls    []string
}

type sampleFile struct {
	flag  string // "--out json=PATH"
	close func() error
}

// openOutputs opens every sample output of outs and points scrape (nil without
// --metrics-addr) at the run's Live. labels go on every live series. The returned Output is
// nil when there is none. On error, what was opened is closed.
func openOutputs(outs []outSpec, scrape *output.Scrape, p *plan.Plan, seg segment.Segment, labels []output.Label) (*sampleOutputs, metrics.Output, error) {
	// The receivers' URLs first: a bad one must not have truncated a file.
	for _, o := range outs {
		if o.kind == "prometheus-rw" {
			if _, _, _, err := output.ParseRemoteWriteURL(o.path, os.LookupEnv); err != nil {
				return nil, nil, err
			}
		}
	}
	s := &sampleOutputs{}
	var all output.Multi
	var liveOpts *output.LiveOptions
	fallBack := false
	for _, o := range outs {
		switch o.kind {
		case "json", "csv":
			w, err := outfile.Create(o.path)
			if err != nil {
				s.closeFiles()
				return nil, nil, fmt.Errorf("--out %s=%s: %w", o.kind, o.path, err)
			}
			var out metrics.Output
			closeOut := func() error { return nil }
			if o.kind == "json" {
				n := output.NewNDJSON(w)
				out, closeOut = n, n.Close
			} else {
				c := output.NewCSV(w)
				out, closeOut = c, c.Close
			}
			s.files = append(s.files, sampleFile{flag: "--out " + o.kind + "=" + o.path, close: func() error {
				err := closeOut()
				if cerr := w.Close(); err == nil {
					err = cerr
				}
				return err
			}})
			all = append(all, out)
		case "prometheus-rw":
			u, opts, explicit, err := output.ParseRemoteWriteURL(o.path, os.LookupEnv)
			if err != nil {
				s.closeFiles()
				return nil, nil, err
			}
			if liveOpts == nil {
				if !explicit {
					opts.NativeHistograms, fallBack = true, true
				}
				liveOpts = &opts
			}
			s.urls = append(s.urls, u)
		}
	}
	if liveOpts == nil && scrape != nil {
		_, opts, _, err := output.ParseRemoteWriteURL("http://metrics-addr/", os.LookupEnv)
		if err != nil {
			s.closeFiles()
			return nil, nil, err
		}
		liveOpts = &opts
	}
	if liveOpts != nil {
		liveOpts.TargetRate = segmentShare(engine.TargetRate(p), seg)
		liveOpts.Labels = labels
		s.live = output.NewLive(*liveOpts)
		all = append(all, s.live)
		for _, u := range s.urls {
			s.remotes = append(s.remotes, output.NewRemoteWrite(s.live, output.RemoteWriteConfig{URL: u, FallBackToGauges: fallBack}))
		}
		if scrape != nil {
			scrape.Set(s.live)
		}
	}
	switch len(all) {
	case 0:
		return s, nil, nil
	case 1:
		return s, all[0], nil
	}
	return s, all, nil
}

func (s *sampleOutputs) closeFiles() []error {
	var errs []error
	for _, f := range s.files {
		if err := f.close(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f.flag, err))
		}
	}
	s.files = nil
	return errs
}

// close closes every output, after the engine has flushed the last sample: the files, then
// a last request to each receiver. It prints file errors to stderr and returns ExitFail for
// them, and the live outputs' accounts for the summary (a receiver that dropped samples
// does not fail the run: the summary says how many).
func (s *sampleOutputs) close(stderr io.Writer, cmd string) (int, []report.OutputResult) {
	code := ExitPass
	for _, err := range s.closeFiles() {
		fmt.Fprintf(stderr, "%s: %v\n", cmd, err)
		code = ExitFail
	}
	var results []report.OutputResult
	for i, rw := range s.remotes {
		st := rw.Close()
		results = append(results, report.OutputResult{Output: "prometheus-rw", Target: s.urls[i],
			Requests: st.Requests, Failed: st.Failed, SamplesSent: st.Sent, SamplesDropped: st.Dropped,
			LastError: st.LastError, TrendsAsGauges: st.Gauges})
	}
	if s.live != nil {
		if n := s.live.Overflow(); n > 0 {
			fmt.Fprintf(stderr, "%s: live outputs: %d samples of series beyond the first %d were not exported (a tag with a value per request?)\n", cmd, n, output.DefaultMaxSeries)
		}
	}
	return code, results
}

// runWithLiveOutputs runs one test of a suite with its live outputs, each series labelled
// test=name.
func runWithLiveOutputs(ctx context.Context, p *plan.Plan, opts engine.Options, outs []outSpec, scrape *output.Scrape, name string) (*engine.Result, []report.OutputResult, error) {
	so, out, err := openOutputs(outs, scrape, p, opts.Segment, []output.Label{{Name: "test", Value: name}})
	if err != nil {
		return nil, nil, &engine.ConfigError{Err: err}
	}
	opts.Output = out
	res, err := engine.Run(ctx, p, opts)
	_, results := so.close(io.Discard, "ramp suite") // no files: nothing to report there
	return res, results, err
}

// segmentShare is a segment's part of the whole test's target rate: what it is meant to send,
// so that the segments' ramp_target_rate series add up to the test's in Prometheus, beside
// their requests.
func segmentShare(rate func(time.Duration) (float64, bool), seg segment.Segment) func(time.Duration) (float64, bool) {
	if rate == nil || seg.IsWhole() {
		return rate
	}
	share := seg.Length()
	return func(t time.Duration) (float64, bool) {
		r, ok := rate(t)
		return r * share, ok
	}
}
