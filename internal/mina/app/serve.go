package app

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/ramp-dev/ramp/internal/mina/api"
)

// serve runs `mina serve` until ctx is cancelled.
func (e *Env) serve(ctx context.Context, args []string) error {
	fs := e.flags("serve")
	addr := fs.String("addr", "127.0.0.1:5000", "listen address; port 0 picks a free one")
	noMigrate := fs.Bool("no-migrate", false, "do not apply pending migrations on start")
	latency := fs.Duration("inject-latency", 0, "add this latency to matching requests")
	rate := fs.Float64("inject-error-rate", 0, "answer this fraction (0..1) of matching requests 503")
	route := fs.String("inject-route", "", "fault only paths with this prefix or matching this glob (default: all)")
	maxInflight := fs.Int("max-inflight", 0, "handle at most `N` requests at once; more wait in a queue (0: no limit)")
	maxWait := fs.Duration("max-queue-wait", api.DefaultMaxWait, "how long a request waits for a slot before it is answered 503 with Retry-After")
	adminToken := fs.String("admin-token", "", "enable the admin fault API (/admin/faults) with this bearer token (default $MINA_ADMIN_TOKEN; unset: no fault API)")
	noRecovery := fs.Bool("no-cache-recovery", false, "do not replay cache invalidations lost in a cache outage (keeps the stale-cache bug, for testing)")
	pidfile := fs.String("pidfile", "", "write the process id to this file")
	shutdown := fs.Duration("shutdown-timeout", 15*time.Second, "how long in-flight requests may take to finish on stop")
	if err := parse(fs, args, 0); err != nil {
		return err
	}
	if *shutdown <= 0 {
		return usagef("--shutdown-timeout %v: want a positive duration", *shutdown)
	}
	cfg, err := ConfigFromEnv(e.Getenv)
	if err != nil {
		return err
	}
	log := e.logger()
	m := &Main{
		Config:          cfg,
		Addr:            *addr,
		Migrate:         !*noMigrate,
		Fault:           api.Fault{Latency: *latency, ErrorRate: *rate, Route: *route},
		Limit:           api.Limit{MaxInflight: *maxInflight, MaxWait: *maxWait},
		ShutdownTimeout: *shutdown,
		Logger:          log,
		AdminToken:      *adminToken,
		NoCacheRecovery: *noRecovery,
	}
	if m.AdminToken == "" {
		m.AdminToken = e.Getenv("MINA_ADMIN_TOKEN")
	}
	if err := m.Open(); err != nil {
		return err
	}
	if *pidfile != "" {
		if err := writePidfile(*pidfile); err != nil {
			m.Close()
			return err
		}
		defer os.Remove(*pidfile)
	}
	fmt.Fprintf(e.Stdout, "mina listening on %s\n", m.URL())
	log.Info("serving", "url", m.URL(), "database", redactURL(cfg.DatabaseURL), "redis", cfg.RedisURL != "",
		"cache_ttl", cfg.CacheTTL, "token_ttl", cfg.TokenTTL,
		"fault_api", m.AdminToken != "", "cache_recovery", !m.NoCacheRecovery)
	serveErr := m.Wait(ctx)
	log.Info("shutting down", "timeout", *shutdown)
	closeErr := m.Close()
	if serveErr != nil {
		return serveErr
	}
	return closeErr
}
