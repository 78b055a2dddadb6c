package metrics

import (
	"sort"
	"strings"
)

// TagSet is an immutable set of tags: keys with one value each, kept sorted by key.
//
// Build a TagSet once (per scenario, per request template) and share it read-only between
// goroutines: recorders cache what a sample feeds by the TagSet's pointer, so a set built anew
// for every request defeats that cache. The nil *TagSet is the empty set; every method accepts it.
type TagSet struct {
	keys, values []string
}

// NewTags returns the set holding kv. The map is copied; later changes to it do not show.
func NewTags(kv map[string]string) *TagSet {
	t := &TagSet{keys: make([]string, 0, len(kv)), values: make([]string, 0, len(kv))}
	for k := range kv {
		t.keys = append(t.keys, k)
	}
	sort.Strings(t.keys)
	for _, k := range t.keys {
		t.values = append(t.values, kv[k])
	}
	return t
}

// With returns a new set with key set to value (replacing any value key had); t is unchanged.
func (t *TagSet) With(key, value string) *TagSet {
	n := t.Len()
	i := t.search(key)
	out := &TagSet{keys: make([]string, 0, n+1), values: make([]string, 0, n+1)}
	if n > 0 {
		out.keys = append(out.keys, t.keys[:i]...)
		out.values = append(out.values, t.values[:i]...)
	}
	out.keys = append(out.keys, key)
	out.values = append(out.values, value)
	if i < n && t.keys[i] == key {
		i++ // replaced
	}
	if i < n {
		out.keys = append(out.keys, t.keys[i:]...)
		out.values = append(out.values, t.values[i:]...)
	}
	return out
}

// Get returns the value of key and whether the set holds key.
func (t *TagSet) Get(key string) (string, bool) {
	if t == nil {
		return "", false
	}
	i := t.search(key)
	if i < len(t.keys) && t.keys[i] == key {
		return t.values[i], true
	}
	return "", false
}

// Len returns the number of tags.
func (t *TagSet) Len() int {
	if t == nil {
		return 0
	}
	return len(t.keys)
}

// Map returns a copy of the tags as a map.
func (t *TagSet) Map() map[string]string {
	m := make(map[string]string, t.Len())
	t.Each(func(k, v string) { m[k] = v })
	return m
}

// Each calls fn for every tag, in key order.
func (t *TagSet) Each(fn func(key, value string)) {
	if t == nil {
		return
	}
	for i, k := range t.keys {
		fn(k, t.values[i])
	}
}

// String renders the set as a k6 selector body, "k1:v1,k2:v2", for messages and tests.
func (t *TagSet) String() string {
	var b strings.Builder
	t.Each(func(k, v string) {
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k)
		b.WriteByte(':')
		b.WriteString(v)
	})
	return b.String()
}

// contains reports whether every selector tag is in t with the same value: k6's rule for a
// sample feeding a sub-metric.
func (t *TagSet) contains(sel []Tag) bool {
	for _, s := range sel {
		if v, ok := t.Get(s.Key); !ok || v != s.Value {
			return false
		}
	}
	return true
}

// search returns the index of key in t.keys, or where it would be inserted.
func (t *TagSet) search(key string) int {
	if t == nil {
		return 0
	}
	return sort.SearchStrings(t.keys, key)
}
