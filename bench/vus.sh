#!/usr/bin/env bash
# bench/vus.sh — ramp's memory per VU, each VU holding a keep-alive connection.
#
# nginx (core 0) listens on 127.0.0.1–127.0.0.4 (one address has about 28,000 source ports to
# offer a client); ramp runs VUS VUs in four ramping-vus scenarios, one per address, on both
# cores (this measures memory), reaching them over 30 s and holding them to DURATION: 100,000
# connections opened at once overflow the listen queues, and the SYNs dropped are retried
# seconds later.
# Each VU makes one request, keeping its connection, then thinks for the rest of the run.
#
# A process may open about 20,000 files on this machine (ulimit -Hn, which root cannot raise
# here), so ramp runs as SEGMENTS processes of one distributed run (--segment i/n, at most
# 16,000 VUs each), started together; nginx runs 8 workers. The script samples the ramp
# processes' RSS every second and reports the peak of their sum, per VU, and the connections
# open at that peak. Usage: bench/vus.sh [VUS=100000] [DURATION_SECONDS=60]
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
VUS=${1:-100000}
DURATION=${2:-60}
OUT=bench/out
BIN=$OUT/bin
mkdir -p "$BIN"
. bench/lib.sh
go build -o "$BIN/ramp" ./cmd/ramp
# The connections of a previous run linger in TIME_WAIT for a minute, holding the source ports
# this run needs: wait for them (at most two minutes).
for _ in $(seq 120); do
  [ "$(ss -Htan state time-wait | wc -l)" -lt 1000 ] && break
  sleep 1
done
# 100,000 connections arrive within seconds: a listen queue of 4,096 (the default somaxconn)
# overflows, and the SYNs it drops are retried after 1, 3, 7… seconds.
sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 2>/dev/null || true
NGINX_WORKERS=8 start_nginx
SEGMENTS=$(((VUS + 15999) / 16000))

per=$((VUS / 4))
{
  echo "options:"
  echo "  hosts: [\"127.0.0.1:$PORT\", \"127.0.0.2:$PORT\", \"127.0.0.3:$PORT\", \"127.0.0.4:$PORT\"]"
  echo "scenarios:"
  for i in 1 2 3 4; do
    printf '  a%d: { executor: ramping-vus, startVUs: 0, stages: [{duration: 30s, target: %d}, {duration: %ds, target: %d}], gracefulRampDown: 0s, gracefulStop: 0s, exec: f%d }\n' \
      "$i" "$per" "$((DURATION - 30))" "$per" "$i"
  done
  echo "flows:"
  for i in 1 2 3 4; do
    printf '  f%d:\n    - request: { name: connect, url: "http://127.0.0.%d:%d/" }\n    - think: %ds\n' "$i" "$i" "$PORT" "$((DURATION * 2))"
  done
} >"$OUT/vus.yaml"

start=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)
pids=()
for i in $(seq "$SEGMENTS"); do
  "$BIN/ramp" run "$OUT/vus.yaml" --segment "$i/$SEGMENTS" --start-at "$start" --quiet --no-summary \
    --summary-export "$OUT/vus-$i.json" >"$OUT/vus-$i.out" 2>&1 &
  pids+=($!)
done
peak=0 conns=0
while :; do
  alive=0 sum=0
  for pid in "${pids[@]}"; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && { alive=1; sum=$((sum + rss)); }
  done
  [ "$alive" = 1 ] || break
  if [ "$sum" -gt "$peak" ]; then
    peak=$sum
    conns=$(ss -Htn state established "( dport = :$PORT )" 2>/dev/null | wc -l)
  fi
  sleep 1
done
for pid in "${pids[@]}"; do wait "$pid" || true; done
reqs=$(python3 -c 'import json, sys; print(sum(json.load(open(f))["metrics"]["requests_total"] for f in sys.argv[1:]))' "$OUT"/vus-*.json 2>/dev/null || echo "?")
errs=$(python3 -c 'import json, sys; print(sum(json.load(open(f))["metric_values"].get("http_req_failed", {}).get("passes", 0) for f in sys.argv[1:]))' "$OUT"/vus-*.json 2>/dev/null || echo "?")
printf 'ramp with %d VUs in %d processes: peak RSS %.1f MiB in all, %.1f KiB per VU; %s connections open at the peak; %s requests, %s failed\n' \
  "$VUS" "$SEGMENTS" "$(echo "$peak/1024" | bc -l)" "$(echo "$peak/$VUS" | bc -l)" "$conns" "$reqs" "$errs" | tee -a "$OUT/vus.txt"
if [ "$reqs" != "$VUS" ] || [ "$errs" != 0 ]; then
  # A VU whose request failed holds no connection: the figure per VU would flatter ramp.
  echo "INCOMPLETE: not every VU made its request and kept its connection; the figure above is not a measure of $VUS connected VUs" | tee -a "$OUT/vus.txt"
  exit 1
fi
