#!/usr/bin/env bash
# bench/body-rss.sh — ramp's peak memory against a target whose bodies nobody reads.
#
# bench/bodyserver streams 256 MiB bodies (generated as they are written) on 127.0.0.1,
# pinned to core 0; ramp runs bench/body-rss.yaml against it on core 1: constant-arrival-rate
# 50/s for 10 s, at most 50 VUs, a status check and nothing that reads the body. While ramp
# runs, the script samples its peak RSS (VmHWM in /proc/PID/status) every 0.1 s, and prints
# it with the requests that completed and the bytes received: loopback cannot carry
# 50 × 256 MiB = 12.8 GB/s, so most arrivals are dropped for want of a free VU.
#
# Usage: bench/body-rss.sh [SIZE_BYTES=268435456]. RAMP_BIN=path measures another ramp
# binary (say, one built from an older commit) instead of building this tree's. Results go
# to bench/out/ and stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
SIZE=${1:-268435456}
OUT=bench/out
mkdir -p "$OUT"
log() { printf '== %s\n' "$*" >&2; }

RAMP=${RAMP_BIN:-$OUT/ramp}
[ -n "${RAMP_BIN:-}" ] || go build -o "$RAMP" ./cmd/ramp
go build -o "$OUT/bodyserver" ./bench/bodyserver

TMP=$(mktemp -d)
SRV=
RAMP_PID=
cleanup() {
  [ -n "$RAMP_PID" ] && kill "$RAMP_PID" 2>/dev/null
  [ -n "$SRV" ] && kill "$SRV" 2>/dev/null
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

taskset -c 0 "$OUT/bodyserver" -size "$SIZE" >"$TMP/server.out" &
SRV=$!
for _ in $(seq 50); do grep -q "^listening on" "$TMP/server.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^listening on //p' "$TMP/server.out")
[ -n "$BASE" ] || { log "bodyserver did not start"; exit 1; }
log "bodyserver on $BASE, $SIZE-byte bodies; ramp: $RAMP"

# ramp's run is bounded: 10 s of arrivals, then at most the scenario's 15 s gracefulStop.
taskset -c 1 "$RAMP" run bench/body-rss.yaml --base-url "$BASE" --quiet --no-summary \
  --summary-export "$OUT/body-rss.json" >"$TMP/ramp.out" 2>"$TMP/ramp.err" &
RAMP_PID=$!
peak=0
while kill -0 "$RAMP_PID" 2>/dev/null; do
  hwm=$(awk '/^VmHWM:/ {print $2}' "/proc/$RAMP_PID/status" 2>/dev/null || true)
  [ -n "$hwm" ] && [ "$hwm" -gt "$peak" ] && peak=$hwm
  sleep 0.1
done
rc=0
wait "$RAMP_PID" || rc=$?
RAMP_PID=
[ -s "$OUT/body-rss.json" ] || { log "ramp exited $rc without a summary"; cat "$TMP/ramp.err" >&2; exit 1; }

python3 - "$OUT/body-rss.json" "$peak" "$SIZE" <<'PY' | tee "$OUT/body-rss.txt"
import json, sys
s = json.load(open(sys.argv[1])); peak_kib = int(sys.argv[2]); size = int(sys.argv[3])
mv, load = s["metric_values"], s["load"]
received = mv["data_received"]["count"]
print("ramp peak RSS (VmHWM) %.1f MiB — %d requests completed (%.1f GB received, %.2f bodies of %d MiB), "
      "%d of %d iterations dropped, http_req_receiving median %.0f ms"
      % (peak_kib / 1024, s["metrics"]["requests_total"], received / 1e9, received / size, size >> 20,
         load["iterations_dropped"], load["iterations_scheduled"], mv["http_req_receiving"]["med"]))
PY
