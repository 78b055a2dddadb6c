package monitor_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/ramp-dev/ramp/internal/monitor"
)

func TestRedisMonitorHitRate(t *testing.T) {
	t.Parallel()
	url := os.Getenv("MINA_TEST_REDIS_URL")
	if url == "" {
		t.Skip("MINA_TEST_REDIS_URL is not set (e.g. redis://127.0.0.1:6379/0)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	rdb := redis.NewClient(opts)
	defer rdb.Close()
	prefix := fmt.Sprintf("ramp:monitor:test:%d:", rand.Uint64())
	hit := prefix + "present"
	if err := rdb.Set(ctx, hit, "v", time.Minute).Err(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rdb.Del(context.Background(), hit) })

	ms, _, err := compileRaw([]monitor.Raw{{Name: "cache", Kind: "redis", Spec: map[string]any{"url": url}}})
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	defer m.Close()
	base, err := m.Sample(ctx)
	if err != nil {
		t.Fatalf("first Sample: %v", err)
	}
	first := byName(base)
	// The first reading is the baseline: no lookups since, so no rate rather than a made-up one.
	if r, ok := first["hit_rate"]; ok {
		t.Errorf("hit_rate at the first reading = %v, want no value", r.Value)
	}
	if first["used_memory_bytes"].Value <= 0 || first["connected_clients"].Value < 1 {
		t.Errorf("used_memory_bytes = %v, connected_clients = %v; want both > 0",
			first["used_memory_bytes"].Value, first["connected_clients"].Value)
	}

	// Three hits and one miss; other clients of the server may add lookups of either kind,
	// which keeps the rate strictly between 0 and 1.
	for range 3 {
		if err := rdb.Get(ctx, hit).Err(); err != nil {
			t.Fatal(err)
		}
	}
	if err := rdb.Get(ctx, prefix+"absent").Err(); err != redis.Nil {
		t.Fatalf("GET of a missing key: %v, want redis.Nil", err)
	}
	rs, err := m.Sample(ctx)
	if err != nil {
		t.Fatalf("second Sample: %v", err)
	}
	got := byName(rs)
	for _, s := range []string{"hit_rate", "hit_rate_total"} {
		r, ok := got[s]
		if !ok || r.Value <= 0 || r.Value >= 1 || r.Unit != monitor.UnitRatio {
			t.Errorf("%s = %+v (present %v), want a ratio strictly between 0 and 1", s, r, ok)
		}
	}
}
