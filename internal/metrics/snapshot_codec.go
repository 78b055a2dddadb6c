package metrics

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"math"
	"math/bits"
	"sort"
	"time"

	hdr "github.com/HdrHistogram/hdrhistogram-go"
)

// The envelope of an encoded snapshot; the package doc ("Snapshot format") has the grammar.
const (
	snapMagic   = "RAMPSNAP"
	snapVersion = 2
	// snapVersion1 is the format before series points kept coarse histograms (no coarse
	// digits in the geometry, no ptCoarse): still read, for baselines kept from then.
	snapVersion1 = 1
	// snapHeader is the magic, the version byte and the codec byte.
	snapHeader = len(snapMagic) + 2
	// The codecs of the body. MarshalBinary writes gzip; raw is read too, so that tests and
	// fuzzing reach the body's parser without a compressor in the way.
	codecRaw  = 0
	codecGzip = 1
	// maxBody bounds the size a header may announce for the body, whatever the codec.
	maxBody = 1 << 30
	// maxDeflateRatio is the largest expansion of DEFLATE (RFC 1951): a 258-byte match per
	// two bits at best, about 1032:1. A gzip body announcing more than this times its
	// compressed size is a lie, refused before anything is inflated.
	maxDeflateRatio = 1032
)

// checksum is the CRC-32C (Castagnoli) of b: hardware-accelerated on amd64 and arm64, and
// better at catching burst errors than IEEE. MakeTable returns the library's one table for
// it, built once.
func checksum(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }

// Errors that UnmarshalSnapshot wraps, so that a caller can tell "made by a newer ramp" from
// "damaged".
var (
	// ErrSnapshotVersion: the input is a snapshot in a format version this build cannot read.
	ErrSnapshotVersion = errors.New("metrics: unsupported snapshot format version")
	// ErrSnapshotCorrupt: the input is not a snapshot, or is truncated or damaged.
	ErrSnapshotCorrupt = errors.New("metrics: corrupt snapshot")
)

// MarshalBinary encodes the snapshot in ramp's versioned binary format (see "Snapshot format"
// in the package doc), for snapshots that travel between processes or are kept as baselines.
// UnmarshalSnapshot reads it back. It implements encoding.BinaryMarshaler.
func (snap *Snapshot) MarshalBinary() ([]byte, error) {
	e := encoder{version: snapVersion}
	if err := e.snapshot(snap); err != nil {
		return nil, fmt.Errorf("metrics: encode snapshot: %w", err)
	}
	var buf bytes.Buffer
	buf.Grow(len(e.b)/2 + 64)
	buf.WriteString(snapMagic)
	buf.Write([]byte{snapVersion, codecGzip})
	buf.Write(binary.AppendUvarint(nil, uint64(len(e.b))))
	// Writes to a bytes.Buffer cannot fail, nor can gzip's into it.
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed) // a valid level: no error
	_, _ = zw.Write(e.b)
	_ = zw.Close()
	return binary.LittleEndian.AppendUint32(buf.Bytes(), checksum(e.b)), nil
}

