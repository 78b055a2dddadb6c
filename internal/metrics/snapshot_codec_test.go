package metrics

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// Set moves the clock to t.
func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// knownConfig tracks configured sub-metrics (one never fed, one of a phase trend), truncates
// the name families at three of five names, and bounds series at 8 points, so that 30 s at
// 1 s compact to 4 s per point, of which those that start more than 10 s before the last
// keep coarse histograms.
func knownConfig(clock *fakeClock) Config {
	return Config{
		Now: clock.Now, MaxSeriesPoints: 8, MaxTagValues: 3, RecentSeriesPoints: 10,
		Submetrics: []string{
			"http_req_duration{name:a,status:200}", "http_reqs{status:503}",
			"iterations{scenario:s1}", "http_req_blocked{name:a}",
		},
	}
}

// feedKnownStream records 30 s of every kind of sample into reg, whose clock is clock: HTTP
// requests of five names with successes, failures and a connection error, corrected
// durations, one duration past the histograms' one-hour ceiling, checks, iterations,
// groups, dropped iterations and a VU ramp.
func feedKnownStream(clock *fakeClock, reg *Registry) {
	start := clock.Now()
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"a", "b", "c", "d", "e"}
	tags := make([]*TagSet, len(names))
	for i, n := range names {
		tags[i] = NewTags(map[string]string{"name": n, "scenario": "s1", "group": "::g" + n})
	}
	rec := reg.Recorder()
	for sec := range 30 {
		clock.Set(start.Add(time.Duration(sec) * time.Second))
		reg.SetVUs(min(sec, 10), 10)
		for j := range 10 {
			at := start.Add(time.Duration(sec)*time.Second + time.Duration(j)*100*time.Millisecond)
			clock.Set(at)
			tg := tags[(sec+j)%len(tags)]
			s := okSample(tg, at, datasets[j%len(datasets)].gen(rng))
			switch {
			case sec == 5 && j == 0:
				s.Duration = 2 * time.Hour
			case j == 3:
				s.Status, s.Expected = 500, false
			case j == 7:
				s.Status, s.ErrorCode, s.Expected = 0, 1211, false
			}
			if j%2 == 0 {
				s.HasCorrected, s.Corrected = true, s.Duration+time.Duration(j)*time.Millisecond
			}
			s.Blocked = time.Duration(rng.IntN(5000)) * time.Microsecond
			rec.HTTP(s)
			rec.Check(tg, "status is 200", s.Expected)
			if j%3 == 0 {
				rec.Iteration(tg, 3*s.Duration, s.Expected)
				rec.Group(tg, 2*s.Duration)
			}
			if j == 9 {
				reg.DroppedIteration(tg)
			}
		}
	}
	clock.Set(start.Add(30 * time.Second))
}

// knownSnapshot is the snapshot of feedKnownStream.
func knownSnapshot(t *testing.T) *Snapshot {
	t.Helper()
	clock := newFakeClock()
	reg := mustRegistry(t, knownConfig(clock))
	feedKnownStream(clock, reg)
	return reg.Snapshot()
}

// mustRoundTrip encodes and decodes snap, failing the test on an error.
func mustRoundTrip(t *testing.T, snap *Snapshot) (*Snapshot, []byte) {
	t.Helper()
	b, err := snap.MarshalBinary()
	if err != nil {
		t.Fatalf("MarshalBinary: %v", err)
	}
	got, err := UnmarshalSnapshot(b)
	if err != nil {
		t.Fatalf("UnmarshalSnapshot: %v", err)
	}
	return got, b
}

