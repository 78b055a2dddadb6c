package segment

import (
	"fmt"
	"math/big"
	"sort"
	"strings"
)

// MaxCycle bounds a sequence's least common denominator L, the length of the cycle its
// stripes repeat with. A segment keeps its slots of one cycle (at most L of them), so L
// bounds the memory a sequence takes and the work of dealing it: 2²⁰ allows every fraction,
// percentage and decimal of up to five places that people write, and a million segments.
const MaxCycle = 1 << 20

// Sequence is the split of a whole test into consecutive segments (0, b₁], (b₁, b₂], …,
// (bₙ₋₁, 1] that every process of a distributed run is given: k6's execution segment
// sequence. The stripes of its segments, and with them every segment's share, depend on
// the whole sequence. The zero value is the sequence of one segment, the whole test.
// A Sequence is immutable and safe for concurrent use.
type Sequence struct {
	s *sequence
}

// sequence is a Sequence's state, shared by its Segments. Every point is a multiple of 1/L,
// so points are kept as their numerators over L: eight bytes a point.
type sequence struct {
	points  []int64 // bᵢ·L: 0 = p₀ < p₁ < … < pₙ = L
	cycle   int64   // L, the least common denominator of the points
	stripes stripes // every segment's slots of one cycle
}

// newSequence checks parsed points (0 first, 1 last, strictly increasing, a least common
// denominator of at most MaxCycle) and deals the stripes. desc names the input in errors.
func newSequence(bounds []*big.Rat, desc string) (*sequence, error) {
	tooLong := fmt.Errorf("%s: its points' least common denominator is more than %d: use simpler fractions (1/3, 25%%, 0.125)", desc, MaxCycle)
	lcm := int64(1)
	for i, b := range bounds {
		if i > 0 && b.Cmp(bounds[i-1]) <= 0 {
			return nil, fmt.Errorf("%s: %s must be more than the point before it, %s", desc, b.RatString(), bounds[i-1].RatString())
		}
		if !b.Denom().IsInt64() || b.Denom().Int64() > MaxCycle {
			return nil, tooLong
		}
		den := b.Denom().Int64()
		if lcm = lcm / gcd(lcm, den) * den; lcm > MaxCycle { // both ≤ 2²⁰: no overflow
			return nil, tooLong
		}
	}
	points := make([]int64, len(bounds))
	for i, b := range bounds {
		points[i] = b.Num().Int64() * (lcm / b.Denom().Int64()) // b ≤ 1: num ≤ den
	}
	return fromPoints(points, lcm), nil
}

// fromPoints deals the stripes of the sequence of points pᵢ/cycle.
func fromPoints(points []int64, cycle int64) *sequence {
	counts := make([]int64, len(points)-1)
	for j := range counts {
		counts[j] = points[j+1] - points[j]
	}
	return &sequence{points: points, cycle: cycle, stripes: stripe(counts)}
}

// equal returns the sequence of n equal segments, 1 ≤ n ≤ MaxCycle.
func equal(n int64) *sequence {
	points := make([]int64, n+1)
	for k := range points {
		points[k] = int64(k)
	}
	return fromPoints(points, n)
}

// whole is the sequence of one segment, (0, 1].
func whole() *sequence { return equal(1) }

// point returns pᵢ as a reduced fraction.
func (q *sequence) point(i int) *big.Rat { return big.NewRat(q.points[i], q.cycle) }

// find returns the index of the segment (from, to], or false when it is not one of q's.
func (q *sequence) find(from, to *big.Rat) (int, bool) {
	l := new(big.Rat).SetInt64(q.cycle)
	f, t := new(big.Rat).Mul(from, l), new(big.Rat).Mul(to, l)
	if !f.IsInt() || !t.IsInt() {
		return 0, false
	}
	fi, ti := f.Num().Int64(), t.Num().Int64()
	i := sort.Search(len(q.points), func(i int) bool { return q.points[i] >= fi })
	if i+1 >= len(q.points) || q.points[i] != fi || q.points[i+1] != ti {
		return 0, false
	}
	return i, true
}

// gcd returns the greatest common divisor of positive a and b.
func gcd(a, b int64) int64 {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// seq returns the state, the whole test's for the zero value.
func (s Sequence) seq() *sequence {
	if s.s == nil {
		return whole()
	}
	return s.s
}

// Len returns how many segments the sequence has.
func (s Sequence) Len() int { return len(s.seq().points) - 1 }

// Segments returns the sequence's segments in order.
func (s Sequence) Segments() []Segment {
	q := s.seq()
	out := make([]Segment, len(q.points)-1)
	for i := range out {
		out[i] = Segment{s: q, index: i}
	}
	return out
}

// Cycle returns L, the least common denominator of the sequence's points: every segment
// owns exactly L·(to − from) of any L consecutive global indices, in a pattern that repeats
// every L indices.
func (s Sequence) Cycle() int64 { return s.seq().cycle }

// String returns the sequence in k6's syntax, every point a reduced fraction:
// "0,1/4,1/2,3/4,1".
func (s Sequence) String() string {
	q := s.seq()
	pts := make([]string, len(q.points))
	for i := range q.points {
		pts[i] = q.point(i).RatString()
	}
	return strings.Join(pts, ",")
}
