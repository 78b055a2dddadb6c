package segment

import (
	"slices"
	"testing"
)

// Equal segments are dealt in turn directly; Tijdeman's rule deals them the same way, so the
// shortcut changes no segment's share.
func TestEqualDealIsTheRule(t *testing.T) {
	t.Parallel()
	for n := 2; n <= 40; n++ {
		for _, each := range []int64{1, 2, 3, 7} {
			c := make([]int64, n)
			for j := range c {
				c[j] = each
			}
			fast := stripe(c)
			rule := stripes{first: fast.first, slots: make([]int32, len(fast.slots))}
			deal(c, rule)
			if !slices.Equal(fast.slots, rule.slots) {
				t.Fatalf("%d segments of %d slots: in turn %v, by the rule %v", n, each, fast.slots, rule.slots)
			}
		}
	}
}
