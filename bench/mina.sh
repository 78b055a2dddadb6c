#!/usr/bin/env bash
# bench/mina.sh — mina under the read mix of the strategy's test 1, as PRODUCT.md §7 sets the
# goal: 10,000 RPS with p99 under 20 ms on SQLite with the in-process cache, and 1,000 RPS
# with p99 under 20 ms on PostgreSQL + Redis. mina is pinned to core 0, ramp to core 1.
#
# Usage: bench/mina.sh [DURATION_SECONDS=10]. The PostgreSQL run uses a database of its own,
# mina_bench, on 127.0.0.1:5432 (created, and dropped afterwards) and Redis db 15.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
DURATION=${1:-10}
OUT=bench/out
mkdir -p "$OUT"
go build -o "$OUT/ramp" ./cmd/ramp
TMP=$(mktemp -d)
PID=
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

# serve DATABASE_URL [REDIS_URL]: seed, start mina on core 0, set BASE and TOKENS.
serve() {
  export DATABASE_URL=$1 REDIS_URL=${2:-}
  [ -n "$REDIS_URL" ] || unset REDIS_URL
  "$OUT/ramp" mina seed --users 100 --meetings 1000 --tokens-out "$TMP/tokens.csv" 2>/dev/null
  taskset -c 0 "$OUT/ramp" mina serve --addr 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
  PID=$!
  for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
  BASE=$(sed -n 's/^mina listening on //p' "$TMP/serve.out")
}
stop() { kill "$PID"; wait "$PID" 2>/dev/null || true; PID=; }

# warm RATE: a short load first, so connection pools and caches are as in steady state.
warm() {
  taskset -c 1 "$OUT/ramp" run bench/mina-read.yaml --base-url "$BASE" -e TOKENS_CSV="$TMP/tokens.csv" \
    -e RATE="$1" -e DURATION=3s --quiet --no-summary >/dev/null 2>&1 || true
}

# load RATE LABEL: ramp on core 1 at RATE for DURATION; prints the figures.
load() {
  taskset -c 1 "$OUT/ramp" run bench/mina-read.yaml --base-url "$BASE" -e TOKENS_CSV="$TMP/tokens.csv" \
    -e RATE="$1" -e DURATION="${DURATION}s" --quiet --no-summary --summary-export "$OUT/mina-$2.json" >/dev/null || true
  python3 - "$OUT/mina-$2.json" "$1" "$2" <<'PY' | tee -a "$OUT/mina-results.txt"
import json, sys
s = json.load(open(sys.argv[1])); m = s["metrics"]; mv = s["metric_values"]
print("%-22s target %6s/s  achieved %8.1f/s  p50 %6.2f ms  p99 %6.2f ms  errors %.3f%%  dropped %d  generator %s"
      % (sys.argv[3], sys.argv[2], m["requests_per_second"], mv["http_req_duration"]["med"], mv["http_req_duration"]["p(99)"],
         100 * m["error_rate"], s["load"]["iterations_dropped"], "overloaded" if s["generator"]["overloaded"] else "ok"))
PY
}

: >"$OUT/mina-results.txt"
serve "sqlite:$TMP/mina.db"
warm 1000
load 1000 sqlite-1k
load 5000 sqlite-5k
load 10000 sqlite-10k
stop

if psql -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS mina_bench" -c "CREATE DATABASE mina_bench" >/dev/null 2>&1; then
  serve "postgres://postgres@127.0.0.1:5432/mina_bench?sslmode=disable" "redis://127.0.0.1:6379/15"
  warm 1000
  load 1000 postgres-redis-1k
  load 2500 postgres-redis-2.5k
  stop
  psql -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE mina_bench" >/dev/null
  redis-cli -n 15 flushdb >/dev/null 2>&1 || true
else
  echo "PostgreSQL not reachable on 127.0.0.1:5432: skipping the PostgreSQL + Redis run" >&2
fi
