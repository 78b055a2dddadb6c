// Package segment splits one test among the processes of a distributed run, with k6's
// names: each process runs one execution segment (from, to] of the whole test, 0 ≤ from <
// to ≤ 1, out of an execution segment sequence that all the processes share. It is pure
// arithmetic on exact rationals (math/big while parsing, integers after): nothing here
// knows of executors, plans or flags.
//
// # Shares that add up exactly
//
// Everything a segment takes is a set of global indices: the VU numbered v, the iteration
// numbered i, the i-th arrival of an open-model schedule. The global indices 0, 1, 2, … are
// dealt to the sequence's segments in a pattern that repeats every L indices, L the least
// common denominator of the sequence's points (k6's "striping"): each segment owns exactly
// L·(to − from) of every L consecutive indices, every index belongs to exactly one segment,
// and a segment's slots are spread through the cycle, not bunched: over the first k indices
// it owns within 1 − 1/(2n−2) of k·(to − from), for every k and every one of the n segments
// at once (see stripe). So over any window of indices a segment owns its share to within
// two, and the sum over the segments is always the whole.
//
// Scale(n) — how many of the first n indices the segment owns — is the one share function:
// VU counts, iteration totals and stage targets are all scaled by it. It adds up exactly
// over a sequence, stays within one of n·(to − from), and, unlike k6's ExecutionSegment.Scale
// (round(n·to) − round(n·from)) or the telescoping ⌊n·to⌋ − ⌊n·from⌋, it never decreases as
// n grows. That is what makes a ramp split exactly: when the whole test goes from 2 to 3
// VUs, the third VU (index 2) is one segment's, and that segment alone goes up by one, so
// at every instant the segments' VU counts add up to the whole's — not only at stage ends.
// For the open model a segment runs the arrivals whose indices it owns, at their global
// times (Global maps its m-th arrival to its global index); the arrivals of all segments
// interleave to the whole schedule, each segment's spread evenly through time.
//
// # Syntax
//
// As k6 writes them (lib/execution_segment.go), with the grammar:
//
//	segment   = "" | point | point ":" point   "" is 0:1, the whole test; "1/4" is 0:1/4
//	sequence  = point "," point { "," point }   points in increasing order, 0 and 1 added when missing
//	nth       = digits "/" digits              "2/4": the 2nd of 4 equal segments (1-based)
//	point     = fraction | decimal | percent
//	fraction  = digits "/" digits               "1/3"
//	decimal   = digits [ "." digits ] | "." digits   "0.25"
//	percent   = decimal "%"                     "25%", "12.5%"
//
// Without a sequence, a segment that is one of n equal segments — (k/n, (k+1)/n] — is taken
// as part of the sequence of n equal segments, so that processes given only
// --execution-segment 0:1/4, 1/4:2/4, … still partition the test. Any other segment is
// filled in as k6 fills it, (0, from], (from, to], (to, 1]; processes that split a test
// unevenly must all be given the same sequence, or their stripes will not fit together.
package segment

import (
	"math/big"
	"math/bits"
	"sort"
)

// Segment is one process's share (from, to] of a test, within its Sequence. The zero value
// is Whole. A Segment is immutable and safe for concurrent use.
type Segment struct {
	s     *sequence // nil: the whole test
	index int
}

// Whole is the segment (0, 1] of the sequence of one segment: the test not split.
var Whole = Segment{}

// seq returns the segment's sequence, the whole test's for the zero value.
func (g Segment) seq() *sequence {
	if g.s == nil {
		return whole()
	}
	return g.s
}

// IsWhole says whether the segment is the whole test: it owns every index.
func (g Segment) IsWhole() bool { return g.s == nil || len(g.s.points) == 2 }

// Sequence returns the sequence the segment belongs to.
func (g Segment) Sequence() Sequence { return Sequence{s: g.s} }

