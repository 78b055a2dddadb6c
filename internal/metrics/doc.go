// Package metrics is ramp's in-memory store of a run's samples: k6's built-in metrics (see
// Builtins) with k6's tags, sub-metrics selected by tags, per-interval time series, and
// snapshots for thresholds, the end-of-test summary and the reports.
//
// # Flow
//
// Each VU goroutine owns a Recorder and reports every request, check, group and iteration to
// it. The Recorder locks one shard of the Registry (GOMAXPROCS shards, at most eight; it
// tries its own first, then any free one), feeds the shard's sinks and unlocks. Snapshot
// locks the shards in turn and merges them; histograms merge exactly.
//
// What a sample feeds is resolved once per distinct (TagSet pointer, status, error code,
// expected_response, check name) and cached in the shard, so the steady state is one map
// lookup plus the sinks' updates, with no allocation.
//
// # What is tracked
//
// Every built-in metric as a whole; every sub-metric named in Config.Submetrics; and, per
// distinct value, http_req_duration{name:X}, http_req_failed{name:X}, http_reqs{name:X},
// http_reqs{status:X}, http_reqs{error_code:X},
// checks{check:X} and group_duration{group:X}, at most Config.MaxTagValues values per
// family (Snapshot.Truncated names the families that reached it). A sample feeds the
// sub-metric m{k1:v1,...} when it is a sample of m and its full tags (static and dynamic:
// status, expected_response, error_code, check) hold every ki:vi, as in k6.
//
// # Library: HdrHistogram
//
// Trend percentiles come from github.com/HdrHistogram/hdrhistogram-go. Unlike k6's Trend sink,
// which keeps every sample and sorts them, an HDR histogram has a fixed relative error and a
// memory size set by its range and precision, not by the number of samples; two histograms of
// the same geometry merge exactly, bucket by bucket, so per-shard, per-interval and per-run
// histograms add up without error. The library has no locking: each histogram belongs to one
// shard (guarded by its mutex) or is immutable once stored in a series or snapshot.
//
// Trend values are recorded in microseconds from 1 µs to one hour; a longer value is recorded
// as one hour and counted in MetricValue.Clamped. Min, max, count and average are kept
// exactly (ns) beside the histogram.
//
// # Memory
//
// Measured with hdrhistogram-go v1.4.0 (see BenchmarkRecordHTTP and
// TestMemoryDoesNotGrowWithSamples):
//
//   - A whole built-in trend: a dense histogram at 3 significant digits (0.1% error), 188 KB
//     per shard, allocated on first use; 12 trends make about 2.2 MB per shard.
//   - A sub-metric trend (per name, per group, configured): a packed histogram at 3 digits,
//     whose size follows the buckets in use: 10–20 KB for a typical latency distribution,
//     130 KB at most (every bucket from 1 µs to 1 h), per shard it was fed in.
//   - A series point: 72 bytes (its counts, sums and extremes, and its place in the series).
//     A trend's point adds a histogram of the buckets its interval used, in two tiers:
//     while it starts within the last Config.RecentSeriesPoints intervals (60 by default:
//     the last minute, what a live display, a live criterion or an abort reads), a packed
//     histogram at 2 significant digits (1% error): 2–6 KB for an interval of a few
//     thousand samples, 17 KB at most; once older, the same histogram at 1 digit (a
//     percentile reads the middle of its bucket, within 3.2%), encoded as the snapshot
//     format writes one: 100–350 bytes, 1.4 KB with all 458 buckets from 1 µs to 1 h in use
//     (counts in the thousands). One-digit buckets are unions of two-digit ones, so ageing
//     loses resolution only, and aged points still merge exactly with each other and with
//     recent ones (at one digit). The whole-run phase trends (http_req_blocked,
//     _looking_up, _connecting, _tls_handshaking, _sending, _waiting, _receiving) keep no
//     histogram in their series points, only count, sum, min and max.
//   - A series holds at most Config.MaxSeriesPoints points (3,600 by default): when it would
//     hold more, pairs of points merge exactly and its interval doubles.
//   - Each shard accumulates the current intervals of each trend in dense 2-digit histograms
//     (27 KB each), pooled and reused.
//
// So a series retains at most MaxSeriesPoints × 72 bytes, and a trend's at most
// RecentSeriesPoints full histograms plus MaxSeriesPoints coarse ones besides: about 0.3 MB
// for a counter or rate and 1.5 MB for a trend of a few thousand samples a second, reached
// after MaxSeriesPoints intervals (an hour at 1 s). Later the number of points and of full
// histograms stays within those bounds however long the run; the coarse histograms grow a
// little as compaction merges more samples into each, never past the one-digit geometry.
// Measured (TestSeriesMemoryIsBoundedOverADay, the simulated day of 34 series, 12 of them
// trends with point histograms): 9–11 MB at every hour's peak, where full histograms in
// every point took 16 MB in the first hour and 25 MB in the last. At 5,000 requests/s over
// one name (22 series, 5 of them trends with point histograms), the series grew 24.5 KiB/s
// with full histograms in every point and grow 2.9 KiB/s once their points age: 86 MiB
// against 11.4 MiB after an hour.
//
// Nothing grows with the number of samples, nor, beyond MaxSeriesPoints, with the run's
// length. Whole-run values (counts, sums, the 3-digit histograms) come from the shards'
// sinks, not from the series: they are exact whatever the series keep.
//
// # Snapshot format
//
// Snapshot.MarshalBinary encodes a snapshot for another process or a baseline file, and
// UnmarshalSnapshot decodes it into a snapshot that answers every question as the original
// did. Version 2, in the notation of the threshold grammar (uvarint and varint as in
// encoding/binary):
//
//	snapshot  = "RAMPSNAP" version codec bodylen payload crc
//	version   = byte 2 | byte 1        ; any other is refused with ErrSnapshotVersion
//	codec     = byte 1 | byte 0        ; the body gzip-compressed (one member), or raw
//	bodylen   = uvarint                ; bytes of the uncompressed body
//	crc       = uint32, little-endian  ; CRC-32C of the uncompressed body
//	body      = geometry time elapsed truncated metrics series
//	geometry  = uvarint byte byte byte ; histogram range (µs) and digits: whole run, recent
//	                                   ; point, aged point
//	time      = string                 ; time.Time.MarshalBinary: the instant and zone offset
//	elapsed   = varint                 ; ns
//	truncated = count { string }
//	metrics   = count { metric }       ; in ascending key order
//	metric    = string count { string string } type kind mask fields [ hist ]
//	                                   ; name, tags (key, value), then the non-zero fields
//	series    = count { string type kind time uvarint uvarint count { point } }
//	                                   ; key, start, interval (ns), horizon (ns from the
//	                                   ; start: points that start before it are aged),
//	                                   ; points; ascending keys
//	point     = uvarint 0              ; an interval without samples
//	          | mask fields [ hist ]   ; hist: 2 digits, or 1 for an aged point
//	hist      = count [ uvarint uvarint { uvarint uvarint } ]
//	                                   ; buckets: the first value (µs) and its count, then
//	                                   ; the step to each next bucket, in widths of the
//	                                   ; previous one, and its count
//	number    = uvarint                ; even: a whole number n below 2^62, as zigzag(n)<<1
//	          | uvarint 1 8 bytes      ; any other float64, IEEE 754 little-endian
//	string    = count bytes
//	count     = uvarint
//	type      = byte                   ; Type; kind = byte, ValueKind
//	mask      = uvarint                ; which fields follow, one bit each, in this order:
//
// a metric's Count, Rate, Passes, Fails, Value, Min, Max, Avg, Med, Clamped, its trend's exact
// sum (ns) and its histogram (3 digits); a point's presence (always set), sample count, sum,
// min, max, last value, passes, histogram (2 digits) and aged histogram (1 digit; at most one
// of the two). Counts, passes, fails and Clamped are varints, the other fields numbers. The
// geometry must be this build's, or histograms would be re-bucketed: it is refused
// otherwise, as are unknown mask bits, keys out of order, and a histogram on anything but a
// trend. A new field means a new version. Version 1, which ramp wrote before points aged, is
// read too: its geometry lacks the aged digits, its series the horizon, its points the aged
// histogram.
//
// Sizes, measured by TestEncodedSize on 10 minutes at 100 requests/s over four names (34 keys,
// 600 points each, 4,213 histograms holding 193,465 buckets, every point's at 2 digits): the
// body is 552 KB raw (487 KB once the points older than a minute have aged), 278 KB with
// gzip at level 1 (what MarshalBinary writes), 257 KB at level 6; zstd
// (klauspost/compress, default level, measured once) gave 218 KB. Histograms are most of it:
// 389 KB as bucket steps against 610 KB in HdrHistogram's own V2 encoding (zlib and base64
// per histogram), and 537 KB as plain value differences. Level 1 compresses about four times
// faster than level 6 for 8% more bytes, and zstd's 22% less did not justify a second
// decompressor to harden and a new dependency: the codec byte leaves room to change that.
//
// Decoding checks every length against the bytes that remain, and gzip's announced size
// against DEFLATE's largest expansion (1032:1), so hostile input costs an error, not memory.
//
// # Merging snapshots
//
// Merge combines the snapshots of concurrent processes into the one a single registry would
// have taken: counts, sums, passes, fails and extremes exactly, histograms bucket by bucket,
// series aligned on wall-clock time, gauges (VUs) added up, counter rates over the longest
// Elapsed. Its doc has the rules.
//
// # Output
//
// When Config.Output is set, each Recorder buffers one Point per metric of each sample (k6's
// --out json stream) and hands them over in batches of up to 128, in order; Flush hands over
// what is left. The Output may block: nothing is dropped.
package metrics
