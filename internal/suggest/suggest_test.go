package suggest

import "testing"

func TestDistance(t *testing.T) {
	t.Parallel()
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},                              // nothing to do
		{"rate", "rate", 0},                      // equal
		{"", "abc", 3},                           // insertions only
		{"maxVUz", "maxVUs", 1},                  // one substitution
		{"preAlocatedVUs", "preAllocatedVUs", 1}, // one insertion
		{"kitten", "sitting", 3},                 // the textbook case
	}
	for _, tt := range tests {
		if got := Distance(tt.a, tt.b); got != tt.want {
			t.Errorf("Distance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := Distance(tt.b, tt.a); got != tt.want {
			t.Errorf("Distance is not symmetric on %q, %q: %d", tt.b, tt.a, got)
		}
	}
}

func TestClosest(t *testing.T) {
	t.Parallel()
	cands := []string{"count", "rate", "value"}
	tests := []struct {
		word string
		max  int
		want string
		ok   bool
	}{
		{"cout", 1, "count", true}, // one deletion away
		{"rat", 1, "rate", true},   // one away
		{"xyz", 1, "", false},      // nothing near enough
		{"vaule", 2, "value", true},
	}
	for _, tt := range tests {
		got, ok := Closest(tt.word, cands, tt.max)
		if ok != tt.ok || (ok && got != tt.want) {
			t.Errorf("Closest(%q, %d) = %q, %v; want %q, %v", tt.word, tt.max, got, ok, tt.want, tt.ok)
		}
	}
	// Ties go to the earlier candidate.
	if got, _ := Closest("ab", []string{"aa", "bb"}, 1); got != "aa" {
		t.Errorf("tie went to %q", got)
	}
}
