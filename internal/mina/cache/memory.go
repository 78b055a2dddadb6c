package cache

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryOptions configures an in-process backend. Zero fields take the defaults below.
type MemoryOptions struct {
	TTL        time.Duration    // how long an entry lives; default DefaultTTL
	MaxEntries int              // most entries held; default DefaultMaxEntries
	MaxBytes   int              // most bytes of keys and values held; default DefaultMaxBytes
	Now        func() time.Time // the clock; default time.Now
}

// Defaults of MemoryOptions.
const (
	DefaultTTL        = 30 * time.Second
	DefaultMaxEntries = 10_000
	DefaultMaxBytes   = 64 << 20
)

// Memory is an in-process Backend: an LRU bounded in entries and bytes whose entries expire.
//
// Versions come from one process-wide counter, so a scope's new version is always larger than
// any version handed out before. That lets the version table be bounded too: when it holds
// MaxEntries scopes it is cleared, and a forgotten scope gets a fresh, never-used version on its
// next read (its old entries become unreachable, which costs misses but is never wrong).
type Memory struct {
	entries *lru[[]byte]
	seq     atomic.Uint64
	mu      sync.Mutex
	vers    map[string]uint64
	maxVers int
}

var _ Backend = (*Memory)(nil)

// NewMemory returns an empty in-process backend.
func NewMemory(o MemoryOptions) *Memory {
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	if o.MaxBytes <= 0 {
		o.MaxBytes = DefaultMaxBytes
	}
	size := func(b []byte) int { return len(b) }
	return &Memory{
		entries: newLRU(o.TTL, o.MaxEntries, o.MaxBytes, size, o.Now),
		vers:    make(map[string]uint64),
		maxVers: o.MaxEntries,
	}
}

// Get implements Backend.
func (m *Memory) Get(_ context.Context, key string) ([]byte, bool, error) {
	v, ok := m.entries.get(key)
	return v, ok, nil
}

// Set implements Backend.
func (m *Memory) Set(_ context.Context, key string, val []byte) error {
	m.entries.set(key, val)
	return nil
}

// Version implements Backend.
func (m *Memory) Version(_ context.Context, scope string) (uint64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if v, ok := m.vers[scope]; ok {
		return v, nil
	}
	return m.newVersion(scope), nil
}

// Bump implements Backend.
func (m *Memory) Bump(_ context.Context, scope string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.newVersion(scope)
	return nil
}

// newVersion gives scope a never-used version; m.mu is held.
func (m *Memory) newVersion(scope string) uint64 {
	if _, ok := m.vers[scope]; !ok && len(m.vers) >= m.maxVers {
		clear(m.vers)
	}
	v := m.seq.Add(1)
	m.vers[scope] = v
	return v
}

// Len returns the number of entries held (expired ones not yet dropped included).
func (m *Memory) Len() int { return m.entries.len() }

// Ping implements Backend: an in-process cache is always up.
func (m *Memory) Ping(context.Context) error { return nil }

// Close implements Backend.
func (m *Memory) Close() error { return nil }
