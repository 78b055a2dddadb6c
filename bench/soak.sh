#!/usr/bin/env bash
# bench/soak.sh — does ramp's memory stay flat over a long run? (PRODUCT.md: resident memory
# flat within ±32 MiB over a 10-minute run at 5,000 RPS, whatever the run's length.)
#
# nginx serves a 3-byte reply on 127.0.0.1, pinned to core 0 (as bench/run.sh sets it up);
# ramp runs bench/soak.yaml against it on core 1: a constant arrival rate of RATE/s for
# MINUTES minutes. Every 10 s the script reads ramp's resident memory (VmRSS in
# /proc/PID/status) and prints it; at the end, the series and the verdict: PASS when every
# sample after the first minute is within ±32 MiB of the sample at 1 minute, FAIL otherwise
# (exit 1). Not run in CI: it takes MINUTES minutes and both cores.
#
# Usage: bench/soak.sh [MINUTES=10] [RATE=5000]. RAMP_BIN=path measures another ramp binary
# (say, one built from an older commit) instead of building this tree's. Results go to
# bench/out/ (soak-rss.tsv: seconds, RSS KiB; soak.json: ramp's summary) and stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
MINUTES=${1:-10}
RATE=${2:-5000}
LIMIT_MIB=32
OUT=bench/out
mkdir -p "$OUT"
log() { printf '== %s\n' "$*" >&2; }

[[ $MINUTES =~ ^[1-9][0-9]*$ && $RATE =~ ^[1-9][0-9]*$ ]] || { echo "usage: bench/soak.sh [MINUTES=10] [RATE=5000]" >&2; exit 2; }
RAMP=${RAMP_BIN:-$OUT/ramp}
[ -n "${RAMP_BIN:-}" ] || go build -o "$RAMP" ./cmd/ramp

# --- nginx on a free port, core 0 ------------------------------------------------------------
. bench/lib.sh
start_nginx
URL="http://127.0.0.1:$PORT"
RAMP_PID=
cleanup() {
  [ -n "$RAMP_PID" ] && kill "$RAMP_PID" 2>/dev/null
  wait 2>/dev/null || true
  stop_nginx
}
trap cleanup EXIT
log "nginx on $URL (core 0); ramp $RAMP at $RATE/s for $MINUTES min (core 1)"

# --- ramp on core 1, its RSS every 10 s ---------------------------------------------------------
taskset -c 1 "$RAMP" run bench/soak.yaml -e RATE="$RATE" -e DURATION="${MINUTES}m" --base-url "$URL" \
  --quiet --no-summary --summary-export "$OUT/soak.json" >"$NGX/ramp.out" 2>"$NGX/ramp.err" &
RAMP_PID=$!
start=$(date +%s)
deadline=$((start + MINUTES * 60 + 120)) # the run is bounded by its scenario; this is a backstop
: >"$OUT/soak-rss.tsv"
printf '%8s %10s\n' seconds "RSS MiB"
next=10
while kill -0 "$RAMP_PID" 2>/dev/null; do
  now=$(date +%s)
  if ((now >= deadline)); then
    log "ramp still running ${MINUTES} min + 2 min after it started: stopping it"
    kill "$RAMP_PID" 2>/dev/null || true
    break
  fi
  if ((now - start >= next)); then
    rss=$(awk '/^VmRSS:/ {print $2}' "/proc/$RAMP_PID/status" 2>/dev/null || true)
    if [ -n "$rss" ]; then
      printf '%d\t%d\n' "$next" "$rss" >>"$OUT/soak-rss.tsv"
      printf '%8d %10.1f\n' "$next" "$(echo "$rss/1024" | bc -l)"
    fi
    next=$((next + 10))
  fi
  sleep 1
done
rc=0
wait "$RAMP_PID" || rc=$?
RAMP_PID=
[ -s "$OUT/soak.json" ] || { log "ramp exited $rc without a summary"; cat "$NGX/ramp.err" >&2; exit 1; }

# --- the verdict -----------------------------------------------------------------------------
python3 - "$OUT/soak-rss.tsv" "$OUT/soak.json" "$LIMIT_MIB" "$RATE" "$MINUTES" <<'PY' | tee "$OUT/soak.txt"
import json, sys
rows = [tuple(map(int, l.split())) for l in open(sys.argv[1]) if l.strip()]
s = json.load(open(sys.argv[2])); limit = float(sys.argv[3]); rate = int(sys.argv[4]); minutes = int(sys.argv[5])
load = s["load"]
print("\nramp at %d/s for %d min: %d requests, %d of %d iterations dropped, p99 %.3f ms"
      % (rate, minutes, s["metrics"]["requests_total"], load["iterations_dropped"], load["iterations_scheduled"],
         s["metric_values"]["http_req_duration"]["p(99)"]))
base = next((kib for t, kib in rows if t == 60), None)
later = [(t, kib) for t, kib in rows if t > 60]
if base is None or not later:
    print("verdict: n/a — no RSS sample at 1 minute and after it (the run is too short)")
    sys.exit(1)
print("RSS at 1 min %.1f MiB; after it %.1f to %.1f MiB (%+.1f to %+.1f MiB); the limit is ±%g MiB"
      % (base / 1024, min(k for _, k in later) / 1024, max(k for _, k in later) / 1024,
         (min(k for _, k in later) - base) / 1024, (max(k for _, k in later) - base) / 1024, limit))
bad = [(t, kib) for t, kib in later if abs(kib - base) > limit * 1024]
if bad:
    t, kib = bad[0]
    print("verdict: FAIL — at %d s RSS was %.1f MiB, %+.1f MiB from the sample at 1 minute" % (t, kib / 1024, (kib - base) / 1024))
    sys.exit(1)
print("verdict: PASS")
PY
