package cache

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrOutage is what an Outage backend answers while it is down.
var ErrOutage = errors.New("cache: backend down (injected outage)")

// Outage wraps a Backend with a switch that makes it unusable, for mina's admin fault API:
// while down, every call fails with ErrOutage exactly as an unreachable Redis fails, so the
// Service goes through the same outage and recovery as in a real one (entries written before
// stay in the wrapped backend, which is what makes a lost invalidation visible).
type Outage struct {
	Backend
	down atomic.Bool
}

var _ Backend = (*Outage)(nil)

// NewOutage returns b behind a switch that is up.
func NewOutage(b Backend) *Outage { return &Outage{Backend: b} }

// SetDown makes the backend unusable (true) or usable again (false).
func (o *Outage) SetDown(down bool) { o.down.Store(down) }

// Down reports whether the outage is on.
func (o *Outage) Down() bool { return o.down.Load() }

// Get implements Backend.
func (o *Outage) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if o.down.Load() {
		return nil, false, ErrOutage
	}
	return o.Backend.Get(ctx, key)
}

// Set implements Backend.
func (o *Outage) Set(ctx context.Context, key string, val []byte) error {
	if o.down.Load() {
		return ErrOutage
	}
	return o.Backend.Set(ctx, key, val)
}

// Version implements Backend.
func (o *Outage) Version(ctx context.Context, scope string) (uint64, error) {
	if o.down.Load() {
		return 0, ErrOutage
	}
	return o.Backend.Version(ctx, scope)
}

// Bump implements Backend.
func (o *Outage) Bump(ctx context.Context, scope string) error {
	if o.down.Load() {
		return ErrOutage
	}
	return o.Backend.Bump(ctx, scope)
}

// Ping implements Backend.
func (o *Outage) Ping(ctx context.Context) error {
	if o.down.Load() {
		return ErrOutage
	}
	return o.Backend.Ping(ctx)
}
