// Package suggest finds the likely intended word for a misspelt one, for the did-you-mean
// hints of the scenario compiler and the threshold and criteria compilers. Names there are
// short ASCII identifiers, so a plain two-row Levenshtein distance is all it takes.
package suggest

// Distance is the Levenshtein edit distance (insertions, deletions, substitutions) between a
// and b, counted in bytes. It keeps two rows, so memory is linear in len(b).
func Distance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// Closest returns the candidate nearest to word, if its distance is at most maxDist. Ties go
// to the earlier candidate, so the caller's order decides.
func Closest(word string, candidates []string, maxDist int) (string, bool) {
	best, bestDist := "", maxDist+1
	for _, c := range candidates {
		if d := Distance(word, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best, bestDist <= maxDist
}
