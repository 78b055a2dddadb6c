package scenario

import (
	"fmt"
	"sort"
	"strings"

	"github.com/ramp-dev/ramp/internal/suggest"
)

// suggestName returns the candidate closest to word by edit distance (case-insensitive), or "" when
// none is close enough to be a plausible typo: at most a third of the word's length, and at
// least 1, may differ. Ties go to the candidate listed first in sorted order, so the hint is
// stable from run to run.
func suggestName(word string, candidates []string) string {
	sorted := append([]string(nil), candidates...)
	sort.Strings(sorted)
	best, bestDist := "", -1
	lw := strings.ToLower(word)
	for _, c := range sorted {
		d := suggest.Distance(lw, strings.ToLower(c))
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
	if s := suggestName(word, candidates); s != "" {
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
