package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"time"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/api"
	"github.com/ramp-dev/ramp/internal/mina/cache"
	"github.com/ramp-dev/ramp/internal/mina/chaos"
)

// Main is a running mina server: the store, the caches, the HTTP server and its listener.
// Fill its exported fields, Open it, then Close it. End-to-end tests use it as serve does.
type Main struct {
	Config Config
	// Addr is where to listen; "127.0.0.1:0" picks a free port.
	Addr string
	// Migrate applies pending migrations when the store opens.
	Migrate bool
	// Fault is the fault injection of the API.
	Fault api.Fault
	// Limit bounds the requests the API handles at once (--max-inflight).
	Limit api.Limit
	// ShutdownTimeout bounds how long Close waits for in-flight requests; default 15s.
	ShutdownTimeout time.Duration
	// Live tunes live transcription (the API's defaults when zero).
	Live api.LiveConfig
	// Logger receives the server's logs; default: discard.
	Logger *slog.Logger
	// AdminToken enables the admin fault API (/admin/faults) with this bearer token; empty:
	// no run-time faults.
	AdminToken string
	// NoCacheRecovery turns off the cache's recovery of invalidations lost in an outage (the
	// bug it fixes stays visible: only for tests of that bug).
	NoCacheRecovery bool

	// Set by Open.
	DB       DB
	Backend  cache.Backend
	Cache    *cache.Service
	Users    *cache.Users
	Handler  *api.Server
	Faults   *chaos.Faults // nil without AdminToken
	Server   *http.Server
	listener net.Listener
	served   chan error
}

// Compile-time check that the cache serves the API's encoded reads.
var _ api.CachedReads = (*cache.Service)(nil)

