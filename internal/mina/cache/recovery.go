package cache

import (
	"context"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// recovery remembers the invalidations a backend outage made the Service lose, so that no
// entry they should have made unreachable is ever served again.
//
// While the backend fails, a write cannot bump its user's version: the entries built before
// the write still sit in the backend (an in-process cache keeps them; a Redis that was only
// unreachable keeps them too) under a version that is still current. Forgetting that bump
// would serve the old data as a HIT for up to a TTL once the backend answers again. Instead
// the user is remembered as pending, and before the cache is read again every pending user's
// version is bumped; until all of them went through, reads bypass the cache. When more users
// are pending than the bound, the names are dropped and the cache is bypassed for one whole
// TTL from the recovery instead: every entry written before it has expired by then.
//
// The state machine (one Service):
//
//	state     event                         next
//	clean     write's bump fails / skipped  pending{user}
//	pending   write's bump fails / skipped  pending{…, user} (overflow past max: flushing)
//	pending   read, backend usable          bump each pending user; all ok → clean, else pending
//	flushing  read, backend usable          bypass until the TTL since the first usable read ends → clean
type recovery struct {
	dirty    atomic.Bool // something is pending or overflowed: the fast path of reads
	mu       sync.Mutex
	pending  map[int64]struct{}
	overflow bool      // more than max users were lost: bypass for a TTL after the recovery
	until    time.Time // end of that bypass, once the backend answered again
	max      int
	ttl      time.Duration
}

// lost records that userID's invalidation did not reach the backend.
func (s *Service) lost(userID int64) {
	r := s.recovery
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.dirty.Store(true)
	if r.overflow {
		r.until = time.Time{} // the outage goes on: the bypass counts from the next recovery
		return
	}
	r.pending[userID] = struct{}{}
	if len(r.pending) > r.max {
		r.overflow, r.until, r.pending = true, time.Time{}, map[int64]struct{}{}
		s.log.Warn("cache: too many invalidations lost in the outage; bypassing the cache for one TTL after it", "ttl", r.ttl)
	}
}

// recovered reports whether the cache may be read: no invalidation is pending. It first
// replays the pending ones (bumping each user's version); a bump that fails marks the backend
// down again and leaves the rest pending.
func (s *Service) recovered(ctx context.Context) bool {
	r := s.recovery
	if r == nil || !r.dirty.Load() {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.overflow {
		now := s.now()
		if r.until.IsZero() {
			r.until = now.Add(r.ttl)
		}
		if now.Before(r.until) {
			return false
		}
		r.overflow = false
	}
	for userID := range r.pending {
		if err := s.backend.Bump(ctx, strconv.FormatInt(userID, 10)); err != nil {
			s.failed(ctx, err)
			return false
		}
		delete(r.pending, userID)
	}
	r.dirty.Store(false)
	s.log.Info("cache: the invalidations lost in the outage are replayed; reading the cache again")
	return true
}