// UnmarshalSnapshot decodes a snapshot that MarshalBinary encoded. The result answers every
// question (Aggregate, Get, Metrics, Series, Points, Window, Percentile) exactly as the
// original did; times come back as the same instants in the same zone offset.
//
// Input that is not a snapshot, truncated or damaged fails with an error wrapping
// ErrSnapshotCorrupt; a snapshot in another format version fails with ErrSnapshotVersion.
// Hostile input cannot make it panic, and every length it reads is checked against the bytes
// that remain, so its allocations stay proportional to the input's size.
func UnmarshalSnapshot(data []byte) (*Snapshot, error) {
	if len(data) < snapHeader || string(data[:len(snapMagic)]) != snapMagic {
		return nil, fmt.Errorf("%w: no %q header", ErrSnapshotCorrupt, snapMagic)
	}
	version := data[len(snapMagic)]
	if version != snapVersion && version != snapVersion1 {
		return nil, fmt.Errorf("%w: version %d, this build reads versions %d and %d", ErrSnapshotVersion, version, snapVersion1, snapVersion)
	}
	codec := data[len(snapMagic)+1]
	rest := data[snapHeader:]
	n, w := binary.Uvarint(rest)
	if w <= 0 || len(rest)-w < 4 {
		return nil, fmt.Errorf("%w: truncated header", ErrSnapshotCorrupt)
	}
	payload, sum := rest[w:len(rest)-4], binary.LittleEndian.Uint32(rest[len(rest)-4:])
	if n > maxBody {
		return nil, fmt.Errorf("%w: the header announces a %d-byte body, more than the %d bytes allowed", ErrSnapshotCorrupt, n, maxBody)
	}
	var body []byte
	switch codec {
	case codecRaw:
		if n != uint64(len(payload)) {
			return nil, fmt.Errorf("%w: the header announces a %d-byte body, the input holds %d (truncated or extended?)", ErrSnapshotCorrupt, n, len(payload))
		}
		body = payload
	case codecGzip:
		var err error
		if body, err = gunzip(payload, n); err != nil {
			return nil, fmt.Errorf("%w: %v", ErrSnapshotCorrupt, err)
		}
	default:
		return nil, fmt.Errorf("%w: unknown codec %d", ErrSnapshotCorrupt, codec)
	}
	if got := checksum(body); got != sum {
		return nil, fmt.Errorf("%w: checksum %08x, want %08x", ErrSnapshotCorrupt, got, sum)
	}
	return decodeBody(body, version)
}

// gunzip inflates exactly one gzip member of n bytes that fills payload. The buffer grows
// with what the stream really yields, never to n at once, and n itself is bounded by
// DEFLATE's largest expansion of payload.
func gunzip(payload []byte, n uint64) ([]byte, error) {
	if n > uint64(len(payload))*maxDeflateRatio {
		return nil, fmt.Errorf("the header announces a %d-byte body, more than %d compressed bytes can hold", n, len(payload))
	}
	br := bytes.NewReader(payload)
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, fmt.Errorf("gzip: %v", err)
	}
	zr.Multistream(false)
	body, err := io.ReadAll(io.LimitReader(zr, int64(n)+1))
	if err != nil {
		return nil, fmt.Errorf("gzip: %v", err)
	}
	if uint64(len(body)) != n {
		return nil, fmt.Errorf("the header announces a %d-byte body, the stream holds %d (truncated or extended?)", n, len(body))
	}
	// Reading past n hit the member's end and checked its CRC; nothing may follow it.
	if br.Len() != 0 {
		return nil, fmt.Errorf("%d bytes after the compressed body", br.Len())
	}
	return body, nil
}

// decodeBody decodes the body of an encoded snapshot of the given format version (after its
// envelope is checked).
func decodeBody(body []byte, version byte) (*Snapshot, error) {
	d := &decoder{b: body, version: version}
	snap := d.snapshot()
	if d.err == nil && d.off != len(d.b) {
		d.fail("%d bytes after the last series", len(d.b)-d.off)
	}
	if d.err != nil {
		return nil, d.err
	}
	return snap, nil
}

// Field masks: a metric or a point writes only its non-zero fields, and says which.
const (
	mvCount = 1 << iota
	mvRate
	mvPasses
	mvFails
	mvValue
	mvMin
	mvMax
	mvAvg
	mvMed
	mvClamped
	mvSum
	mvHist
	mvAll = 1<<iota - 1
)

const (
	ptPresent = 1 << iota // a point, possibly empty; a mask of 0 is an interval with no point
	ptN
	ptSum
	ptMin
	ptMax
	ptLast
	ptPasses
	ptHist
	ptCoarse // version 2
	ptAll    = 1<<iota - 1
	ptAllV1  = ptCoarse - 1
)

// field is one encoded field of a metric or point: a whole count, written as a varint, or a
// float64, written as a number.
type field struct {
	i *int64
	f *float64
}

func (f field) zero() bool {
	if f.i != nil {
		return *f.i == 0
	}
	return *f.f == 0 && !math.Signbit(*f.f)
}

