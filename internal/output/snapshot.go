package output

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
)

// A run snapshot (--out snapshot=PATH) is one run's measurements in a form that travels
// between processes and merges: the metrics snapshot (HDR histograms, counters, rates,
// per-interval series, checks — metrics.Snapshot.MarshalBinary, versioned on its own) behind a
// JSON header that says which test it measured (the scenario file as it was, the variables
// and time scale it was compiled with, the segment) and what the run itself knew (the
// generator's self-check, the iterations started, the monitors' series, how it ended):
//
//	"RAMPRUN\n"  uvarint(format version)  uvarint(len(header))  header (JSON)  metrics snapshot
//
// A decoder refuses another format version rather than guess at it.
const (
	runMagic   = "RAMPRUN\n"
	runVersion = 1
	// maxHeader bounds the header a decoder reads: a hostile length must not allocate.
	maxHeader = 64 << 20
)

// ErrRunSnapshot is wrapped by every error of DecodeRun.
var ErrRunSnapshot = errors.New("not a ramp run snapshot")

// Test names what a run snapshot measured: enough to compile the same plan again.
type Test struct {
	// File is the scenario file's path as given, Source its contents when the run began.
	File   string `json:"file"`
	Source []byte `json:"source"`
	// Vars are the -e variables it was compiled with, Env the environment variables the
	// compiler read; TimeScale its --time-scale (0 or 1: real time).
	Vars      map[string]string `json:"vars,omitempty"`
	Env       map[string]string `json:"env,omitempty"`
	TimeScale float64           `json:"time_scale,omitempty"`
	// Segment and Sequence are the execution segment the run took ("" for the whole test).
	Segment  string `json:"segment,omitempty"`
	Sequence string `json:"sequence,omitempty"`
	// Tags are the --tag tags the run put on every sample (a segment's region).
	Tags map[string]string `json:"tags,omitempty"`
}

// RunSnapshot is a decoded run snapshot.
type RunSnapshot struct {
	// Version is the format version; Ramp the version of ramp that wrote it.
	Version int    `json:"version"`
	Ramp    string `json:"ramp"`
	Test    Test   `json:"test"`
	// Measured is what the run measured; its Snapshot is decoded from the metrics part.
	Measured engine.Measurements `json:"measured"`
}

// EncodeRun encodes a finished run's snapshot: its measurements and the test they belong to;
// ramp is the writer's version.
func EncodeRun(res *engine.Result, test Test, ramp string) ([]byte, error) {
	h := RunSnapshot{Version: runVersion, Ramp: ramp, Test: test, Measured: res.Measured}
	h.Measured.Snapshot = nil // encoded on its own, below
	header, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	body, err := res.Measured.Snapshot.MarshalBinary()
	if err != nil {
		return nil, err
	}
	b := append([]byte(runMagic), binary.AppendUvarint(nil, runVersion)...)
	b = binary.AppendUvarint(b, uint64(len(header)))
	b = append(b, header...)
	return append(b, body...), nil
}

// DecodeRun reads a run snapshot that EncodeRun wrote. Anything else — another file, a
// truncated or damaged one, another format version — is an error wrapping ErrRunSnapshot.
func DecodeRun(b []byte) (*RunSnapshot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrRunSnapshot, fmt.Sprintf(format, args...))
	}
	rest, ok := bytes.CutPrefix(b, []byte(runMagic))
	if !ok {
		return nil, fail("it does not start with %q", runMagic)
	}
	version, n := binary.Uvarint(rest)
	if n <= 0 {
		return nil, fail("truncated before its version")
	}
	if version != runVersion {
		return nil, fail("format version %d; this ramp reads version %d", version, runVersion)
	}
	rest = rest[n:]
	size, n := binary.Uvarint(rest)
	if n <= 0 || size > maxHeader || size > uint64(len(rest)-n) {
		return nil, fail("truncated or damaged header")
	}
	rest = rest[n:]
	var s RunSnapshot
	if err := json.Unmarshal(rest[:size], &s); err != nil {
		return nil, fail("header: %v", err)
	}
	snap, err := metrics.UnmarshalSnapshot(rest[size:])
	if err != nil {
		return nil, fmt.Errorf("%w: metrics: %w", ErrRunSnapshot, err)
	}
	s.Measured.Snapshot = snap
	return &s, nil
}
