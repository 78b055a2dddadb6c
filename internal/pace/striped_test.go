package pace

import (
	"fmt"
	"slices"
	"testing"
	"time"
)

// cycleStripe is a Stripe that owns the global numbers g whose g mod len(owners) has
// owners[…] == index: segments dealt by a repeating pattern, as package segment deals them.
type cycleStripe struct {
	owners []int
	index  int
}

var _ Stripe = cycleStripe{}

// stripes returns the stripes of every segment of the pattern.
func stripes(owners ...int) []Stripe {
	n := 0
	for _, o := range owners {
		n = max(n, o+1)
	}
	out := make([]Stripe, n)
	for i := range out {
		out[i] = cycleStripe{owners: owners, index: i}
	}
	return out
}

func (c cycleStripe) slots() []int64 {
	var s []int64
	for k, o := range c.owners {
		if o == c.index {
			s = append(s, int64(k))
		}
	}
	return s
}

func (c cycleStripe) Scale(n int64) int64 {
	if n <= 0 {
		return 0
	}
	s, l := c.slots(), int64(len(c.owners))
	count := n / l * int64(len(s))
	for _, k := range s {
		if k < n%l {
			count++
		}
	}
	return count
}

func (c cycleStripe) Global(m int64) int64 {
	s := c.slots()
	return m/int64(len(s))*int64(len(c.owners)) + s[m%int64(len(s))]
}

func (c cycleStripe) Length() float64 { return float64(len(c.slots())) / float64(len(c.owners)) }

// The patterns the tests split schedules with: four equal segments, and 1/3 + 1/6 + 1/2.
var patterns = map[string][]int{
	"quarters": {0, 1, 2, 3},
	"uneven":   {2, 0, 2, 1, 0, 2},
}

// The stripes of a schedule keep the Pacer contract, and together they are the schedule:
// every iteration exactly once, at its own offset, and Due adds up at every offset.
func TestStripedPacers(t *testing.T) {
	t.Parallel()
	constant, err := NewConstant(7, time.Second, 3*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	ramping, err := NewRamping(0, time.Second, []Stage{{2 * time.Second, 30}, {time.Second, 30}, {2 * time.Second, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]Pacer{"constant": constant, "ramping": ramping} {
		for pname, owners := range patterns {
			t.Run(name+"/"+pname, func(t *testing.T) {
				t.Parallel()
				parts := stripes(owners...)
				seen := make([]int, p.Total())
				var total int64
				for _, s := range parts {
					sp := Striped(p, s)
					checkContract(t, sp)
					total += sp.Total()
					for m := range sp.Total() {
						at, _ := sp.At(m)
						g := s.Global(m)
						want, _ := p.At(g)
						if at != want {
							t.Fatalf("iteration %d (global %d) at %v, want the whole's %v", m, g, at, want)
						}
						seen[g]++
					}
					if sp.Duration() != p.Duration() {
						t.Errorf("Duration %v, want %v", sp.Duration(), p.Duration())
					}
				}
				if total != p.Total() {
					t.Errorf("totals add up to %d, want %d", total, p.Total())
				}
				for g, n := range seen {
					if n != 1 {
						t.Fatalf("global iteration %d scheduled %d times, want once", g, n)
					}
				}
				for e := -time.Millisecond; e <= p.Duration()+time.Millisecond; e += 7 * time.Millisecond {
					var due int64
					var rate float64
					for _, s := range parts {
						due += Striped(p, s).Due(e)
						rate += Striped(p, s).Rate(e)
					}
					if due != p.Due(e) || fmt.Sprintf("%.6f", rate) != fmt.Sprintf("%.6f", p.Rate(e)) {
						t.Fatalf("at %v: Due adds up to %d, Rate to %v; want %d, %v", e, due, rate, p.Due(e), p.Rate(e))
					}
				}
			})
		}
	}
}

// A stripe that owns nothing of a short schedule gets an empty one.
func TestStripedEmpty(t *testing.T) {
	t.Parallel()
	p, err := NewConstant(1, time.Second, time.Second) // one iteration, global number 0
	if err != nil {
		t.Fatal(err)
	}
	sp := Striped(p, stripes(patterns["quarters"]...)[3])
	if sp.Total() != 0 || sp.Due(time.Hour) != 0 {
		t.Errorf("Total %d, Due %d; want an empty schedule", sp.Total(), sp.Due(time.Hour))
	}
	if _, stop := sp.Pace(0, 0); !stop {
		t.Errorf("Pace(0, 0) does not stop")
	}
}

// The stripes of a ramp of VUs add up to the whole's count at every offset, each moves only
// in the whole's direction, and no step repeats a count.
func TestRampingVUsStriped(t *testing.T) {
	t.Parallel()
	r, err := NewRampingVUs(3, []Stage{{10 * time.Second, 13}, {0, 5}, {5 * time.Second, 9}, {4 * time.Second, 0}})
	if err != nil {
		t.Fatal(err)
	}
	for pname, owners := range patterns {
		t.Run(pname, func(t *testing.T) {
			t.Parallel()
			parts := stripes(owners...)
			// at returns a stripe's count at t from its steps.
			at := func(s Stripe, t time.Duration) int64 {
				var n int64
				for st := range r.Striped(s) {
					if st.At > t {
						break
					}
					n = st.VUs
				}
				return n
			}
			// The whole's counts at each offset: a 0s stage moves it twice at one offset.
			counts := map[time.Duration][]int64{}
			for st := range r.Steps() {
				counts[st.At] = append(counts[st.At], st.VUs)
			}
			for _, s := range parts {
				first, prev := true, int64(0)
				var peak int64
				for st := range r.Striped(s) {
					if first && (st.At != 0 || st.VUs != s.Scale(3)) {
						t.Errorf("first step %+v, want {0 %d}", st, s.Scale(3))
					}
					if !first && st.VUs == prev {
						t.Errorf("step %+v repeats the count", st)
					}
					if !slices.ContainsFunc(counts[st.At], func(whole int64) bool { return s.Scale(whole) == st.VUs }) {
						t.Errorf("step %+v: not the share of any of the whole's counts %v at that offset", st, counts[st.At])
					}
					first, prev, peak = false, st.VUs, max(peak, st.VUs)
				}
				if peak != s.Scale(r.Max()) {
					t.Errorf("largest count %d, want Scale(Max) = %d", peak, s.Scale(r.Max()))
				}
			}
			for e := time.Duration(0); e <= r.Duration(); e += 250 * time.Millisecond {
				var sum int64
				for _, s := range parts {
					sum += at(s, e)
				}
				if sum != r.At(e) {
					t.Fatalf("at %v the stripes run %d VUs, the whole %d", e, sum, r.At(e))
				}
			}
		})
	}
}
