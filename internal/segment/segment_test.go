package segment_test

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/ramp-dev/ramp/internal/segment"
)

// sequences returns the sequences the property tests run over: n equal segments for n = 1…16,
// and random uneven ones of 1…16 segments, on one grid (cut points k/d) or on two (k/d₁ and
// k/d₂, so that the cycle is their least common multiple).
func sequences(t *testing.T) []segment.Sequence {
	t.Helper()
	var out []segment.Sequence
	for n := 1; n <= 16; n++ {
		s, err := segment.Equal(n)
		if err != nil {
			t.Fatalf("Equal(%d): %v", n, err)
		}
		out = append(out, s)
	}
	r := rand.New(rand.NewPCG(10, 16))
	for range 120 {
		n := 1 + r.IntN(16)
		grids := []int64{int64(n) + r.Int64N(300)}
		if r.IntN(2) == 0 {
			grids = append(grids, 2+r.Int64N(40))
		}
		// Distinct cut points strictly inside (0, 1), drawn from the grids.
		cuts := map[string]*big.Rat{}
		for len(cuts) < n-1 {
			d := grids[r.IntN(len(grids))]
			if d < 2 {
				continue
			}
			c := big.NewRat(1+r.Int64N(d-1), d)
			cuts[c.RatString()] = c
		}
		pts := []*big.Rat{new(big.Rat), big.NewRat(1, 1)}
		for _, c := range cuts {
			pts = append(pts, c)
		}
		slices.SortFunc(pts, func(a, b *big.Rat) int { return a.Cmp(b) })
		text := ""
		for i, p := range pts {
			if i > 0 {
				text += ","
			}
			text += p.RatString()
		}
		s, err := segment.ParseSequence(text)
		if err != nil {
			t.Fatalf("ParseSequence(%s): %v", text, err)
		}
		out = append(out, s)
	}
	return out
}

// share returns a segment's length as a reduced fraction num/den.
func share(g segment.Segment) (num, den int64) {
	from, to := g.Bounds()
	l := to.Sub(to, from)
	return l.Num().Int64(), l.Denom().Int64()
}

// Every global index of three cycles belongs to exactly one segment, and each segment's
// m-th index maps back: Scale(Global(m)) = m, Owns(Global(m)), Global increasing.
func TestStripesPartition(t *testing.T) {
	t.Parallel()
	for _, s := range sequences(t) {
		segs := s.Segments()
		span := 3 * s.Cycle()
		owners := make([]int, span)
		for _, g := range segs {
			prev := int64(-1)
			for m := int64(0); ; m++ {
				i := g.Global(m)
				if i >= span {
					break
				}
				if i <= prev || !g.Owns(i) || g.Scale(i) != m || g.Scale(i+1) != m+1 {
					t.Fatalf("%s in %s: Global(%d) = %d after %d; Owns %v, Scale(i) %d, Scale(i+1) %d",
						g, s, m, i, prev, g.Owns(i), g.Scale(i), g.Scale(i+1))
				}
				prev = i
				owners[i]++
			}
		}
		for i, n := range owners {
			if n != 1 {
				t.Fatalf("%s: global index %d belongs to %d segments, want exactly 1", s, i, n)
			}
			count := 0
			for _, g := range segs {
				if g.Owns(int64(i)) {
					count++
				}
			}
			if count != 1 {
				t.Fatalf("%s: %d segments say they own index %d, want 1", s, count, i)
			}
		}
	}
}

// Shares of VUs, iterations and stage targets add up to the whole exactly, for small counts,
// counts around cycle boundaries, and counts up to 2⁶³−1.
func TestScaleAddsUp(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for _, s := range sequences(t) {
		ns := []int64{0, 1, 2, 3, 7, 10, 100, 1000, 1_000_000, s.Cycle() - 1, s.Cycle(), s.Cycle() + 1,
			math.MaxInt64, math.MaxInt64 - 1}
		for range 30 {
			ns = append(ns, r.Int64N(4*s.Cycle()+1), r.Int64())
		}
		for _, n := range ns {
			var sum int64
			for _, g := range s.Segments() {
				sum += g.Scale(n)
			}
			if sum != n {
				t.Fatalf("%s: the shares of %d add up to %d", s, n, sum)
			}
		}
	}
}

