package monitor

import (
	"testing"
	"time"
)

// BenchmarkRecord measures storing one reading in a capped series, thinning included: the
// cost a Runner pays per figure per tick, and the proof that memory stays bounded (the series
// never grows past MaxPoints however many readings arrive).
func BenchmarkRecord(b *testing.B) {
	r := NewRunner(nil, nil)
	r.MaxPoints = DefaultMaxPoints
	t0 := time.Unix(0, 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.record("m.v", UnitCount, Point{Time: t0.Add(time.Duration(i) * time.Second), Value: float64(i)})
	}
	if n := len(r.series["m.v"].s.Points); n > DefaultMaxPoints {
		b.Fatalf("series holds %d points, more than %d", n, DefaultMaxPoints)
	}
}
