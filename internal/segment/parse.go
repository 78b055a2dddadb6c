package segment

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"
)

// ErrSyntax is wrapped by the errors for a point that is not a fraction, a decimal or a
// percentage.
var ErrSyntax = errors.New("want a fraction (1/4), a decimal (0.25) or a percentage (25%)")

// Parse returns the segment seg of the sequence seq, both in k6's syntax (see the package
// doc): what --execution-segment and --execution-segment-sequence say. Both empty is Whole.
// seg must lie in (0, 1] with from < to and, when seq is given, be one of its segments; a
// sequence without a segment is an error, as no process would know its share.
func Parse(seg, seq string) (Segment, error) {
	seg, seq = strings.TrimSpace(seg), strings.TrimSpace(seq)
	if seg == "" && seq == "" {
		return Whole, nil
	}
	if seg == "" {
		return Segment{}, fmt.Errorf("execution segment sequence %q: it needs an execution segment, the one this process runs", seq)
	}
	from, to, err := parseSegment(seg)
	if err != nil {
		return Segment{}, err
	}
	var q *sequence
	if seq == "" {
		if q, err = fill(from, to, seg); err != nil {
			return Segment{}, err
		}
	} else {
		bounds, err := parsePoints(seq)
		if err != nil {
			return Segment{}, err
		}
		if q, err = newSequence(bounds, fmt.Sprintf("execution segment sequence %q", seq)); err != nil {
			return Segment{}, err
		}
	}
	if i, ok := q.find(from, to); ok {
		return Segment{s: q, index: i}, nil
	}
	return Segment{}, fmt.Errorf("execution segment %q: not one of the segments of the sequence %q (%s)", seg, seq, Sequence{s: q})
}

// ParseSequence returns the sequence s in k6's syntax, "0,1/4,1/2,3/4,1": at least two
// points in increasing order within [0, 1]; 0 and 1 are added when missing, as k6 does.
func ParseSequence(s string) (Sequence, error) {
	bounds, err := parsePoints(strings.TrimSpace(s))
	if err != nil {
		return Sequence{}, err
	}
	q, err := newSequence(bounds, fmt.Sprintf("execution segment sequence %q", s))
	if err != nil {
		return Sequence{}, err
	}
	return Sequence{s: q}, nil
}

// Equal returns the sequence of n equal segments, 0, 1/n, …, 1; n from 1 to MaxCycle.
func Equal(n int) (Sequence, error) {
	if n < 1 || n > MaxCycle {
		return Sequence{}, fmt.Errorf("%d equal segments: want between 1 and %d", n, MaxCycle)
	}
	return Sequence{s: equal(int64(n))}, nil
}

// Nth returns the i-th of n equal segments, counted from 1 — ((i−1)/n, i/n] of the sequence
// of n equal segments — so that its end is i/n, as in k6, where the single value "1/4" is
// the segment 0:1/4.
func Nth(i, n int) (Segment, error) {
	if n < 1 || i < 1 || i > n {
		return Segment{}, fmt.Errorf("segment %d/%d: want i/n with 1 ≤ i ≤ n, the i-th of n equal segments counted from 1", i, n)
	}
	s, err := Equal(n)
	if err != nil {
		return Segment{}, fmt.Errorf("segment %d/%d: %w", i, n, err)
	}
	return s.Segments()[i-1], nil
}

// ParseNth parses "i/n", the i-th of n equal segments counted from 1 (see Nth): what the
// shorthand --segment i/n says.
func ParseNth(s string) (Segment, error) {
	num, den, ok := strings.Cut(strings.TrimSpace(s), "/")
	i, err1 := strconv.Atoi(num)
	n, err2 := strconv.Atoi(den)
	if !ok || err1 != nil || err2 != nil || !digits(num) || !digits(den) {
		return Segment{}, fmt.Errorf("segment %q: want i/n, the i-th of n equal segments counted from 1, e.g. 2/4", s)
	}
	return Nth(i, n)
}

