package output

import (
	"math"

	"google.golang.org/protobuf/encoding/protowire"
)

// The messages of Prometheus remote write 1.0 (prompb/remote.proto and types.proto), encoded
// by hand with protowire; field numbers as in those files:
//
//	WriteRequest { repeated TimeSeries timeseries = 1; }
//	TimeSeries   { repeated Label labels = 1; repeated Sample samples = 2;
//	               repeated Histogram histograms = 4; }
//	Label        { string name = 1; string value = 2; }
//	Sample       { double value = 1; int64 timestamp = 2; }
//	Histogram    { uint64 count_int = 1; double sum = 3; sint32 schema = 4;
//	               double zero_threshold = 5; uint64 zero_count_int = 6;
//	               repeated BucketSpan positive_spans = 11; repeated sint64 positive_deltas = 12;
//	               int64 timestamp = 15; }
//	BucketSpan   { sint32 offset = 1; uint32 length = 2; }
//
// Why not github.com/prometheus/prometheus/prompb: importing it (v0.316.0, measured) adds the
// prometheus module and github.com/gogo/protobuf — a deprecated protobuf runtime, and 40 new
// go.sum lines — for five messages ramp only writes. protowire is already in the build
// (google.golang.org/protobuf, through client_golang), appends into one reused buffer, and
// these hundred lines are checked end to end by the test against a real Prometheus.
const (
	fWriteTimeseries = 1

	fSeriesLabels     = 1
	fSeriesSamples    = 2
	fSeriesHistograms = 4

	fLabelName  = 1
	fLabelValue = 2

	fSampleValue     = 1
	fSampleTimestamp = 2

	fHistCount      = 1
	fHistSum        = 3
	fHistSchema     = 4
	fHistZeroThresh = 5
	fHistZeroCount  = 6
	fHistPosSpans   = 11
	fHistPosDeltas  = 12
	fHistTimestamp  = 15

	fSpanOffset = 1
	fSpanLength = 2
)

// appendWriteRequest appends the WriteRequest of series at ts (ms since the epoch) to b and
// returns it with the number of samples (a histogram counts as one).
func appendWriteRequest(b []byte, series []Exported, ts int64) ([]byte, int) {
	var inner, msg []byte
	n := 0
	for i := range series {
		inner = appendTimeSeries(inner[:0], &series[i], ts, &msg)
		b = protowire.AppendTag(b, fWriteTimeseries, protowire.BytesType)
		b = protowire.AppendBytes(b, inner)
		n++
	}
	return b, n
}

// appendTimeSeries encodes one TimeSeries; scratch is reused for nested messages.
func appendTimeSeries(b []byte, e *Exported, ts int64, scratch *[]byte) []byte {
	b = appendLabel(b, "__name__", e.Name, scratch)
	for _, l := range e.Labels {
		b = appendLabel(b, l.Name, l.Value, scratch)
	}
	m := (*scratch)[:0]
	if e.Kind == ExportHistogram {
		m = appendHistogram(m, e.Hist, ts)
		b = protowire.AppendTag(b, fSeriesHistograms, protowire.BytesType)
	} else {
		m = protowire.AppendTag(m, fSampleValue, protowire.Fixed64Type)
		m = protowire.AppendFixed64(m, math.Float64bits(e.Value))
		m = protowire.AppendTag(m, fSampleTimestamp, protowire.VarintType)
		m = protowire.AppendVarint(m, uint64(ts))
		b = protowire.AppendTag(b, fSeriesSamples, protowire.BytesType)
	}
	b = protowire.AppendBytes(b, m)
	*scratch = m
	return b
}

// appendLabel appends one Label field. Labels must come sorted by name; "__name__" sorts
// before every lower-case label, and Collect's labels are sorted, but a tag key with an
// upper-case letter sorts before it — Prometheus sorts what it receives, so order is safe.
func appendLabel(b []byte, name, value string, scratch *[]byte) []byte {
	m := (*scratch)[:0]
	m = protowire.AppendTag(m, fLabelName, protowire.BytesType)
	m = protowire.AppendString(m, name)
	m = protowire.AppendTag(m, fLabelValue, protowire.BytesType)
	m = protowire.AppendString(m, value)
	b = protowire.AppendTag(b, fSeriesLabels, protowire.BytesType)
	b = protowire.AppendBytes(b, m)
	*scratch = m
	return b
}

// appendHistogram encodes a cumulative native histogram with integer counts.
func appendHistogram(b []byte, h *nativeHist, ts int64) []byte {
	b = protowire.AppendTag(b, fHistCount, protowire.VarintType)
	b = protowire.AppendVarint(b, h.count)
	b = protowire.AppendTag(b, fHistSum, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(h.sum))
	b = protowire.AppendTag(b, fHistSchema, protowire.VarintType)
	b = protowire.AppendVarint(b, protowire.EncodeZigZag(NativeSchema))
	b = protowire.AppendTag(b, fHistZeroThresh, protowire.Fixed64Type)
	b = protowire.AppendFixed64(b, math.Float64bits(nativeZeroThreshold))
	b = protowire.AppendTag(b, fHistZeroCount, protowire.VarintType)
	b = protowire.AppendVarint(b, h.zero)
	spans, counts := h.spans()
	for _, s := range spans {
		var sp []byte
		sp = protowire.AppendTag(sp, fSpanOffset, protowire.VarintType)
		sp = protowire.AppendVarint(sp, protowire.EncodeZigZag(int64(s.Offset)))
		sp = protowire.AppendTag(sp, fSpanLength, protowire.VarintType)
		sp = protowire.AppendVarint(sp, uint64(s.Length))
		b = protowire.AppendTag(b, fHistPosSpans, protowire.BytesType)
		b = protowire.AppendBytes(b, sp)
	}
	if len(counts) > 0 {
		var packed []byte
		prev := int64(0)
		for _, c := range counts {
			packed = protowire.AppendVarint(packed, protowire.EncodeZigZag(int64(c)-prev))
			prev = int64(c)
		}
		b = protowire.AppendTag(b, fHistPosDeltas, protowire.BytesType)
		b = protowire.AppendBytes(b, packed)
	}
	b = protowire.AppendTag(b, fHistTimestamp, protowire.VarintType)
	return protowire.AppendVarint(b, uint64(ts))
}