// Open opens the store and the cache, builds the handler and starts serving on Addr.
func (m *Main) Open() (err error) {
	defer func() {
		if err != nil {
			m.closeResources()
		}
	}()
	if m.Logger == nil {
		m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if m.ShutdownTimeout <= 0 {
		m.ShutdownTimeout = 15 * time.Second
	}
	if m.DB, err = OpenDB(m.Config.DatabaseURL, OpenOptions{PoolSize: m.Config.PoolSize, Migrate: m.Migrate}); err != nil {
		return err
	}
	if err := m.openCache(); err != nil {
		return err
	}
	if m.Handler, err = api.New(m.apiConfig()); err != nil {
		return err
	}
	if m.listener, err = net.Listen("tcp", m.Addr); err != nil {
		return fmt.Errorf("listen on %q: %w", m.Addr, err)
	}
	m.Server = &http.Server{
		Handler:           m.Handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(m.Logger.Handler(), slog.LevelWarn),
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.Server.Serve(m.listener) }()
	return nil
}

// openCache builds the read cache (Redis when configured, in process otherwise) and the
// token cache.
func (m *Main) openCache() error {
	if m.Config.RedisURL != "" {
		r, err := cache.DialRedis(m.Config.RedisURL, cache.RedisOptions{Prefix: m.Config.RedisPrefix, TTL: m.Config.CacheTTL})
		if err != nil {
			return err
		}
		m.Backend = r
	} else {
		m.Backend = cache.NewMemory(cache.MemoryOptions{TTL: m.Config.CacheTTL})
	}
	var store mina.Store = m.DB
	if m.AdminToken != "" {
		// The fault API acts through an outage switch on the cache backend, the store's
		// session killer (PostgreSQL only) and a slow-store decorator.
		outage := cache.NewOutage(m.Backend)
		m.Backend = outage
		o := chaos.Options{Cache: cacheSwitch{outage, &m.Cache}, Logger: m.Logger}
		if k, ok := m.DB.(chaos.ConnKiller); ok {
			o.Conns = k
		}
		m.Faults = chaos.New(o)
		store = chaos.SlowStore(m.DB, m.Faults)
	}
	m.Cache = cache.New(store, m.Backend, cache.Options{Logger: m.Logger, TTL: m.Config.CacheTTL, NoRecovery: m.NoCacheRecovery})
	m.Users = cache.NewUsers(store, cache.UsersOptions{TTL: m.Config.TokenTTL})
	return nil
}

// cacheSwitch turns the injected cache outage on and off; when it ends, the cache Service
// tries the backend at the next request (as it would a Redis that came back) instead of
// waiting out its RetryAfter.
type cacheSwitch struct {
	outage *cache.Outage
	svc    **cache.Service // set after the switch is made
}

func (c cacheSwitch) SetDown(down bool) {
	c.outage.SetDown(down)
	if !down && *c.svc != nil {
		(*c.svc).RetryNow()
	}
}

// apiConfig wires the services, checks and statistics into the handler's configuration.
func (m *Main) apiConfig() api.Config {
	return api.Config{
		Users:     m.Users,
		Meetings:  m.Cache,
		Tasks:     m.Cache,
		Analytics: m.Cache,
		Cached:    m.Cache,
		Checks: []api.Check{
			{Name: "database", Ping: m.DB.Ping},
			{Name: "cache", Ping: m.Cache.Ping},
		},
		PoolStats: func() api.PoolStats {
			st := m.DB.Stats()
			return api.PoolStats{Open: st.OpenConnections, InUse: st.InUse, Idle: st.Idle,
				WaitCount: st.WaitCount, WaitDuration: st.WaitDuration}
		},
		CacheStats: func() []api.CacheStat {
			var out []api.CacheStat
			for _, st := range append(m.Cache.Stats(), m.Users.Stats()...) {
				out = append(out, api.CacheStat{Name: st.Name, Hits: st.Hits, Misses: st.Misses})
			}
			return out
		},
		Transcripts: m.DB,
		Live:        m.Live,
		Fault:       m.Fault,
		Limit:       m.Limit,
		Chaos:       m.Faults,
		AdminToken:  m.AdminToken,
		Logger:      m.Logger,
	}
}

// URL returns the base URL the server listens on.
func (m *Main) URL() string {
	if m.listener == nil {
		return ""
	}
	return "http://" + m.listener.Addr().String()
}

// Wait blocks until the server stops on its own (an accept error) or ctx is done. It returns
// nil when ctx ended it: the caller then calls Close to drain.
func (m *Main) Wait(ctx context.Context) error {
	select {
	case <-ctx.Done():
		return nil
	case err := <-m.served:
		if errors.Is(err, http.ErrServerClosed) {
			return nil
		}
		return fmt.Errorf("serve: %w", err)
	}
}

// Close closes the live-transcription sessions (1001), stops accepting connections, waits up
// to ShutdownTimeout for in-flight requests to finish, then closes the cache and the store.
func (m *Main) Close() error {
	var errs []error
	if m.Server != nil {
		ctx, cancel := context.WithTimeout(context.Background(), m.ShutdownTimeout)
		defer cancel()
		// Live sessions are upgraded connections, which Shutdown does not track: they are
		// closed first (1001, going away), and no new one is admitted.
		if err := m.Handler.CloseLive(ctx); err != nil {
			errs = append(errs, fmt.Errorf("closing live sessions: %w", err))
		}
		if err := m.Server.Shutdown(ctx); err != nil {
			errs = append(errs, fmt.Errorf("shutdown: %w (in-flight requests cut after %v)", err, m.ShutdownTimeout))
			m.Server.Close()
		}
	}
	errs = append(errs, m.closeResources())
	return errors.Join(errs...)
}

// closeResources closes the cache backend and the store.
func (m *Main) closeResources() error {
	var errs []error
	if m.Faults != nil {
		m.Faults.Close()
		m.Faults = nil
	}
	if m.Backend != nil {
		errs = append(errs, m.Backend.Close())
		m.Backend = nil
	}
	if m.DB != nil {
		errs = append(errs, m.DB.Close())
		m.DB = nil
	}
	return errors.Join(errs...)
}

// writePidfile writes the process id to path.
func writePidfile(path string) error {
	if err := os.WriteFile(path, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		return fmt.Errorf("pidfile: %w", err)
	}
	return nil
}
