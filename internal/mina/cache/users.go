package cache

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
)

// UsersOptions configures Users. Zero fields take the defaults below.
type UsersOptions struct {
	TTL        time.Duration    // how long a token's user is remembered; default DefaultTokenTTL
	MaxEntries int              // most tokens remembered; default DefaultMaxEntries
	Now        func() time.Time // the clock; default time.Now
}

// DefaultTokenTTL is how long Users remembers a token, and so how long a revoked token may
// keep working.
const DefaultTokenTTL = 10 * time.Second

// NameTokens is the name Users reports in Stats.
const NameTokens = "tokens"

// Users remembers token → user lookups in process for a short TTL: authentication runs on every
// API request and would otherwise cost a database query each time. Failed lookups are not
// remembered. It is always in process, even when Redis caches the reads: a local map is cheaper
// than a round trip, and the TTL bounds how stale it can be.
type Users struct {
	next         mina.UserService
	tokens       *lru[mina.User]
	hits, misses atomic.Uint64
}

var _ mina.UserService = (*Users)(nil)

// NewUsers returns a Users in front of next.
func NewUsers(next mina.UserService, o UsersOptions) *Users {
	if o.TTL <= 0 {
		o.TTL = DefaultTokenTTL
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = DefaultMaxEntries
	}
	return &Users{next: next, tokens: newLRU[mina.User](o.TTL, o.MaxEntries, 0, nil, o.Now)}
}

// UserByToken implements mina.UserService; it returns a copy the caller may modify.
func (u *Users) UserByToken(ctx context.Context, token string) (*mina.User, error) {
	if user, ok := u.tokens.get(token); ok {
		u.hits.Add(1)
		return &user, nil
	}
	u.misses.Add(1)
	user, err := u.next.UserByToken(ctx, token)
	if err != nil {
		return nil, err
	}
	u.tokens.set(token, *user)
	return user, nil
}

// CreateUser implements mina.UserService.
func (u *Users) CreateUser(ctx context.Context, email, name string) (*mina.User, string, error) {
	return u.next.CreateUser(ctx, email, name)
}

// Stats returns the token cache's hits and misses.
func (u *Users) Stats() []Stat {
	return []Stat{{Name: NameTokens, Hits: u.hits.Load(), Misses: u.misses.Load()}}
}
