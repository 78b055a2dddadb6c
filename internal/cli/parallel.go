package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/plan"
)

// segmentsStartIn is how far ahead a local distributed run sets its shared start: enough for
// every segment process to start and check its file.
const segmentsStartIn = 3 * time.Second

// localSegments runs one test as n segment processes of this very binary on this machine —
// `ramp run FILE --segment i/n --start-at T --out snapshot=…` each, setup run once before them —
// and merges their snapshots: the whole path of a distributed run, on one machine (`ramp suite
// --parallelism N`). Interrupting ctx interrupts every segment (SIGINT); they still write
// their snapshots. An error means the segments could not be run or merged.
func localSegments(ctx context.Context, name string, src []byte, p *plan.Plan, n int, vars map[string]string, timeScale float64, dir string) (*engine.Result, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("cannot find ramp's own binary: %w", err)
	}
	work, err := os.MkdirTemp(dir, name+"-segments-")
	if err != nil {
		return nil, err
	}
	// The file as the suite compiled it, beside nothing: its data files are named by
	// absolute paths or variables (the bundled suite's TOKENS_CSV).
	file := filepath.Join(work, name+".yaml")
	if err := os.WriteFile(file, src, 0o644); err != nil {
		return nil, err
	}
	args := []string{"run", file, "--quiet", "--no-summary", "--no-color"}
	for _, k := range slices.Sorted(maps.Keys(vars)) {
		args = append(args, "-e", k+"="+vars[k])
	}
	if timeScale > 0 {
		args = append(args, "--time-scale", strconv.FormatFloat(timeScale, 'g', -1, 64))
	}
	if p.Setup != nil {
		data, err := engine.Setup(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("setup: %w", err)
		}
		setup := filepath.Join(work, "setup.json")
		if err := writeJSON(setup, data); err != nil {
			return nil, err
		}
		args = append(args, "--setup-data", setup)
	}
	at := time.Now().Add(segmentsStartIn).UTC().Format(time.RFC3339Nano)
	snaps := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		snaps[i] = filepath.Join(work, fmt.Sprintf("segment-%d.snap", i+1))
		seg := append(append([]string(nil), args...), "--segment", fmt.Sprintf("%d/%d", i+1, n), "--start-at", at, "--out", "snapshot="+snaps[i])
		wg.Go(func() { errs[i] = runSegment(ctx, exe, seg) })
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("segment %d/%d: %w", i+1, n, err)
		}
	}
	res, _, err := mergeSnapshots(snaps)
	return res, err
}

// runSegment runs one segment process. Its verdict is in its snapshot: exit codes 0, 1, 3 and
// 4 are results; only 2 (nothing ran) or a crash is an error, with what it printed.
func runSegment(ctx context.Context, exe string, args []string) error {
	cmd := exec.CommandContext(ctx, exe, args...)
	cmd.Env = append(os.Environ(), asRampEnv+"=1")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGINT) }
	cmd.WaitDelay = 30 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() != ExitUsage && exit.ExitCode() > 0 {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w\n%s", err, bytes.TrimSpace(out.Bytes()))
	}
	return nil
}
