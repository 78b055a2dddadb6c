package monitor

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/ramp-dev/ramp/internal/plan"
)

// postgresQuery reads everything in one round trip. Connections are client backends of the
// whole server (max_connections is server-wide), not counting the monitor's own; deadlocks
// and rollbacks are of the DSN's database. A role without pg_read_all_stats sees the other
// roles' sessions without their state: they count in connections but in no state.
const postgresQuery = `
SELECT
  count(*) FILTER (WHERE a.backend_type = 'client backend'),
  count(*) FILTER (WHERE a.backend_type = 'client backend' AND a.state = 'active'),
  count(*) FILTER (WHERE a.backend_type = 'client backend' AND a.state = 'idle'),
  count(*) FILTER (WHERE a.backend_type = 'client backend' AND a.state LIKE 'idle in transaction%'),
  current_setting('max_connections')::bigint,
  (SELECT count(*) FROM pg_locks WHERE NOT granted),
  coalesce((SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()), 0),
  coalesce((SELECT xact_rollback FROM pg_stat_database WHERE datname = current_database()), 0)
FROM pg_stat_activity a
WHERE a.pid <> pg_backend_pid()`

// postgresMonitor reads connection, lock and transaction statistics of a PostgreSQL server
// over one connection of its own (application_name "ramp-monitor"), opened at the first
// reading and again after any failure. It never borrows a connection of the target's pool,
// so it cannot cause the exhaustion it watches for.
//
//	connection_usage     = connections / max_connections
//	deadlocks, rollbacks = pg_stat_database counter − its value at the monitor's first reading
//	*_per_second         = increase between two readings / seconds between them
//
// pg_stat_database is updated by each backend when it goes idle, at most about once a
// second, so a deadlock shows up a second or so after it happens.
type postgresMonitor struct {
	timing
	cfg *pgx.ConnConfig
	now func() time.Time

	mu        sync.Mutex
	conn      *pgx.Conn
	deadlocks counter
	rollbacks counter
}

var (
	_ Monitor = (*postgresMonitor)(nil)
	_ Timing  = (*postgresMonitor)(nil)
)

// parsePostgres reads dsn; an empty one leaves the monitor unconfigured.
func parsePostgres(s *spec, pm *plan.Monitor) {
	if s.blank("dsn") {
		s.unset = []string{"dsn"}
		return
	}
	if pm.DSN = s.str("dsn"); pm.DSN == "" {
		s.errorf("dsn is required, e.g. dsn: postgres://user@127.0.0.1:5432/mina?sslmode=disable")
		return
	}
	if _, err := pgx.ParseConfig(pm.DSN); err != nil {
		// pgx's message hides the password.
		s.errorf("dsn: %w", err)
	}
}

// newPostgres builds a PostgreSQL monitor from its compiled form.
func newPostgres(pm plan.Monitor, t timing) (Monitor, error) {
	cfg, err := pgx.ParseConfig(pm.DSN)
	if err != nil {
		return nil, fmt.Errorf("dsn: %w", err)
	}
	cfg.RuntimeParams["application_name"] = "ramp-monitor"
	return &postgresMonitor{timing: t, now: time.Now, cfg: cfg}, nil
}

// Sample runs postgresQuery once.
func (m *postgresMonitor) Sample(ctx context.Context) ([]Reading, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.conn == nil {
		conn, err := pgx.ConnectConfig(ctx, m.cfg)
		if err != nil {
			return nil, fmt.Errorf("postgres: connect to %s:%d/%s: %w", m.cfg.Host, m.cfg.Port, m.cfg.Database, err)
		}
		m.conn = conn
	}
	var conns, active, idle, idleTx, maxConns, waiting, deadlocks, rollbacks int64
	err := m.conn.QueryRow(ctx, postgresQuery).Scan(&conns, &active, &idle, &idleTx, &maxConns, &waiting, &deadlocks, &rollbacks)
	if err != nil {
		m.dropConn()
		return nil, fmt.Errorf("postgres: read statistics: %w", err)
	}
	now := m.now()
	out := []Reading{
		{Series: "connections", Value: float64(conns), Unit: UnitCount},
		{Series: "connections_active", Value: float64(active), Unit: UnitCount},
		{Series: "connections_idle", Value: float64(idle), Unit: UnitCount},
		{Series: "connections_idle_in_tx", Value: float64(idleTx), Unit: UnitCount},
		{Series: "max_connections", Value: float64(maxConns), Unit: UnitCount},
		{Series: "waiting_locks", Value: float64(waiting), Unit: UnitCount},
	}
	if maxConns > 0 {
		out = append(out, Reading{Series: "connection_usage", Value: float64(conns) / float64(maxConns), Unit: UnitRatio})
	}
	out = appendCounter(out, &m.deadlocks, "deadlocks", float64(deadlocks), now)
	out = appendCounter(out, &m.rollbacks, "rollbacks", float64(rollbacks), now)
	return out, nil
}

// appendCounter adds the increase since the first reading and, from the second, the rate.
func appendCounter(out []Reading, c *counter, name string, v float64, now time.Time) []Reading {
	_, rate, ok := c.observe(v, now)
	out = append(out, Reading{Series: name, Value: c.increase, Unit: UnitCount})
	if ok {
		out = append(out, Reading{Series: name + "_per_second", Value: rate, Unit: UnitPerSecond})
	}
	return out
}

// dropConn closes a connection that failed, so the next reading opens a fresh one.
func (m *postgresMonitor) dropConn() {
	if m.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	m.conn.Close(ctx)
	m.conn = nil
}

// Close closes the monitor's connection.
func (m *postgresMonitor) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.dropConn()
	return nil
}