// parseSegment parses "from:to" or "to" (from 0) and checks 0 ≤ from < to ≤ 1.
func parseSegment(s string) (from, to *big.Rat, err error) {
	fs, ts, hasFrom := strings.Cut(s, ":")
	if !hasFrom {
		fs, ts = "0", s
	}
	if from, err = parsePoint(fs); err != nil {
		return nil, nil, fmt.Errorf("execution segment %q: %w", s, err)
	}
	if to, err = parsePoint(ts); err != nil {
		return nil, nil, fmt.Errorf("execution segment %q: %w", s, err)
	}
	switch {
	case to.Cmp(big.NewRat(1, 1)) > 0:
		return nil, nil, fmt.Errorf("execution segment %q: its end %s is past 1, the whole test", s, to.RatString())
	case from.Cmp(to) >= 0:
		return nil, nil, fmt.Errorf("execution segment %q: its start %s must be less than its end %s", s, from.RatString(), to.RatString())
	}
	return from, to, nil
}

// parsePoints parses a sequence's points, checks they lie in [0, 1], and adds 0 and 1 when
// missing. Their order is checked by newSequence.
func parsePoints(s string) ([]*big.Rat, error) {
	parts := strings.Split(s, ",")
	if len(parts) < 2 {
		return nil, fmt.Errorf("execution segment sequence %q: want at least two points, e.g. 0,1/2,1", s)
	}
	bounds := make([]*big.Rat, 0, len(parts)+2)
	one := big.NewRat(1, 1)
	for _, p := range parts {
		r, err := parsePoint(strings.TrimSpace(p))
		if err != nil {
			return nil, fmt.Errorf("execution segment sequence %q: %w", s, err)
		}
		if r.Cmp(one) > 0 {
			return nil, fmt.Errorf("execution segment sequence %q: %s is past 1, the whole test", s, r.RatString())
		}
		bounds = append(bounds, r)
	}
	if bounds[0].Sign() != 0 {
		bounds = append([]*big.Rat{new(big.Rat)}, bounds...)
	}
	if bounds[len(bounds)-1].Cmp(one) != 0 {
		bounds = append(bounds, one)
	}
	return bounds, nil
}

// fill returns the sequence a segment is taken from when none is given: the n equal
// segments when (from, to] is one of them, else (0, from], (from, to], (to, 1] without the
// empty ones.
func fill(from, to *big.Rat, seg string) (*sequence, error) {
	length := new(big.Rat).Sub(to, from)
	if n := length.Denom(); length.Num().Cmp(big.NewInt(1)) == 0 && n.IsInt64() && n.Int64() <= MaxCycle &&
		new(big.Rat).Mul(from, new(big.Rat).SetInt(n)).IsInt() {
		return equal(n.Int64()), nil
	}
	bounds := []*big.Rat{new(big.Rat)}
	if from.Sign() > 0 {
		bounds = append(bounds, from)
	}
	bounds = append(bounds, to)
	if one := big.NewRat(1, 1); to.Cmp(one) < 0 {
		bounds = append(bounds, one)
	}
	return newSequence(bounds, fmt.Sprintf("execution segment %q", seg))
}

// parsePoint parses one point: a fraction, a decimal or a percentage, never negative.
// (big.Rat.SetString alone would also take signs, exponents and "0x"/"0" prefixes: "010/100"
// would be 8/100.)
func parsePoint(s string) (*big.Rat, error) {
	if num, den, ok := strings.Cut(s, "/"); ok {
		if !digits(num) || !digits(den) {
			return nil, fmt.Errorf("%q: %w", s, ErrSyntax)
		}
		d, _ := new(big.Int).SetString(den, 10)
		if d.Sign() == 0 {
			return nil, fmt.Errorf("%q: the denominator is 0", s)
		}
		n, _ := new(big.Int).SetString(num, 10)
		return new(big.Rat).SetFrac(n, d), nil
	}
	dec, percent := strings.CutSuffix(s, "%")
	whole, frac, _ := strings.Cut(dec, ".")
	if whole == "" && frac == "" || whole != "" && !digits(whole) || frac != "" && !digits(frac) || strings.HasSuffix(dec, ".") {
		return nil, fmt.Errorf("%q: %w", s, ErrSyntax)
	}
	n, _ := new(big.Int).SetString(whole+frac, 10)
	d := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	if percent {
		d.Mul(d, big.NewInt(100))
	}
	return new(big.Rat).SetFrac(n, d), nil
}

// digits says whether s is one or more ASCII digits.
func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
