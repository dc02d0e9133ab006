#!/usr/bin/env bash
# The cost of the field rules (issue 27, docs/semantics.md §9n-§11): on each
# city, alternately and RUNS times each (default 5), `ctrace trace` of the
# build before the rules and of this build, then this build's trace with
# `--stay-end next-scan`, with `--companions`, and `ctrace zones`. Prints the
# median wall time and peak memory of each and its ratio to this build's
# trace (the goals: rules off within 3% of the build before, next-scan at most
# 15% more, companions and zones at most 20% more). Not part of the test suite.
#
#   bench/field_rules.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]
#
# The cities default to bench/out/resident-1.5m and bench/out/city-10000000
# (bench/run.sh makes them); each needs scans.csv, places.csv (with
# districts) and cases.csv.
set -euo pipefail
before=${1:?usage: bench/field_rules.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]}
after=${2:?usage: bench/field_rules.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
cities=("$@")
[ "${#cities[@]}" -gt 0 ] || cities=("$here/bench/out/resident-1.5m" "$here/bench/out/city-10000000")
runs=${RUNS:-5}
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run_one LABEL COMMAND...: appends "wall kb" to $out/LABEL.times.
run_one() {
    local label=$1
    shift
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" 2>"$out/$label.log" || {
        echo "bench/field_rules.sh: $label failed:" >&2
        cat "$out/$label.log" >&2
        exit 1
    }
    cat "$out/time" >>"$out/$label.times"
}

# median FILE COLUMN
median() { sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1e6 }' /proc/meminfo); $(date -u +%Y-%m-%d)"
echo "before: $before; after: $after; median of $runs alternating runs, --threads 2"
printf '| city | run | s | MB | ÷ trace |\n|---|---|---:|---:|---:|\n'
labels=(before trace next-scan companions zones)
for city in "${cities[@]}"; do
    name=$(basename "$city")
    data=(--scans "$city/scans.csv" --places "$city/places.csv" --cases "$city/cases.csv"
        --tz +00:00 --hops 2 --threads 2 -q)
    rm -f "$out"/*.times
    for ((k = 0; k < runs; ++k)); do
        run_one before "$before/apps/ctrace" trace "${data[@]}" --out "$out/before.csv"
        run_one trace "$after/apps/ctrace" trace "${data[@]}" --out "$out/trace.csv"
        run_one next-scan "$after/apps/ctrace" trace "${data[@]}" --stay-end next-scan \
            --out "$out/next-scan.csv"
        run_one companions "$after/apps/ctrace" trace "${data[@]}" --out "$out/with.csv" \
            --companions "$out/companions.csv"
        run_one zones "$after/apps/ctrace" zones "${data[@]}" --out "$out/zones.csv"
    done
    cmp -s "$out/before.csv" "$out/trace.csv" || echo "WARNING: $name: rules off, the risk list differs from the build before" >&2
    cmp -s "$out/trace.csv" "$out/with.csv" || echo "WARNING: $name: the risk list beside companions differs" >&2
    base=$(median "$out/trace.times" 1)
    for label in "${labels[@]}"; do
        t=$(median "$out/$label.times" 1) kb=$(median "$out/$label.times" 2)
        printf '| %s | %s | %.2f | %d | %.3f |\n' "$name" "$label" "$t" $((kb * 1024 / 1000000)) \
            "$(echo "$t / $base" | bc -l)"
    done
    echo "$name: $(($(wc -l <"$out/next-scan.csv") - 1)) listed with next-scan against $(($(wc -l <"$out/trace.csv") - 1)); $(($(wc -l <"$out/companions.csv") - 1)) companions; $(($(wc -l <"$out/zones.csv") - 1)) districts" >&2
done
