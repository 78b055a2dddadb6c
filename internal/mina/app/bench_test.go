package app_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// BenchmarkHandlerReads measures the handler alone (no network) on the read mix of the seed's
// scenario 01, over SQLite with the in-process cache: once with every read a cache hit, and
// once with the cache expiring at once (every read from the store).
func BenchmarkHandlerReads(b *testing.B) {
	for _, bc := range []struct {
		name string
		ttl  time.Duration
	}{{"Cached", time.Hour}, {"Uncached", time.Nanosecond}} {
		b.Run(bc.name, func(b *testing.B) {
			m := &app.Main{
				Config: app.Config{DatabaseURL: "sqlite:" + filepath.Join(b.TempDir(), "m.db"),
					CacheTTL: bc.ttl, TokenTTL: time.Hour},
				Addr: "127.0.0.1:0", Migrate: true,
			}
			if err := m.Open(); err != nil {
				b.Fatal(err)
			}
			defer m.Close()
			ctx := context.Background()
			_, token, err := m.DB.CreateUser(ctx, "bench@example.com", "bench")
			if err != nil {
				b.Fatal(err)
			}
			var id int64
			for i := range 50 {
				r := httptest.NewRequest("POST", "/api/meetings", strings.NewReader(fmt.Sprintf(
					`{"title":"m%d","starts_at":"2026-03-01T09:00:00Z","duration_minutes":30}`, i)))
				r.Header.Set("Authorization", "Bearer "+token)
				w := httptest.NewRecorder()
				m.Handler.ServeHTTP(w, r)
				if w.Code != 201 {
					b.Fatalf("seed meeting: %d %s", w.Code, w.Body)
				}
				id++
			}
			paths := []string{
				"/api/meetings?page=1&per_page=20",
				fmt.Sprintf("/api/meetings/%d", id),
				"/api/analytics/dashboard?days=7",
				"/api/analytics/trends?days=30",
				"/api/tasks?status=pending",
			}
			reqs := make([]*http.Request, len(paths))
			for i, p := range paths {
				reqs[i] = httptest.NewRequest("GET", p, nil)
				reqs[i].Header.Set("Authorization", "Bearer "+token)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				w := httptest.NewRecorder()
				m.Handler.ServeHTTP(w, reqs[i%len(reqs)])
				if w.Code != 200 {
					b.Fatalf("%s: %d %s", paths[i%len(paths)], w.Code, w.Body)
				}
				i++
			}
		})
	}
}
