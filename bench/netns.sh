#!/usr/bin/env bash
# bench/netns.sh — one arrival-rate test split across four network namespaces, merged.
#
# Five network namespaces of its own: ramp-tgt (nginx, 10.213.7.1:8080, a 3-byte reply,
# pinned to core 0) and ramp-seg1..4 (10.213.7.11..14), each joined by a veth pair to a
# bridge in a sixth, ramp-br, which has no address. The root namespace gets no address in
# 10.213.7.0/24 and no link of the setup, so the load can reach only nginx in ramp-tgt.
# bench/netns.yaml runs as four segments (--segment i/4), one per ramp-segN, each with its
# own address, a shared --start-at and --tag region=zone-N; `ramp merge` joins their
# snapshots into one summary, one verdict and one HTML report, and the script prints the
# figures and where the machine's CPU went (ramp, nginx, anything else: someone else's load
# spoils the figures). Then, unless SINGLE=0, the same test runs as one process from
# ramp-seg1, and the two are compared as ratios.
#
# Usage: bench/netns.sh [RATE=40000] [DURATION_SECONDS=10]. Needs root, 2 cores and a quiet
# machine. Knobs for trying other layouts: SEG_CPUS=LIST pins every ramp process (default:
# unpinned), NGINX_CPUS=LIST pins nginx (default 0), NGINX_NICE=N runs it at that niceness
# (default 0); PRE_VUS and MAX_VUS size bench/netns.yaml's VUs (400 and 1000 in all).
# Every ramp process is bounded by `timeout`; on exit, error or Ctrl-C the script ends what
# it started, by PID, and deletes the namespaces it made. Results go to bench/out/netns/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
RATE=${1:-40000}
DURATION=${2:-10}
SINGLE=${SINGLE:-1}
SEG_CPUS=${SEG_CPUS:-}
NGINX_CPUS=${NGINX_CPUS:-0}
NGINX_NICE=${NGINX_NICE:-0}
OUT=bench/out/netns
NET=10.213.7
TARGET=$NET.1
BASE=http://$TARGET:8080
N=4
LEAD=5                          # seconds from now to --start-at: every segment is ready by then
LIMIT=$((LEAD + DURATION + 30)) # a ramp process still running after this is ended
BR=ramp-br
TGT=ramp-tgt