// metricFields returns a metric's fields in mask order (mvCount … mvSum). The encoder reads
// them, the decoder sets them.
func metricFields(mv *MetricValue) [11]field {
	return [...]field{{f: &mv.Count}, {f: &mv.Rate}, {i: &mv.Passes}, {i: &mv.Fails}, {f: &mv.Value},
		{f: &mv.Min}, {f: &mv.Max}, {f: &mv.Avg}, {f: &mv.Med}, {i: &mv.Clamped}, {f: &mv.sum}}
}

// pointFields returns a point's fields in mask order (ptN … ptPasses).
func pointFields(p *pointData) [6]field {
	return [...]field{{i: &p.n}, {f: &p.sum}, {f: &p.min}, {f: &p.max}, {f: &p.last}, {i: &p.passes}}
}

// encoder appends a snapshot's body to b, in format version (snapVersion, or snapVersion1
// for tests of reading it; 0 means snapVersion).
type encoder struct {
	b       []byte
	version byte
}

func (e *encoder) snapshot(snap *Snapshot) error {
	e.uvarint(uint64(maxMicros))
	e.b = append(e.b, wholeDigits, seriesDigits)
	if e.version != snapVersion1 {
		e.b = append(e.b, coarseDigits)
	}
	if err := e.time(snap.Time); err != nil {
		return err
	}
	e.varint(int64(snap.Elapsed))
	e.uvarint(uint64(len(snap.Truncated)))
	for _, f := range snap.Truncated {
		e.str(f)
	}
	e.uvarint(uint64(len(snap.metrics)))
	for _, mv := range snap.metrics {
		e.metric(mv)
	}
	keys := make([]string, 0, len(snap.series))
	for k := range snap.series {
		keys = append(keys, k)
	}
	sort.Strings(keys) // a deterministic encoding
	e.uvarint(uint64(len(keys)))
	for _, k := range keys {
		if err := e.series(k, snap.series[k]); err != nil {
			return err
		}
	}
	return nil
}

func (e *encoder) metric(mv *MetricValue) {
	e.str(mv.Name)
	e.uvarint(uint64(len(mv.Tags)))
	for _, t := range mv.Tags {
		e.str(t.Key)
		e.str(t.Value)
	}
	e.b = append(e.b, byte(mv.Type), byte(mv.Kind))
	fields := metricFields(mv)
	var mask uint64
	for i, f := range fields {
		if !f.zero() {
			mask |= 1 << i
		}
	}
	if mv.hist != nil {
		mask |= mvHist
	}
	e.uvarint(mask)
	for _, f := range fields {
		e.field(f)
	}
	if mv.hist != nil {
		e.hist(mv.hist, wholeDigits)
	}
}

func (e *encoder) series(key string, s *Series) error {
	e.str(key)
	e.b = append(e.b, byte(s.Type), byte(s.Kind))
	if err := e.time(s.start); err != nil {
		return err
	}
	e.uvarint(uint64(s.interval))
	if e.version != snapVersion1 {
		e.uvarint(uint64(max(s.horizon.Sub(s.start), 0)))
	}
	e.uvarint(uint64(len(s.pts)))
	for _, p := range s.pts {
		if err := e.point(p); err != nil {
			return fmt.Errorf("series %q: %w", key, err)
		}
	}
	return nil
}

func (e *encoder) point(p *pointData) error {
	if p == nil {
		e.uvarint(0)
		return nil
	}
	if p.coarse != nil && e.version == snapVersion1 {
		return errors.New("a coarse histogram in format version 1")
	}
	fields := pointFields(p)
	mask := uint64(ptPresent)
	for i, f := range fields {
		if !f.zero() {
			mask |= ptN << i
		}
	}
	if p.h != nil {
		mask |= ptHist
	}
	if p.coarse != nil {
		mask |= ptCoarse
	}
	e.uvarint(mask)
	for _, f := range fields {
		e.field(f)
	}
	if p.h != nil {
		e.hist(p.h, seriesDigits)
	}
	if p.coarse != nil {
		e.b = append(e.b, p.coarse.enc...) // encodeCoarse wrote it as hist does
	}
	return nil
}

