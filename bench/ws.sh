#!/usr/bin/env bash
# bench/ws.sh — 10,000 concurrent WebSocket sessions against mina's live transcription, and
# ws_msg_latency under that load. It measures, while every session is open, the resident
# memory of ramp (the client) and of mina (the server) per session: (RSS at hold − RSS before
# the load) / open sessions, plus CPU time (user+sys from /proc) per process.
#
# Usage: bench/ws.sh [SESSIONS=10000] [SPEAKERS=20]. Each process needs SESSIONS + ~1000 descriptors:
# the script raises `ulimit -n` (as root it raises the hard limit too). 10,000 sessions to one
# server port fit in the default ephemeral port range (32768–60999) from one source address;
# past ~28,000, wsclient.Options.LocalAddrs spreads dials over 127.0.0.x sources.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
SESSIONS=${1:-10000}
SPEAKERS=${2:-20}
RAMP=${RAMP:-30s}
HOLD=${HOLD:-40s}
OUT=bench/out
mkdir -p "$OUT"
ulimit -Hn 65536 2>/dev/null || true
ulimit -n "$(ulimit -Hn)"
need=$((SESSIONS + 1000)) # per process: ramp holds one socket per session, mina another
if [ "$(ulimit -n)" -lt "$need" ]; then
  echo "bench/ws.sh: ulimit -n is $(ulimit -n), below the $need this needs" >&2; exit 1
fi
go build -o "$OUT/ramp" ./cmd/ramp
TMP=$(mktemp -d)
MINA= RAMPPID=
cleanup() { [ -n "$RAMPPID" ] && kill "$RAMPPID" 2>/dev/null; [ -n "$MINA" ] && kill "$MINA" 2>/dev/null; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT

# 200 users, so 10,000 listeners are 50 per meeting (mina admits 100).
export DATABASE_URL="sqlite:$TMP/mina.db"
unset REDIS_URL
"$OUT/ramp" mina seed --users 200 --meetings 2000 --tokens-out "$TMP/tokens.csv" >/dev/null 2>&1
"$OUT/ramp" mina serve --addr 127.0.0.1:0 >"$TMP/serve.out" 2>"$TMP/serve.err" &
MINA=$!
for _ in $(seq 100); do grep -q "listening on" "$TMP/serve.out" 2>/dev/null && break; sleep 0.1; done
BASE=$(sed -n 's/^mina listening on //p' "$TMP/serve.out")

rss() { awk '/^VmRSS/ {print $2 * 1024}' "/proc/$1/status" 2>/dev/null || echo 0; }
cpu() { awk '{print ($14 + $15) / '"$(getconf CLK_TCK)"'}' "/proc/$1/stat" 2>/dev/null || echo 0; }
live() { curl -s "$BASE/metrics" | awk '/^mina_live_sessions / {print $2}'; }
# Go's own view of mina's memory: heap and stacks in use (no GC headroom, no freed pages).
goinuse() { curl -s "$BASE/metrics" | awk '/^go_memstats_heap_inuse_bytes / {h=$2} /^go_memstats_stack_inuse_bytes / {s=$2} END {printf "%d", h + s}'; }

MINA_BASE=$(rss "$MINA")
MINA_GO0=$(goinuse)
MINA_CPU0=$(cpu "$MINA")
"$OUT/ramp" run bench/ws-sessions.yaml --base-url "$BASE" -e TOKENS_CSV="$TMP/tokens.csv" -e SESSIONS="$SESSIONS" \
  -e SPEAKERS="$SPEAKERS" -e RAMP="$RAMP" -e HOLD="$HOLD" -e TOTAL="$(( ${RAMP%s} + ${HOLD%s} ))s" \
  --quiet --summary-export "$OUT/ws-summary.json" >"$TMP/run.out" 2>&1 &
RAMPPID=$!
sleep 1
RAMP_BASE=$(rss "$RAMPPID")
# Sample every second; keep the sample with the most open sessions during the hold.
best=0 ramp_rss=0 mina_rss=0 mina_go=0
: >"$OUT/ws-samples.txt"
while kill -0 "$RAMPPID" 2>/dev/null; do
  n=$(live || echo 0); n=${n%.*}; r=$(rss "$RAMPPID"); m=$(rss "$MINA"); g=$(goinuse)
  echo "$(date +%s) sessions=$n ramp_rss=$r mina_rss=$m mina_go_inuse=$g" >>"$OUT/ws-samples.txt"
  if [ "${n:-0}" -ge "$best" ] && [ "$r" -gt 0 ]; then best=$n ramp_rss=$r mina_rss=$m mina_go=$g; fi
  sleep 1
done
wait "$RAMPPID" || true
RAMPPID=
MINA_CPU=$(awk -v a="$(cpu "$MINA")" -v b="$MINA_CPU0" 'BEGIN {print a - b}')
python3 - "$OUT/ws-summary.json" "$best" "$RAMP_BASE" "$ramp_rss" "$MINA_BASE" "$mina_rss" "$MINA_CPU" "$MINA_GO0" "$mina_go" <<'PY' | tee "$OUT/ws-results.txt"
import json, sys
s = json.load(open(sys.argv[1])); mv = s["metric_values"]
best, rb, rr, mb, mr, mcpu = int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
def per(a, b): return (b - a) / best / 1024 if best else float("nan")
lat = mv.get("ws_msg_latency{name:speaker}") or mv.get("ws_msg_latency") or {}
print("open sessions at the hold (mina_live_sessions): %d" % best)
print("ramp RSS %.1f MiB -> %.1f MiB: %.1f KiB per session" % (rb / 2**20, rr / 2**20, per(rb, rr)))
print("mina RSS %.1f MiB -> %.1f MiB: %.1f KiB per session" % (mb / 2**20, mr / 2**20, per(mb, mr)))
g0, g1 = int(sys.argv[8] or 0), int(sys.argv[9] or 0)
print("mina Go heap+stacks in use %.1f MiB -> %.1f MiB: %.1f KiB per session" % (g0 / 2**20, g1 / 2**20, per(g0, g1)))
for k in ("checks{check:ws connected}", "checks{check:ready}", "http_req_failed"):
    if k in mv: print("%-28s %s" % (k, json.dumps(mv[k])))
print("ws_msg_latency (speaker chunk -> partial): p50 %.2f ms  p95 %.2f ms  p99 %.2f ms  max %.2f ms  (%d samples)"
      % (lat.get("med", 0), lat.get("p(95)", 0), lat.get("p(99)", 0), lat.get("max", 0), lat.get("count", 0)))
for k in ("ws_connecting", "ws_sessions", "ws_msgs_sent", "ws_msgs_received", "session_ok"):
    if k in mv: print("%-18s %s" % (k, json.dumps(mv[k])))
print("mina CPU (user+sys) over the run: %.1f s" % mcpu)
print("verdict: %s" % s.get("verdict", "?"))
PY
