package cache

import (
	"container/list"
	"sync"
	"time"
)

// lru is a map bounded in entries and in bytes whose entries expire after ttl. When a bound is
// exceeded it evicts the least recently used entries; an expired entry is dropped when it is
// read or when it reaches the cold end. Memory is bounded by maxEntries and maxBytes whatever
// the traffic. It is safe for concurrent use.
type lru[V any] struct {
	mu         sync.Mutex
	ttl        time.Duration
	maxEntries int
	maxBytes   int         // 0: no byte bound
	size       func(V) int // the bytes an entry counts for (key excluded); nil counts 0
	now        func() time.Time
	items      map[string]*list.Element
	order      *list.List // front: most recently used
	bytes      int
}

// lruEntry is one element of lru.order.
type lruEntry[V any] struct {
	key     string
	val     V
	size    int
	expires time.Time
}

// newLRU returns an empty lru. maxEntries must be positive.
func newLRU[V any](ttl time.Duration, maxEntries, maxBytes int, size func(V) int, now func() time.Time) *lru[V] {
	if now == nil {
		now = time.Now
	}
	return &lru[V]{
		ttl: ttl, maxEntries: maxEntries, maxBytes: maxBytes, size: size, now: now,
		items: make(map[string]*list.Element), order: list.New(),
	}
}

// get returns the live entry under key.
func (c *lru[V]) get(key string) (V, bool) {
	var zero V
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return zero, false
	}
	e := el.Value.(*lruEntry[V])
	if !c.now().Before(e.expires) {
		c.remove(el)
		return zero, false
	}
	c.order.MoveToFront(el)
	return e.val, true
}

// set stores val under key for ttl, evicting as needed. A value larger than maxBytes on its own
// is not stored.
func (c *lru[V]) set(key string, val V) {
	n := 0
	if c.size != nil {
		n = c.size(val) + len(key)
	}
	if c.maxBytes > 0 && n > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.remove(el)
	}
	e := &lruEntry[V]{key: key, val: val, size: n, expires: c.now().Add(c.ttl)}
	c.items[key] = c.order.PushFront(e)
	c.bytes += n
	for c.order.Len() > c.maxEntries || (c.maxBytes > 0 && c.bytes > c.maxBytes) {
		c.remove(c.order.Back())
	}
}

// len returns the number of entries held, expired ones included.
func (c *lru[V]) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}

// remove drops el; c.mu is held.
func (c *lru[V]) remove(el *list.Element) {
	e := c.order.Remove(el).(*lruEntry[V])
	delete(c.items, e.key)
	c.bytes -= e.size
}
