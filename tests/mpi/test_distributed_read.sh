# The distributed reader against one process, under mpirun with 1-4 ranks:
# a generated dump in random row order with resident ids (clean, and with
# bad rows strict and skipped), two dumps at once, and a places file.
#   bash test_distributed_read.sh CTRACE CHECK MPIRUN
set -euo pipefail
ctrace=$1 check=$2 mpirun=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
# Open MPI refuses root without these; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Under the sanitizers, leaks are not checked here: Open MPI does not free
# its own allocations at MPI_Finalize, from plugins LeakSanitizer cannot name
# to suppress. Memory errors and undefined behaviour still stop the test.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
"$ctrace" gen --persons 3000 --days 3 --order shuffled --ids resident --out "$work/city" -q
city=$work/city
{
    head -n 20000 "$city/scans.csv"
    echo "P-BAD,X,not a time,"
    echo "P-BAD,X,1650000000,1649999999"
    tail -n +20001 "$city/scans.csv" | head -n 30000
    echo "too,few"
} >"$work/dirty.csv"
head -n 1 "$city/scans.csv" >"$work/second.csv"
tail -n +50001 "$city/scans.csv" >>"$work/second.csv"
runs=(
    "--places $city/places.csv $city/scans.csv"
    "$work/dirty.csv"
    "--skip-bad $work/dirty.csv $work/second.csv"
    "--places $city/places.csv $work/second.csv $work/dirty.csv"
)
for ranks in 1 2 3 4; do
    for run in "${runs[@]}"; do
        # shellcheck disable=SC2086  # the run's words
        if ! "$mpirun" --oversubscribe -np "$ranks" "$check" $run >"$work/out" 2>&1; then
            echo "FAIL: $ranks rank(s): $run" >&2
            cat "$work/out" >&2
            failures=$((failures + 1))
        fi
    done
done
[ "$failures" -eq 0 ] || { echo "$failures run(s) differed" >&2; exit 1; }
echo "all runs the same as one process"
