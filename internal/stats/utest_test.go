package stats

import (
	"errors"
	"math"
	"testing"
)

func TestMannWhitneyU(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		x, y  []float64
		u1    float64
		p     float64
		exact bool
	}{
		// Complete separation of 5 and 5: the most extreme of C(10,5)=252 arrangements, twice.
		{"separated", []float64{1, 2, 3, 4, 5}, []float64{6, 7, 8, 9, 10}, 0, 2.0 / 252, true},
		// The same the other way round: U1 = 25, the same p.
		{"separated reversed", []float64{6, 7, 8, 9, 10}, []float64{1, 2, 3, 4, 5}, 25, 2.0 / 252, true},
		// SciPy's mannwhitneyu documentation (males vs females): U1 = 17, exact p = 0.1111.
		{"scipy exact", []float64{19, 22, 16, 29, 24}, []float64{20, 11, 17, 12}, 17, 0.11111111111111, true},
		// R's wilcox.test documentation (x vs y): W = 35, one-sided p = 0.1272, two-sided twice that.
		{"R wilcox.test", []float64{0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46},
			[]float64{1.15, 0.88, 0.90, 0.74, 1.21}, 35, 0.2544, true},
		// Alternating values: U1 = 6 of a mean 8; P(U ≤ 6) = 24/70 (counts 1,1,2,3,5,5,7 of C(8,4)).
		{"interleaved", []float64{1, 3, 5, 7}, []float64{2, 4, 6, 8}, 6, 48.0 / 70, true},
		// Ties force the normal approximation with the tie correction: pooled
		// {1,2,2,2,3,3,3,4}, tie groups 3 and 3, R(x) = 1+3+3+6 = 13, U1 = 3, σ² = 16/12·(9 − 48/56).
		{"ties", []float64{1, 2, 2, 3}, []float64{2, 3, 3, 4}, 3,
			math.Erfc((5.0 - 0.5) / math.Sqrt(16.0/12*(9-48.0/56)) / math.Sqrt2), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r, err := MannWhitneyU(tt.x, tt.y)
			if err != nil {
				t.Fatal(err)
			}
			if r.U1 != tt.u1 || r.Exact != tt.exact || r.N1 != len(tt.x) || r.N2 != len(tt.y) {
				t.Errorf("U1 = %v, exact = %v, n = %d/%d; want %v, %v", r.U1, r.Exact, r.N1, r.N2, tt.u1, tt.exact)
			}
			if math.Abs(r.P-tt.p) > 1e-4 {
				t.Errorf("p = %.6f, want %.6f", r.P, tt.p)
			}
		})
	}
}

// TestMannWhitneyUApprox checks the normal approximation against SciPy's documented
// asymptotic p-value for the same samples as "scipy exact", by forcing a tie-free sample
// above the exact limit to take the same path: the approximation's formula on SciPy's data.
func TestMannWhitneyUApprox(t *testing.T) {
	t.Parallel()
	// SciPy: mannwhitneyu(males, females, method="asymptotic").pvalue = 0.11134688653314041.
	mean, sigma := 10.0, math.Sqrt(5*4*10/12.0)
	got := math.Erfc((17 - mean - 0.5) / sigma / math.Sqrt2)
	if math.Abs(got-0.11134688653314041) > 1e-9 {
		t.Fatalf("approximation formula gives %v", got)
	}
	// Large samples, separated: the approximation says the difference is overwhelming.
	var x, y []float64
	for i := range 30 {
		x = append(x, float64(i))
		y = append(y, float64(i+100))
	}
	r, err := MannWhitneyU(x, y)
	if err != nil || r.Exact || r.P > 1e-9 || r.U1 != 0 {
		t.Fatalf("separated 30/30: %+v, %v", r, err)
	}
	// Large samples from one sequence, split alternately: no difference.
	x, y = nil, nil
	for i := range 60 {
		if i%2 == 0 {
			x = append(x, float64(i))
		} else {
			y = append(y, float64(i))
		}
	}
	if r, _ := MannWhitneyU(x, y); r.P < 0.5 {
		t.Fatalf("alternate 30/30: p = %v, want large", r.P)
	}
}

func TestMannWhitneyUNothingToRank(t *testing.T) {
	t.Parallel()
	for name, s := range map[string][2][]float64{
		"empty x":   {nil, {1, 2}},
		"empty y":   {{1, 2}, nil},
		"all equal": {{3, 3, 3}, {3, 3}},
	} {
		if _, err := MannWhitneyU(s[0], s[1]); !errors.Is(err, ErrSamples) {
			t.Errorf("%s: err = %v, want ErrSamples", name, err)
		}
	}
}

// TestExactDistributionSums checks that the exact distribution is one: P(U=k) sums to 1 and
// is symmetric about m·n/2, for every size the exact path takes.
func TestExactDistributionSums(t *testing.T) {
	t.Parallel()
	for m := 1; m <= exactLimit; m += 3 {
		for n := 1; n <= exactLimit; n += 4 {
			d := uDist(m, n)
			sum := 0.0
			for k, p := range d {
				sum += p
				if math.Abs(p-d[len(d)-1-k]) > 1e-12 {
					t.Fatalf("m=%d n=%d: not symmetric at %d", m, n, k)
				}
			}
			if math.Abs(sum-1) > 1e-9 {
				t.Fatalf("m=%d n=%d: sums to %v", m, n, sum)
			}
		}
	}
}
