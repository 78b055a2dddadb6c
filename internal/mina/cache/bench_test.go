package cache_test

import (
	"context"
	"strconv"
	"testing"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/cache"
)

// BenchmarkMemory measures the in-process backend's hit and its set with eviction.
func BenchmarkMemory(b *testing.B) {
	ctx := context.Background()
	val := make([]byte, 4<<10)
	b.Run("GetHit", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{})
		m.Set(ctx, "k", val)
		b.ReportAllocs()
		for b.Loop() {
			m.Get(ctx, "k")
		}
	})
	b.Run("SetEvicting", func(b *testing.B) {
		m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 1000})
		keys := make([]string, 4096)
		for i := range keys {
			keys[i] = "k" + strconv.Itoa(i)
		}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			m.Set(ctx, keys[i%len(keys)], val)
			i++
		}
	})
}

// BenchmarkServiceHit measures a cached meeting list read: version, key, lookup.
func BenchmarkServiceHit(b *testing.B) {
	ctx := context.Background()
	s := cache.New(newCountingStore(), cache.NewMemory(cache.MemoryOptions{}), cache.Options{})
	p := mina.Page{Page: 1, PerPage: 20}
	s.ListMeetingsJSON(ctx, 1, p)
	b.ReportAllocs()
	for b.Loop() {
		if _, hit, _ := s.ListMeetingsJSON(ctx, 1, p); !hit {
			b.Fatal("miss")
		}
	}
}
