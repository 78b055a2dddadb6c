#!/usr/bin/env bash
# bench/arrival.sh — does ramp deliver a fixed arrival rate on one core, on time?
#
# nginx serves a 3-byte reply on 127.0.0.1 (core 0); each run is pinned to core 1. For every
# rate (default 5,000, 20,000 and 50,000/s), ramp runs constant-arrival-rate for DURATION
# seconds, and vegeta (and k6, when a k6 binary is on PATH or K6=/path/to/k6) at the same rate
# for comparison. Per run: the rate achieved,
# dropped iterations, CPU µs per request, p50 of http_req_duration and of
# http_req_duration_corrected (their gap is the generator's own lateness), the self-check's
# schedule lag p99 and its verdict on the generator. Medians of REPEAT runs. Every tool gets
# 1,000 VUs up front (2,000 at most): this virtual machine stalls a process for up to ~10ms now
# and then, and at 50,000/s that is 500 iterations due at once.
#
# Usage: bench/arrival.sh [DURATION_SECONDS=10] [REPEAT=3] [RATES="5000 20000 50000"]
# RAMP_OLD_BIN=/path/to/ramp adds a row for another ramp build (before/after). Needs 2 cores
# and a quiet machine. Results go to bench/out/arrival.txt and stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
DURATION=${1:-10}
REPEAT=${2:-3}
RATES=${3:-5000 20000 50000}
OUT=bench/out
BIN=$OUT/bin
mkdir -p "$BIN"
. bench/lib.sh

[ -x "$BIN/vegeta" ] || GOBIN="$PWD/$BIN" go install github.com/tsenart/vegeta/v12@v12.13.0
go build -o "$BIN/ramp" ./cmd/ramp
K6=${K6:-$(command -v k6 || true)}
start_nginx
cat >"$OUT/k6-arrival.js" <<'JS'
import http from 'k6/http';
export const options = { scenarios: { r: { executor: 'constant-arrival-rate', rate: Number(__ENV.RATE), timeUnit: '1s',
  duration: __ENV.DURATION + 's', preAllocatedVUs: 1000, maxVUs: 2000 } } };
export default function () { http.get(__ENV.URL); }
JS

cat >"$OUT/arrival.yaml" <<YAML
scenarios:
  rate:
    executor: constant-arrival-rate
    rate: \${RATE}
    timeUnit: 1s
    duration: ${DURATION}s
    preAllocatedVUs: 1000
    maxVUs: 2000
flows:
  default:
    - request: { name: bench, url: "\${BASE_URL}/" }
YAML

# ramp_run BIN RATE → "rate dropped cpu_us p50 p50corr lagp99 overloaded"
ramp_run() {
  local m cpu
  m=$(measure "$1" run "$OUT/arrival.yaml" -e RATE="$2" --base-url "http://127.0.0.1:$PORT" --quiet --no-summary --summary-export "$OUT/arrival.json")
  read -r cpu _ <<<"$m"
  python3 - "$OUT/arrival.json" "$DURATION" "$cpu" <<'PY'
import json, sys
s = json.load(open(sys.argv[1])); d = float(sys.argv[2]); cpu = float(sys.argv[3])
n = s["metrics"]["requests_total"]; v = s["metric_values"]; g = s["generator"]
print(n / d, s["load"]["iterations_dropped"], cpu * 1e6 / max(n, 1),
      v["http_req_duration"]["med"], v["http_req_duration_corrected"]["med"],
      g["schedule_lag_p99_ms"], 1 if g.get("overloaded") else 0)
PY
}

# vegeta_run RATE → "rate 0 cpu_us p50 - - -"
vegeta_run() {
  local m cpu
  m=$(measure sh -c "echo 'GET $URL' | $BIN/vegeta attack -rate=$1 -duration=${DURATION}s -keepalive=true > $OUT/vegeta-arrival.bin")
  read -r cpu _ <<<"$m"
  "$BIN/vegeta" report -type=json "$OUT/vegeta-arrival.bin" | python3 -c '
import json, sys; r = json.load(sys.stdin); cpu = float(sys.argv[1])
print(r["rate"], 0, cpu * 1e6 / max(r["requests"], 1), r["latencies"]["50th"] / 1e6, "-", "-", "-")' "$cpu"
}

# k6_run RATE → "rate dropped cpu_us p50 - - -"
k6_run() {
  local m cpu
  m=$(measure "$K6" run -q -e URL="$URL" -e RATE="$1" -e DURATION="$DURATION" --summary-export "$OUT/k6-arrival.json" "$OUT/k6-arrival.js")
  read -r cpu _ <<<"$m"
  python3 - "$OUT/k6-arrival.json" "$DURATION" "$cpu" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))["metrics"]; d = float(sys.argv[2]); cpu = float(sys.argv[3])
n = m["http_reqs"]["count"]
print(n / d, m.get("dropped_iterations", {}).get("count", 0), cpu * 1e6 / max(n, 1), m["http_req_duration"]["med"], "-", "-", "-")
PY
}

printf '\n%-10s %7s %12s %8s %8s %9s %12s %12s %6s\n' tool rate achieved dropped "µs/req" "p50 ms" "corr p50" "lag p99 ms" over | tee "$OUT/arrival.txt"
for rate in $RATES; do
  tools="ramp vegeta"
  [ -n "${RAMP_OLD_BIN:-}" ] && tools="ramp-old $tools"
  [ -n "$K6" ] && tools="$tools k6"
  for tool in $tools; do
    : >"$OUT/arrival.runs"
    for _ in $(seq "$REPEAT"); do
      case $tool in
        ramp) ramp_run "$BIN/ramp" "$rate" >>"$OUT/arrival.runs" ;;
        ramp-old) ramp_run "$RAMP_OLD_BIN" "$rate" >>"$OUT/arrival.runs" ;;
        vegeta) vegeta_run "$rate" >>"$OUT/arrival.runs" ;;
        k6) k6_run "$rate" >>"$OUT/arrival.runs" ;;
      esac
      sleep 1
    done
    med() { awk -v c="$1" '{print $c}' "$OUT/arrival.runs" | grep -v -- - | median; }
    if [ "$tool" = vegeta ] || [ "$tool" = k6 ]; then
      printf '%-10s %7d %12.1f %8.0f %8.2f %9.3f %12s %12s %6s\n' "$tool" "$rate" "$(med 1)" "$(med 2)" "$(med 3)" "$(med 4)" - - - | tee -a "$OUT/arrival.txt"
    else
      printf '%-10s %7d %12.1f %8.0f %8.2f %9.3f %12.3f %12.3f %6s\n' "$tool" "$rate" "$(med 1)" "$(med 2)" "$(med 3)" "$(med 4)" "$(med 5)" "$(med 6)" \
        "$(awk '{s+=$7} END {print s "/" NR}' "$OUT/arrival.runs")" | tee -a "$OUT/arrival.txt"
    fi
  done
done
rm -f "$OUT/arrival.runs"
