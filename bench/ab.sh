#!/usr/bin/env bash
# Compares two builds of ctrace on the same data, for a change that must not
# cost time: `ctrace trace` on the realistic dumps (bench/run.sh makes them in
# bench/out) and `ctrace-mpi trace` at 4 ranks, run alternately, RUNS times
# each (default 3). Prints the median wall time and peak memory of each
# build, their ratio, and whether the outputs are byte for byte the same.
# Not part of the test suite.
#
#   bench/ab.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]
#
# A build dir holds apps/ctrace (and apps/ctrace-mpi for the MPI row); the
# cities default to bench/out/shuffled-700k and bench/out/resident-1.5m.
# Environment: RUNS (default 3), MPI_RANKS (default 4; empty: no MPI row).
set -euo pipefail
before=${1:?usage: bench/ab.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]}
after=${2:?usage: bench/ab.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [CITY_DIR...]}
shift 2
here=$(cd "$(dirname "$0")/.." && pwd)
cities=("$@")
[ "${#cities[@]}" -gt 0 ] || cities=("$here/bench/out/shuffled-700k" "$here/bench/out/resident-1.5m")
runs=${RUNS:-3}
ranks=${MPI_RANKS-4}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# run_one LABEL OUTPUT COMMAND...: appends "wall kb" to $out/LABEL.times.
run_one() {
    local label=$1 output=$2
    shift 2
    /usr/bin/time -f "%e %M" -o "$out/time" "$@" --out "$output" 2>"$out/$label.log" || {
        echo "bench/ab.sh: $label failed:" >&2
        cat "$out/$label.log" >&2
        exit 1
    }
    cat "$out/time" >>"$out/$label.times"
}

# median FILE COLUMN
median() { sort -n -k"$2","$2" "$1" | awk -v c="$2" '{ v[NR] = $c } END { print v[int((NR + 1) / 2)] }'; }

echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1e6 }' /proc/meminfo); $(date -u +%Y-%m-%d)"
echo "before: $before ($("$before/apps/ctrace" --version)); after: $after ($("$after/apps/ctrace" --version)); median of $runs"
printf '| run | before | after | after / before | before MB | after MB | same output |\n'
printf '|---|---:|---:|---:|---:|---:|:---:|\n'
for city in "${cities[@]}"; do
    name=$(basename "$city")
    options=(trace --scans "$city/scans.csv" --places "$city/places.csv" --cases "$city/cases.csv"
        --tz +00:00 --hops 2)
    rows=("trace:ctrace")
    [ -n "$ranks" ] && [ -x "$before/apps/ctrace-mpi" ] && [ -x "$after/apps/ctrace-mpi" ] &&
        rows+=("mpi:ctrace-mpi")
    for row in "${rows[@]}"; do
        kind=${row%%:*} program=${row#*:}
        rm -f "$out"/*.times
        for ((k = 0; k < runs; ++k)); do
            for build in before after; do
                dir=$before
                [ "$build" = after ] && dir=$after
                if [ "$kind" = mpi ]; then
                    run_one "$build" "$out/$build.csv" mpirun --oversubscribe -np "$ranks" \
                        "$dir/apps/$program" "${options[@]}"
                else
                    run_one "$build" "$out/$build.csv" "$dir/apps/$program" "${options[@]}"
                fi
            done
        done
        b=$(median "$out/before.times" 1) a=$(median "$out/after.times" 1)
        bm=$(median "$out/before.times" 2) am=$(median "$out/after.times" 2)
        same=no
        cmp -s "$out/before.csv" "$out/after.csv" && same=yes
        label="$program trace $name"
        [ "$kind" = mpi ] && label="$program trace $name, $ranks ranks (largest rank's memory)"
        printf '| %s | %.2f s | %.2f s | %.3f | %d | %d | %s |\n' "$label" "$b" "$a" \
            "$(echo "$a / $b" | bc -l)" $((bm * 1024 / 1000000)) $((am * 1024 / 1000000)) "$same"
    done
done
