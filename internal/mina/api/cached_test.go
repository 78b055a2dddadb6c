package api_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/cache"
)

// TestCachedReads checks that reads through Config.Cached carry X-Cache and that a cached body
// is the one the store's answer encodes to.
func TestCachedReads(t *testing.T) {
	t.Parallel()
	store, _ := newStore()
	var lists atomic.Int64
	list := store.ListMeetingsFn
	store.ListMeetingsFn = func(ctx context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
		lists.Add(1)
		return list(ctx, userID, p)
	}
	c := cache.New(store, cache.NewMemory(cache.MemoryOptions{}), cache.Options{})
	srv := newServer(t, store, func(cfg *api.Config) { cfg.Cached = c; cfg.Meetings = c })
	for _, path := range []string{"/api/meetings", "/api/meetings/7", "/api/tasks?status=done", "/api/analytics/dashboard", "/api/analytics/trends"} {
		first := do(t, srv, "GET", path, goodToken, "")
		second := do(t, srv, "GET", path, goodToken, "")
		if first.status != 200 || first.header.Get("X-Cache") != "MISS" {
			t.Fatalf("%s first: %d X-Cache %q", path, first.status, first.header.Get("X-Cache"))
		}
		if second.header.Get("X-Cache") != "HIT" || second.body != first.body {
			t.Fatalf("%s second: X-Cache %q body %s vs %s", path, second.header.Get("X-Cache"), second.body, first.body)
		}
	}
	// A miss for a meeting that does not exist is a 404, not a cached error.
	for range 2 {
		if r := do(t, srv, "GET", "/api/meetings/8", goodToken, ""); r.status != 404 || r.header.Get("X-Cache") != "" {
			t.Fatalf("missing meeting: %d X-Cache %q", r.status, r.header.Get("X-Cache"))
		}
	}
	if n := lists.Load(); n != 1 {
		t.Fatalf("store listed %d times, want 1", n)
	}
}
