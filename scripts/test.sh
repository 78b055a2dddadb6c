#!/usr/bin/env bash
# The README's test command: on a fresh Debian machine it installs PostgreSQL, Redis,
# Chromium and Prometheus from Debian's packages when they are missing (as root, or through
# sudo), makes sure PostgreSQL and Redis answer on 127.0.0.1, points the store and cache tests
# at them, then vets and tests everything (the engine packages under the race detector).
# `scripts/test.sh services` only installs and starts the services.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

log() { printf '== %s\n' "$*"; }

# --- The services the tests need, installed from Debian's packages when missing ------------
# Everything here keeps what exists: a running server is used as it is, an installed one is
# only started, and only a cluster this script created gets its authentication set.

pg_up() { (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; }
redis_up() { [ "$( (exec 3<>/dev/tcp/127.0.0.1/6379 && printf 'PING\r\n' >&3 && timeout 2 head -c 5 <&3) 2>/dev/null)" = "+PONG" ]; }

# as_root runs a command as root: directly, or through sudo when there is one.
as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"
  elif command -v sudo >/dev/null; then sudo "$@"
  else echo "installing needs root (or sudo): $*" >&2; return 1
  fi
}

# apt_install installs Debian packages, updating the package lists once per run.
apt_updated=
apt_install() {
  command -v apt-get >/dev/null || { echo "$* missing and no apt-get to install it: install it, or start it on 127.0.0.1" >&2; exit 1; }
  log "installing $* (Debian packages)"
  if [ -z "$apt_updated" ]; then
    # Offline, the package lists and archives already on the machine may still do.
    as_root apt-get update -qq || log "apt-get update failed: installing from the package lists at hand"
    apt_updated=1
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# pg_version is the newest installed PostgreSQL server's major version (Debian installs it
# in /usr/lib/postgresql/V; /etc/postgresql/V exists only while a cluster does).
pg_version() {
  local d
  for d in $(ls /usr/lib/postgresql 2>/dev/null | sort -V -r); do
    [ -x "/usr/lib/postgresql/$d/bin/postgres" ] && { echo "$d"; return; }
  done
}

# pg_trust_loopback lets the tests connect as postgres without a password over 127.0.0.1 and
# ::1 — only on a cluster this script installed or created, whose pg_hba.conf asks for one.
pg_trust_loopback() {
  local hba="/etc/postgresql/$1/main/pg_hba.conf"
  if ! grep -Eq '^host[[:space:]]+all[[:space:]]+all[[:space:]]+127\.0\.0\.1/32[[:space:]]+trust' "$hba"; then
    log "PostgreSQL $1: trust authentication for 127.0.0.1 and ::1 (a fresh test cluster)"
    as_root sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
}

ensure_postgres() {
  pg_up && return 0
  local fresh=
  if ! command -v pg_ctlcluster >/dev/null || [ -z "$(pg_version)" ]; then
    apt_install postgresql
    fresh=1
  fi
  local v; v=$(pg_version)
  # Debian's package creates the "main" cluster unless createcluster.conf says not to; a
  # container may also have had it removed.
  if [ ! -f "/etc/postgresql/$v/main/postgresql.conf" ]; then
    log "creating PostgreSQL $v cluster main"
    as_root pg_createcluster "$v" main --port 5432 >/dev/null
    fresh=1
  fi
  [ -n "$fresh" ] && pg_trust_loopback "$v"
  log "starting PostgreSQL $v"
  # The package's own start may have raced us (or been denied by policy-rc.d): "already
  # running" is fine, the port check below decides.
  as_root pg_ctlcluster --skip-systemctl-redirect "$v" main start || true
  for _ in $(seq 30); do pg_up && break; sleep 1; done
}

ensure_redis() {
  redis_up && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  # The package may have started its own server (systemd), or not (a container): wait a
  # moment for it before starting one.
  for _ in $(seq 3); do redis_up && return 0; sleep 1; done
  log "starting Redis"
  as_root mkdir -p /var/lib/redis /var/log/redis
  as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 30); do redis_up && break; sleep 1; done
}

# Debian's Chromium for the HTML report's browser test; Debian's Prometheus for the
# remote-write, scrape and dashboard tests (each starts its own on a free port with a
# temporary TSDB); redis-server itself, for the tests that start a Redis of their own to cut
# off behind a proxy (the shared one is never broken), even where the shared Redis runs
# elsewhere.
ensure_tools() {
  command -v chromium >/dev/null || apt_install chromium
  command -v prometheus >/dev/null || apt_install prometheus
  # jq, for the test that reads --summary-format k6 with the expressions k6 users' CI runs.
  command -v jq >/dev/null || apt_install jq
  command -v redis-server >/dev/null || apt_install redis-server
}

ensure_services() {
  ensure_postgres
  pg_up || { echo "PostgreSQL is not reachable on 127.0.0.1:5432" >&2; exit 1; }
  ensure_redis
  redis_up || { echo "Redis is not reachable on 127.0.0.1:6379" >&2; exit 1; }
  # The tests' database: PostgreSQL's "test" database, made when a fresh server lacks it.
  if command -v psql >/dev/null && ! psql -w -h 127.0.0.1 -U postgres -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'test'" | grep -q 1; then
    log "creating PostgreSQL database test"
    psql -w -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE test" >/dev/null
  fi
  ensure_tools
}

ensure_services
# `scripts/test.sh services` stops here: the services up, no tests run.
[ "${1:-}" = services ] && { log "services ready"; exit 0; }
export RAMP_TEST_CHROMIUM=1 RAMP_TEST_PROMETHEUS=1

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
