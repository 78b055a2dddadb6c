package cache_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/cache"
	"github.com/ramp-dev/ramp/internal/mina/mock"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// testBackend is the contract every Backend passes; newBackend returns an empty backend whose
// entries live ttl.
func testBackend(t *testing.T, newBackend func(t *testing.T) cache.Backend) {
	ctx := context.Background()
	t.Run("GetMissing", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t)
		if _, ok, err := b.Get(ctx, "absent"); err != nil || ok {
			t.Fatalf("Get(absent) = ok %v, err %v; want a miss", ok, err)
		}
	})
	t.Run("SetGet", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t)
		if err := b.Set(ctx, "k", []byte(`{"a":1}`)); err != nil {
			t.Fatal(err)
		}
		got, ok, err := b.Get(ctx, "k")
		if err != nil || !ok || string(got) != `{"a":1}` {
			t.Fatalf("Get(k) = %q, %v, %v", got, ok, err)
		}
	})
	t.Run("VersionStableUntilBump", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t)
		v1, err := b.Version(ctx, "7")
		if err != nil {
			t.Fatal(err)
		}
		if v2, _ := b.Version(ctx, "7"); v2 != v1 {
			t.Fatalf("Version changed without a Bump: %d then %d", v1, v2)
		}
		if err := b.Bump(ctx, "7"); err != nil {
			t.Fatal(err)
		}
		v3, _ := b.Version(ctx, "7")
		if v3 <= v1 {
			t.Fatalf("after Bump version %d, want > %d", v3, v1)
		}
		// Another scope's version is untouched by the bump.
		o1, _ := b.Version(ctx, "8")
		if err := b.Bump(ctx, "7"); err != nil {
			t.Fatal(err)
		}
		if o2, _ := b.Version(ctx, "8"); o2 != o1 {
			t.Fatalf("scope 8 changed from %d to %d by a bump of 7", o1, o2)
		}
	})
	t.Run("BumpOfUnknownScope", func(t *testing.T) {
		t.Parallel()
		b := newBackend(t)
		if err := b.Bump(ctx, "new"); err != nil {
			t.Fatal(err)
		}
		if _, err := b.Version(ctx, "new"); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("Ping", func(t *testing.T) {
		t.Parallel()
		if err := newBackend(t).Ping(ctx); err != nil {
			t.Fatal(err)
		}
	})
}

func TestMemory(t *testing.T) {
	t.Parallel()
	testBackend(t, func(t *testing.T) cache.Backend { return cache.NewMemory(cache.MemoryOptions{}) })
}

func TestMemoryBounds(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		c := newClock()
		m := cache.NewMemory(cache.MemoryOptions{TTL: time.Minute, Now: c.Now})
		m.Set(ctx, "k", []byte("v"))
		c.Add(59 * time.Second)
		if _, ok, _ := m.Get(ctx, "k"); !ok {
			t.Fatal("entry gone before its TTL")
		}
		c.Add(time.Second)
		if _, ok, _ := m.Get(ctx, "k"); ok {
			t.Fatal("entry still served at its TTL")
		}
	})
	t.Run("MaxEntriesEvictsLeastRecentlyUsed", func(t *testing.T) {
		t.Parallel()
		m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 3})
		for _, k := range []string{"a", "b", "c"} {
			m.Set(ctx, k, []byte(k))
		}
		m.Get(ctx, "a") // a is now the most recently used; b the least
		m.Set(ctx, "d", []byte("d"))
		if m.Len() != 3 {
			t.Fatalf("Len = %d, want 3", m.Len())
		}
		if _, ok, _ := m.Get(ctx, "b"); ok {
			t.Fatal("b survived; it was the least recently used")
		}
		for _, k := range []string{"a", "c", "d"} {
			if _, ok, _ := m.Get(ctx, k); !ok {
				t.Fatalf("%s evicted", k)
			}
		}
	})
	t.Run("MaxBytes", func(t *testing.T) {
		t.Parallel()
		m := cache.NewMemory(cache.MemoryOptions{MaxBytes: 100})
		for i := range 50 {
			m.Set(ctx, string(rune('A'+i)), bytes.Repeat([]byte("x"), 29)) // 30 bytes with the key
		}
		if m.Len() != 3 {
			t.Fatalf("Len = %d, want 3 (100 bytes / 30)", m.Len())
		}
		m.Set(ctx, "huge", make([]byte, 200))
		if _, ok, _ := m.Get(ctx, "huge"); ok {
			t.Fatal("an entry larger than MaxBytes was stored")
		}
	})
	t.Run("VersionsNeverReused", func(t *testing.T) {
		t.Parallel()
		// With room for 2 scopes, touching a third clears the table; scope "1" must then get
		// a version it never had, or its old entries would come back.
		m := cache.NewMemory(cache.MemoryOptions{MaxEntries: 2})
		seen := map[uint64]bool{}
		for range 5 {
			for _, s := range []string{"1", "2", "3"} {
				v, _ := m.Version(ctx, s)
				if s == "1" {
					if seen[v] {
						t.Fatalf("scope 1 got version %d again", v)
					}
					seen[v] = true
				}
			}
		}
	})
}

