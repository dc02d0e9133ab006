#!/usr/bin/env bash
# The report page on a city (issue 28, docs/report.md): `ctrace report` of the
# city, then the page in headless Chromium through Selenium, RUNS times
# (default 3): its size, the time from navigation start to its ready mark and
# to the load event, and the time to filter and to sort the risk list; and the
# checks of tests/browser/test_report.py on that page. Not part of the test
# suite (the suite runs the same checks on small pages).
#
#   bench/report.sh [CITY_DIR]      (default bench/out/city-10000000, which bench/run.sh makes)
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
city=${1:-$here/bench/out/city-10000000}
ctrace=${CTRACE:-$here/build/apps/ctrace}
[ -f "$city/scans.csv" ] || { echo "bench/report.sh: no $city/scans.csv (bench/run.sh makes the cities)" >&2; exit 2; }
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); $(date +%F); $(chromium --version 2>/dev/null)"
for run in $(seq "${RUNS:-3}"); do
    /usr/bin/python3 "$here/tests/browser/test_report.py" "$ctrace" "$here/tests/fixtures" \
        --city "$city" City 2>&1 | grep -E "city page|filter |FAIL|ERROR" || true
done