log() { printf '== %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (ip netns)"
for ns in $BR $TGT $(seq -f 'ramp-seg%g' "$N"); do
  [ ! -e "/run/netns/$ns" ] || die "namespace $ns exists already and is not this run's: look, then 'ip netns del $ns'"
done
! grep -q " $NET\." <(ip -o addr show) || die "$NET.0/24 is in use in the root namespace: pick another"
if ! command -v nginx >/dev/null; then
  log "installing nginx from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light >/dev/null
fi
busy0=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
sleep 2
busy=$(awk -v b="$busy0" '/^cpu / {printf "%.2f", ($2 + $3 + $4 + $7 + $8 - b) / 200}' /proc/stat)
log "before the run: load average $(cut -d' ' -f1 /proc/loadavg), $busy cores busy over 2 s"
awk -v b="$busy" 'BEGIN {exit !(b > 0.2)}' && log "the machine is busy: the figures will be too"

mkdir -p "$OUT"
rm -f "$OUT"/seg-*.snap "$OUT"/seg-*.out "$OUT"/seg-*.err "$OUT"/merged.* "$OUT"/single.*
go build -o "$OUT/ramp" ./cmd/ramp

# --- cleanup: what this run started, by PID, then what it made --------------------------------
TMP=$(mktemp -d)
PIDS=()  # processes started and not yet waited for
MADE=()  # namespaces made
forget() { local p keep=(); for p in "${PIDS[@]}"; do [ "$p" = "$1" ] || keep+=("$p"); done; PIDS=("${keep[@]}"); }
cleanup() {
  local p ns deadline=$((SECONDS + 10))
  trap '' INT TERM # a second Ctrl-C must not leave the namespaces behind
  # TERM to each (a ramp writes its outputs first, `timeout` passes it on), 10 s, then KILL.
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${PIDS[@]}"; do
    while kill -0 "$p" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
    kill -KILL "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  PIDS=()
  for ns in "${MADE[@]}"; do
    # Anything still in a namespace of ours is ours (a ramp whose `timeout` was killed).
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || log "could not delete namespace $ns"
  done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the network: a bridge in ramp-br, a veth to it from every other namespace --------------------
mkns() { ip netns add "$1"; MADE+=("$1"); ip -n "$1" link set lo up; }
mkns $BR
ip -n $BR link add br0 type bridge
ip -n $BR link set br0 up
attach() { # NS ADDRESS: a veth pair from NS's eth0 to the bridge
  mkns "$1"
  ip -n $BR link add "v-$1" type veth peer name eth0 netns "$1"
  ip -n $BR link set "v-$1" master br0 up
  ip -n "$1" addr add "$2/24" dev eth0
  ip -n "$1" link set eth0 up
}
attach $TGT "$TARGET"
for i in $(seq "$N"); do attach "ramp-seg$i" "$NET.$((10 + i))"; done
log "namespaces: $BR (bridge br0) $TGT ($TARGET) ramp-seg1..$N ($NET.11..$((10 + N)))"

# --- nginx in ramp-tgt, on NGINX_CPUS ---------------------------------------------------------------
cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
worker_rlimit_nofile 65536;
error_log $TMP/error.log warn;
events { worker_connections 20000; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 120s;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP; uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server {
    listen $TARGET:8080;
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
CONF
ulimit -n "$(ulimit -Hn)" 2>/dev/null || true # thousands of VUs, each with its connection
ip netns exec $TGT nice -n "$NGINX_NICE" taskset -c "$NGINX_CPUS" nginx -c "$TMP/nginx.conf" -p "$TMP" -e "$TMP/error.log" \
  -g "daemon off; pid $TMP/nginx.pid;" &
NGINX=$!
PIDS+=("$NGINX")
for _ in $(seq 50); do ip netns exec ramp-seg1 curl -sf --max-time 1 "$BASE/" >/dev/null && break; sleep 0.1; done
[ "$(ip netns exec ramp-seg1 curl -sf --max-time 1 "$BASE/")" = ok ] || die "nginx in $TGT does not answer on $BASE"
log "nginx answers on $BASE from ramp-seg1"

# ramp_in NS ARGS... &: ramp in namespace NS, bounded by LIMIT seconds, pinned to SEG_CPUS if
# set. Only in the background: it execs, so that $! is the PID of the process to end.
ramp_in() {
  local ns=$1; shift
  local pin=(); [ -z "$SEG_CPUS" ] || pin=(taskset -c "$SEG_CPUS")
  exec ip netns exec "$ns" timeout -k 10 "$LIMIT" "${pin[@]}" "$OUT/ramp" "$@"
}

# CPU accounting between two marks, in clock ticks (USER_HZ, 100/s): the machine's busy time
# from /proc/stat; this shell's reaped children (the ramp processes, through `timeout`) from
# the `times` builtin, run in this shell (a subshell's children are not this shell's); nginx's
# master and worker, and the kernel's ksoftirqd threads (packets the kernel defers to them),
# from /proc/PID/stat. What the machine spent beyond those was someone else's.
ticks() { # PID...: their user + system time
  local p t=0
  for p in "$@"; do t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "$t"
}
cpu_mark() { # VAR: sets VAR to "busy ramp nginx softirq wall-seconds"
  local busy kids
  busy=$(awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat)
  times >"$TMP/times"
  kids=$(awk 'NR == 2 {for (i = 1; i <= 2; i++) {split($i, a, /[ms]/); t += a[1] * 60 + a[2]} printf "%.0f", t * 100}' "$TMP/times")
  # shellcheck disable=SC2046 # one PID per word
  printf -v "$1" '%s %s %s %s %s' "$busy" "$kids" "$(ticks "$NGINX" $(pgrep -P "$NGINX"))" \
    "$(ticks $(pgrep '^ksoftirqd/'))" "$(date +%s.%N)"
}
cpu_report() { # MARK0 MARK1 REQUESTS: where the CPU went between the marks
  awk -v a="$1" -v b="$2" -v n="$3" -v cores="$(nproc)" 'BEGIN {
    split(a, x); split(b, y)
    busy = (y[1] - x[1]) / 100; ramp = (y[2] - x[2]) / 100; ngx = (y[3] - x[3]) / 100; sirq = (y[4] - x[4]) / 100
    other = busy - ramp - ngx - sirq; if (other < 0) other = 0
    printf "  CPU         %.1f s from launch to exit on %d cores: ramp %.2f, nginx %.2f, ksoftirqd %.2f, anything else %.2f core-s\n",
      y[5] - x[5], cores, ramp, ngx, sirq, other
    printf "              per request: ramp %.1f µs, nginx %.1f µs, ksoftirqd %.1f µs\n", ramp * 1e6 / n, ngx * 1e6 / n, sirq * 1e6 / n
  }'
}
requests_of() { python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["metrics"]["requests_total"])' "$1"; }
MIN_RATE=$(awk -v r="$RATE" 'BEGIN {printf "%g", r * 0.99}')
VARS=(--base-url "$BASE" -e RATE="$RATE" -e DURATION="${DURATION}s" -e MIN_RATE="$MIN_RATE")

# --- four segments, one per namespace, started together --------------------------------------------
START=$(date -u -d "+$LEAD seconds" +%Y-%m-%dT%H:%M:%S.%NZ)
log "$N segments of $RATE/s for ${DURATION}s, starting at $START"
SEGS=()
cpu_mark C0
for i in $(seq "$N"); do
  ramp_in "ramp-seg$i" run bench/netns.yaml "${VARS[@]}" --segment "$i/$N" --start-at "$START" \
    --tag "region=zone-$i" --out snapshot="$OUT/seg-$i.snap" --quiet --no-summary >"$OUT/seg-$i.out" 2>"$OUT/seg-$i.err" &
  SEGS+=($!)
  PIDS+=($!)
done
for i in $(seq "$N"); do
  pid=${SEGS[$((i - 1))]}
  rc=0
  wait "$pid" || rc=$?
  forget "$pid"
  [ -s "$OUT/seg-$i.snap" ] || { cat "$OUT/seg-$i.err" >&2; die "segment $i/$N exited $rc without a snapshot"; }
  log "segment $i/$N exited $rc (its own share judged alone): $(tail -n 1 "$OUT/seg-$i.out")"
done
cpu_mark C1

rc=0
"$OUT/ramp" merge "$OUT"/seg-*.snap --summary-export "$OUT/merged.json" --report "$OUT/merged.html" \
  --no-color >"$OUT/merged.txt" 2>&1 || rc=$?
cat "$OUT/merged.txt"
[ -s "$OUT/merged.json" ] || die "ramp merge exited $rc without a summary"
log "ramp merge exited $rc; report: $OUT/merged.html"

python3 - "$OUT/merged.json" "$RATE" "$DURATION" <<'PY' | tee "$OUT/results.txt"
import json, sys
s = json.load(open(sys.argv[1])); rate = float(sys.argv[2]); d = float(sys.argv[3])
m, l, g, rt = s["metrics"], s["load"], s["generator"], s["metrics"]["response_times"]
want = rate * d
print("\nmerged, %d segments in %d network namespaces, %g/s for %gs" % (len(s["segments"]), len(s["segments"]), rate, d))
print("  requests    %d of %d intended (%.2f%%); achieved %.1f/s (%.2f%% of %g/s)"
      % (m["requests_total"], want, 100 * m["requests_total"] / want, m["requests_per_second"],
         100 * m["requests_per_second"] / rate, rate))
print("  latency     p50 %.3f ms  p95 %.3f ms  p99 %.3f ms  max %.3f ms; errors %.3f%%"
      % (rt["p50"], rt["p95"], rt["p99"], rt["max"], 100 * m["error_rate"]))
print("  dropped     %d of %d scheduled iterations (%.2f%%)"
      % (l["iterations_dropped"], l["iterations_scheduled"], 100 * l["dropped_share"]))
print("  generator   %s; schedule lag p99 %.2f ms, CPU max %.0f%%"
      % ("overloaded" if g["overloaded"] else "ok", g["schedule_lag_p99_ms"], g["cpu_max_percent"]))
for p in s["segments"]:
    print("  %-22s %8d req  %9.1f/s  p99 %7.3f ms  dropped %d  late %.3f s"
          % (p["name"], p["requests"], p["requests_per_second"], p["p99"] or 0, p["iterations_dropped"], p["late_seconds"]))
print("  verdict     %s" % s["verdict"])
for r in s["verdict_reasons"]:
    print("              %s: %s" % (r["status"], r["text"]))
PY
cpu_report "$C0" "$C1" "$(requests_of "$OUT/merged.json")" | tee -a "$OUT/results.txt"

[ "$SINGLE" = 1 ] || exit 0
# --- the same test as one process, from ramp-seg1 ---------------------------------------------------
log "one process in ramp-seg1, $RATE/s for ${DURATION}s"
ramp_in ramp-seg1 run bench/netns.yaml "${VARS[@]}" --summary-export "$OUT/single.json" --quiet --no-summary \
  >"$OUT/single.out" 2>"$OUT/single.err" &
pid=$!
PIDS+=("$pid")
cpu_mark S0
rc=0
wait "$pid" || rc=$?
forget "$pid"
cpu_mark S1
[ -s "$OUT/single.json" ] || { cat "$OUT/single.err" >&2; die "the single run exited $rc without a summary"; }
python3 - "$OUT/merged.json" "$OUT/single.json" <<'PY' | tee -a "$OUT/results.txt"
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
def row(name, f, fmt):
    x, y = f(a), f(b)
    ratio = "%.3f" % (x / y) if y else "-"
    print("  %-22s %14s %14s %8s" % (name, fmt % x, fmt % y, ratio))
print("\n  %-22s %14s %14s %8s" % ("", "4 segments", "1 process", "ratio"))
row("requests", lambda s: s["metrics"]["requests_total"], "%d")
row("requests/s", lambda s: s["metrics"]["requests_per_second"], "%.1f")
for q in ("p50", "p95", "p99"):
    row(q + " ms", lambda s, q=q: s["metrics"]["response_times"][q], "%.3f")
row("iterations dropped", lambda s: s["load"]["iterations_dropped"], "%d")
row("schedule lag p99 ms", lambda s: s["generator"]["schedule_lag_p99_ms"], "%.2f")
print("  %-22s %14s %14s" % ("verdict", a["verdict"], b["verdict"]))
PY
log "one process:"
cpu_report "$S0" "$S1" "$(requests_of "$OUT/single.json")" | tee -a "$OUT/results.txt"