// redisURL returns the test Redis or skips.
func redisURL(t *testing.T) string {
	u := os.Getenv("MINA_TEST_REDIS_URL")
	if u == "" {
		t.Skip("MINA_TEST_REDIS_URL not set")
	}
	return u
}

// newRedis returns a Redis backend on the test server with a random key prefix, whose keys are
// deleted when the test ends.
func newRedis(t *testing.T, o cache.RedisOptions) *cache.Redis {
	u := redisURL(t)
	b := make([]byte, 8)
	rand.Read(b)
	o.Prefix = "minatest:" + hex.EncodeToString(b) + ":"
	opts, err := redis.ParseURL(u)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	t.Cleanup(func() {
		ctx := context.Background()
		iter := client.Scan(ctx, 0, o.Prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			client.Del(ctx, iter.Val())
		}
		client.Close()
	})
	r, err := cache.DialRedis(u, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close() })
	return r
}

func TestRedis(t *testing.T) {
	t.Parallel()
	redisURL(t)
	testBackend(t, func(t *testing.T) cache.Backend { return newRedis(t, cache.RedisOptions{}) })
	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		r := newRedis(t, cache.RedisOptions{TTL: time.Second})
		ctx := context.Background()
		r.Set(ctx, "k", []byte("v"))
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, ok, err := r.Get(ctx, "k")
			if err != nil {
				t.Fatal(err)
			}
			if !ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatal("entry with a 1s TTL still there after 5s")
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
}

func TestDialRedisBadURL(t *testing.T) {
	t.Parallel()
	_, err := cache.DialRedis("http://nope", cache.RedisOptions{})
	if err == nil || !strings.Contains(err.Error(), `"http://nope"`) {
		t.Fatalf("err = %v, want one quoting the URL", err)
	}
}

// countingStore is a mock store over one meeting list that counts its reads.
type countingStore struct {
	*mock.Store
	lists atomic.Int64
	fail  atomic.Bool
}

func newCountingStore() *countingStore {
	s := &countingStore{Store: &mock.Store{}}
	var mu sync.Mutex
	meetings := []mina.Meeting{}
	s.ListMeetingsFn = func(_ context.Context, userID int64, p mina.Page) (*mina.MeetingList, error) {
		s.lists.Add(1)
		if s.fail.Load() {
			return nil, errors.New("database on fire")
		}
		mu.Lock()
		defer mu.Unlock()
		var mine []mina.Meeting
		for _, m := range meetings {
			if m.UserID == userID {
				mine = append(mine, m)
			}
		}
		return &mina.MeetingList{Meetings: mine, Page: p.Page, PerPage: p.PerPage, Total: len(mine)}, nil
	}
	s.CreateMeetingFn = func(_ context.Context, m *mina.Meeting) error {
		if m.Title == "" {
			return mina.Invalid("title", "is required")
		}
		mu.Lock()
		defer mu.Unlock()
		m.ID = int64(len(meetings) + 1)
		meetings = append(meetings, *m)
		return nil
	}
	s.DashboardFn = func(_ context.Context, userID int64, days int, _ time.Time) (*mina.Dashboard, error) {
		return &mina.Dashboard{Days: days, Meetings: int(userID)}, nil
	}
	return s
}

