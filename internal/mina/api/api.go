// Package api is the HTTP interface of the reference Mina server: the JSON API under /api/,
// /health, /metrics, and the server-rendered pages. It is an http.Handler built on the
// standard library's ServeMux with method patterns (no router library: Go's mux matches
// methods and path wildcards, which is all this API needs).
//
// Routes (every /api/ route needs "Authorization: Bearer <token>"):
//
//	GET    /health                     store and cache pings; 200 or 503 naming what is down
//	GET    /metrics                    Prometheus exposition (github.com/prometheus/client_golang)
//	GET    /  /dashboard  /settings    HTML pages (html/template, embedded, rendered once)
//	GET    /static/app.css
//	GET    /api/meetings               ?page=1.. &per_page=1..100 (default 20)
//	POST   /api/meetings               201 + Location
//	GET    /api/meetings/{id}
//	PUT    /api/meetings/{id}
//	DELETE /api/meetings/{id}          204
//	GET    /api/tasks                  ?status=pending|in_progress|done &meeting_id= &page= &per_page=
//	POST   /api/tasks                  201 + Location
//	GET    /api/tasks/{id}
//	PUT    /api/tasks/{id}
//	DELETE /api/tasks/{id}             204
//	GET    /api/analytics/dashboard    ?days=1..365 (default 7)
//	GET    /api/analytics/trends       ?days=1..365 (default 30)
//	GET    /api/meetings/{id}/transcript  ?after=seq &limit=1..1000 (default 100); with Config.Transcripts
//	GET    /ws/meetings/{id}/transcript   WebSocket live transcription (live.go); with Config.Transcripts
//
// Errors are JSON, {"error":{"code":"invalid","message":"…","field":"title"}}, with the status
// that ErrorStatus maps from the mina error code: 400 for malformed JSON, unknown fields and
// invalid values; 401; 404; 405 with Allow; 413 above Config.MaxBodyBytes.
//
// Reads go through Config.Cached when it is set: it returns encoded JSON, which is written as
// it is (a cached list is never decoded and re-encoded), and the response carries
// X-Cache: HIT or MISS.
//
// Middleware, outermost first: metrics (request duration by route pattern and status), fault
// injection (Config.Fault: added latency and injected 503s on matching paths, for testing
// ramp against a misbehaving server), then the mux.
package api

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/ramp-dev/ramp/internal/mina"
	"github.com/ramp-dev/ramp/internal/mina/chaos"
)

// CachedReads returns the API's cached reads as encoded JSON, with hit reporting whether the
// bytes came from the cache. The bytes are the JSON of the matching mina type and must not be
// modified. internal/mina/cache.Service implements it.
type CachedReads interface {
	ListMeetingsJSON(ctx context.Context, userID int64, p mina.Page) (b []byte, hit bool, err error)
	MeetingJSON(ctx context.Context, userID, id int64) (b []byte, hit bool, err error)
	ListTasksJSON(ctx context.Context, userID int64, f mina.TaskFilter) (b []byte, hit bool, err error)
	DashboardJSON(ctx context.Context, userID int64, days int, now time.Time) (b []byte, hit bool, err error)
	TrendsJSON(ctx context.Context, userID int64, days int, now time.Time) (b []byte, hit bool, err error)
}

// Check is one dependency that /health pings.
type Check struct {
	Name string                          // e.g. "database", "cache"
	Ping func(ctx context.Context) error // nil error: up
}

// PoolStats is a database connection pool's state, as database/sql's DBStats reports it.
type PoolStats struct {
	Open, InUse, Idle int
	WaitCount         int64
	WaitDuration      time.Duration
}

// CacheStat counts the lookups of one named cache.
type CacheStat struct {
	Name         string
	Hits, Misses uint64
}

// Config is what New needs. Users, Meetings, Tasks and Analytics are required.
type Config struct {
	Users     mina.UserService
	Meetings  mina.MeetingService
	Tasks     mina.TaskService
	Analytics mina.AnalyticsService
	// Transcripts, when set, enables live transcription (GET /ws/meetings/{id}/transcript) and
	// GET /api/meetings/{id}/transcript.
	Transcripts mina.TranscriptService
	// Live tunes live transcription.
	Live LiveConfig
	// Cached serves the list, meeting and analytics reads when set.
	Cached CachedReads
	// Checks are pinged by /health, each within HealthTimeout.
	Checks []Check
	// PoolStats, when set, is read at each scrape for the mina_db_pool_* metrics.
	PoolStats func() PoolStats
	// CacheStats, when set, is read at each scrape for the mina_cache_* metrics.
	CacheStats func() []CacheStat
	// Fault injects latency and errors; the zero value injects nothing.
	Fault Fault
	// Limit bounds the requests handled at once; the zero value bounds nothing.
	Limit Limit
	// Chaos holds the faults set at run time; with AdminToken it enables the admin fault API
	// (/admin/faults, see admin.go). Nil: no run-time faults.
	Chaos *chaos.Faults
	// AdminToken is the bearer token of the admin API; empty: the API does not exist (404).
	AdminToken string
	// MaxBodyBytes bounds request bodies (413 above); default DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// HealthTimeout bounds each health check; default 2s.
	HealthTimeout time.Duration
	// Logger receives internal errors; default: discard.
	Logger *slog.Logger
	// Now is the clock for analytics; default time.Now.
	Now func() time.Time
	// Rand returns a number in [0, 1) for fault injection; default math/rand/v2.Float64.
	Rand func() float64
}

