package segment

import (
	"container/heap"
	"fmt"
)

// stripe deals the L = Σc slots of one cycle to the segments of a sequence, segment j taking
// c[j] ≥ 1 of them, and returns each segment's slots in ascending order.
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
// Scaled by L·(2n−2) everything is an integer: with D = 2n−2, segment j becomes eligible
// for its next slot at step ⌈L·(sⱼ·D + 1) / (c[j]·D)⌉ and deadlines compare as
// (sₐ·D + D − 1)·c[b] against (s_b·D + D − 1)·c[a]. With L ≤ MaxCycle every product fits
// in an int64. Two heaps (segments waiting to become eligible, by that step; eligible
// ones, by deadline) make the deal O(L log n).
func stripe(c []int64) [][]int32 {
	n := len(c)
	var cycle int64
	for _, cj := range c {
		cycle += cj
	}
	out := make([][]int32, n)
	if n == 1 {
		out[0] = make([]int32, cycle)
		for k := range out[0] {
			out[0][k] = int32(k)
		}
		return out
	}
	for j := range out {
		out[j] = make([]int32, 0, c[j])
	}
	d := int64(2*n - 2)
	held := make([]int64, n)  // sⱼ: slots held so far
	ready := make([]int64, n) // the step at which j becomes eligible for its next slot
	readyAt := func(j int) int64 {
		num, den := cycle*(held[j]*d+1), c[j]*d
		return (num + den - 1) / den
	}
	waiting := &queue{less: func(a, b int) bool {
		if ready[a] != ready[b] {
			return ready[a] < ready[b]
		}
		return a < b
	}}
	eligible := &queue{less: func(a, b int) bool {
		da, db := (held[a]*d+d-1)*c[b], (held[b]*d+d-1)*c[a]
		if da != db {
			return da < db
		}
		return a < b
	}}
	for j := range n {
		ready[j] = readyAt(j)
		heap.Push(waiting, j)
	}
	for k := int64(1); k <= cycle; k++ {
		for waiting.Len() > 0 && ready[waiting.items[0]] <= k {
			heap.Push(eligible, heap.Pop(waiting))
		}
		if eligible.Len() == 0 {
			// Tijdeman's theorem says this cannot happen; the tests check the bound.
			panic(fmt.Sprintf("segment: no segment may take slot %d of %d: the striping is broken", k-1, cycle))
		}
		j := heap.Pop(eligible).(int)
		out[j] = append(out[j], int32(k-1))
		held[j]++
		if held[j] < c[j] { // a segment that holds its c[j] slots is done for the cycle
			ready[j] = readyAt(j)
			heap.Push(waiting, j)
		}
	}
	return out
}

// queue is a heap of segment indices ordered by less.
type queue struct {
	items []int
	less  func(a, b int) bool
}

var _ heap.Interface = (*queue)(nil)

func (q *queue) Len() int           { return len(q.items) }
func (q *queue) Less(i, j int) bool { return q.less(q.items[i], q.items[j]) }
func (q *queue) Swap(i, j int)      { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *queue) Push(x any)         { q.items = append(q.items, x.(int)) }
func (q *queue) Pop() any {
	x := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return x
}
