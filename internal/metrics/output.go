package metrics

import "time"

// Output receives sample points in batches, in the order each Recorder produced them.
//
// Contract: WritePoints may be called from many goroutines at once and must be safe for that.
// It must not keep points (the slice is reused once it returns) and should block rather than
// drop when it cannot keep up: recorders wait for it, which is the backpressure ramp wants
// (no sample lost). An error is reported once, by Registry.Close; recording goes on.
type Output interface {
	WritePoints(points []Point) error
}

// Point is one sample of one metric, as k6 streams them (--out json).
type Point struct {
	Metric string
	Time   time.Time
	// Value is in k6's unit: milliseconds for trends, a count or bytes for counters, 0 or 1
	// for rates, the value for gauges.
	Value float64
	// Tags are the sample's full tags (static and dynamic); shared and immutable.
	Tags *TagSet
	// TraceID is the trace id of the request the sample measured, "" when it carried none
	// (k6 writes it as the sample's metadata, not a tag: a tag per request would make every
	// sample its own series).
	TraceID string
}
