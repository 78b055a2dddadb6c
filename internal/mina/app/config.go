package app

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Config is mina's configuration from the environment:
//
//	DATABASE_URL        postgres://… or postgresql://… (PostgreSQL), sqlite:PATH (SQLite);
//	                    default sqlite:mina.db
//	REDIS_URL           redis://… or rediss://…: cache reads in Redis; unset: in process
//	MINA_DB_POOL_SIZE   connections of the database pool; unset: the store's default
//	MINA_CACHE_TTL      how long a cached read lives (a Go duration); default 30s
//	MINA_TOKEN_TTL      how long a token's user is remembered, and so how long a revoked
//	                    token keeps working; default 10s
//	MINA_REDIS_PREFIX   prefix of mina's Redis keys, to share a Redis; default "mina:"
type Config struct {
	DatabaseURL string
	RedisURL    string
	RedisPrefix string
	PoolSize    int
	CacheTTL    time.Duration
	TokenTTL    time.Duration
}

// Defaults of Config.
const (
	DefaultDatabaseURL = "sqlite:mina.db"
	DefaultCacheTTL    = 30 * time.Second
	DefaultTokenTTL    = 10 * time.Second
)

// ConfigFromEnv reads the configuration through getenv (os.Getenv in the program), naming the
// variable and quoting the value of any it cannot read.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	c := Config{
		DatabaseURL: getenv("DATABASE_URL"),
		RedisURL:    getenv("REDIS_URL"),
		RedisPrefix: getenv("MINA_REDIS_PREFIX"),
		CacheTTL:    DefaultCacheTTL,
		TokenTTL:    DefaultTokenTTL,
	}
	if c.DatabaseURL == "" {
		c.DatabaseURL = DefaultDatabaseURL
	}
	if _, _, err := ParseDatabaseURL(c.DatabaseURL); err != nil {
		return Config{}, err
	}
	if v := getenv("MINA_DB_POOL_SIZE"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10_000 {
			return Config{}, fmt.Errorf("MINA_DB_POOL_SIZE=%q: want an integer from 1 to 10000", v)
		}
		c.PoolSize = n
	}
	for _, d := range []struct {
		name string
		dst  *time.Duration
	}{{"MINA_CACHE_TTL", &c.CacheTTL}, {"MINA_TOKEN_TTL", &c.TokenTTL}} {
		v := getenv(d.name)
		if v == "" {
			continue
		}
		ttl, err := time.ParseDuration(v)
		if err != nil || ttl <= 0 {
			return Config{}, fmt.Errorf("%s=%q: want a positive duration such as 30s", d.name, v)
		}
		*d.dst = ttl
	}
	return c, nil
}

// Database kinds that ParseDatabaseURL returns.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// ParseDatabaseURL returns the kind of database a DATABASE_URL names and what to open: the
// URL itself for PostgreSQL, the file path for SQLite.
//
//	url      = postgres | sqlite
//	postgres = ( "postgres://" | "postgresql://" ) rest   ; handed to the driver as is
//	sqlite   = "sqlite:" [ "//" ] path                    ; sqlite:mina.db, sqlite:///tmp/m.db,
//	                                                      ; sqlite::memory:
func ParseDatabaseURL(u string) (kind, target string, err error) {
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return KindPostgres, u, nil
	case strings.HasPrefix(u, "sqlite:"):
		path := strings.TrimPrefix(strings.TrimPrefix(u, "sqlite:"), "//")
		if path == "" {
			return "", "", fmt.Errorf("DATABASE_URL=%q: no file after sqlite: (e.g. sqlite:mina.db)", u)
		}
		return KindSQLite, path, nil
	}
	return "", "", fmt.Errorf("DATABASE_URL=%q: want postgres://…, postgresql://… or sqlite:PATH", u)
}
