package metrics

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzUnmarshalSnapshot feeds the decoder arbitrary bytes, both as a whole encoding and as a
// body behind a valid envelope: the fuzzer cannot forge a checksum, so the second form is how
// it reaches the body's parser. Anything may fail, with one of the two errors, but nothing
// may panic; whatever decodes must answer queries and merge without panicking, re-encode, and
// decode again to the same bytes.
func FuzzUnmarshalSnapshot(f *testing.F) {
	clock := newFakeClock()
	reg := mustRegistry(f, Config{Now: clock.Now, MaxSeriesPoints: 4, RecentSeriesPoints: 2, Submetrics: []string{"http_reqs{status:201}"}})
	rec := reg.Recorder()
	for i := range 12 {
		rec.HTTP(okSample(NewTags(map[string]string{"name": "x"}), clock.Now(), time.Duration(i+1)*time.Millisecond))
		rec.Check(nil, "ok", i%3 > 0)
		reg.SetVUs(i, 12)
		clock.Add(700 * time.Millisecond)
	}
	snap := reg.Snapshot()
	good, err := snap.MarshalBinary()
	if err != nil {
		f.Fatal(err)
	}
	var body encoder
	if err := body.snapshot(snap); err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add(body.b)
	f.Add(good[:len(good)/2])
	f.Add(bodyPrefix().b)
	f.Add([]byte(snapMagic))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, in := range [][]byte{data, rawEnvelope(data)} {
			got, err := UnmarshalSnapshot(in)
			if err != nil {
				if got != nil || !errors.Is(err, ErrSnapshotCorrupt) && !errors.Is(err, ErrSnapshotVersion) {
					t.Fatalf("UnmarshalSnapshot = %v, %v: want nil and a snapshot error", got, err)
				}
				continue
			}
			exercise(got)
			b1, err := got.MarshalBinary()
			if err != nil {
				t.Fatalf("re-encoding a decoded snapshot: %v", err)
			}
			again, err := UnmarshalSnapshot(b1)
			if err != nil {
				t.Fatalf("decoding a re-encoded snapshot: %v", err)
			}
			if b2, _ := again.MarshalBinary(); !bytes.Equal(b1, b2) {
				t.Fatal("a decoded snapshot changed through another round trip")
			}
		}
	})
}

// exercise asks a snapshot every kind of question, for the fuzzer to find a panic in.
func exercise(snap *Snapshot) {
	for _, mv := range snap.Metrics() {
		for _, a := range aggregations {
			snap.Aggregate(mv.Key, a.method, a.arg)
		}
		mv.HasData()
	}
	for _, s := range snap.series {
		if s.Len() > 0 {
			pts := s.Points()
			s.At(s.Len() - 1)
			w := s.Window(pts[0].Time, pts[len(pts)-1].Time.Add(s.Interval()))
			w.Percentile(99)
		}
	}
	_, _ = Merge(snap, snap)
	snap.WithRateWindow(time.Second)
}