// hist writes a histogram as its populated buckets in ascending order: the number of
// buckets, the first bucket's value, then per bucket the distance from the previous one in
// units of the previous bucket's width (1 for the next bucket), and per bucket its count. A
// bucket's width is what bucketWidth says for the histogram's geometry, which the body's
// header names for its place (whole run or series point).
func (e *encoder) hist(h *hdr.PackedHistogram, digits int) {
	e.uvarint(uint64(h.Populated()))
	prev := int64(-1)
	for v, c := range h.ForEachBucket {
		if prev < 0 {
			e.uvarint(uint64(v))
		} else {
			e.uvarint(uint64((v - prev) / bucketWidth(prev, digits)))
		}
		e.uvarint(uint64(c))
		prev = v
	}
}

// bucketWidth is the width of the HDR bucket holding v (≥ 0) in a histogram whose lowest
// discernible value is 1: HdrHistogram's geometry, where values below subBucketCount =
// 2^ceil(log2(2·10^digits)) have buckets of width 1 and each doubling above it doubles the
// width. Bucket values (their lowest equivalents) are multiples of their width, so the
// distance from one bucket to the next is a whole number of the lower one's widths.
func bucketWidth(v int64, digits int) int64 {
	half := bits.Len64(uint64(2*pow10(digits)-1)) - 1 // log2(subBucketCount/2)
	if k := bits.Len64(uint64(v)) - 1; k > half {
		return 1 << (k - half)
	}
	return 1
}

func pow10(n int) int64 {
	p := int64(1)
	for range n {
		p *= 10
	}
	return p
}

// field writes f unless it is zero, which the mask says.
func (e *encoder) field(f field) {
	switch {
	case f.zero():
	case f.i != nil:
		e.varint(*f.i)
	default:
		e.float(*f.f)
	}
}

func (e *encoder) uvarint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) varint(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *encoder) str(s string) {
	e.uvarint(uint64(len(s)))
	e.b = append(e.b, s...)
}

// float writes f in one to nine bytes: the values here are mostly whole numbers (counts,
// nanoseconds, bytes), which take a varint of their double, v<<1; anything else takes a 1 and
// its eight IEEE bytes. Both forms are exact.
func (e *encoder) float(f float64) {
	if i := int64(f); float64(i) == f && !(f == 0 && math.Signbit(f)) && i > -1<<62 && i < 1<<62 {
		e.uvarint((uint64(i<<1) ^ uint64(i>>63)) << 1) // zigzag, shifted left one
		return
	}
	e.uvarint(1)
	e.b = binary.LittleEndian.AppendUint64(e.b, math.Float64bits(f))
}

func (e *encoder) time(t time.Time) error {
	b, err := t.MarshalBinary()
	if err != nil {
		return err
	}
	e.str(string(b))
	return nil
}

// decoder reads a body. The first error sticks: later reads return zero values, so the
// parsing code reads straight through and checks d.err where a bad value would do harm.
type decoder struct {
	b       []byte
	off     int
	err     error
	version byte
}

func (d *decoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: at byte %d of the body: %s", ErrSnapshotCorrupt, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) snapshot() *Snapshot {
	if g := d.uvarint(); d.err == nil && g != uint64(maxMicros) {
		d.fail("histograms range to %d µs, this build's to %d µs", g, maxMicros)
	}
	if w, s := d.byte(), d.byte(); d.err == nil && (w != wholeDigits || s != seriesDigits) {
		d.fail("histograms have %d and %d significant digits, this build's %d and %d", w, s, wholeDigits, seriesDigits)
	}
	if d.version != snapVersion1 {
		if c := d.byte(); d.err == nil && c != coarseDigits {
			d.fail("coarse histograms have %d significant digits, this build's %d", c, coarseDigits)
		}
	}
	snap := &Snapshot{Time: d.time(), Elapsed: time.Duration(d.varint())}
	if n := d.count(1); n > 0 {
		snap.Truncated = make([]string, n)
		for i := range snap.Truncated {
			snap.Truncated[i] = d.str()
		}
	}
	// A valid metric takes at least 6 bytes (a name of one letter, its length, the tag count,
	// type, kind and field mask), a valid series at least 20 (its start time alone takes 16).
	n := d.count(6)
	snap.metrics = make([]*MetricValue, 0, n)
	snap.byKey = make(map[string]*MetricValue, n)
	for range n {
		mv := d.metric()
		if d.err != nil {
			return nil
		}
		if k := len(snap.metrics); k > 0 && snap.metrics[k-1].Key >= mv.Key {
			d.fail("metric %q after %q: keys out of order or repeated", mv.Key, snap.metrics[k-1].Key)
			return nil
		}
		snap.metrics = append(snap.metrics, mv)
		snap.byKey[mv.Key] = mv
	}
	n = d.count(20)
	snap.series = make(map[string]*Series, n)
	prev := ""
	for i := range n {
		s := d.series()
		if d.err != nil {
			return nil
		}
		if i > 0 && s.Key <= prev {
			d.fail("series %q after %q: keys out of order or repeated", s.Key, prev)
			return nil
		}
		prev = s.Key
		snap.series[s.Key] = s
	}
	return snap
}

