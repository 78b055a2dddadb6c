// Package stats holds the statistics ramp's comparisons rest on: the Mann-Whitney U test, the
// test Go's benchstat (golang.org/x/perf) uses to say whether two sets of measurements differ.
//
// It is rank-based and assumes nothing about the shape of the distributions, which suits
// latency percentiles taken per second of a run: skewed, heavy-tailed and often tied (HDR
// histogram buckets). The samples are independent windows of two runs; the test asks whether
// one run's windows tend to be larger than the other's.
//
// Only the standard library is used: the test is a few dozen lines of arithmetic, and a
// dependency for it would outweigh it.
package stats

import (
	"errors"
	"math"
	"sort"
)

// ErrSamples is returned when a sample is empty or every value of both is the same: there is
// nothing to rank.
var ErrSamples = errors.New("stats: the U test needs two non-empty samples that are not all equal")

// UTestResult is the outcome of a two-sided Mann-Whitney U test.
type UTestResult struct {
	// N1 and N2 are the sizes of the samples; U1 is the U statistic of the first,
	// the number of pairs (x, y) with x > y, ties counting one half.
	N1, N2 int
	U1     float64
	// P is the two-sided p-value: the probability, were both samples from one distribution,
	// of a U at least as far from its mean N1·N2/2 as U1.
	P float64
	// Exact says P is from the exact distribution of U (small samples without ties);
	// otherwise it is the normal approximation with the tie and continuity corrections.
	Exact bool
}

// exactLimit bounds the samples whose p-value is computed exactly: the distribution of U for
// sizes m and n takes O(m·n·(m·n)) work; beyond it the normal approximation is within a few
// thousandths.
const exactLimit = 20

// MannWhitneyU runs the two-sided Mann-Whitney U test of x against y.
//
// With R(x) the sum of x's ranks in the pooled sample (ties take the mean of their ranks):
//
//	U1 = R(x) − n1(n1+1)/2
//
// Without ties and with n1, n2 ≤ 20, P is exact: 2·min(P(U ≤ U1), P(U ≥ U1)), capped at 1,
// from the count of the rank arrangements that give each U. Otherwise, as R's wilcox.test and
// SciPy's mannwhitneyu do,
//
//	z = (|U1 − n1·n2/2| − 1/2) / σ,  σ² = n1·n2/12 · ((n+1) − Σ(t³−t) / (n(n−1)))
//
// over the tie groups t of the pooled sample of n values, and P = 2(1 − Φ(z)).
func MannWhitneyU(x, y []float64) (UTestResult, error) {
	n1, n2 := len(x), len(y)
	if n1 == 0 || n2 == 0 {
		return UTestResult{}, ErrSamples
	}
	ranks, ties := rank(x, y)
	var rx float64
	for _, r := range ranks[:n1] {
		rx += r
	}
	u1 := rx - float64(n1*(n1+1))/2
	res := UTestResult{N1: n1, N2: n2, U1: u1}
	n := float64(n1 + n2)
	var tieSum float64
	for _, t := range ties {
		tieSum += float64(t*t*t - t)
	}
	if tieSum == n*n*n-n {
		return UTestResult{}, ErrSamples // a single tie group: every value equal
	}
	if len(ties) == 0 && n1 <= exactLimit && n2 <= exactLimit {
		res.P, res.Exact = exactP(n1, n2, u1), true
		return res, nil
	}
	mean := float64(n1) * float64(n2) / 2
	sigma := math.Sqrt(float64(n1) * float64(n2) / 12 * ((n + 1) - tieSum/(n*(n-1))))
	z := math.Max(0, math.Abs(u1-mean)-0.5) / sigma
	res.P = math.Min(1, math.Erfc(z/math.Sqrt2)) // 2(1 − Φ(z))
	return res, nil
}

// rank returns the ranks (1-based, ties at their mean rank) of x's then y's values in the
// pooled sample, and the sizes of the tie groups larger than one.
func rank(x, y []float64) (ranks []float64, ties []int) {
	type item struct {
		v float64
		i int
	}
	all := make([]item, 0, len(x)+len(y))
	for i, v := range x {
		all = append(all, item{v, i})
	}
	for i, v := range y {
		all = append(all, item{v, len(x) + i})
	}
	sort.Slice(all, func(a, b int) bool { return all[a].v < all[b].v })
	ranks = make([]float64, len(all))
	for i := 0; i < len(all); {
		j := i + 1
		for j < len(all) && all[j].v == all[i].v {
			j++
		}
		mid := float64(i+1+j) / 2 // the mean of ranks i+1 … j
		for k := i; k < j; k++ {
			ranks[all[k].i] = mid
		}
		if j-i > 1 {
			ties = append(ties, j-i)
		}
		i = j
	}
	return ranks, ties
}

// exactP is the exact two-sided p-value of U1 for samples of m and n values without ties.
//
// The number of arrangements of m x's and n y's whose U is k follows
//
//	c(m, n, k) = c(m−1, n, k−n) + c(m, n−1, k)
//
// (the largest value is an x, beating all n y's, or a y, beating none); c(0, n, 0) =
// c(m, 0, 0) = 1. It is computed row by row over n, as frequencies to stay in float range.
func exactP(m, n int, u1 float64) float64 {
	dist := uDist(m, n)
	k := int(math.Round(u1))
	var lo, hi float64
	for i, p := range dist {
		if i <= k {
			lo += p
		}
		if i >= k {
			hi += p
		}
	}
	return math.Min(1, 2*math.Min(lo, hi))
}

// uDist returns P(U = k) for k = 0 … m·n under the null hypothesis.
func uDist(m, n int) []float64 {
	// prev[i][k] holds c(i, j−1, k) while row j is built into cur[i][k] = c(i, j, k).
	size := m*n + 1
	prev := make([][]float64, m+1)
	for i := range prev {
		prev[i] = make([]float64, size)
		prev[i][0] = 1 // c(i, 0, 0)
	}
	for j := 1; j <= n; j++ {
		cur := make([][]float64, m+1)
		cur[0] = make([]float64, size)
		cur[0][0] = 1 // c(0, j, 0)
		for i := 1; i <= m; i++ {
			cur[i] = make([]float64, size)
			for k := 0; k <= i*j; k++ {
				v := prev[i][k] // the largest is a y
				if k >= j {
					v += cur[i-1][k-j] // the largest is an x
				}
				cur[i][k] = v
			}
		}
		prev = cur
	}
	total := 0.0
	for _, c := range prev[m] {
		total += c
	}
	out := prev[m]
	for k := range out {
		out[k] /= total
	}
	return out
}
