#!/usr/bin/env bash
# bench/remote-write.sh — ramp's CPU per request with --out prometheus-rw= on and off.
#
# nginx serves a 3-byte reply on 127.0.0.1 (core 0); Debian's Prometheus receives the remote
# write (core 0, native histograms on); ramp runs a constant arrival rate on core 1, once with
# no output, once with --out prometheus-rw= (trends as native histograms), once with trends as
# gauges, and once with --out json= for reference, REPEAT times in turn. CPU is ramp's user +
# system time (/usr/bin/time) divided by the requests the summary counted; the median of the
# repeats is printed. Usage: bench/remote-write.sh [DURATION_SECONDS=10] [REPEAT=3] [RATE=5000].
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
DURATION=${1:-10}
REPEAT=${2:-3}
RATE=${3:-5000}
OUT=bench/out/rw
mkdir -p "$OUT"

log() { printf '== %s\n' "$*" >&2; }

if ! command -v nginx >/dev/null || ! command -v prometheus >/dev/null; then
  log "installing nginx and prometheus from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx-light prometheus >/dev/null
fi
go build -o "$OUT/ramp" ./cmd/ramp

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TMP=$(mktemp -d)
PORT=$(free_port)
cat >"$TMP/nginx.conf" <<CONF
worker_processes 1;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  client_body_temp_path $TMP; proxy_temp_path $TMP; fastcgi_temp_path $TMP; uwsgi_temp_path $TMP; scgi_temp_path $TMP;
  server { listen 127.0.0.1:$PORT; location / { default_type text/plain; return 200 "ok\n"; } }
}
CONF
taskset -c 0 nginx -c "$TMP/nginx.conf" -p "$TMP"
PPORT=$(free_port)
printf 'global:\n  scrape_interval: 15s\n' >"$TMP/prometheus.yml"
taskset -c 0 prometheus --config.file="$TMP/prometheus.yml" --storage.tsdb.path="$TMP/tsdb" \
  --web.listen-address="127.0.0.1:$PPORT" --web.enable-remote-write-receiver \
  --enable-feature=native-histograms --log.level=error >"$TMP/prometheus.log" 2>&1 &
PROM=$!
trap 'kill "$(cat "$TMP/nginx.pid")" 2>/dev/null || true; kill $PROM 2>/dev/null || true; wait $PROM 2>/dev/null || true; rm -rf "$TMP"' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PPORT/-/ready" >/dev/null && break; sleep 0.2; done
WRITE="http://127.0.0.1:$PPORT/api/v1/write"

cat >"$OUT/rate.yaml" <<YAML
scenarios:
  rate:
    executor: constant-arrival-rate
    rate: $RATE
    timeUnit: 1s
    duration: ${DURATION}s
    preAllocatedVUs: 100
    maxVUs: 1000
flows:
  default:
    - request: { name: bench, url: "\${BASE_URL}/" }
YAML

# run MODE ARGS...: one ramp run on core 1; prints "µs_per_request requests dropped_samples".
run() {
  local mode=$1; shift
  /usr/bin/time -f '%U %S' -o "$OUT/time.txt" taskset -c 1 "$OUT/ramp" run "$OUT/rate.yaml" \
    --base-url "http://127.0.0.1:$PORT" --quiet --summary-export "$OUT/$mode.json" "$@" >/dev/null 2>"$OUT/$mode.err" || true
  python3 - "$OUT/$mode.json" "$OUT/time.txt" <<'PY'
import json, sys
s = json.load(open(sys.argv[1]))
u, st = map(float, open(sys.argv[2]).read().split("\n")[-2].split())  # the last line: "Command exited…" may precede it
n = s["metrics"]["requests_total"]
dropped = sum(o["samples_dropped"] for o in s.get("outputs", []))
print(f"{(u + st) / n * 1e6:.3f} {n} {dropped}")
PY
}

median() { sort -g | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

MODES="off rw-native rw-gauges json"
for m in $MODES; do : >"$OUT/$m.txt"; done
for i in $(seq "$REPEAT"); do
  log "round $i of $REPEAT"
  run off >>"$OUT/off.txt"
  run rw-native --out "prometheus-rw=$WRITE" >>"$OUT/rw-native.txt"
  run rw-gauges --out "prometheus-rw=$WRITE?trend_as_native_histogram=false" >>"$OUT/rw-gauges.txt"
  run json --out "json=$OUT/samples.ndjson" >>"$OUT/json.txt"
done
OFF=$(awk '{print $1}' "$OUT/off.txt" | median)
printf '%-10s %12s %10s %8s %8s\n' mode "µs/request" requests dropped "vs off"
for m in $MODES; do
  us=$(awk '{print $1}' "$OUT/$m.txt" | median)
  n=$(awk '{print $2}' "$OUT/$m.txt" | median)
  d=$(awk '{print $3}' "$OUT/$m.txt" | median)
  printf '%-10s %12s %10s %8s %7.2fx\n' "$m" "$us" "$n" "$d" "$(echo "$us / $OFF" | bc -l)"
done
