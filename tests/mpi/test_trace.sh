# `ctrace-mpi trace` under mpirun with 1-4 ranks against `ctrace trace`:
# the outputs byte for byte (risk list, GraphML, rejects), the exit status,
# and on failure one message and nothing written.
#   bash test_trace.sh CTRACE CTRACE_MPI MPIRUN FIXTURES
set -euo pipefail
ctrace=$1 ctrace_mpi=$2 mpirun=$3 fixtures=$4
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}
# Open MPI refuses root without these; CI runs as root.
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Open MPI does not free its own allocations (see test_distributed_read.sh).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"

# A generated city in random row order with resident ids; its places file
# given sites (three codes a venue) and some minimum overlaps; two dumps; a
# dirty copy with bad rows where rank 2 of 4 reads (62% of the way in).
"$ctrace" gen --persons 3000 --days 3 --order shuffled --ids resident --out "$work/city" -q
city=$work/city
awk -F, 'BEGIN { OFS = "," }
    NR == 1 { print $0, "site", "min_overlap"; next }
    { print $0, (NR % 4 == 0 ? "" : "SITE-" int(NR / 3)), (NR % 5 == 0 ? "5m" : "") }' \
    "$city/places.csv" >"$work/places.csv"
rows=$(($(wc -l <"$city/scans.csv") - 1))
head -n 1 "$city/scans.csv" >"$work/day2.csv"
tail -n +$((rows / 2 + 2)) "$city/scans.csv" >>"$work/day2.csv"
head -n $((rows / 2 + 1)) "$city/scans.csv" >"$work/day1.csv"
bad_at=$((rows * 62 / 100))
{
    head -n "$bad_at" "$city/scans.csv"
    echo "P-BAD,X,not a time,"
    tail -n +$((bad_at + 1)) "$city/scans.csv"
} >"$work/dirty.csv"
printf 'a key of at least sixteen bytes\n' >"$work/key"
# A gzip dump of more rows than a reading block (65,536), bad rows three
# times over; the tiny example in GB18030.
{
    cat "$work/dirty.csv"
    tail -n +2 "$work/dirty.csv"
    tail -n +2 "$work/dirty.csv"
} | gzip -c -n >"$work/dirty.csv.gz"
# Chinese column names, and a note column whose quoted text spans lines on
# every row (so that cuts between ranks fall inside quotes).
awk -F, 'BEGIN { OFS = "," }
    NR == 1 { print "身份证号,场所码,扫码时间,离开时间,备注"; next }
    { print $0, "\"第一行\n第二行\"" }' "$city/scans.csv" >"$work/quoted.csv"
# Sums of overlaps past 2^63 at a hop where their target is already
# listed: not an error, as one process adds only the listed hop's (a
# regression: the ranks once summed them all and failed). Stays reach from
# -2^55 s to the last second read as a time (year 5138 as epoch seconds).
{
    echo "person,place,time,leave"
    echo "C,P0,1000,2000"
    for k in $(seq 100 399); do
        echo "S$k,P0,1000,2000"
        echo "S$k,P1,-36028797018963967,99999999999"
    done
} >"$work/overflow.csv"
printf 'person,from,to\nC,0,3000\n' >"$work/overflow-cases.csv"
# Snapshots: plain, and pseudonymised under the key.
"$ctrace" snapshot --scans "$work/day1.csv" --scans "$work/day2.csv" --places "$work/places.csv" \
    --out "$work/city.h5" -q
"$ctrace" snapshot --scans "$city/scans.csv" --pseudonymize "$work/key" --out "$work/pseudo.h5" -q
for file in scans places cases; do
    iconv -f UTF-8 -t GB18030 "$fixtures/tiny/$file.csv" >"$work/tiny-$file.csv"
done
# The field example's stays cut at the next scan, as a snapshot (the rule is
# applied when the snapshot is made).
field=$fixtures/field
"$ctrace" snapshot --scans "$field/scans.csv" --places "$field/places.csv" --tz +08:00 \
    --stay-end next-scan --out "$work/field-next-scan.h5" -q