func TestSnapshotRoundTrip(t *testing.T) {
	t.Parallel()
	known := knownSnapshot(t)
	// The stream must exercise what the format carries, or the round trip proves little.
	for _, check := range []struct {
		what string
		ok   bool
	}{
		{"a compacted series", func() bool { s, _ := known.Series("http_reqs"); return s.Interval() == 4*time.Second }()},
		{"a truncated family", len(known.Truncated) > 0},
		{"a clamped value", func() bool { mv, _ := known.Get("http_req_duration"); return mv.Clamped == 1 }()},
		{"a configured key without data", func() bool { mv, ok := known.Get("http_reqs{status:503}"); return ok && !mv.HasData() }()},
		{"gauges", func() bool { mv, _ := known.Get("vus"); return mv.Max == 10 }()},
		{"a phase trend without point histograms", func() bool { s, _ := known.Series("http_req_blocked"); return s.pts[0].h == nil }()},
		{"a sub-metric with point histograms", func() bool { s, _ := known.Series("http_req_blocked{name:a}"); return s.pts[0].coarse != nil }()},
		{"full and coarse point histograms", func() bool {
			s, _ := known.Series("http_req_duration")
			return s.pts[0].coarse != nil && s.pts[0].h == nil && s.pts[len(s.pts)-1].h != nil
		}()},
	} {
		if !check.ok {
			t.Fatalf("the known stream lacks %s", check.what)
		}
	}
	zone := newFakeClock()
	zone.Set(zone.Now().In(time.FixedZone("IST", 5*3600+1800)))
	zoned := mustRegistry(t, Config{Now: zone.Now})
	zoned.Recorder().HTTP(okSample(nil, zone.Now(), time.Millisecond))
	zone.Add(time.Second)

	other := newFakeClock()
	other.Add(1300 * time.Millisecond)
	later := mustRegistry(t, knownConfig(other))
	feedKnownStream(other, later)
	merged, err := Merge(known, later.Snapshot())
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		snap *Snapshot
	}{
		// Every kind of metric, sub-metrics, gauges, compacted series, truncation, clamping.
		{"known stream", known},
		// Counter rates over the load's window, not Elapsed: the rate travels as it is.
		{"rate window", known.WithRateWindow(7 * time.Second)},
		// Nothing recorded: no metric has data, every series is empty.
		{"empty registry", mustRegistry(t, Config{Submetrics: []string{"http_reqs{status:200}"}}).Snapshot()},
		// A zone other than UTC keeps its offset.
		{"zone offset", zoned.Snapshot()},
		// A merge of two processes, the second started 1.3 s later.
		{"merged", merged},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, b := mustRoundTrip(t, tt.snap)
			assertSameAnswers(t, got, tt.snap)
			_, gotOff := got.Time.Zone()
			_, wantOff := tt.snap.Time.Zone()
			if gotOff != wantOff {
				t.Errorf("zone offset %d s, want %d s", gotOff, wantOff)
			}
			// The encoding is deterministic, so a decoded snapshot encodes to the same bytes.
			again, err := got.MarshalBinary()
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("re-encoding the decoded snapshot: %d bytes (%v), want the %d original bytes", len(again), err, len(b))
			}
		})
	}
}

// TestUnmarshalSnapshotReadsVersion1 reads the format before coarse series histograms, as
// baselines kept from then hold it: a snapshot whose points all keep full histograms, as
// every snapshot did, answers as it did. A snapshot with coarse points cannot be written in
// version 1.
func TestUnmarshalSnapshotReadsVersion1(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	cfg := knownConfig(clock)
	cfg.RecentSeriesPoints = 100 // nothing ages in 30 s
	reg := mustRegistry(t, cfg)
	feedKnownStream(clock, reg)
	snap := reg.Snapshot()
	e := encoder{version: snapVersion1}
	if err := e.snapshot(snap); err != nil {
		t.Fatal(err)
	}
	in := envelope(codecRaw, e.b, uint64(len(e.b)), e.b)
	in[len(snapMagic)] = snapVersion1
	got, err := UnmarshalSnapshot(in)
	if err != nil {
		t.Fatalf("UnmarshalSnapshot(version 1): %v", err)
	}
	assertSameAnswers(t, got, snap)

	coarse := encoder{version: snapVersion1}
	if err := coarse.snapshot(knownSnapshot(t)); err == nil || !strings.Contains(err.Error(), "version 1") {
		t.Errorf("encoding coarse points in version 1: %v, want an error", err)
	}
}

