#!/usr/bin/env bash
# bench/run.sh — ramp against its peers, the way PRODUCT.md §7 measures them.
#
# nginx serves a 3-byte reply on 127.0.0.1, pinned to core 0; each load tool is pinned to
# core 1 and runs in turn, in the same script run, so the figures compare as ratios. For
# each tool: requests/s and CPU µs per request at 50 and 1,000 keep-alive connections, and peak RSS;
# for ramp, vegeta (and k6 when a k6 binary is on PATH): the rate achieved and p99 at a fixed
# 5,000/s; and ramp's RSS with 10,000 VUs each holding a keep-alive connection.
#
# Peers come from the package registries: wrk and nginx from Debian, vegeta and hey as Go
# modules; k6 joins when a k6 binary is on PATH (or K6=/path/to/k6). Usage:
# bench/run.sh [DURATION_SECONDS=10] [REPEAT=3]; CONNS="50 1000" sets the connection counts of
# the closed-model runs. Needs 2 cores and a quiet machine. Results go to bench/out/ and stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
DURATION=${1:-10}
REPEAT=${2:-3}
OUT=bench/out
BIN=$OUT/bin
mkdir -p "$BIN"

log() { printf '== %s\n' "$*" >&2; }

# --- peers -----------------------------------------------------------------------------------
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
  log "installing wrk and nginx from Debian"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk nginx-light >/dev/null
fi
[ -x "$BIN/vegeta" ] || GOBIN="$PWD/$BIN" go install github.com/tsenart/vegeta/v12@v12.13.0
[ -x "$BIN/hey" ] || GOBIN="$PWD/$BIN" go install github.com/rakyll/hey@latest
go build -o "$BIN/ramp" ./cmd/ramp
K6=${K6:-$(command -v k6 || true)}

# --- nginx on a free port, core 0 ------------------------------------------------------------
. bench/lib.sh
start_nginx

# --- ramp scenario files -----------------------------------------------------------------------
cat >"$OUT/max.yaml" <<YAML
scenarios:
  max:
    executor: constant-vus
    vus: \${CONNS}
    duration: ${DURATION}s
    gracefulStop: 0s
flows:
  default:
    - request: { name: bench, url: "\${BASE_URL}/" }
YAML
cat >"$OUT/rate.yaml" <<YAML
scenarios:
  rate:
    executor: constant-arrival-rate
    rate: \${RATE:-5000}
    timeUnit: 1s
    duration: ${DURATION}s
    preAllocatedVUs: 1000
    maxVUs: 2000
flows:
  default:
    - request: { name: bench, url: "\${BASE_URL}/" }
YAML
cat >"$OUT/idle.yaml" <<YAML
scenarios:
  idle:
    executor: constant-vus
    vus: 10000
    duration: 10s
    gracefulStop: 0s
flows:
  default:
    - request: { name: connect, url: "\${BASE_URL}/" }
    - think: 60s
YAML
cat >"$OUT/k6-max.js" <<'JS'
import http from 'k6/http';
export const options = { vus: Number(__ENV.CONNS), duration: __ENV.DURATION + 's' };
export default function () { http.get(__ENV.URL); }
JS
cat >"$OUT/k6-rate.js" <<'JS'
import http from 'k6/http';
export const options = { scenarios: { r: { executor: 'constant-arrival-rate', rate: 5000, timeUnit: '1s',
  duration: __ENV.DURATION + 's', preAllocatedVUs: 1000, maxVUs: 2000 } } };
export default function () { http.get(__ENV.URL); }
JS

# --- 50 keep-alive connections, as fast as possible ----------------------------------------
requests_of() { # tool → total requests of the last run
  case $1 in
    wrk) awk '/requests in/ {print $1}' "$OUT/tool.out" ;;
    hey) awk '/Requests\/sec/ {rps=$2} /Total:/ {t=$2} END {printf "%d\n", rps*t}' "$OUT/tool.out" ;;
    vegeta) "$BIN/vegeta" report -type=json "$OUT/vegeta.bin" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])' ;;
    ramp) python3 -c 'import json; print(json.load(open("'"$OUT"'/ramp.json"))["metrics"]["requests_total"])' ;;
    k6) python3 -c 'import json; print(int(json.load(open("'"$OUT"'/k6.json"))["metrics"]["http_reqs"]["count"]))' ;;
  esac
}
run_max() { # tool conns → "rps cpu_us_per_req rss_kb"
  local tool=$1 c=$2 m
  case $tool in
    wrk) m=$(measure wrk -t1 -c"$c" -d"${DURATION}s" "$URL") ;;
    hey) m=$(measure "$BIN/hey" -z "${DURATION}s" -c "$c" "$URL") ;;
    vegeta) m=$(measure sh -c "echo 'GET $URL' | $BIN/vegeta attack -rate=0 -max-workers=$c -workers=$c -duration=${DURATION}s -keepalive=true > $OUT/vegeta.bin") ;;
    ramp) m=$(measure "$BIN/ramp" run "$OUT/max.yaml" -e CONNS="$c" --base-url "http://127.0.0.1:$PORT" --quiet --no-summary --summary-export "$OUT/ramp.json") ;;
    k6) m=$(measure "$K6" run -q -e URL="$URL" -e DURATION="$DURATION" -e CONNS="$c" --summary-export "$OUT/k6.json" "$OUT/k6-max.js") ;;
  esac
  local n; n=$(requests_of "$tool")
  read -r cpu rss <<<"$m"
  awk -v n="$n" -v cpu="$cpu" -v rss="$rss" -v d="$DURATION" 'BEGIN {printf "%.0f %.2f %d\n", n/d, (n>0 ? cpu*1e6/n : 0), rss}'
}

