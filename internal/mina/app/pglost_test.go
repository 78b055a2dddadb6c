package app_test

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/app"
)

// pgSchemaURL returns MINA_TEST_POSTGRES_URL with a schema of the test's own (dropped at
// cleanup) as search_path and a unique application_name, or skips.
func pgSchemaURL(t *testing.T) (dbURL, appName string, admin *sql.DB) {
	t.Helper()
	base := os.Getenv("MINA_TEST_POSTGRES_URL")
	if base == "" {
		t.Skip("MINA_TEST_POSTGRES_URL is not set")
	}
	var b [6]byte
	rand.Read(b[:])
	schema := "mina_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	appName = "mina-test-" + hex.EncodeToString(b[:])
	q.Set("application_name", appName)
	u.RawQuery = q.Encode()
	return u.String(), appName, admin
}

// TestLostDatabaseConnections kills mina's PostgreSQL sessions (pg_terminate_backend on its
// application_name, from another session) over and over while clients read and write, and
// checks that no request answers 500: a loss before anything ran is retried, any other is a
// 503 with Retry-After.
func TestLostDatabaseConnections(t *testing.T) {
	dbURL, appName, admin := pgSchemaURL(t)
	m := newMain(t, func(m *app.Main) { m.Config.DatabaseURL, m.Config.PoolSize = dbURL, 4 })
	tokens := make([]string, 4)
	for i := range tokens {
		tokens[i] = user(t, m, fmt.Sprintf("u%d@example.com", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()

	var killed atomic.Int64
	go func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				var n int64
				if err := admin.QueryRowContext(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = $1`, appName).Scan(&n); err == nil {
					killed.Add(n)
				}
			}
		}
	}()

	var mu sync.Mutex
	statuses := map[int]int{}
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := tokens[w%len(tokens)]
			for i := 0; i < 2000 && ctx.Err() == nil; i++ {
				method, path, body := "GET", "/api/meetings?page=1&per_page=5", ""
				switch i % 4 {
				case 1:
					method, path, body = "POST", "/api/meetings", fmt.Sprintf(`{"title":"m%d","starts_at":"2026-03-01T10:00:00Z","duration_minutes":30}`, i)
				case 2:
					path = "/api/analytics/dashboard?days=7"
				case 3:
					path = "/api/tasks?status=pending"
				}
				req, _ := http.NewRequest(method, m.URL()+path, strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				resp.Body.Close()
				mu.Lock()
				statuses[resp.StatusCode]++
				if resp.StatusCode == 503 && resp.Header.Get("Retry-After") == "" {
					statuses[-503]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	t.Logf("sessions killed: %d; statuses: %v", killed.Load(), statuses)
	if killed.Load() == 0 {
		t.Fatal("no session of mina was terminated: the test did not test anything")
	}
	if statuses[500] > 0 {
		t.Fatalf("%d requests answered 500 when the database connection was lost: %v", statuses[500], statuses)
	}
	if statuses[-503] > 0 {
		t.Fatalf("%d 503s without Retry-After", statuses[-503])
	}
	if statuses[200]+statuses[201] == 0 {
		t.Fatalf("no request succeeded: %v", statuses)
	}
}
