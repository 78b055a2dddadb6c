// Package chaos is mina's fault injection at run time: the faults that the admin API
// (/admin/faults, see internal/mina/api) sets and clears while mina serves, so that a load
// test can break mina on a timeline and watch it recover.
//
// A fault is named (several can be on at once, e.g. two overlapping windows of a ramp chaos:
// timeline) and combines any of:
//
//	latency             added before matching requests are handled (route selects them)
//	error_rate          the fraction of matching requests answered 503 instead
//	db_latency          added before every call of the store (a slow database)
//	db_connection_loss  mina's database sessions are terminated on the server when the fault
//	                    is set and again every db_loss_every (default 1s) while it is on
//	cache_outage        the cache backend fails every call, as an unreachable Redis does
//
// Every kind is real from mina's point of view: the cache outage goes through the cache
// Service's outage and recovery; the connection loss kills the sessions on the database
// server (pg_terminate_backend), so the store meets real broken connections. The effect of
// all faults together: latencies add up, the largest error rate wins, the largest db_latency
// wins, and the outage or loss lasts while any fault has it on.
package chaos

import (
	"context"
	"fmt"
	"log/slog"
	"path"
	"sort"
	"strings"
	"sync"
	"time"
)

// Fault is one named fault's settings. The zero value injects nothing.
type Fault struct {
	// Latency is added to requests whose path matches Route.
	Latency time.Duration
	// ErrorRate is the fraction (0..1) of matching requests answered 503.
	ErrorRate float64
	// Route selects the requests of Latency and ErrorRate (see MatchRoute); "" is every path.
	Route string
	// DBLatency is added before every call of the store.
	DBLatency time.Duration
	// DBConnectionLoss terminates the store's database sessions, at once and every
	// DBLossEvery while the fault is on.
	DBConnectionLoss bool
	DBLossEvery      time.Duration
	// CacheOutage makes the cache backend fail every call.
	CacheOutage bool
}

// Validate names the first bad setting.
func (f Fault) Validate() error {
	switch {
	case f.Latency < 0:
		return fmt.Errorf("latency %v is negative", f.Latency)
	case !(f.ErrorRate >= 0 && f.ErrorRate <= 1):
		return fmt.Errorf("error_rate %v is not within [0, 1]", f.ErrorRate)
	case f.DBLatency < 0:
		return fmt.Errorf("db_latency %v is negative", f.DBLatency)
	case f.DBLossEvery < 0:
		return fmt.Errorf("db_loss_every %v is negative", f.DBLossEvery)
	case f.Latency > time.Minute || f.DBLatency > time.Minute:
		return fmt.Errorf("a latency above 1m would hold requests past every timeout; use error_rate")
	}
	if strings.ContainsAny(f.Route, "*?[") {
		if _, err := path.Match(f.Route, "/"); err != nil {
			return fmt.Errorf("route %q: %w", f.Route, err)
		}
	}
	return nil
}

// MatchRoute reports whether a request path is selected by route:
//
//	""                     every path
//	a pattern with * ? [   a glob matched against the whole path (path.Match: * stays within
//	                       one segment), e.g. "/api/meetings/*"
//	anything else          a path prefix, e.g. "/api/analytics"
//
// /metrics and /admin/ are never selected, so monitors and the fault API keep working.
func MatchRoute(route, p string) bool {
	if p == "/metrics" || strings.HasPrefix(p, "/admin/") {
		return false
	}
	if strings.ContainsAny(route, "*?[") {
		ok, _ := path.Match(route, p)
		return ok
	}
	return strings.HasPrefix(p, route)
}

// CacheSwitch is the cache backend's outage switch (cache.Outage).
type CacheSwitch interface{ SetDown(down bool) }

// ConnKiller ends the store's database sessions on the server (postgres.DB); a store that has
// none (SQLite) is nil, and a connection-loss fault is then refused.
type ConnKiller interface {
	TerminateConnections(ctx context.Context) (int, error)
}

// Options are what the faults act on. Nil fields make their faults unavailable.
type Options struct {
	Cache  CacheSwitch
	Conns  ConnKiller
	Logger *slog.Logger
}

// Faults is the set of faults on now. It is safe for concurrent use; the zero value is not
// usable: call New, and Close when done.
type Faults struct {
	opts   Options
	mu     sync.RWMutex
	faults map[string]Fault
	stop   func() // ends the connection-loss loop and waits for it; nil when it does not run
	// What apply last brought about: the cache outage and the loop's interval (0: none).
	// Setting or clearing another fault leaves them be — no extra recovery of the cache, no
	// extra session loss off the timeline.
	outage bool
	every  time.Duration
}

