package metrics

import (
	"sync"
	"testing"
	"time"
)

// fakeClock is an injectable Config.Now that tests move by hand.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// mustRegistry builds a registry or fails the test.
func mustRegistry(tb testing.TB, cfg Config) *Registry {
	tb.Helper()
	r, err := NewRegistry(cfg)
	if err != nil {
		tb.Fatalf("NewRegistry: %v", err)
	}
	return r
}

// okSample is a successful request of duration d at t.
func okSample(tags *TagSet, t time.Time, d time.Duration) *HTTPSample {
	return &HTTPSample{
		Time: t, Tags: tags, Status: 200, Expected: true,
		Sending: d / 10, Waiting: d * 8 / 10, Receiving: d / 10, Duration: d,
		Sent: 100, Received: 1000,
	}
}

// mustAggregate returns an aggregation or fails the test.
func mustAggregate(tb testing.TB, s *Snapshot, key, method string, arg float64) float64 {
	tb.Helper()
	v, ok := s.Aggregate(key, method, arg)
	if !ok {
		tb.Fatalf("Aggregate(%q, %q, %v): no value", key, method, arg)
	}
	return v
}
