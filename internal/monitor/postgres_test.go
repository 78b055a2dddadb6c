package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/ramp-dev/ramp/internal/monitor"
)

// postgresURL is the test server's DSN, or the test is skipped.
func postgresURL(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("MINA_TEST_POSTGRES_URL")
	if dsn == "" {
		t.Skip("MINA_TEST_POSTGRES_URL is not set (e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable)")
	}
	return dsn
}

// connect opens a connection the test closes at its end.
func connect(t *testing.T, ctx context.Context, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("connect: %v", err)
	}
	t.Cleanup(func() { c.Close(context.Background()) })
	return c
}

// pollPostgres samples m until ok accepts the readings or the deadline passes.
func pollPostgres(t *testing.T, m monitor.Monitor, what string, deadline time.Duration, ok func(map[string]monitor.Reading) bool) map[string]monitor.Reading {
	t.Helper()
	var last map[string]monitor.Reading
	for end := time.Now().Add(deadline); time.Now().Before(end); time.Sleep(150 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		rs, err := m.Sample(ctx)
		cancel()
		if err != nil {
			t.Fatalf("Sample: %v", err)
		}
		if last = byName(rs); ok(last) {
			return last
		}
	}
	t.Fatalf("%s: not seen within %v; last readings %+v", what, deadline, last)
	return nil
}

func TestPostgresMonitorConnections(t *testing.T) {
	t.Parallel()
	dsn := postgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	ms, _, err := compileRaw([]monitor.Raw{{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": dsn}}})
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	defer m.Close()
	base := pollPostgres(t, m, "first reading", 5*time.Second, func(map[string]monitor.Reading) bool { return true })
	if base["max_connections"].Value <= 0 {
		t.Errorf("max_connections = %v, want > 0", base["max_connections"].Value)
	}
	for _, s := range []string{"connections", "connections_active", "connections_idle", "connections_idle_in_tx", "waiting_locks", "deadlocks", "rollbacks", "connection_usage"} {
		if _, ok := base[s]; !ok {
			t.Errorf("no %s in the first reading", s)
		}
	}

	// Three connections of the test's own, one of them idle in a transaction.
	extra := make([]*pgx.Conn, 3)
	for i := range extra {
		extra[i] = connect(t, ctx, dsn)
	}
	tx, err := extra[0].Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(context.Background())
	if _, err := tx.Exec(ctx, "SELECT 1"); err != nil {
		t.Fatal(err)
	}
	got := pollPostgres(t, m, "three more connections", 5*time.Second, func(r map[string]monitor.Reading) bool {
		return r["connections"].Value >= base["connections"].Value+3 && r["connections_idle_in_tx"].Value >= 1
	})
	if got["connections"].Value <= 0 {
		t.Errorf("connections = %v, want > 0", got["connections"].Value)
	}
	if want := got["connections"].Value / got["max_connections"].Value; got["connection_usage"].Value != want {
		t.Errorf("connection_usage = %v, want connections/max_connections = %v", got["connection_usage"].Value, want)
	}
}

// TestPostgresMonitorDeadlock makes two transactions lock two rows in opposite orders in a
// scratch table, and watches the waiting lock and then the deadlock appear.
func TestPostgresMonitorDeadlock(t *testing.T) {
	t.Parallel()
	dsn := postgresURL(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	a, b := connect(t, ctx, dsn), connect(t, ctx, dsn)
	table := fmt.Sprintf("ramp_monitor_deadlock_%d", rand.Uint32())
	if _, err := a.Exec(ctx, "CREATE TABLE "+table+" (id int PRIMARY KEY, v int); INSERT INTO "+table+" VALUES (1, 0), (2, 0)"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dsn)
		if err == nil {
			c.Exec(context.Background(), "DROP TABLE IF EXISTS "+table)
			c.Close(context.Background())
		}
	})
	ms, _, err := compileRaw([]monitor.Raw{{Name: "db", Kind: "postgres", Spec: map[string]any{"dsn": dsn}}})
	if err != nil {
		t.Fatal(err)
	}
	m := ms[0]
	defer m.Close()
	pollPostgres(t, m, "baseline", 5*time.Second, func(map[string]monitor.Reading) bool { return true })

	txA, err := a.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txA.Rollback(context.Background())
	txB, err := b.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer txB.Rollback(context.Background())
	update := "UPDATE " + table + " SET v = v + 1 WHERE id = $1"
	if _, err := txA.Exec(ctx, update, 1); err != nil {
		t.Fatal(err)
	}
	if _, err := txB.Exec(ctx, update, 2); err != nil {
		t.Fatal(err)
	}
	// A now waits for B's row...
	aDone := make(chan error, 1)
	go func() {
		_, err := txA.Exec(ctx, update, 2)
		aDone <- err
	}()
	pollPostgres(t, m, "a waiting lock", 5*time.Second, func(r map[string]monitor.Reading) bool {
		return r["waiting_locks"].Value >= 1
	})
	// ...and B for A's: PostgreSQL cancels one of them after deadlock_timeout.
	_, errB := txB.Exec(ctx, update, 1)
	errA := <-aDone
	var pgErr *pgconn.PgError
	if !(errors.As(errA, &pgErr) && pgErr.Code == "40P01") && !(errors.As(errB, &pgErr) && pgErr.Code == "40P01") {
		t.Fatalf("no deadlock_detected: a %v, b %v", errA, errB)
	}
	txA.Rollback(ctx)
	txB.Rollback(ctx)
	got := pollPostgres(t, m, "the deadlock", 10*time.Second, func(r map[string]monitor.Reading) bool {
		return r["deadlocks"].Value >= 1 && r["rollbacks"].Value >= 2
	})
	if got["deadlocks_per_second"].Unit != monitor.UnitPerSecond {
		t.Errorf("deadlocks_per_second = %+v, want a per_second reading", got["deadlocks_per_second"])
	}
}
