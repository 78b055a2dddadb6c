package segment

import "fmt"

// stripes is the deal of one cycle's L = Σc slots to the segments of a sequence, segment j
// holding c[j] ≥ 1 of them: its slots, ascending, are slots[first[j]:first[j+1]]. Four bytes
// a slot, so a cycle of MaxCycle takes 4 MiB however many segments share it.
type stripes struct {
	slots []int32
	first []int32
}

// of returns segment j's slots.
func (s stripes) of(j int) []int32 { return s.slots[s.first[j]:s.first[j+1]] }

// stripe deals one cycle of slots to segments holding c[j] slots each.
//
// The deal is Tijdeman's solution of the chairman assignment problem (R. Tijdeman, "The
// chairman assignment problem", Discrete Mathematics 32, 1980): with n segments of shares
// λⱼ = c[j]/L and sⱼ(k) the slots segment j holds among the first k, it keeps every lag
//
//	|k·λⱼ − sⱼ(k)| ≤ σ = 1 − 1/(2n−2)   for every j and k
//
// — under one slot, for every segment at once. It hands slot k (k = 1…L) out earliest
// deadline first:
//
//	eligible   k·λⱼ − sⱼ(k−1) ≥ 1 − σ           taking the slot leaves its lag ≥ −σ
//	deadline   (sⱼ(k−1) + σ) / λⱼ                 after it, an idle segment's lag passes σ
//	choice     the eligible segment with the earliest deadline, the lower index on a tie
//
// At k = L every lag is an integer of size below 1, so 0: each segment holds exactly c[j]
// slots and the next cycle starts from the same state, so the deal repeats with period L
// and the bound holds for every prefix of the infinite sequence of global indices.
//
// Equal segments come out in turn — slot k is segment k mod n's — and are dealt so directly
// (the common case, and the costly one when n is large); the tests check that the rule
// gives the same.
func stripe(c []int64) stripes {
	n := len(c)
	s := stripes{first: make([]int32, n+1)}
	equal := true
	for j, cj := range c {
		s.first[j+1] = s.first[j] + int32(cj)
		equal = equal && cj == c[0]
	}
	s.slots = make([]int32, s.first[n])
	if equal {
		for k := range s.slots {
			j, m := k%n, k/n // slot k is segment j's m-th
			s.slots[int(s.first[j])+m] = int32(k)
		}
		return s
	}
	deal(c, s)
	return s
}

// deal hands the slots out by Tijdeman's rule (see stripe) into s.
//
// Scaled by L·(2n−2) everything is an integer: with D = 2n−2, segment j becomes eligible
// for its next slot at step ⌈L·(sⱼ·D + 1) / (c[j]·D)⌉, and deadlines compare as
// (sₐ·D + D − 1)·c[b] against (s_b·D + D − 1)·c[a]. With L ≤ MaxCycle every product fits
// in an int64. Two heaps — segments waiting to become eligible, by that step; eligible ones,
// by deadline — make the deal O(L log n).
func deal(c []int64, s stripes) {
	n := len(c)
	cycle := int64(len(s.slots))
	d := int64(2*n - 2)
	held := make([]int64, n)  // sⱼ: slots held so far
	ready := make([]int64, n) // the step at which j becomes eligible for its next slot
	readyAt := func(j int32) int64 {
		num, den := cycle*(held[j]*d+1), c[j]*d
		return (num + den - 1) / den
	}
	waiting := heap{less: func(a, b int32) bool {
		return ready[a] < ready[b] || ready[a] == ready[b] && a < b
	}}
	eligible := heap{less: func(a, b int32) bool {
		da, db := (held[a]*d+d-1)*c[b], (held[b]*d+d-1)*c[a]
		return da < db || da == db && a < b
	}}
	for j := range int32(n) {
		ready[j] = readyAt(j)
		waiting.push(j)
	}
	for k := int64(1); k <= cycle; k++ {
		for len(waiting.items) > 0 && ready[waiting.items[0]] <= k {
			eligible.push(waiting.pop())
		}
		if len(eligible.items) == 0 {
			// Tijdeman's theorem says this cannot happen; the tests check the bound.
			panic(fmt.Sprintf("segment: no segment may take slot %d of %d: the striping is broken", k-1, cycle))
		}
		j := eligible.pop()
		s.slots[int64(s.first[j])+held[j]] = int32(k - 1)
		held[j]++
		if held[j] < c[j] { // a segment that holds its c[j] slots is done for the cycle
			ready[j] = readyAt(j)
			waiting.push(j)
		}
	}
}

// heap is a binary min-heap of segment indices ordered by less.
type heap struct {
	items []int32
	less  func(a, b int32) bool
}

func (h *heap) push(x int32) {
	h.items = append(h.items, x)
	for i := len(h.items) - 1; i > 0; {
		p := (i - 1) / 2
		if !h.less(h.items[i], h.items[p]) {
			break
		}
		h.items[i], h.items[p] = h.items[p], h.items[i]
		i = p
	}
}

func (h *heap) pop() int32 {
	top, last := h.items[0], len(h.items)-1
	h.items[0] = h.items[last]
	h.items = h.items[:last]
	for i := 0; ; {
		m, l, r := i, 2*i+1, 2*i+2
		if l < last && h.less(h.items[l], h.items[m]) {
			m = l
		}
		if r < last && h.less(h.items[r], h.items[m]) {
			m = r
		}
		if m == i {
			return top
		}
		h.items[i], h.items[m] = h.items[m], h.items[i]
		i = m
	}
}
