package metrics

import (
	"maps"
	"testing"
)

func TestTagSet(t *testing.T) {
	t.Parallel()
	base := NewTags(map[string]string{"name": "list", "method": "GET"})

	t.Run("sorted and readable", func(t *testing.T) {
		t.Parallel()
		var keys []string
		base.Each(func(k, _ string) { keys = append(keys, k) })
		if len(keys) != 2 || keys[0] != "method" || keys[1] != "name" {
			t.Fatalf("Each order = %v, want [method name]", keys)
		}
		if v, ok := base.Get("name"); !ok || v != "list" {
			t.Fatalf("Get(name) = %q, %v", v, ok)
		}
		if _, ok := base.Get("status"); ok {
			t.Fatal("Get(status) found a tag that was never set")
		}
	})
	t.Run("With leaves the original unchanged", func(t *testing.T) {
		t.Parallel()
		added := base.With("status", "200")
		replaced := base.With("name", "other")
		if base.Len() != 2 || base.String() != "method:GET,name:list" {
			t.Fatalf("base changed: %s", base)
		}
		if added.String() != "method:GET,name:list,status:200" {
			t.Fatalf("added = %s", added)
		}
		if replaced.String() != "method:GET,name:other" {
			t.Fatalf("replaced = %s", replaced)
		}
		first := base.With("a", "1") // before every key
		if first.String() != "a:1,method:GET,name:list" {
			t.Fatalf("first = %s", first)
		}
	})
	t.Run("Map is a copy", func(t *testing.T) {
		t.Parallel()
		m := base.Map()
		if !maps.Equal(m, map[string]string{"name": "list", "method": "GET"}) {
			t.Fatalf("Map = %v", m)
		}
		m["name"] = "changed"
		if v, _ := base.Get("name"); v != "list" {
			t.Fatal("changing the Map changed the set")
		}
	})
	t.Run("nil is the empty set", func(t *testing.T) {
		t.Parallel()
		var n *TagSet
		if n.Len() != 0 || len(n.Map()) != 0 || n.String() != "" {
			t.Fatal("nil set is not empty")
		}
		if _, ok := n.Get("x"); ok {
			t.Fatal("nil set has a tag")
		}
		if w := n.With("k", "v"); w.String() != "k:v" {
			t.Fatalf("nil.With = %s", w)
		}
	})
}