TOOLS="wrk hey vegeta ramp"
[ -n "$K6" ] && TOOLS="$TOOLS k6"
: >"$OUT/results.txt"
for conns in ${CONNS:-50 1000}; do
  printf '\n%-8s %6s %12s %14s %10s\n' tool conns "requests/s" "CPU µs/req" "RSS MiB" | tee -a "$OUT/results.txt"
  for tool in $TOOLS; do
    : >"$OUT/$tool.runs"
    for _ in $(seq "$REPEAT"); do run_max "$tool" "$conns" >>"$OUT/$tool.runs"; sleep 1; done
    rps=$(awk '{print $1}' "$OUT/$tool.runs" | median)
    cpu=$(awk '{print $2}' "$OUT/$tool.runs" | median)
    rss=$(awk '{print $3}' "$OUT/$tool.runs" | median)
    printf '%-8s %6d %12.0f %14.2f %10.1f\n' "$tool" "$conns" "$rps" "$cpu" "$(echo "$rss/1024" | bc -l)" | tee -a "$OUT/results.txt"
  done
done

# --- a fixed 5,000/s ---------------------------------------------------------------------------
printf '\n%-8s %14s %12s %10s\n' tool "rate achieved" "p99 ms" "dropped" | tee -a "$OUT/results.txt"
for _ in $(seq "$REPEAT"); do
  measure "$BIN/ramp" run "$OUT/rate.yaml" --base-url "http://127.0.0.1:$PORT" --quiet --no-summary --summary-export "$OUT/ramp-rate.json" >/dev/null
  python3 - "$OUT/ramp-rate.json" "$DURATION" <<'PY' >>"$OUT/ramp-rate.runs"
import json, sys
s = json.load(open(sys.argv[1])); d = float(sys.argv[2])
print(s["metrics"]["requests_total"] / d, s["metric_values"]["http_req_duration"]["p(99)"], s["load"]["iterations_dropped"])
PY
  measure sh -c "echo 'GET $URL' | $BIN/vegeta attack -rate=5000 -duration=${DURATION}s -keepalive=true > $OUT/vegeta-rate.bin" >/dev/null
  "$BIN/vegeta" report -type=json "$OUT/vegeta-rate.bin" | python3 -c '
import json, sys; r = json.load(sys.stdin); print(r["rate"], r["latencies"]["99th"] / 1e6, 0)' >>"$OUT/vegeta-rate.runs"
  if [ -n "$K6" ]; then
    measure "$K6" run -q -e URL="$URL" -e DURATION="$DURATION" --summary-export "$OUT/k6-rate.json" "$OUT/k6-rate.js" >/dev/null
    python3 - "$OUT/k6-rate.json" "$DURATION" <<'PY' >>"$OUT/k6-rate.runs"
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]; d = float(sys.argv[2])
print(m["http_reqs"]["count"] / d, m["http_req_duration"].get("p(99)", m["http_req_duration"].get("p(95)")), m.get("dropped_iterations", {}).get("count", 0))
PY
  fi
done
for tool in ramp vegeta k6; do
  [ -s "$OUT/$tool-rate.runs" ] || continue
  printf '%-8s %14.1f %12.3f %10s\n' "$tool" "$(awk '{print $1}' "$OUT/$tool-rate.runs" | median)" \
    "$(awk '{print $2}' "$OUT/$tool-rate.runs" | median)" "$(awk '{print $3}' "$OUT/$tool-rate.runs" | median)" | tee -a "$OUT/results.txt"
done
rm -f "$OUT"/*-rate.runs "$OUT"/*.runs

# --- ramp alone at 50,000/s on its one core: is the schedule kept? ------------------------------
measure "$BIN/ramp" run "$OUT/rate.yaml" -e RATE=50000 --base-url "http://127.0.0.1:$PORT" --quiet --no-summary --summary-export "$OUT/ramp-50k.json" >/dev/null
python3 - "$OUT/ramp-50k.json" "$DURATION" <<'PY' | tee -a "$OUT/results.txt"
import json, sys
s = json.load(open(sys.argv[1])); d = float(sys.argv[2]); l = s["load"]; g = s["generator"]
print("\nramp at 50,000/s: %.1f/s achieved (%.2f%% of target), %d of %d iterations dropped, p99 %.3f ms, schedule lag p99 %.2f ms, CPU max %.0f%%"
      % (s["metrics"]["requests_total"] / d, 100 * s["metrics"]["requests_total"] / (50000 * d), l["iterations_dropped"],
         l["iterations_scheduled"], s["metric_values"]["http_req_duration"]["p(99)"], g["schedule_lag_p99_ms"], g["cpu_max_percent"]))
PY

# --- 10,000 VUs, each holding a keep-alive connection ------------------------------------------
m=$(measure "$BIN/ramp" run "$OUT/idle.yaml" --base-url "http://127.0.0.1:$PORT" --quiet --no-summary --summary-export "$OUT/ramp-idle.json")
read -r _ rss <<<"$m"
printf '\nramp with 10,000 VUs (each with a keep-alive connection): peak RSS %.1f MiB, %.1f KiB per VU\n' \
  "$(echo "$rss/1024" | bc -l)" "$(echo "$rss/10000" | bc -l)" | tee -a "$OUT/results.txt"