// envelope wraps a body as MarshalBinary does, with the given codec and announced length,
// and a correct checksum: the decoder's body parser then sees exactly this body.
func envelope(codec byte, payload []byte, announced uint64, body []byte) []byte {
	out := append([]byte(snapMagic), snapVersion, codec)
	out = binary.AppendUvarint(out, announced)
	out = append(out, payload...)
	return binary.LittleEndian.AppendUint32(out, checksum(body))
}

func rawEnvelope(body []byte) []byte { return envelope(codecRaw, body, uint64(len(body)), body) }

// bodyPrefix is a valid start of a body: geometry, time, elapsed and no truncated family.
func bodyPrefix() *encoder {
	var e encoder
	e.uvarint(uint64(maxMicros))
	e.b = append(e.b, wholeDigits, seriesDigits, coarseDigits)
	_ = e.time(time.Unix(1e9, 0))
	e.varint(int64(time.Second))
	e.uvarint(0)
	return &e
}

// hostileInputs are small inputs that announce large things: each must fail fast, without
// allocating what it announces.
func hostileInputs() map[string][]byte {
	out := map[string][]byte{}
	e := bodyPrefix()
	e.uvarint(1 << 40) // metrics
	out["a trillion metrics"] = rawEnvelope(e.b)
	e = bodyPrefix()
	e.uvarint(1)
	e.uvarint(1 << 40) // the length of the first metric's name
	out["a terabyte name"] = rawEnvelope(e.b)
	e = bodyPrefix()
	e.uvarint(0) // metrics
	e.uvarint(1) // series
	e.str("http_reqs")
	e.b = append(e.b, byte(Counter), byte(Default))
	_ = e.time(time.Unix(1e9, 0))
	e.uvarint(uint64(time.Second))
	e.uvarint(1 << 40) // points
	out["a trillion points"] = rawEnvelope(e.b)
	e = bodyPrefix()
	e.uvarint(1)
	e.str("http_req_duration")
	e.uvarint(0)
	e.b = append(e.b, byte(Trend), byte(Time))
	e.uvarint(mvHist)
	e.uvarint(1 << 40) // buckets
	out["a trillion buckets"] = rawEnvelope(e.b)
	var z bytes.Buffer
	zw := gzip.NewWriter(&z)
	_, _ = zw.Write(make([]byte, 1000))
	_ = zw.Close()
	out["a gzip body announcing a gigabyte"] = envelope(codecGzip, z.Bytes(), maxBody, nil)
	out["a gzip body shorter than announced"] = envelope(codecGzip, z.Bytes(), uint64(z.Len())*maxDeflateRatio, nil)
	out["a gzip body announcing more than DEFLATE yields"] = envelope(codecGzip, z.Bytes(), uint64(z.Len())*maxDeflateRatio+1, nil)
	return out
}

