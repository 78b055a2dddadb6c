#!/usr/bin/env bash
# Regenerates docs/report-screenshot.png, the README's picture of the HTML report, from a real
# run: `ramp suite --quick` against the embedded mina (about three minutes), its
# load-test-report.html opened in headless Chromium at 1,280 px wide. The picture is what a
# run on this machine produced — verdict included: on a loaded machine the generator's
# self-check may well say INCONCLUSIVE, and the picture shows it.
#
#   scripts/report-screenshot.sh [RESULTS_DIR]
#
# With RESULTS_DIR holding a finished suite's results, no load is run: its report is
# re-rendered with this build (`ramp report`) and photographed. A RESULTS_DIR without results
# receives the new run's, and keeps them.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"

out=docs/report-screenshot.png
command -v chromium >/dev/null || { echo "no chromium: apt-get install chromium (scripts/test.sh services installs it)" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
results="${1:-$work/results}"
if [ -s "$results/summary.json" ]; then
  go run ./cmd/ramp report "$results"
else
  echo "== ramp suite --quick (about three minutes)"
  # Exit codes 1 (fail) and 4 (inconclusive) are verdicts, and still leave a report to show.
  code=0
  go run ./cmd/ramp suite --quick --no-color --results "$results" >"$work/suite.log" 2>&1 || code=$?
  tail -8 "$work/suite.log"
  case $code in 0|1|4) ;; *) echo "ramp suite exited $code" >&2; exit "$code" ;; esac
fi
[ -s "$results/load-test-report.html" ] || { echo "no report in $results" >&2; exit 1; }

echo "== photographing $results/load-test-report.html at 1,280 px"
# From the top down to the end of the first test's charts (scripts/reportshot, chromedp).
go run ./scripts/reportshot "$results/load-test-report.html" "$out"

# The page photographed passes the browser checks: every chart drawn, no data line flat
# while its data move, no text outside its box at 1,280 px.
echo "== browser checks on that page"
RAMP_TEST_CHROMIUM=1 RAMP_TEST_REPORT="$(realpath "$results/load-test-report.html")" \
  go test -count=1 -run TestHTMLInBrowser ./internal/report
