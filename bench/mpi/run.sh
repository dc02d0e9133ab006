#!/usr/bin/env bash
# Per-rank peak memory, wall time and traffic of `ctrace-mpi trace` on one
# machine, against `ctrace trace --threads 1`, on a generated city
# (bench/run.sh makes them in bench/out). Not part of the test suite; see
# docs/distributed.md for the figures and what they model.
#
#   bench/mpi/run.sh CITY_DIR [RANKS...]     (default ranks: 1 2 4 8)
#
# Environment: CTRACE (default build/apps/ctrace), CTRACE_MPI (default
# build/apps/ctrace-mpi), MPIRUN (default mpirun), TRACE_OPTIONS (extra
# options for both, e.g. "--hops 3").
set -euo pipefail
city=${1:?usage: bench/mpi/run.sh CITY_DIR [RANKS...]}
shift
ranks_list=("$@")
[ "${#ranks_list[@]}" -gt 0 ] || ranks_list=(1 2 4 8)
here=$(cd "$(dirname "$0")/../.." && pwd)
ctrace=${CTRACE:-$here/build/apps/ctrace}
ctrace_mpi=${CTRACE_MPI:-$here/build/apps/ctrace-mpi}
mpirun=${MPIRUN:-mpirun}
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
places=()
[ -f "$city/places.csv" ] && places=(--places "$city/places.csv")
# shellcheck disable=SC2206  # options are words
options=(--scans "$city/scans.csv" "${places[@]}" --cases "$city/cases.csv" ${TRACE_OPTIONS:-})

echo "city: $city ($(($(wc -l <"$city/scans.csv") - 1)) rows); options: ${TRACE_OPTIONS:-defaults}"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1e6 }' /proc/meminfo); $(date -u +%Y-%m-%d)"
/usr/bin/time -f "%e %M" -o "$out/single.time" \
    "$ctrace" trace "${options[@]}" --threads 1 --out "$out/single.csv" 2>"$out/single.log"
read -r seconds kb <"$out/single.time"
single_mb=$((kb * 1024 / 1000000))
printf '| ranks | wall | peak memory per rank | vs one process | same rows | traffic (largest sent by a rank) |\n'
printf '|---:|---:|---:|---:|:---:|---|\n'
printf '| ctrace trace, 1 thread | %.2f s | %d MB | 1 | - | - |\n' "$seconds" "$single_mb"
for ranks in "${ranks_list[@]}"; do
    start=$(date +%s.%N)
    # Each rank's peak resident memory, measured from outside by time(1).
    # shellcheck disable=SC2016  # expanded by each rank's shell
    "$mpirun" --oversubscribe -np "$ranks" bash -c \
        'exec /usr/bin/time -f "%M" -o "$0/rank-$OMPI_COMM_WORLD_RANK.kb" "$@"' "$out" \
        "$ctrace_mpi" trace "${options[@]}" --out "$out/mpi.csv" 2>"$out/mpi.log" || {
        echo "ctrace-mpi failed at $ranks ranks:" >&2
        cat "$out/mpi.log" >&2
        exit 1
    }
    wall=$(echo "$(date +%s.%N) - $start" | bc)
    peaks=$(cat "$out"/rank-*.kb | sort -n | awk '{ mb = int($1 * 1024 / 1000000) } NR == 1 { lo = mb } { hi = mb } END { print lo "-" hi }')
    worst=${peaks#*-}
    same=no
    cmp -s "$out/single.csv" "$out/mpi.csv" && same=yes
    traffic=$(grep -o 'sent by a rank at most: .*' "$out/mpi.log" | sed 's/sent by a rank at most: //')
    printf '| %d | %.2f s | %s MB | %.2f | %s | %s |\n' "$ranks" "$wall" "$peaks" \
        "$(echo "$worst / $single_mb" | bc -l)" "$same" "$traffic"
    rm -f "$out"/rank-*.kb
done
echo
echo "one process: $(tail -n 1 "$out/single.log")"
echo "last ctrace-mpi run: $(grep -v 'peak memory' "$out/mpi.log" | tail -n 1)"