func (d *decoder) metric() *MetricValue {
	mv := &MetricValue{Name: d.str()}
	if n := d.count(2); n > 0 {
		mv.Tags = make([]Tag, n)
		for i := range mv.Tags {
			mv.Tags[i] = Tag{Key: d.str(), Value: d.str()}
			if i > 0 && mv.Tags[i-1].Key >= mv.Tags[i].Key {
				d.fail("metric %q: tag keys out of order or repeated", mv.Name)
			}
		}
	}
	mv.Type, mv.Kind = d.typeKind()
	if d.err != nil {
		return nil
	}
	mv.Key = FormatKey(mv.Name, mv.Tags)
	if err := checkName(mv.Key, mv.Name); err != nil {
		d.fail("%v", err)
		return nil
	}
	mask := d.uvarint()
	if mask&^mvAll != 0 {
		d.fail("metric %q: unknown fields %#x", mv.Key, mask&^mvAll)
	}
	for i, f := range metricFields(mv) {
		if mask&(1<<i) != 0 {
			d.field(f)
		}
	}
	if mv.Passes < 0 || mv.Fails < 0 || mv.Clamped < 0 {
		d.fail("metric %q: negative counts", mv.Key)
		return nil
	}
	if mask&mvHist != 0 {
		if mv.Type != Trend {
			d.fail("metric %q: a histogram on a %v", mv.Key, mv.Type)
			return nil
		}
		mv.hist = d.hist(wholeDigits)
	}
	return mv
}

func (d *decoder) series() *Series {
	s := &Series{Key: d.str()}
	s.Type, s.Kind = d.typeKind()
	s.start = d.time()
	iv := d.uvarint()
	var horizon uint64
	if d.version != snapVersion1 {
		horizon = d.uvarint()
	}
	n := d.count(1)
	if d.err != nil {
		return nil
	}
	if horizon > math.MaxInt64 {
		d.fail("series %q: a horizon %d ns after its start", s.Key, horizon)
		return nil
	}
	s.horizon = s.start.Add(time.Duration(horizon))
	if iv == 0 || iv > math.MaxInt64 || n > 0 && iv > uint64(math.MaxInt64)/uint64(n) {
		d.fail("series %q: %d points of %d ns do not fit in a time.Duration", s.Key, n, iv)
		return nil
	}
	s.interval = time.Duration(iv)
	s.pts = make([]*pointData, n)
	for i := range s.pts {
		s.pts[i] = d.point(s)
		if d.err != nil {
			return nil
		}
	}
	return s
}

