package cache

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// RedisOptions configures a Redis backend. Zero fields take the defaults below.
type RedisOptions struct {
	Prefix string           // prepended to every key; default "mina:"
	TTL    time.Duration    // how long an entry lives; default DefaultTTL
	Now    func() time.Time // seeds new versions; default time.Now
}

// Redis is a Backend on a Redis server. Entries are plain string keys with an expiry (EX);
// versions are keys without expiry, one per user, created on first use with the current time
// in microseconds and then incremented. Seeding with the clock keeps the guarantee of Backend
// when Redis loses a version key (a restart without persistence, an eviction): the recreated
// version is larger than any the old key reached, so stale entries stay unreachable.
type Redis struct {
	client *redis.Client
	prefix string
	ttl    time.Duration
	now    func() time.Time
}

var _ Backend = (*Redis)(nil)

// Redis' Lua numbers are doubles, exact up to 2^53: the clock that seeds versions counts
// microseconds (about 2^51 today), not nanoseconds.

// versionScript returns KEYS[1]'s version, creating it as ARGV[1] (the clock) when absent.
var versionScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if not v then
  redis.call('SET', KEYS[1], ARGV[1])
  return tonumber(ARGV[1])
end
return tonumber(v)`)

// bumpScript increments KEYS[1]'s version, creating it as ARGV[1] (the clock) when absent.
var bumpScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 0 then
  redis.call('SET', KEYS[1], ARGV[1])
  return tonumber(ARGV[1])
end
return redis.call('INCR', KEYS[1])`)

// DialRedis returns a backend for a redis:// or rediss:// URL (as go-redis' ParseURL reads it).
// It does not connect: the first command does, and Ping checks. Timeouts are short because a
// cache that answers slowly is worse than none: the Service falls back to the store on error.
func DialRedis(url string, o RedisOptions) (*Redis, error) {
	opts, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("cache: REDIS_URL %q: %w", url, err)
	}
	opts.DialTimeout = 500 * time.Millisecond
	opts.ReadTimeout = 250 * time.Millisecond
	opts.WriteTimeout = 250 * time.Millisecond
	opts.MaxRetries = 0
	opts.DialerRetries = 1
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return NewRedis(redis.NewClient(opts), o), nil
}

// NewRedis returns a backend using client, which Close closes.
func NewRedis(client *redis.Client, o RedisOptions) *Redis {
	if o.Prefix == "" {
		o.Prefix = "mina:"
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Redis{client: client, prefix: o.Prefix, ttl: o.TTL, now: o.Now}
}

// Get implements Backend.
func (r *Redis) Get(ctx context.Context, key string) ([]byte, bool, error) {
	b, err := r.client.Get(ctx, r.prefix+"e:"+key).Bytes()
	if err == redis.Nil {
		return nil, false, nil
	} else if err != nil {
		return nil, false, fmt.Errorf("cache: redis GET: %w", err)
	}
	return b, true, nil
}

// Set implements Backend.
func (r *Redis) Set(ctx context.Context, key string, val []byte) error {
	if err := r.client.Set(ctx, r.prefix+"e:"+key, val, r.ttl).Err(); err != nil {
		return fmt.Errorf("cache: redis SET: %w", err)
	}
	return nil
}

// Version implements Backend.
func (r *Redis) Version(ctx context.Context, scope string) (uint64, error) {
	return r.runVersion(ctx, versionScript, scope)
}

// Bump implements Backend.
func (r *Redis) Bump(ctx context.Context, scope string) error {
	_, err := r.runVersion(ctx, bumpScript, scope)
	return err
}

// runVersion runs a version script on scope's key.
func (r *Redis) runVersion(ctx context.Context, s *redis.Script, scope string) (uint64, error) {
	seed := strconv.FormatInt(r.now().UnixMicro(), 10)
	v, err := s.Run(ctx, r.client, []string{r.prefix + "v:" + scope}, seed).Int64()
	if err != nil {
		return 0, fmt.Errorf("cache: redis version of %q: %w", scope, err)
	}
	return uint64(v), nil
}

// Ping implements Backend.
func (r *Redis) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cache: redis PING: %w", err)
	}
	return nil
}

// Close implements Backend.
func (r *Redis) Close() error { return r.client.Close() }