// Index returns the segment's position in its sequence, from 0.
func (g Segment) Index() int { return g.index }

// Bounds returns from and to (fresh copies).
func (g Segment) Bounds() (from, to *big.Rat) {
	q := g.seq()
	return q.point(g.index), q.point(g.index + 1)
}

// Length returns to − from, the segment's share of the whole, as a float (for display and
// rates shown; every count uses the exact stripes).
func (g Segment) Length() float64 {
	from, to := g.Bounds()
	f, _ := to.Sub(to, from).Float64()
	return f
}

// String returns the segment in k6's syntax, "1/4:1/2"; "0:1" for Whole.
func (g Segment) String() string {
	from, to := g.Bounds()
	return from.RatString() + ":" + to.RatString()
}

// slots returns the segment's slots of one cycle and the cycle's length.
func (g Segment) slots() ([]int32, int64) {
	q := g.seq()
	return q.stripes.of(g.index), q.cycle
}

// Scale returns how many of the global indices 0…n−1 the segment owns: its share of n VUs,
// n iterations or a stage target of n. Over a sequence the shares add up to n exactly; each
// is within one of n·(to − from); and Scale never decreases as n grows. n ≤ 0 gives 0.
func (g Segment) Scale(n int64) int64 {
	if n <= 0 {
		return 0
	}
	if g.IsWhole() {
		return n
	}
	ps, cycle := g.slots()
	rest := n % cycle
	return n/cycle*int64(len(ps)) + int64(sort.Search(len(ps), func(i int) bool { return int64(ps[i]) >= rest }))
}

// Global returns the global index of the segment's m-th index (m from 0): Scale(Global(m))
// is m, and Owns(Global(m)) is true. m < 0 gives −1.
func (g Segment) Global(m int64) int64 {
	if m < 0 {
		return -1
	}
	if g.IsWhole() {
		return m
	}
	ps, cycle := g.slots()
	c := int64(len(ps))
	return m/c*cycle + int64(ps[m%c])
}

// Owns says whether the global index i is the segment's.
func (g Segment) Owns(i int64) bool {
	if i < 0 {
		return false
	}
	if g.IsWhole() {
		return true
	}
	ps, cycle := g.slots()
	r := int32(i % cycle)
	k := sort.Search(len(ps), func(k int) bool { return ps[k] >= r })
	return k < len(ps) && ps[k] == r
}

// Portion hands out n things that follow base things, in proportion to the share of base
// the segment owns (Scale(base)): shared-iterations' iterations follow its VUs, so that a
// segment with no VU of a scenario gets none of its iterations. The segment gets the block
// [first, first+count) of 0…n−1: with P the VUs owned by the segments before it,
//
//	first = ⌊n·P / base⌋,   count = ⌊n·(P + Scale(base)) / base⌋ − first
//
// The blocks of a sequence's segments tile 0…n−1 exactly; count is within one of
// n·Scale(base)/base, and at least Scale(base) when n ≥ base. base ≤ 0 or n ≤ 0 gives (0, 0).
func (g Segment) Portion(n, base int64) (first, count int64) {
	if n <= 0 || base <= 0 {
		return 0, 0
	}
	if g.IsWhole() {
		return 0, n
	}
	var before int64
	for _, o := range g.s.segments()[:g.index] {
		before += o.Scale(base)
	}
	first = mulDiv(n, before, base)
	return first, mulDiv(n, before+g.Scale(base), base) - first
}

// segments returns the sequence's segments.
func (q *sequence) segments() []Segment { return Sequence{s: q}.Segments() }

// mulDiv returns ⌊a·b / c⌋ for 0 ≤ b ≤ c and a ≥ 0, c > 0, without overflow (the result is
// at most a).
func mulDiv(a, b, c int64) int64 {
	hi, lo := bits.Mul64(uint64(a), uint64(b))
	q, _ := bits.Div64(hi, lo, uint64(c))
	return int64(q)
}
