#!/usr/bin/env bash
# The README's test command: on a fresh machine it makes sure PostgreSQL and Redis answer on
# 127.0.0.1, points the store and cache tests at them, then vets and tests everything (the
# engine packages under the race detector).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

log() { printf '== %s\n' "$*"; }

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3) 2>/dev/null)" = "+PONG" ]; }

if ! pg_up; then
  log "starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -1)" main start
  for _ in $(seq 30); do pg_up && break; sleep 1; done
fi
pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
if ! redis_up; then
  log "starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis_up && break; sleep 1; done
fi
redis_up || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }

# The tests' database: PostgreSQL's "test" database, made when a fresh server lacks it.
if command -v psql >/dev/null && ! psql -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
  log "creating PostgreSQL database test"
  psql -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null
fi

# redis-server itself, for the tests that start a Redis of their own to cut off behind a proxy
# (the shared one is never broken), even where the shared Redis runs elsewhere.
if ! command -v redis-server >/dev/null; then
  log "installing redis-server"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

# Debian's Chromium for the HTML report's browser test.
if ! command -v chromium >/dev/null; then
  log "installing chromium"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
export RAMP_TEST_CHROMIUM=1

# Debian's Prometheus for the remote-write, scrape and dashboard tests (each starts its own on
# a free port with a temporary TSDB).
if ! command -v prometheus >/dev/null; then
  log "installing prometheus"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq prometheus >/dev/null
fi
export RAMP_TEST_PROMETHEUS=1

export MINA_TEST_POSTGRES_URL="${MINA_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test?sslmode=disable}"
export MINA_TEST_REDIS_URL="${MINA_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"

log "go vet"
go vet ./...
log "go test -race (engine packages)"
go test -race -count=1 ./internal/executor/... ./internal/metrics/... ./internal/httpclient/... ./internal/flow/... ./internal/selfcheck/... ./internal/engine/... ./internal/verdict/... ./internal/criteria/...
log "go test ./... (the CLI's end-to-end tests last, alone: they run real load and judge it)"
go test -count=1 $(go list ./... | grep -v '/internal/cli$')
go test -count=1 ./internal/cli/

log "the main job: ramp suite --quick against the embedded mina"
results=$(mktemp -d)
go run ./cmd/ramp suite --quick --no-color --results "$results/results" | tail -12
for f in summary.json junit.xml summary.md load-test-report.html; do
  [ -s "$results/results/$f" ] || { echo "ramp suite --quick did not write $f" >&2; exit 1; }
done
rm -rf "$results"
