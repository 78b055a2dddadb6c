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

// TestMannWhitneyUApprox checks the normal approximation, which samples above the exact
// limit take, against the exact distribution of the same U (computed directly, beyond the
// limit): at 25 a side the two agree to a few thousandths.
func TestMannWhitneyUApprox(t *testing.T) {
	t.Parallel()
	for _, shift := range []float64{0.5, 3.5, 7.5} {
		var x, y []float64
		for i := range 25 {
			x = append(x, float64(i))
			y = append(y, float64(i)+shift)
		}
		r, err := MannWhitneyU(x, y)
		if err != nil || r.Exact {
			t.Fatalf("shift %v: %+v, %v; want the approximation", shift, r, err)
		}
		if exact := exactP(25, 25, r.U1); math.Abs(r.P-exact) > 0.005 {
			t.Errorf("shift %v: approximate p %.5f, exact %.5f", shift, r.P, exact)
		}
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

// TestExactDistributionSymmetric checks that P(U=k) is symmetric about m·n/2, for every size
// the exact path takes (uDist normalises by its own total, so a sum to 1 would show nothing;
// TestExactDistributionCounts checks the values).
func TestExactDistributionSymmetric(t *testing.T) {
	t.Parallel()
	for m := 1; m <= exactLimit; m += 3 {
		for n := 1; n <= exactLimit; n += 4 {
			d := uDist(m, n)
			for k, p := range d {
				if math.Abs(p-d[len(d)-1-k]) > 1e-12 {
					t.Fatalf("m=%d n=%d: not symmetric at %d", m, n, k)
				}
			}

		}
	}
}

// uDist against counts written out by hand: for two x's and two y's the six orderings give
// U = 0, 1, 2, 2, 3, 4; for one x and three y's, U = 0 … 3 once each.
func TestExactDistributionCounts(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		m, n   int
		counts []float64
	}{{2, 2, []float64{1, 1, 2, 1, 1}}, {1, 3, []float64{1, 1, 1, 1}}, {3, 2, []float64{1, 1, 2, 2, 2, 1, 1}}} {
		total := 0.0
		for _, c := range tt.counts {
			total += c
		}
		d := uDist(tt.m, tt.n)
		if len(d) != len(tt.counts) {
			t.Fatalf("m=%d n=%d: %d values, want %d", tt.m, tt.n, len(d), len(tt.counts))
		}
		for k, c := range tt.counts {
			if math.Abs(d[k]-c/total) > 1e-12 {
				t.Errorf("m=%d n=%d: P(U=%d) = %v, want %v", tt.m, tt.n, k, d[k], c/total)
			}
		}
	}
}
