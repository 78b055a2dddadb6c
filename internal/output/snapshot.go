package output

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/ramp-dev/ramp/internal/engine"
	"github.com/ramp-dev/ramp/internal/metrics"
	"github.com/ramp-dev/ramp/internal/selfcheck"
	"github.com/ramp-dev/ramp/internal/verdict"
)

// A run snapshot (--out snapshot=PATH) is one run's measurements in a form that travels
// between processes and merges: the metrics snapshot (HDR histograms, counters, rates,
// per-interval series, checks — metrics.Snapshot.MarshalBinary, versioned on its own) behind a
// small JSON header that says which test it measured and what the run itself knew (the
// generator's self-check, the load scheduled and dropped, how it ended):
//
//	"RAMPRUN\n"  uvarint(format version)  uvarint(len(header))  header (JSON)  metrics snapshot
//
// A decoder refuses another format version rather than guess at it.
const (
	runMagic   = "RAMPRUN\n"
	runVersion = 1
	// maxHeader bounds the header a decoder reads: a hostile length must not allocate.
	maxHeader = 1 << 20
)

// ErrRunSnapshot is wrapped by every error of DecodeRun.
var ErrRunSnapshot = errors.New("not a ramp run snapshot")

// RunSnapshot is a decoded run snapshot.
type RunSnapshot struct {
	// Version is the format version; Ramp the version of ramp that wrote it.
	Version int    `json:"version"`
	Ramp    string `json:"ramp"`
	// File and TestType name the test.
	File     string `json:"file"`
	TestType string `json:"test_type"`
	// Started is when the run began, LoadStart when its load began; LoadDuration how long
	// the load ran.
	Started      time.Time        `json:"started"`
	LoadStart    time.Time        `json:"load_start"`
	LoadDuration time.Duration    `json:"load_duration_ns"`
	SelfCheck    selfcheck.Report `json:"self_check"`
	Load         verdict.Load     `json:"load"`
	Interrupted  bool             `json:"interrupted"`
	SetupError   string           `json:"setup_error,omitempty"`
	Teardown     string           `json:"teardown_error,omitempty"`
	Aborted      string           `json:"aborted,omitempty"`
	// Metrics is the metrics snapshot.
	Metrics *metrics.Snapshot `json:"-"`
}

// EncodeRun encodes a finished run's snapshot; ramp is the writer's version.
func EncodeRun(res *engine.Result, ramp string) ([]byte, error) {
	h := RunSnapshot{Version: runVersion, Ramp: ramp, File: res.Plan.File, TestType: res.Plan.TestType,
		Started: res.Started, LoadStart: res.LoadStart, LoadDuration: res.LoadDuration,
		SelfCheck: res.SelfCheck, Load: res.Load, Interrupted: res.Interrupted,
		SetupError: res.SetupError, Teardown: res.TeardownError, Aborted: res.Aborted}
	header, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	body, err := res.Snapshot.MarshalBinary()
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
	s.Metrics = snap
	return &s, nil
}