func (d *decoder) point(s *Series) *pointData {
	mask := d.uvarint()
	if mask == 0 {
		return nil
	}
	all := uint64(ptAll)
	if d.version == snapVersion1 {
		all = ptAllV1
	}
	if mask&^all != 0 || mask&ptPresent == 0 || mask&ptHist != 0 && mask&ptCoarse != 0 {
		d.fail("series %q: bad point fields %#x", s.Key, mask)
		return nil
	}
	p := &pointData{}
	for i, f := range pointFields(p) {
		if mask&(ptN<<i) != 0 {
			d.field(f)
		}
	}
	if p.n < 0 || p.passes < 0 || p.passes > p.n {
		d.fail("series %q: a point of %d samples with %d passes", s.Key, p.n, p.passes)
		return nil
	}
	if mask&ptHist != 0 {
		if s.Type != Trend {
			d.fail("series %q: a histogram in a %v point", s.Key, s.Type)
			return nil
		}
		p.h = d.hist(seriesDigits)
	}
	if mask&ptCoarse != 0 {
		if s.Type != Trend {
			d.fail("series %q: a histogram in a %v point", s.Key, s.Type)
			return nil
		}
		if h := d.hist(coarseDigits); h != nil {
			p.coarse = encodeCoarse(h) // canonical, whatever varints the input used
		}
	}
	return p
}

// hist reads what encoder.hist wrote into a histogram of the given geometry. Bucket values
// must ascend, so each lands at the end of the histogram's storage: linear time whatever the
// input.
func (d *decoder) hist(digits int) *hdr.PackedHistogram {
	n := d.count(2)
	h := hdr.NewPacked(1, maxMicros, digits)
	v := int64(-1)
	for i := range n {
		step, c := d.uvarint(), d.uvarint()
		if d.err != nil {
			return nil
		}
		if i == 0 {
			step++ // the first value, from -1
		} else {
			step *= uint64(bucketWidth(v, digits))
		}
		if step == 0 || step > 2*uint64(maxMicros) || c == 0 || c > math.MaxInt64 {
			d.fail("histogram bucket %d of %d: +%d with count %d", i, n, step, c)
			return nil
		}
		v += int64(step)
		if err := h.RecordValues(v, int64(c)); err != nil {
			d.fail("histogram bucket %d of %d: %v", i, n, err)
			return nil
		}
	}
	return h
}

func (d *decoder) field(f field) {
	if f.i != nil {
		*f.i = d.varint()
	} else {
		*f.f = d.float()
	}
}

func (d *decoder) typeKind() (Type, ValueKind) {
	t, k := Type(d.byte()), ValueKind(d.byte())
	if d.err == nil && (t < Counter || t > Trend || k < Default || k > Data) {
		d.fail("unknown metric type %d or value kind %d", t, k)
	}
	return t, k
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b[d.off:])
	if !d.advance(n) {
		return 0
	}
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b[d.off:])
	if !d.advance(n) {
		return 0
	}
	return v
}

// advance moves past a varint of n bytes as encoding/binary reports it: 0 means the input
// ended inside it, a negative n that it overflows 64 bits.
func (d *decoder) advance(n int) bool {
	switch {
	case n == 0:
		d.fail("truncated")
	case n < 0:
		d.fail("varint overflows 64 bits")
	default:
		d.off += n
		return true
	}
	return false
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if d.off >= len(d.b) {
		d.fail("truncated")
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

// count reads the length of a list whose elements take at least size bytes each, and
// rejects one that the rest of the input cannot hold: a hostile length never reaches make.
func (d *decoder) count(size int) int {
	n := d.uvarint()
	if d.err != nil {
		return 0
	}
	if rest := uint64(len(d.b) - d.off); n > rest/uint64(size) {
		d.fail("a list of %d elements in %d bytes", n, rest)
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.count(1)
	if d.err != nil {
		return ""
	}
	s := string(d.b[d.off : d.off+n])
	d.off += n
	return s
}

func (d *decoder) float() float64 {
	u := d.uvarint()
	switch {
	case d.err != nil:
		return 0
	case u&1 == 0:
		u >>= 1
		return float64(int64(u>>1) ^ -int64(u&1)) // undo the zigzag
	case u != 1:
		d.fail("bad number tag %d", u)
		return 0
	case len(d.b)-d.off < 8:
		d.fail("truncated")
		return 0
	}
	d.off += 8
	return math.Float64frombits(binary.LittleEndian.Uint64(d.b[d.off-8:]))
}

func (d *decoder) time() time.Time {
	b := d.str()
	if d.err != nil {
		return time.Time{}
	}
	var t time.Time
	if err := t.UnmarshalBinary([]byte(b)); err != nil {
		d.fail("time: %v", err)
	}
	return t
}
