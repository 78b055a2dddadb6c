package cache_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/cache"
	"github.com/ramp-dev/ramp/internal/mina/redistest"
)

// meetingStore is a mock store of meetings that can be updated and deleted.
func meetingStore() *countingStore {
	s := newCountingStore()
	var mu sync.Mutex
	titles := map[int64]string{1: "before"}
	s.MeetingFn = func(_ context.Context, userID, id int64) (*mina.Meeting, error) {
		mu.Lock()
		defer mu.Unlock()
		title, ok := titles[id]
		if !ok {
			return nil, mina.Errorf(mina.ENOTFOUND, "meeting %d not found", id)
		}
		return &mina.Meeting{ID: id, UserID: userID, Title: title}, nil
	}
	s.UpdateMeetingFn = func(_ context.Context, userID, id int64, u mina.MeetingUpdate) (*mina.Meeting, error) {
		mu.Lock()
		defer mu.Unlock()
		titles[id] = *u.Title
		return &mina.Meeting{ID: id, UserID: userID, Title: *u.Title}, nil
	}
	s.DeleteMeetingFn = func(_ context.Context, _, id int64) error {
		mu.Lock()
		defer mu.Unlock()
		delete(titles, id)
		return nil
	}
	return s
}

// TestNoStaleCacheAfterRedisOutage writes during a Redis outage made by a proxy the test
// controls and counts the stale hits after Redis comes back: none with recovery, and — to
// show the test can fail — the stale hits of the old behaviour without it.
func TestNoStaleCacheAfterRedisOutage(t *testing.T) {
	redisAddr := redistest.Start(t)
	for _, tc := range []struct {
		name       string
		noRecovery bool
		wantStale  bool
	}{
		{"recovery", false, false},
		{"no recovery shows the bug", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := redistest.NewProxy(t, redisAddr)
			backend, err := cache.DialRedis("redis://"+p.Addr()+"/0", cache.RedisOptions{Prefix: "t" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"})
			if err != nil {
				t.Fatal(err)
			}
			defer backend.Close()
			clk := newClock()
			store := meetingStore()
			s := cache.New(store, backend, cache.Options{Now: clk.Now, RetryAfter: time.Second, NoRecovery: tc.noRecovery})
			ctx := context.Background()
			read := func() (string, bool, error) {
				b, hit, err := s.MeetingJSON(ctx, 7, 1)
				return string(b), hit, err
			}
			readList := func() (string, bool) {
				b, hit, err := s.ListMeetingsJSON(ctx, 7, mina.Page{Page: 1, PerPage: 20})
				if err != nil {
					t.Fatal(err)
				}
				return string(b), hit
			}
			// Warm the cache: the second reads are hits.
			read()
			readList()
			if b, hit, _ := read(); !hit || !strings.Contains(b, `"before"`) {
				t.Fatalf("warm read: %s hit %v, want a hit on the old title", b, hit)
			}

			p.Cut()
			title := "after"
			if _, err := s.UpdateMeeting(ctx, 7, 1, mina.MeetingUpdate{Title: &title}); err != nil {
				t.Fatal(err)
			}
			if err := s.CreateMeeting(ctx, &mina.Meeting{UserID: 7, Title: "new during the outage"}); err != nil {
				t.Fatal(err)
			}
			// During the outage reads come from the store.
			if b, hit, _ := read(); hit || !strings.Contains(b, `"after"`) {
				t.Fatalf("read during the outage: %s hit %v, want the new title from the store", b, hit)
			}
			p.Restore()
			clk.Add(2 * time.Second) // past RetryAfter: the Service asks Redis again

			stale := 0
			for range 5 {
				b, hit, err := read()
				if err != nil {
					t.Fatal(err)
				}
				if hit && strings.Contains(b, `"before"`) {
					stale++
				}
				if l, hit := readList(); hit && !strings.Contains(l, "new during the outage") {
					stale++
				}
			}
			if tc.wantStale != (stale > 0) {
				t.Fatalf("%d stale hits of 10 reads after the outage; want stale hits: %v", stale, tc.wantStale)
			}
			t.Logf("%d stale hits of 10 reads after the outage", stale)
			if tc.noRecovery {
				return
			}
			// The cache works again: the second read is a hit on the new data.
			if b, hit, _ := read(); !hit || !strings.Contains(b, `"after"`) {
				t.Fatalf("read after recovery: %s hit %v, want a hit on the new title", b, hit)
			}
			// A delete during a second outage is not served from the cache afterwards.
			p.Cut()
			if err := s.DeleteMeeting(ctx, 7, 1); err != nil {
				t.Fatal(err)
			}
			p.Restore()
			clk.Add(2 * time.Second)
			if b, hit, err := read(); hit || mina.ErrorCode(err) != mina.ENOTFOUND {
				t.Fatalf("read of a meeting deleted in the outage: %s hit %v err %v, want not found", b, hit, err)
			}
		})
	}
}

// TestOutageOverflowBypassesForTTL loses more invalidations than the Service remembers and
// checks that it bypasses the cache for a TTL after the backend recovers.
func TestOutageOverflowBypassesForTTL(t *testing.T) {
	t.Parallel()
	clk := newClock()
	mem := cache.NewMemory(cache.MemoryOptions{TTL: 30 * time.Second, Now: clk.Now})
	backend := cache.NewOutage(mem)
	store := meetingStore()
	s := cache.New(store, backend, cache.Options{Now: clk.Now, MaxPending: 2, TTL: 30 * time.Second})
	ctx := context.Background()
	s.MeetingJSON(ctx, 7, 1)
	backend.SetDown(true)
	title := "after"
	for u := int64(1); u <= 3; u++ {
		s.UpdateMeeting(ctx, u, 1, mina.MeetingUpdate{Title: &title})
	}
	backend.SetDown(false)
	clk.Add(2 * time.Second)
	for _, step := range []struct {
		advance time.Duration
		wantHit bool
	}{{0, false}, {0, false}, {29 * time.Second, false}, {2 * time.Second, false}, {0, true}} {
		clk.Add(step.advance)
		b, hit, err := s.MeetingJSON(ctx, 7, 1)
		if err != nil || hit != step.wantHit || !bytes.Contains(b, []byte(`"after"`)) {
			t.Fatalf("after +%v: %s hit %v err %v; want hit %v on the new title", step.advance, b, hit, err, step.wantHit)
		}
	}
}