// Each segment's count over the first k indices is within one (strictly, within
// 1 − 1/(2n−2)) of k·(to − from), for every k over two cycles (the pattern repeats); it grows
// by 0 or 1 per index; and over any window of w indices it owns within two of w·(to − from):
// the owned indices are spread evenly, not bunched.
func TestScaleEvenness(t *testing.T) {
	t.Parallel()
	for _, s := range sequences(t) {
		n := int64(s.Len())
		for _, g := range s.Segments() {
			num, den := share(g)
			for k := int64(0); k <= 2*s.Cycle(); k++ {
				// |Scale(k) − k·num/den| < 1 − 1/(2n−2), in integers (× den·(2n−2)).
				lag := g.Scale(k)*den - k*num
				if lag < 0 {
					lag = -lag
				}
				if n > 1 {
					if lag*(2*n-2) > den*(2*n-3) {
						t.Fatalf("%s in %s: Scale(%d) = %d, %v from %d·%d/%d; want within %d/%d",
							g, s, k, g.Scale(k), float64(lag)/float64(den), k, num, den, 2*n-3, 2*n-2)
					}
				} else if lag != 0 {
					t.Fatalf("%s: Scale(%d) = %d, want %d", g, k, g.Scale(k), k)
				}
				if step := g.Scale(k+1) - g.Scale(k); step != 0 && step != 1 {
					t.Fatalf("%s in %s: Scale(%d) − Scale(%d) = %d, want 0 or 1", g, s, k+1, k, step)
				}
			}
			// Windows of a few lengths at every start of a cycle.
			for _, w := range []int64{1, 2, 5, den, s.Cycle() / 3, s.Cycle()} {
				for a := int64(0); a < s.Cycle(); a++ {
					got := (g.Scale(a+w) - g.Scale(a)) * den
					if want := w * num; got <= want-2*den || got >= want+2*den {
						t.Fatalf("%s in %s: %d of the %d indices from %d, want within 2 of %v",
							g, s, got/den, w, a, float64(want)/float64(den))
					}
				}
			}
		}
	}
}

// shared-iterations' blocks: the segments' blocks of n iterations tile 0…n−1, each follows
// the segment's share of the VUs, and a segment with no VU gets no iteration.
func TestPortionTiles(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for _, s := range sequences(t) {
		for range 20 {
			base := 1 + r.Int64N(40)
			n := base + r.Int64N(1000) // shared-iterations: iterations ≥ vus
			if r.IntN(4) == 0 {
				n = base + r.Int64N(math.MaxInt64-base)
			}
			next := int64(0)
			for _, g := range s.Segments() {
				first, count := g.Portion(n, base)
				vus := g.Scale(base)
				if first != next || count < 0 {
					t.Fatalf("%s in %s: Portion(%d, %d) = [%d, +%d), want it to start at %d", g, s, n, base, first, count, next)
				}
				if vus == 0 && count != 0 || count < vus {
					t.Fatalf("%s in %s: Portion(%d, %d) gives %d iterations to %d VUs", g, s, n, base, count, vus)
				}
				// Within one of n·vus/base.
				lo, hi := new(big.Int).Mul(big.NewInt(n), big.NewInt(vus)), new(big.Int)
				hi.Quo(lo, big.NewInt(base))
				if d := count - hi.Int64(); d < -1 || d > 1 {
					t.Fatalf("%s in %s: Portion(%d, %d) count %d, want within 1 of %d·%d/%d", g, s, n, base, count, n, vus, base)
				}
				next = first + count
			}
			if next != n {
				t.Fatalf("%s: Portion(%d, %d) blocks end at %d, want %d", s, n, base, next, n)
			}
		}
	}
}

func TestWhole(t *testing.T) {
	t.Parallel()
	for _, g := range []segment.Segment{segment.Whole, {}, mustParse(t, "0:1", "")} {
		if !g.IsWhole() || g.String() != "0:1" || g.Length() != 1 {
			t.Errorf("%v: IsWhole %v, Length %v; want the whole test", g, g.IsWhole(), g.Length())
		}
		for _, n := range []int64{0, 1, 17, math.MaxInt64} {
			if g.Scale(n) != n || g.Global(n) != n || !g.Owns(n) {
				t.Errorf("%v: Scale(%d) %d, Global %d, Owns %v; want the identity", g, n, g.Scale(n), g.Global(n), g.Owns(n))
			}
		}
		if first, count := g.Portion(10, 3); first != 0 || count != 10 {
			t.Errorf("%v: Portion(10, 3) = %d, %d, want 0, 10", g, first, count)
		}
	}
	if g := mustParse(t, "0:1/2", ""); g.IsWhole() || g.Scale(-5) != 0 || g.Global(-1) != -1 || g.Owns(-1) {
		t.Errorf("negative arguments: Scale %d, Global %d, Owns %v", g.Scale(-5), g.Global(-1), g.Owns(-1))
	}
}

func mustParse(t *testing.T, seg, seq string) segment.Segment {
	t.Helper()
	g, err := segment.Parse(seg, seq)
	if err != nil {
		t.Fatalf("Parse(%q, %q): %v", seg, seq, err)
	}
	return g
}

// The stripes of a short uneven sequence, written out: over each cycle of 6, 0:1/3 owns 2,
// 1/3:1/2 owns 1 and 1/2:1 owns 3, every other one, with 0:1/3's two three apart.
func TestStripesWrittenOut(t *testing.T) {
	t.Parallel()
	s, err := segment.ParseSequence("0,1/3,1/2,1")
	if err != nil {
		t.Fatal(err)
	}
	var got string
	for i := range int64(12) {
		for j, g := range s.Segments() {
			if g.Owns(i) {
				got += fmt.Sprint(j)
			}
		}
	}
	if want := "202102202102"; got != want {
		t.Errorf("owners of 0…11 = %s, want %s", got, want)
	}
}