func TestUnmarshalSnapshotRejects(t *testing.T) {
	t.Parallel()
	snap := knownSnapshot(t)
	good, err := snap.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var body encoder
	if err := body.snapshot(snap); err != nil {
		t.Fatal(err)
	}
	set := func(i int, b byte) []byte {
		out := bytes.Clone(good)
		out[i] = b
		return out
	}
	type row struct {
		name  string
		input []byte
		want  error
		msg   string // in the error
	}
	tests := []row{
		// Not a snapshot at all.
		{"empty", nil, ErrSnapshotCorrupt, "header"},
		{"JSON", []byte(`{"metrics":[]}`), ErrSnapshotCorrupt, "header"},
		// A newer ramp's snapshot says so, rather than "corrupt".
		{"version 3", set(len(snapMagic), 3), ErrSnapshotVersion, "version 3"},
		{"version 0", set(len(snapMagic), 0), ErrSnapshotVersion, "version 0"},
		{"unknown codec", set(len(snapMagic)+1, 9), ErrSnapshotCorrupt, "codec 9"},
		// The last byte of the checksum.
		{"checksum", set(len(good)-1, good[len(good)-1]^1), ErrSnapshotCorrupt, "checksum"},
		// A byte appended to the gzip stream.
		{"extended", append(bytes.Clone(good[:len(good)-4]), append([]byte{0}, good[len(good)-4:]...)...), ErrSnapshotCorrupt, "after the compressed body"},
		// The raw codec must hold exactly the announced body.
		{"raw body longer than announced", envelope(codecRaw, append(bytes.Clone(body.b), 0), uint64(len(body.b)), body.b), ErrSnapshotCorrupt, "announces"},
		{"raw body with a trailing byte", rawEnvelope(append(bytes.Clone(body.b), 0)), ErrSnapshotCorrupt, "after the last series"},
		// Histograms of another geometry would be re-bucketed silently: refuse them.
		{"other geometry", rawEnvelope(append([]byte{0x80, 0x01}, body.b[binary.PutUvarint(make([]byte, 10), uint64(maxMicros)):]...)), ErrSnapshotCorrupt, "range to 128"},
	}
	for name, in := range hostileInputs() {
		tests = append(tests, row{name, in, ErrSnapshotCorrupt, ""})
	}
	// Semantic nonsense in an otherwise well-formed body.
	e := bodyPrefix()
	e.uvarint(1)
	e.str("http_reqs")
	e.uvarint(0)
	e.b = append(e.b, byte(Counter), byte(Default))
	e.uvarint(mvHist)
	e.uvarint(0)
	tests = append(tests, row{"histogram on a counter", rawEnvelope(e.b), ErrSnapshotCorrupt, "histogram on a counter"})
	e = bodyPrefix()
	e.uvarint(1)
	e.str("http_reqs")
	e.uvarint(0)
	e.b = append(e.b, 7, byte(Default))
	tests = append(tests, row{"unknown type", rawEnvelope(e.b), ErrSnapshotCorrupt, "unknown metric type 7"})
	e = bodyPrefix()
	e.uvarint(2)
	for range 2 {
		e.str("http_reqs")
		e.uvarint(0)
		e.b = append(e.b, byte(Counter), byte(Default))
		e.uvarint(0)
	}
	e.uvarint(0)
	tests = append(tests, row{"repeated key", rawEnvelope(e.b), ErrSnapshotCorrupt, "out of order or repeated"})

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := UnmarshalSnapshot(tt.input)
			if !errors.Is(err, tt.want) || !strings.Contains(err.Error(), tt.msg) || got != nil {
				t.Fatalf("UnmarshalSnapshot = %v, %v; want an error wrapping %q containing %q", got, err, tt.want, tt.msg)
			}
		})
	}
}

// TestUnmarshalSnapshotRejectsTruncation cuts a valid snapshot, and its body, at every byte.
func TestUnmarshalSnapshotRejectsTruncation(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	reg := mustRegistry(t, Config{Now: clock.Now, Submetrics: []string{"http_reqs{status:200}"}})
	rec := reg.Recorder()
	for i := range 20 {
		rec.HTTP(okSample(NewTags(map[string]string{"name": "x"}), clock.Now(), time.Duration(i+1)*time.Millisecond))
		reg.SetVUs(i, 20)
		clock.Add(300 * time.Millisecond)
	}
	snap := reg.Snapshot()
	good, err := snap.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	var body encoder
	if err := body.snapshot(snap); err != nil {
		t.Fatal(err)
	}
	for i := range len(good) {
		if _, err := UnmarshalSnapshot(good[:i]); !errors.Is(err, ErrSnapshotCorrupt) {
			t.Fatalf("cut at byte %d of %d: err = %v, want ErrSnapshotCorrupt", i, len(good), err)
		}
	}
	for i := range len(body.b) {
		if _, err := decodeBody(body.b[:i], snapVersion); !errors.Is(err, ErrSnapshotCorrupt) {
			t.Fatalf("body cut at byte %d of %d: err = %v, want ErrSnapshotCorrupt", i, len(body.b), err)
		}
	}
	// A flipped byte anywhere is caught (by gzip or the checksum), or lands where it changes
	// nothing (gzip's header time and OS bytes): a decoded snapshot is never a different one.
	for i := range len(good) {
		got, err := UnmarshalSnapshot(with1(good, i))
		if err != nil {
			continue
		}
		again, _ := got.MarshalBinary()
		if !bytes.Equal(again, good) {
			t.Fatalf("flipping byte %d of %d decoded a different snapshot", i, len(good))
		}
	}
}