// stat returns the named cache's counts.
func stat(t *testing.T, stats []cache.Stat, name string) cache.Stat {
	for _, s := range stats {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no stat named %q in %v", name, stats)
	return cache.Stat{}
}

// testService checks the decorator over a backend.
func testService(t *testing.T, newBackend func(t *testing.T) cache.Backend) {
	ctx := context.Background()
	page := mina.Page{Page: 1, PerPage: 20}
	t.Run("MissThenHit", func(t *testing.T) {
		t.Parallel()
		store := newCountingStore()
		s := cache.New(store, newBackend(t), cache.Options{})
		b1, hit1, err := s.ListMeetingsJSON(ctx, 1, page)
		if err != nil || hit1 {
			t.Fatalf("first read: hit %v err %v", hit1, err)
		}
		if string(b1) != `{"meetings":[],"page":1,"per_page":20,"total":0}` {
			t.Fatalf("first read = %s", b1)
		}
		b2, hit2, err := s.ListMeetingsJSON(ctx, 1, page)
		if err != nil || !hit2 || !bytes.Equal(b1, b2) {
			t.Fatalf("second read: %s hit %v err %v", b2, hit2, err)
		}
		if n := store.lists.Load(); n != 1 {
			t.Fatalf("store read %d times, want 1", n)
		}
		st := stat(t, s.Stats(), cache.NameMeetings)
		if st.Hits != 1 || st.Misses != 1 {
			t.Fatalf("stats %+v, want 1 hit 1 miss", st)
		}
	})
	t.Run("KeyedByParameters", func(t *testing.T) {
		t.Parallel()
		s := cache.New(newCountingStore(), newBackend(t), cache.Options{})
		s.ListMeetingsJSON(ctx, 1, page)
		// Another page, another user: each is its own entry.
		if _, hit, _ := s.ListMeetingsJSON(ctx, 1, mina.Page{Page: 2, PerPage: 20}); hit {
			t.Fatal("page 2 served from page 1's entry")
		}
		if _, hit, _ := s.ListMeetingsJSON(ctx, 2, page); hit {
			t.Fatal("user 2 served from user 1's entry")
		}
		d1, _, _ := s.DashboardJSON(ctx, 1, 7, time.Now())
		d2, _, _ := s.DashboardJSON(ctx, 1, 30, time.Now())
		if bytes.Equal(d1, d2) {
			t.Fatalf("days=7 and days=30 share an entry: %s", d1)
		}
	})
	t.Run("WriteInvalidates", func(t *testing.T) {
		t.Parallel()
		s := cache.New(newCountingStore(), newBackend(t), cache.Options{})
		s.ListMeetingsJSON(ctx, 1, page)
		s.ListMeetingsJSON(ctx, 2, page)
		if err := s.CreateMeeting(ctx, &mina.Meeting{UserID: 1, Title: "standup"}); err != nil {
			t.Fatal(err)
		}
		l, err := s.ListMeetings(ctx, 1, page)
		if err != nil || l.Total != 1 || l.Meetings[0].Title != "standup" {
			t.Fatalf("after create: %+v, %v", l, err)
		}
		// The other user's entry is still warm.
		if _, hit, _ := s.ListMeetingsJSON(ctx, 2, page); !hit {
			t.Fatal("user 2's entry invalidated by user 1's write")
		}
	})
	t.Run("FailedWriteKeepsEntries", func(t *testing.T) {
		t.Parallel()
		s := cache.New(newCountingStore(), newBackend(t), cache.Options{})
		s.ListMeetingsJSON(ctx, 1, page)
		if err := s.CreateMeeting(ctx, &mina.Meeting{UserID: 1}); mina.ErrorCode(err) != mina.EINVALID {
			t.Fatalf("err = %v, want invalid", err)
		}
		if _, hit, _ := s.ListMeetingsJSON(ctx, 1, page); !hit {
			t.Fatal("an invalid write invalidated the cache")
		}
	})
	t.Run("ErrorsNotCached", func(t *testing.T) {
		t.Parallel()
		store := newCountingStore()
		s := cache.New(store, newBackend(t), cache.Options{})
		store.fail.Store(true)
		if _, _, err := s.ListMeetingsJSON(ctx, 1, page); err == nil {
			t.Fatal("store error swallowed")
		}
		store.fail.Store(false)
		if _, hit, err := s.ListMeetingsJSON(ctx, 1, page); err != nil || hit {
			t.Fatalf("after a store error: hit %v err %v; want a fresh miss", hit, err)
		}
	})
}

func TestServiceMemory(t *testing.T) {
	t.Parallel()
	testService(t, func(t *testing.T) cache.Backend { return cache.NewMemory(cache.MemoryOptions{}) })
}

func TestServiceRedis(t *testing.T) {
	t.Parallel()
	redisURL(t)
	testService(t, func(t *testing.T) cache.Backend { return newRedis(t, cache.RedisOptions{}) })
}

// syncBuffer is a log destination safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func TestServiceBackendDown(t *testing.T) {
	t.Parallel()
	// Nothing listens on port 1 of the loopback: every command fails at once.
	backend, err := cache.DialRedis("redis://127.0.0.1:1/0", cache.RedisOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer backend.Close()
	var logs syncBuffer
	store := newCountingStore()
	s := cache.New(store, backend, cache.Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	ctx := context.Background()
	if err := s.Ping(ctx); err == nil {
		t.Fatal("Ping of an unreachable Redis succeeded")
	}
	for i := range 5 {
		b, hit, err := s.ListMeetingsJSON(ctx, 1, mina.Page{Page: 1, PerPage: 20})
		if err != nil || hit || !bytes.Contains(b, []byte(`"meetings":[]`)) {
			t.Fatalf("read %d with Redis down: %s hit %v err %v", i, b, hit, err)
		}
	}
	if err := s.CreateMeeting(ctx, &mina.Meeting{UserID: 1, Title: "x"}); err != nil {
		t.Fatalf("write with Redis down: %v", err)
	}
	if n := strings.Count(logs.String(), "cache unavailable"); n != 1 {
		t.Fatalf("logged the outage %d times, want once:\n%s", n, logs.String())
	}
}

func TestUsers(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var lookups atomic.Int64
	store := &mock.Store{UserByTokenFn: func(_ context.Context, token string) (*mina.User, error) {
		lookups.Add(1)
		if token != "good" {
			return nil, mina.Errorf(mina.EUNAUTHORIZED, "invalid token")
		}
		return &mina.User{ID: 42, Email: "a@example.com"}, nil
	}}
	c := newClock()
	u := cache.NewUsers(store, cache.UsersOptions{TTL: 10 * time.Second, Now: c.Now})
	for range 3 {
		got, err := u.UserByToken(ctx, "good")
		if err != nil || got.ID != 42 {
			t.Fatalf("UserByToken = %+v, %v", got, err)
		}
		got.ID = 0 // the caller's copy: must not reach the cache
	}
	if n := lookups.Load(); n != 1 {
		t.Fatalf("%d store lookups for 3 calls, want 1", n)
	}
	// Bad tokens are looked up each time (never remembered).
	for range 2 {
		if _, err := u.UserByToken(ctx, "bad"); mina.ErrorCode(err) != mina.EUNAUTHORIZED {
			t.Fatalf("err = %v", err)
		}
	}
	if n := lookups.Load(); n != 3 {
		t.Fatalf("%d store lookups, want 3", n)
	}
	c.Add(10 * time.Second)
	u.UserByToken(ctx, "good")
	if n := lookups.Load(); n != 4 {
		t.Fatalf("token served past its TTL (%d lookups)", n)
	}
	st := u.Stats()[0]
	if st.Name != cache.NameTokens || st.Hits != 2 || st.Misses != 4 {
		t.Fatalf("stats %+v", st)
	}
}