# Each run: the options after `trace`, without --out (REJECTS, HDF5 and
# COMPANIONS stand for files of the run).
runs=(
    "--scans $fixtures/tiny/scans.csv --places $fixtures/tiny/places.csv --cases $fixtures/tiny/cases.csv --tz +08:00 --hops 3"
    "--scans $fixtures/doors/scans.csv --places $fixtures/doors/places.csv --cases $fixtures/doors/cases.csv --tz +08:00 --contact-level site --linger 30m --profile cn-ed9"
    "--scans $city/scans.csv --places $city/places.csv --cases $city/cases.csv --tz +08:00"
    "--scans $city/scans.csv --cases $city/cases.csv --hops 3 --min-overlap 5m --latency 2h --quarantine 10d,7d,5d --monitoring 7d,3d --until 2022-04-03T12:00:00+08:00 --bom"
    "--scans $work/day1.csv --scans $work/day2.csv --places $work/places.csv --cases $city/cases.csv --hops 3"
    "--scans $work/day1.csv --scans $work/day2.csv --places $work/places.csv --cases $city/cases.csv --contact-level site --linger 20m --profile cwa --hops 3 --hdf5 HDF5"
    "--scans $work/dirty.csv --places $work/places.csv --cases $city/cases.csv --skip-bad --rejects REJECTS --hdf5 HDF5"
    "--scans $city/scans.csv --cases $city/cases.csv --pseudonymize $work/key --hops 3"
    "--scans $work/dirty.csv.gz --places $work/places.csv --cases $city/cases.csv --skip-bad --rejects REJECTS --hops 3"
    "--scans $work/tiny-scans.csv --places $work/tiny-places.csv --cases $work/tiny-cases.csv --encoding gb18030 --tz +08:00 --hops 3"
    "--scans $work/quoted.csv --scan-columns person=身份证号,place=场所码,time=扫码时间,leave=离开时间 --cases $city/cases.csv --hops 3"
    "--scans $work/overflow.csv --cases $work/overflow-cases.csv"
    "--snapshot $work/city.h5 --cases $city/cases.csv --contact-level site --linger 10m --hops 3"
    "--snapshot $work/pseudo.h5 --cases $city/cases.csv --pseudonymize $work/key --hdf5 HDF5"
    "--scans $field/scans.csv --places $field/places.csv --cases $field/cases.csv --tz +08:00 --companions COMPANIONS"
    "--snapshot $work/field-next-scan.h5 --cases $field/cases.csv --tz +08:00 --companions COMPANIONS"
    "--scans $city/scans.csv --places $city/places.csv --cases $city/cases.csv --min-overlap 2h --companion-window 1h --companions COMPANIONS"
    "--snapshot $work/city.h5 --cases $city/cases.csv --hops 1 --min-overlap 90m --companions COMPANIONS"
    "--scans $field/scans.csv --places $field/places.csv --cases $field/cases.csv --tz +08:00 --stay-end next-scan --companions COMPANIONS"
    "--scans $work/day1.csv --scans $work/day2.csv --places $work/places.csv --cases $city/cases.csv --stay-end next-scan --hops 3 --min-overlap 2h --companion-window 1h --companions COMPANIONS"
    "--scans $work/dirty.csv --places $work/places.csv --cases $city/cases.csv --contact-level site --stay-end next-scan --skip-bad --rejects REJECTS --hdf5 HDF5"
)
# Runs that must fail: a bad row only rank 2 of 4 reads, a missing dump, a
# bad cases file.
failing_runs=(
    "--scans $work/dirty.csv --places $work/places.csv --cases $city/cases.csv"
    "--scans $work/dirty.csv.gz --cases $city/cases.csv"
    "--scans $city/scans.csv --scans $work/missing.csv --cases $city/cases.csv"
    "--scans $city/scans.csv --cases $work/key"
    "--snapshot $work/pseudo.h5 --cases $city/cases.csv --pseudonymize $work/places.csv"
)