// with1 returns a copy of b with the low bit of byte i flipped.
func with1(b []byte, i int) []byte {
	out := bytes.Clone(b)
	out[i] ^= 1
	return out
}

// TestUnmarshalSnapshotAllocatesLittleOnHostileInput is not parallel: it reads the process's
// allocation total, which parallel tests would disturb.
func TestUnmarshalSnapshotAllocatesLittleOnHostileInput(t *testing.T) {
	for name, in := range hostileInputs() {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := UnmarshalSnapshot(in)
		runtime.ReadMemStats(&after)
		if err == nil {
			t.Errorf("%s: decoded", name)
		}
		// gzip's reader and its window take about 40 KB; what is announced is ≥ 1 GB.
		if n := after.TotalAlloc - before.TotalAlloc; n > 256<<10 {
			t.Errorf("%s: allocated %d KB for a %d-byte input", name, n>>10, len(in))
		}
	}
}

func TestFloatEncodingIsExact(t *testing.T) {
	t.Parallel()
	tests := []struct {
		f    float64
		size int // encoded bytes
	}{
		{0, 1},                    // a zero field
		{1, 1},                    // counts
		{-3, 1},                   // negative whole numbers
		{1e12, 6},                 // a sum of nanoseconds
		{1<<62 - 1, 9},            // the largest varint form
		{1 << 62, 9},              // the first in IEEE form
		{-1 << 62, 9},             // likewise, negative
		{12.345, 9},               // milliseconds
		{math.Copysign(0, -1), 9}, // negative zero keeps its sign
		{math.Inf(1), 9},          // infinities
		{math.MaxFloat64, 9},      // huge
		{math.SmallestNonzeroFloat64, 9},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.f), func(t *testing.T) {
			t.Parallel()
			var e encoder
			e.float(tt.f)
			d := decoder{b: e.b}
			got := d.float()
			if d.err != nil || math.Float64bits(got) != math.Float64bits(tt.f) || d.off != len(e.b) || len(e.b) != tt.size {
				t.Errorf("float(%v): %d bytes decode to %v (%v), want %d bytes and the same bits", tt.f, len(e.b), got, d.err, tt.size)
			}
		})
	}
	var e encoder
	e.float(math.NaN())
	if d := (decoder{b: e.b}); !math.IsNaN(d.float()) {
		t.Error("NaN did not round-trip")
	}
}

// TestBucketWidthMatchesTheHistograms checks the bucket arithmetic that histogram encoding
// relies on against the library: over every bucket of both geometries, from 0 to past the
// one-hour ceiling, each bucket's value is a whole number of widths of the one before it.
func TestBucketWidthMatchesTheHistograms(t *testing.T) {
	t.Parallel()
	for _, digits := range []int{seriesDigits, wholeDigits} {
		h := newSeriesHist()
		if digits == wholeDigits {
			h = hdr.NewPacked(1, maxMicros, wholeDigits)
		}
		// One value per power of two and per sub-bucket step up to 2^32 µs.
		for v := int64(0); v < 1<<32; v += bucketWidth(v, digits) {
			if err := h.RecordValue(v); err != nil {
				break
			}
		}
		prev, n := int64(-1), 0
		for v := range h.ForEachBucket {
			if prev >= 0 && v-prev != bucketWidth(prev, digits) {
				t.Fatalf("digits %d: bucket %d follows %d, want a step of %d", digits, v, prev, bucketWidth(prev, digits))
			}
			prev = v
			n++
		}
		if n < 1000 {
			t.Fatalf("digits %d: only %d buckets", digits, n)
		}
	}
}
