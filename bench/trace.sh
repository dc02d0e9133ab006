#!/usr/bin/env bash
# Times `ctrace trace` end to end (CSV -> risk list, 2 hops, 20 cases) on
# generated cities. Not part of the test suite.
#
#   bench/trace.sh [SIZE ...]      sizes in scans, default: 1000000 10000000
#
# Dumps are generated once into bench/out/ (git-ignored) and reused.
set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctrace=${CTRACE:-$repo_root/build/apps/ctrace}
out=$repo_root/bench/out
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000000 10000000)
[ -x "$ctrace" ] || { echo "build ctrace first (scripts/test or scripts/demo)" >&2; exit 2; }
mkdir -p "$out"

printf '| scans | rows read | wall s | scans/s | peak RSS MB | bytes/scan | listed |\n'
printf '|---:|---:|---:|---:|---:|---:|---:|\n'
for size in "${sizes[@]}"; do
    dir=$out/city-$size
    [ -f "$dir/scans.csv" ] || "$ctrace" gen --scans "$size" --out "$dir" --quiet
    /usr/bin/time -f '%e %M' -o "$out/time.txt" "$ctrace" trace --scans "$dir/scans.csv" \
        --places "$dir/places.csv" --cases "$dir/cases.csv" --out "$dir/risk.csv" 2>"$out/summary.txt"
    read -r wall rss_kb <"$out/time.txt"
    rows=$(grep -o '^ctrace trace: [0-9]*' "$out/summary.txt" | grep -o '[0-9]*$')
    listed=$(($(wc -l <"$dir/risk.csv") - 1))
    awk -v n="$size" -v r="$rows" -v w="$wall" -v m="$rss_kb" -v l="$listed" 'BEGIN {
        printf "| %d | %d | %.2f | %.0f | %.0f | %.0f | %d |\n", n, r, w, r / w, m / 1024, m * 1024 / r, l }'
done
