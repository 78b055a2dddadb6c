package segment

import (
	"fmt"
	"math/big"
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

// sequence is a Sequence's state, shared by its Segments.
type sequence struct {
	bounds  []*big.Rat // b₀ = 0 < b₁ < … < bₙ = 1
	cycle   int64      // L, the least common denominator of the bounds
	stripes [][]int32  // per segment, its slots of one cycle in ascending order
}

// newSequence checks the bounds (0 first, 1 last, strictly increasing) and deals the
// stripes. desc names the input in errors.
func newSequence(bounds []*big.Rat, desc string) (*sequence, error) {
	lcm := big.NewInt(1)
	for i, b := range bounds {
		if i > 0 && b.Cmp(bounds[i-1]) <= 0 {
			return nil, fmt.Errorf("%s: %s must be more than the point before it, %s", desc, b.RatString(), bounds[i-1].RatString())
		}
		g := new(big.Int).GCD(nil, nil, lcm, b.Denom())
		lcm.Mul(lcm, new(big.Int).Quo(b.Denom(), g))
		if lcm.Cmp(big.NewInt(MaxCycle)) > 0 {
			return nil, fmt.Errorf("%s: its points' least common denominator is more than %d: use simpler fractions (1/3, 25%%, 0.125)", desc, MaxCycle)
		}
	}
	cycle := lcm.Int64()
	counts := make([]int64, len(bounds)-1)
	for j := range counts {
		length := new(big.Rat).Sub(bounds[j+1], bounds[j])
		// length·L is a whole number: L is a multiple of both bounds' denominators.
		counts[j] = new(big.Int).Quo(new(big.Int).Mul(length.Num(), lcm), length.Denom()).Int64()
	}
	return &sequence{bounds: bounds, cycle: cycle, stripes: stripe(counts)}, nil
}

// whole is the sequence of one segment, (0, 1].
func whole() *sequence {
	s, _ := newSequence([]*big.Rat{new(big.Rat), big.NewRat(1, 1)}, "")
	return s
}

// seq returns the state, the whole test's for the zero value.
func (s Sequence) seq() *sequence {
	if s.s == nil {
		return whole()
	}
	return s.s
}

// Len returns how many segments the sequence has.
func (s Sequence) Len() int { return len(s.seq().bounds) - 1 }

// Segments returns the sequence's segments in order.
func (s Sequence) Segments() []Segment {
	q := s.seq()
	out := make([]Segment, len(q.bounds)-1)
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
	pts := make([]string, len(q.bounds))
	for i, b := range q.bounds {
		pts[i] = b.RatString()
	}
	return strings.Join(pts, ",")
}
