package app_test

import (
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
	"github.com/ramp-dev/ramp/internal/mina/redistest"
)

// TestRedisOutageNoStaleReads runs mina on Redis through a proxy the test controls, updates
// and deletes meetings while the proxy cuts Redis off, restores it, and reads everything back
// for a second: with the cache recovery no read is stale; without it (--no-cache-recovery,
// shown to prove the test can fail) the old meetings are served as X-Cache: HIT.
func TestRedisOutageNoStaleReads(t *testing.T) {
	redisAddr := redistest.Start(t)
	for _, tc := range []struct {
		name       string
		noRecovery bool
	}{{"recovery", false}, {"no recovery", true}} {
		t.Run(tc.name, func(t *testing.T) {
			proxy := redistest.NewProxy(t, redisAddr)
			m := newMain(t, func(m *app.Main) {
				m.Config.RedisURL = "redis://" + proxy.Addr() + "/0"
				m.Config.RedisPrefix = "outage-" + strconv.FormatInt(time.Now().UnixNano(), 36) + ":"
				m.NoCacheRecovery = tc.noRecovery
			})
			alice := client{t, m.URL(), user(t, m, "alice@example.com")}
			const n, deleted = 20, 5
			ids := make([]int64, n)
			for i := range ids {
				ids[i] = decode[meeting](t, alice.want(201, "POST", "/api/meetings", `{"title":"before","starts_at":"2026-03-01T10:00:00Z","duration_minutes":30}`)).ID
				alice.want(200, "GET", "/api/meetings/"+itoa(ids[i]), "")
				xcache(t, alice.want(200, "GET", "/api/meetings/"+itoa(ids[i]), ""), "HIT")
			}

			proxy.Cut()
			for i, id := range ids {
				if i < deleted {
					alice.want(204, "DELETE", "/api/meetings/"+itoa(id), "")
				} else {
					alice.want(200, "PUT", "/api/meetings/"+itoa(id), `{"title":"after"}`)
				}
			}
			proxy.Restore()
			time.Sleep(1100 * time.Millisecond) // the cache's RetryAfter: Redis is asked again

			stale, reads := 0, 0
			for end := time.Now().Add(time.Second); time.Now().Before(end); {
				for i, id := range ids {
					r := alice.do("GET", "/api/meetings/"+itoa(id), "")
					reads++
					switch {
					case i < deleted && r.status != 404:
						stale++ // a deleted meeting served
					case i >= deleted && r.status == 200:
						var got meeting
						json.Unmarshal(r.body, &got)
						if got.Title != "after" {
							stale++
						}
					}
				}
			}
			t.Logf("stale reads after the Redis outage: %d of %d", stale, reads)
			if tc.noRecovery != (stale > 0) {
				t.Fatalf("%d stale reads of %d after the outage (no recovery: %v)", stale, reads, tc.noRecovery)
			}
		})
	}
}