// DefaultDBLossEvery is how often a connection-loss fault terminates the sessions again.
const DefaultDBLossEvery = time.Second

// New returns an empty set of faults acting on o.
func New(o Options) *Faults {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return &Faults{opts: o, faults: map[string]Fault{}}
}

// ErrUnsupported marks a fault this mina cannot inject (no database sessions to end).
var ErrUnsupported = fmt.Errorf("not supported by this server")

// Set turns the named fault on, replacing one of that name.
func (fs *Faults) Set(name string, f Fault) error {
	if name == "" || len(name) > 100 {
		return fmt.Errorf("fault name %q: want 1 to 100 characters", name)
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if f.DBConnectionLoss && fs.opts.Conns == nil {
		return fmt.Errorf("db_connection_loss: %w (the SQLite store holds no server sessions)", ErrUnsupported)
	}
	if f.CacheOutage && fs.opts.Cache == nil {
		return fmt.Errorf("cache_outage: %w (no cache)", ErrUnsupported)
	}
	if f.DBConnectionLoss && f.DBLossEvery == 0 {
		f.DBLossEvery = DefaultDBLossEvery
	}
	fs.mu.Lock()
	fs.faults[name] = f
	fs.mu.Unlock()
	fs.opts.Logger.Warn("fault on", "name", name, "fault", fmt.Sprintf("%+v", f))
	fs.apply()
	return nil
}

// Clear turns the named fault off; it reports whether it was on.
func (fs *Faults) Clear(name string) bool {
	fs.mu.Lock()
	_, ok := fs.faults[name]
	delete(fs.faults, name)
	fs.mu.Unlock()
	if ok {
		fs.opts.Logger.Warn("fault off", "name", name)
		fs.apply()
	}
	return ok
}

// ClearAll turns every fault off.
func (fs *Faults) ClearAll() {
	fs.mu.Lock()
	fs.faults = map[string]Fault{}
	fs.mu.Unlock()
	fs.apply()
}

// List returns the faults on, by name.
func (fs *Faults) List() map[string]Fault {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	out := make(map[string]Fault, len(fs.faults))
	for k, v := range fs.faults {
		out[k] = v
	}
	return out
}

// Request returns what the faults do to a request of path p: the latency to add and the
// error rate to answer 503 at.
func (fs *Faults) Request(p string) (latency time.Duration, errorRate float64) {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	for _, f := range fs.faults {
		if (f.Latency > 0 || f.ErrorRate > 0) && MatchRoute(f.Route, p) {
			latency += f.Latency
			errorRate = max(errorRate, f.ErrorRate)
		}
	}
	return latency, errorRate
}

// DBLatency returns the latency to add before a store call.
func (fs *Faults) DBLatency() time.Duration {
	fs.mu.RLock()
	defer fs.mu.RUnlock()
	var d time.Duration
	for _, f := range fs.faults {
		d = max(d, f.DBLatency)
	}
	return d
}

// apply brings the cache switch and the connection-loss loop in line with the faults on.
func (fs *Faults) apply() {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	outage, every := false, time.Duration(0)
	names := make([]string, 0, len(fs.faults))
	for n := range fs.faults {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		f := fs.faults[n]
		outage = outage || f.CacheOutage
		if f.DBConnectionLoss && (every == 0 || f.DBLossEvery < every) {
			every = f.DBLossEvery
		}
	}
	if fs.opts.Cache != nil && outage != fs.outage {
		fs.opts.Cache.SetDown(outage)
	}
	fs.outage = outage
	if every == fs.every {
		return
	}
	fs.every = every
	if fs.stop != nil {
		fs.stop() // once it returns, no session is terminated by the old loop any more
		fs.stop = nil
	}
	if every > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		fs.stop = func() { cancel(); <-done }
		go func() {
			defer close(done)
			fs.killLoop(ctx, every)
		}()
	}
}

// killLoop terminates the store's sessions now and every interval until ctx ends.
func (fs *Faults) killLoop(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for ctx.Err() == nil {
		kctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		n, err := fs.opts.Conns.TerminateConnections(kctx)
		cancel()
		if err != nil && ctx.Err() == nil {
			fs.opts.Logger.Warn("fault: terminating database sessions failed", "err", err)
		} else if err == nil {
			fs.opts.Logger.Info("fault: database sessions terminated", "sessions", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Close turns every fault off; the connection-loss loop has ended when it returns.
func (fs *Faults) Close() { fs.ClearAll() }
