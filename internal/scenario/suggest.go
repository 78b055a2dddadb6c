package scenario

import (
	"fmt"
	"sort"
	"strings"
)

// suggest returns the candidate closest to word by edit distance (case-insensitive), or "" when
// none is close enough to be a plausible typo: at most a third of the word's length, and at
// least 1, may differ. Ties go to the candidate listed first in sorted order, so the hint is
// stable from run to run.
func suggest(word string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", -1
	lw := strings.ToLower(word)
	for _, c := range sorted {
		d := editDistance(lw, strings.ToLower(c))
		if bestDist < 0 || d < bestDist {
			best, bestDist = c, d
		}
	}
	limit := max(1, len(word)/3)
	if bestDist < 0 || bestDist > limit {
		return ""
	}
	return best
}

// didYouMean formats a hint for an unknown word: the closest candidate if there is one, else the
// list of what is allowed.
func didYouMean(word string, candidates []string) string {
	if s := suggest(word, candidates); s != "" {
		return fmt.Sprintf("did you mean %q?", s)
	}
	return "expected one of " + quoteList(candidates)
}

// quoteList formats names as "a", "b" or "c", sorted.
func quoteList(names []string) string {
	sorted := append([]string(nil), names...)
	sort.Strings(sorted)
	quoted := make([]string, len(sorted))
	for i, n := range sorted {
		quoted[i] = fmt.Sprintf("%q", n)
	}
	switch len(quoted) {
	case 0:
		return "nothing"
	case 1:
		return quoted[0]
	}
	return strings.Join(quoted[:len(quoted)-1], ", ") + " or " + quoted[len(quoted)-1]
}

// editDistance is the Levenshtein distance between a and b, over bytes (keys are ASCII).
func editDistance(a, b string) int {
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
