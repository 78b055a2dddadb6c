// Package cache puts caches in front of Mina's read services, as decorators that implement the
// same mina interfaces (and a few JSON-returning twins that let the HTTP layer write cached bytes
// without decoding and re-encoding them).
//
// # Design
//
// A Backend stores encoded entries for a bounded time and keeps one version number per scope
// (a scope is a user). Every entry's key embeds the user's version read *before* the store was
// queried:
//
//	key = name ":" userID ":" version ":" parameters
//
// and every write of that user bumps the version after it commits. An entry built from data that
// a later write changed is therefore keyed by an older version and can never be read again; it
// simply expires. This is correct without enumerating the keys a write affects (a new meeting
// changes every list page, the task counts, the dashboard and the trends), and it works the same
// across several server processes sharing one Redis.
//
// Two backends are provided: Memory (in-process, bounded in entries and bytes, entries expire
// after a TTL) and Redis (github.com/redis/go-redis/v9, the client the project already uses,
// entries expire through Redis' own EX). The analytics keys also embed the UTC date, so a series
// is recomputed when the day changes; within a day a dashboard may be up to one TTL old.
//
// # Failure
//
// A backend error never fails a request: the Service logs once that the cache is unavailable,
// serves from the store, and stops asking the backend for RetryAfter before it tries again (so a
// dead Redis costs one failed round trip per RetryAfter, not one per request). When the backend
// answers again it logs the recovery. A write whose version bump failed is not forgotten: the
// user is remembered, and before the cache is read again after the outage every such user's
// version is bumped (see recovery.go), so an update or delete made during an outage is never
// served from an entry written before it. Options.NoRecovery restores the old behaviour (the
// entries stay stale for up to one TTL), only to show that bug.
//
// Users caches token → user lookups in process for a short TTL: they run on every API request.
// A revoked token keeps working for at most that TTL.
package cache

import (
	"context"
)

// Backend stores encoded entries for a bounded time and keeps a version per scope.
// Implementations are safe for concurrent use.
type Backend interface {
	// Get returns the entry stored under key; ok is false when there is none or it expired.
	// The caller must not modify the returned bytes (an in-process backend shares them).
	Get(ctx context.Context, key string) (val []byte, ok bool, err error)
	// Set stores val under key for the backend's TTL. The backend may keep val: the caller
	// must not modify it afterwards.
	Set(ctx context.Context, key string, val []byte) error
	// Version returns the current version of scope. A version that Bump replaced is never
	// returned again for that scope, even if the backend forgets the scope meanwhile.
	Version(ctx context.Context, scope string) (uint64, error)
	// Bump gives scope a new version, making every key built with an older one unreachable.
	Bump(ctx context.Context, scope string) error
	// Ping reports whether the backend can serve (for /health).
	Ping(ctx context.Context) error
	// Close releases the backend's resources.
	Close() error
}

// Stat counts the lookups of one named cache.
type Stat struct {
	Name   string
	Hits   uint64
	Misses uint64
}