// DefaultMaxBodyBytes is the default bound on request bodies.
const DefaultMaxBodyBytes = 64 << 10

// Server is the Mina HTTP handler.
type Server struct {
	cfg      Config
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler
	registry *prometheus.Registry
	metrics  *metrics
	pages    map[string][]byte
	live     *hub // nil without Config.Transcripts
}

var _ http.Handler = (*Server)(nil)

// New returns a Server, or an error naming the bad configuration.
func New(cfg Config) (*Server, error) {
	if cfg.Users == nil || cfg.Meetings == nil || cfg.Tasks == nil || cfg.Analytics == nil {
		return nil, fmt.Errorf("api: Users, Meetings, Tasks and Analytics are all required")
	}
	if cfg.MaxBodyBytes <= 0 {
		cfg.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if cfg.HealthTimeout <= 0 {
		cfg.HealthTimeout = 2 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rand == nil {
		cfg.Rand = rand.Float64
	}
	fault, err := newFaultMatcher(cfg.Fault)
	if err != nil {
		return nil, err
	}
	lim, err := newLimiter(cfg.Limit)
	if err != nil {
		return nil, err
	}
	pages, err := renderPages()
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, mux: http.NewServeMux(), pages: pages}
	if cfg.Transcripts != nil {
		s.live = newHub(cfg.Live, cfg.Transcripts)
	}
	s.routes()
	if s.metrics, err = s.newMetrics(); err != nil {
		return nil, err
	}
	if s.live != nil {
		for _, c := range s.live.collectors() {
			if err := s.registry.Register(c); err != nil {
				return nil, fmt.Errorf("api: live metrics: %w", err)
			}
		}
	}
	if lim.slots != nil {
		if err := s.registry.Register(lim.collector()); err != nil {
			return nil, fmt.Errorf("api: register metrics: %w", err)
		}
	}
	// The limit is outside the fault injection: injected latency is service time, which
	// holds a slot, so capacity is MaxInflight over it.
	s.handler = s.metrics.middleware(s.limit(lim, s.faults(fault, s.chaosFaults(s.mux))))
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Registry returns the Prometheus registry that /metrics exposes, for callers that add
// collectors of their own.
func (s *Server) Registry() *prometheus.Registry { return s.registry }

// route is one method and path pattern and its handler.
type route struct {
	method, path string
	h            http.HandlerFunc
}

// routes registers every route, and for each path a method-less fallback that answers a JSON
// 405 with Allow (the mux's own 405 is plain text), and a JSON 404 for everything else.
func (s *Server) routes() {
	table := []route{
		{"GET", "/health", s.health},
		{"GET", "/metrics", s.metricsHandler},
		{"GET", "/{$}", s.page("index")},
		{"GET", "/dashboard", s.page("dashboard")},
		{"GET", "/settings", s.page("settings")},
		{"GET", "/static/app.css", s.css},
		{"GET", "/api/meetings", s.authed(s.listMeetings)},
		{"POST", "/api/meetings", s.authed(s.createMeeting)},
		{"GET", "/api/meetings/{id}", s.authed(s.getMeeting)},
		{"PUT", "/api/meetings/{id}", s.authed(s.updateMeeting)},
		{"DELETE", "/api/meetings/{id}", s.authed(s.deleteMeeting)},
		{"GET", "/api/tasks", s.authed(s.listTasks)},
		{"POST", "/api/tasks", s.authed(s.createTask)},
		{"GET", "/api/tasks/{id}", s.authed(s.getTask)},
		{"PUT", "/api/tasks/{id}", s.authed(s.updateTask)},
		{"DELETE", "/api/tasks/{id}", s.authed(s.deleteTask)},
		{"GET", "/api/analytics/dashboard", s.authed(s.dashboard)},
		{"GET", "/api/analytics/trends", s.authed(s.trends)},
	}
	table = append(table, s.adminRoutes()...)
	if s.live != nil {
		table = append(table,
			route{"GET", "/api/meetings/{id}/transcript", s.authed(s.transcript)},
			route{"GET", "/ws/meetings/{id}/transcript", s.authed(s.liveTranscript)})
	}
	allowed := map[string][]string{}
	var paths []string
	for _, rt := range table {
		s.mux.HandleFunc(rt.method+" "+rt.path, rt.h)
		if _, ok := allowed[rt.path]; !ok {
			paths = append(paths, rt.path)
		}
		allowed[rt.path] = append(allowed[rt.path], rt.method)
		if rt.method == "GET" {
			allowed[rt.path] = append(allowed[rt.path], "HEAD")
		}
	}
	for _, p := range paths {
		methods := allowed[p]
		slices.Sort(methods)
		allow := strings.Join(methods, ", ")
		s.mux.HandleFunc(p, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Allow", allow)
			s.writeError(w, r, &mina.Error{Code: codeMethodNotAllowed,
				Message: fmt.Sprintf("method %s is not allowed on %s; allowed: %s", r.Method, r.URL.Path, allow)})
		})
	}
	s.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, mina.Errorf(mina.ENOTFOUND, "no route for %s %s", r.Method, r.URL.Path))
	})
}