checked=0
for k in "${!runs[@]}"; do
    run=${runs[$k]}
    expected=$work/expected-$k
    mkdir -p "$expected"
    run_for() { # the run's words with its files in $1
        local words=${run//REJECTS/$1/rejects.csv}
        words=${words//COMPANIONS/$1/companions.csv}
        echo "${words//HDF5/$1/snapshot.h5}"
    }
    # shellcheck disable=SC2046  # the run's words
    "$ctrace" trace $(run_for "$expected") --out "$expected/risk.csv" \
        --graphml "$expected/tree.graphml" -q 2>"$expected/stderr"
    # Warnings (a case without scans, say) as one process words them.
    grep ': warning: ' "$expected/stderr" | sed 's/^ctrace trace:/ctrace-mpi trace:/' \
        >"$expected/warnings" || true
    lines=$(wc -l <"$expected/risk.csv")
    [ "$lines" -gt 5 ] || fail "run $k lists only $lines lines: not a real comparison"
    if [ -e "$expected/companions.csv" ]; then
        lines=$(wc -l <"$expected/companions.csv")
        [ "$lines" -gt 3 ] || fail "run $k has only $lines companion lines: not a real comparison"
    fi
    for ranks in 1 2 3 4; do
        got=$work/got-$k-$ranks
        mkdir -p "$got"
        # shellcheck disable=SC2046
        if ! "$mpirun" --oversubscribe -np "$ranks" "$ctrace_mpi" trace \
            $(run_for "$got") --out "$got/risk.csv" \
            --graphml "$got/tree.graphml" -q 2>"$got/stderr"; then
            fail "run $k, $ranks rank(s) failed: $run"
            cat "$got/stderr" >&2
            continue
        fi
        grep ': warning: ' "$got/stderr" >"$got/warnings" || true
        cmp -s "$expected/warnings" "$got/warnings" ||
            fail "run $k, $ranks rank(s): the warnings differ: $run"
        for file in risk.csv tree.graphml rejects.csv companions.csv; do
            [ -e "$expected/$file" ] || continue
            cmp -s "$expected/$file" "$got/$file" ||
                fail "run $k, $ranks rank(s): $file differs: $run"
        done
        # A snapshot numbers persons and places its own way: compared by id.
        if [ -e "$expected/snapshot.h5" ]; then
            /usr/bin/python3 "$fixtures/../mpi/compare_snapshots.py" "$fixtures/../.." \
                "$expected/snapshot.h5" "$got/snapshot.h5" >"$got/compared" 2>&1 || {
                fail "run $k, $ranks rank(s): the snapshots differ: $run"
                cat "$got/compared" >&2
            }
        fi
        checked=$((checked + 1))
    done
done

for k in "${!failing_runs[@]}"; do
    run=${failing_runs[$k]}
    status=0
    # shellcheck disable=SC2086
    "$ctrace" trace $run --out "$work/never.csv" 2>"$work/expected-stderr" || status=$?
    [ "$status" -ne 0 ] || fail "failing run $k succeeded in one process: $run"
    sed 's/^ctrace trace:/ctrace-mpi trace:/' "$work/expected-stderr" >"$work/expected-message"
    for ranks in 1 2 3 4; do
        got_status=0
        # shellcheck disable=SC2086
        "$mpirun" --oversubscribe -np "$ranks" "$ctrace_mpi" trace $run \
            --out "$work/never.csv" 2>"$work/stderr" || got_status=$?
        [ "$got_status" -eq "$status" ] ||
            fail "failing run $k, $ranks rank(s): exit $got_status, not $status: $run"
        [ ! -e "$work/never.csv" ] || fail "failing run $k, $ranks rank(s) wrote the risk list"
        # One message, from rank 0, as one process words it; mpirun adds
        # its notice of a non-zero exit between lines of dashes.
        awk '/^-+$/ { notice = !notice; next } !notice' "$work/stderr" >"$work/message"
        cmp -s "$work/expected-message" "$work/message" || {
            fail "failing run $k, $ranks rank(s): message differs: $run"
            diff "$work/expected-message" "$work/message" >&2 || true
        }
    done
done

[ "$failures" -eq 0 ] || { echo "$failures check(s) failed" >&2; exit 1; }
echo "ctrace-mpi trace equals ctrace trace: $checked runs, ${#failing_runs[@]} failures x 4 rank counts"
