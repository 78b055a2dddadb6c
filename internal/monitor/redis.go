package monitor

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/ramp-dev/ramp/internal/plan"
	"github.com/redis/go-redis/v9"
	"github.com/redis/go-redis/v9/maintnotifications"
)

// redisMonitor reads INFO stats, memory and clients of a Redis server, pipelined in one round
// trip (one INFO per section, which Redis before 7 requires), over a client whose pool holds
// a single connection.
//
//	hit_rate       = Δkeyspace_hits / (Δkeyspace_hits + Δkeyspace_misses) since the last reading
//	hit_rate_total = the same since the monitor's first reading
//
// Neither has a value while there were no lookups. used_memory_bytes is INFO's used_memory and
// connected_clients counts the monitor's own connection.
type redisMonitor struct {
	timing
	opts   *redis.Options
	client *redis.Client

	mu             sync.Mutex
	hits, misses   counter
	hitsAt, missAt float64 // the counters' increase at the previous reading
}

var (
	_ Monitor = (*redisMonitor)(nil)
	_ Timing  = (*redisMonitor)(nil)
)

// parseRedis reads url; an empty one leaves the monitor unconfigured.
func parseRedis(s *spec, pm *plan.Monitor) {
	if s.blank("url") {
		s.unset = []string{"url"}
		return
	}
	if pm.URL = s.str("url"); pm.URL == "" {
		s.errorf("url is required, e.g. url: redis://127.0.0.1:6379/0")
		return
	}
	if _, err := redis.ParseURL(pm.URL); err != nil {
		s.errorf("url: %w", err)
	}
}

// newRedis builds a Redis monitor from its compiled form.
func newRedis(pm plan.Monitor, t timing) (Monitor, error) {
	opts, err := redis.ParseURL(pm.URL)
	if err != nil {
		return nil, fmt.Errorf("url: %w", err)
	}
	// One connection, no retries: a failed reading is retried at the next tick anyway.
	opts.PoolSize, opts.MinIdleConns, opts.MaxRetries, opts.DialerRetries = 1, 0, -1, 1
	opts.ClientName = "ramp-monitor"
	opts.DisableIdentity = true
	opts.MaintNotificationsConfig = &maintnotifications.Config{Mode: maintnotifications.ModeDisabled}
	return &redisMonitor{timing: t, opts: opts, client: redis.NewClient(opts)}, nil
}

// Sample reads the three INFO sections once.
func (m *redisMonitor) Sample(ctx context.Context) ([]Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cmds, err := m.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, section := range []string{"stats", "memory", "clients"} {
			p.Info(ctx, section)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("redis %s db %d: INFO: %w", m.opts.Addr, m.opts.DB, err)
	}
	info := map[string]string{}
	for _, c := range cmds {
		parseInfo(c.(*redis.StringCmd).Val(), info)
	}
	vals := map[string]float64{}
	for _, k := range []string{"keyspace_hits", "keyspace_misses", "used_memory", "connected_clients"} {
		v, err := strconv.ParseFloat(info[k], 64)
		if err != nil {
			return nil, fmt.Errorf("redis %s: INFO has no number %s (got %q)", m.opts.Addr, k, truncate(info[k], 40))
		}
		vals[k] = v
	}
	now := time.Now()
	m.hits.observe(vals["keyspace_hits"], now)
	m.misses.observe(vals["keyspace_misses"], now)
	out := []Reading{
		{Series: "used_memory_bytes", Value: vals["used_memory"], Unit: UnitBytes},
		{Series: "connected_clients", Value: vals["connected_clients"], Unit: UnitCount},
	}
	if r, ok := ratio(m.hits.increase-m.hitsAt, m.misses.increase-m.missAt); ok {
		out = append(out, Reading{Series: "hit_rate", Value: r, Unit: UnitRatio})
	}
	if r, ok := ratio(m.hits.increase, m.misses.increase); ok {
		out = append(out, Reading{Series: "hit_rate_total", Value: r, Unit: UnitRatio})
	}
	m.hitsAt, m.missAt = m.hits.increase, m.misses.increase
	return out, nil
}

// ratio is hits/(hits+misses), undefined without lookups.
func ratio(hits, misses float64) (float64, bool) {
	if hits+misses <= 0 {
		return 0, false
	}
	return hits / (hits + misses), true
}

// parseInfo adds the "key:value" lines of an INFO reply to into.
func parseInfo(text string, into map[string]string) {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if k, v, ok := strings.Cut(line, ":"); ok {
			into[k] = v
		}
	}
}

// Close closes the client's connection.
func (m *redisMonitor) Close() error {
	if m.client == nil {
		return nil
	}
	return m.client.Close()
}
