# HDF5 snapshots end to end: `ctrace snapshot`, `ctrace trace --snapshot` and
# `ctrace trace --hdf5` (docs/hdf5-schema.md): same risk lists as from CSV,
# usage errors, refusal of bad snapshot files, atomic outputs, interruption.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
data=$fixtures/../../data

# expect_hdf5 FILE WHAT: FILE starts with the ctrace checksum block, the index
# block follows at byte 512, and the HDF5 signature at byte 4096.
expect_hdf5() {
    [ "$(head -c 24 "$1")" = "CTRACE-SNAPSHOT-CHECKSUM" ] || fail "$2: $1 has no checksum block"
    [ "$(tail -c +513 "$1" | head -c 21)" = "CTRACE-SNAPSHOT-INDEX" ] || fail "$2: $1 has no index block"
    [ "$(tail -c +4097 "$1" | head -c 8 | od -An -tx1 | tr -d ' \n')" = "894844460d0a1a0a" ] ||
        fail "$2: $1 is not an HDF5 file"
}

# expect_one_line WHAT: stderr holds exactly one line.
expect_one_line() {
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$1: stderr is not one line: $(cat "$work/stderr")"
}

# --- The tiny example through a snapshot ------------------------------------

run_ctrace snapshot --scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00 \
    --out "$work/tiny.h5"
expect_status 0 "snapshot of the tiny example"
expect_hdf5 "$work/tiny.h5" "snapshot of the tiny example"
expect_stderr_has "24 rows read (0 rejected)" "snapshot summary"
[ ! -s "$work/stdout" ] || fail "snapshot wrote to stdout"

run_ctrace trace --snapshot "$work/tiny.h5" --cases "$tiny/cases.csv" --tz +08:00 --hops 3 \
    --out "$work/risk-snapshot.csv"
expect_status 0 "trace --snapshot"
expect_same_file "$tiny/risk.csv" "$work/risk-snapshot.csv" "trace --snapshot of the tiny example"

run_ctrace trace --snapshot "$work/tiny.h5" --cases "$tiny/cases.csv" --tz +08:00 --hops 3 \
    --out - --quiet
expect_status 0 "trace --snapshot --out -"
expect_same_file "$tiny/risk.csv" "$work/stdout" "trace --snapshot to stdout"

# --hdf5 writes the same risk list and a snapshot that traces again identically.
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --tz +08:00 --hops 3 --out "$work/risk-csv.csv" --hdf5 "$work/traced.h5"
expect_status 0 "trace --hdf5"
expect_same_file "$tiny/risk.csv" "$work/risk-csv.csv" "trace --hdf5 risk list"
expect_hdf5 "$work/traced.h5" "trace --hdf5"
run_ctrace trace --snapshot "$work/traced.h5" --cases "$tiny/cases.csv" --tz +08:00 --hops 3 \
    --out "$work/risk-again.csv" --hdf5 "$work/traced-again.h5"
expect_status 0 "trace --snapshot of a trace --hdf5 file"
expect_same_file "$tiny/risk.csv" "$work/risk-again.csv" "trace of the --hdf5 snapshot"
expect_hdf5 "$work/traced-again.h5" "trace --snapshot --hdf5"
no_temporaries "$work"

# --- data/: from CSV and from a snapshot ------------------------------------

run_ctrace trace --scans "$data/scans.csv" --places "$data/places.csv" --cases "$data/cases.csv" \
    --tz +08:00 --out "$work/data-csv.csv"
expect_status 0 "trace data/ from CSV"
[ "$(wc -l <"$work/data-csv.csv")" -gt 4 ] || fail "data/ risk list has no contacts"
run_ctrace snapshot --scans "$data/scans.csv" --places "$data/places.csv" --tz +08:00 \
    --out "$work/data.h5"
expect_status 0 "snapshot of data/"
run_ctrace trace --snapshot "$work/data.h5" --cases "$data/cases.csv" --tz +08:00 \
    --out "$work/data-snapshot.csv"
expect_status 0 "trace data/ from the snapshot"
expect_same_file "$work/data-csv.csv" "$work/data-snapshot.csv" "data/ from the snapshot"
no_temporaries "$work"

# --- Usage errors: exit 2, nothing written ----------------------------------

usage_error() { # WHAT ARGS...: exit 2 and no risk list
    local what=$1
    shift
    rm -f "$work/usage.csv"
    run_ctrace "$@"
    expect_status 2 "$what"
    expect_one_line "$what"
    [ ! -e "$work/usage.csv" ] || fail "$what: an output was written"
}
usage_error "--snapshot with --scans" trace --snapshot "$work/tiny.h5" --scans "$tiny/scans.csv" \
    --cases "$tiny/cases.csv" --out "$work/usage.csv"
expect_stderr_has "--snapshot" "--snapshot with --scans names --snapshot"
usage_error "--snapshot with --places" trace --snapshot "$work/tiny.h5" \
    --places "$tiny/places.csv" --cases "$tiny/cases.csv" --out "$work/usage.csv"
expect_stderr_has "--places" "--snapshot with --places names --places"
usage_error "--snapshot with --skip-bad" trace --snapshot "$work/tiny.h5" --skip-bad \
    --cases "$tiny/cases.csv" --out "$work/usage.csv"
expect_stderr_has "--skip-bad" "--snapshot with --skip-bad names --skip-bad"
usage_error "--snapshot with --dwell 5m" trace --snapshot "$work/tiny.h5" --dwell 5m \
    --cases "$tiny/cases.csv" --out "$work/usage.csv"
expect_stderr_has "--dwell" "--snapshot with --dwell names --dwell"
usage_error "--snapshot with --rejects" trace --snapshot "$work/tiny.h5" \
    --rejects "$work/rejects.csv" --cases "$tiny/cases.csv" --out "$work/usage.csv"
[ ! -e "$work/rejects.csv" ] || fail "--snapshot with --rejects wrote a rejects file"
usage_error "trace without --scans or --snapshot" trace --cases "$tiny/cases.csv" \
    --out "$work/usage.csv"
usage_error "trace --snapshot without --out" trace --snapshot "$work/tiny.h5" \
    --cases "$tiny/cases.csv"
expect_stderr_has "--out" "missing --out named (trace)"
usage_error "snapshot without --out" snapshot --scans "$tiny/scans.csv" --tz +08:00
expect_stderr_has "--out" "missing --out named (snapshot)"
usage_error "snapshot without --scans" snapshot --out "$work/usage.csv"
usage_error "snapshot with an unknown option" snapshot --scans "$tiny/scans.csv" --tz +08:00 \
    --out "$work/usage.csv" --snapshot "$work/tiny.h5"
no_temporaries "$work"

# --- Bad snapshot files: exit 2 (never 1 or a signal), one line naming the file

refused() { # FILE WHAT
    rm -f "$work/refused.csv"
    run_ctrace trace --snapshot "$1" --cases "$tiny/cases.csv" --tz +08:00 \
        --out "$work/refused.csv"
    expect_status 2 "$2"
    expect_one_line "$2"
    expect_stderr_has "$1" "$2: file named"
    [ ! -e "$work/refused.csv" ] || fail "$2: a risk list was written"
}
size=$(stat -c %s "$work/tiny.h5")
refused "$work/missing.h5" "missing snapshot"
refused "$tiny/scans.csv" "a CSV file as --snapshot"
head -c $((size / 2)) "$work/tiny.h5" >"$work/half.h5"
refused "$work/half.h5" "snapshot cut in half"
head -c $((size - 1)) "$work/tiny.h5" >"$work/short.h5"
refused "$work/short.h5" "snapshot one byte short"
head -c 512 "$work/tiny.h5" >"$work/head.h5"
refused "$work/head.h5" "the first 512 bytes of a snapshot"
: >"$work/zero.h5"
refused "$work/zero.h5" "zero-byte snapshot"
mkdir "$work/folder.h5"
refused "$work/folder.h5" "a folder as --snapshot"
no_temporaries "$work"

# --- ctrace snapshot with bad rows ------------------------------------------

cat >"$work/bad-scans.csv" <<'CSV'
person,place,time,leave
A,X,2022-04-19 10:00,
B,X,2022-04-19 10:10,2022-04-19 09:00
C,X,not-a-time,
D,X,2022-04-19 10:20,2022-04-19 10:50
CSV
printf 'person,from\nA,2022-04-19 00:00\n' >"$work/bad-cases.csv"

# --skip-bad --rejects: the snapshot and the rejects file are written.
run_ctrace snapshot --scans "$work/bad-scans.csv" --skip-bad --rejects "$work/rejects.csv" \
    --out "$work/skipped.h5"
expect_status 0 "snapshot --skip-bad --rejects"
expect_hdf5 "$work/skipped.h5" "snapshot --skip-bad"
expect_stderr_has "2 bad scan rows skipped" "skip summary"
[ "$(head -n 1 "$work/rejects.csv" 2>/dev/null)" = "line,reason,raw" ] || fail "rejects header"
[ "$(tail -n +2 "$work/rejects.csv" | cut -d, -f1 | tr '\n' ' ')" = "3 4 " ] ||
    fail "rejects lines: $(cat "$work/rejects.csv")"
run_ctrace trace --snapshot "$work/skipped.h5" --cases "$work/bad-cases.csv" --out "$work/r.csv"
expect_status 0 "trace of a --skip-bad snapshot"
grep -q '^D,1,red,' "$work/r.csv" || fail "row after bad rows not in the snapshot: $(cat "$work/r.csv")"
expect_stderr_has "snapshot of 4 rows" "rows read recorded in the snapshot"

# Strict mode: no snapshot written, an existing one left untouched.
run_ctrace snapshot --scans "$work/bad-scans.csv" --out "$work/strict.h5"
expect_status 2 "strict snapshot with bad rows"
expect_stderr_has "$work/bad-scans.csv:3: leave: before time" "strict: bad row named"
[ ! -e "$work/strict.h5" ] || fail "strict failure wrote a snapshot"
cp "$work/tiny.h5" "$work/existing.h5"
run_ctrace snapshot --scans "$work/bad-scans.csv" --out "$work/existing.h5"
expect_status 2 "strict snapshot over an existing one"
cmp -s "$work/tiny.h5" "$work/existing.h5" || fail "strict failure touched the existing snapshot"
no_temporaries "$work"

# A run that fails writes nothing (exit status 2 means "nothing written"),
# also when the failing output is not the first one.
rm -f "$work/partial.h5" "$work/partial.csv"
run_ctrace snapshot --scans "$work/bad-scans.csv" --skip-bad \
    --rejects "$work/no-such-folder/rejects.csv" --out "$work/partial.h5"
expect_status 2 "snapshot with --rejects in a missing folder"
[ ! -e "$work/partial.h5" ] || fail "snapshot --rejects into a missing folder still wrote the snapshot"
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --tz +08:00 --out "$work/partial.csv" --hdf5 "$work/no-such-folder/traced.h5"
expect_status 2 "trace with --hdf5 in a missing folder"
expect_stderr_has "$work/no-such-folder/traced.h5" "unwritable --hdf5 named"
[ ! -e "$work/partial.csv" ] || fail "trace --hdf5 into a missing folder still wrote the risk list"
run_ctrace snapshot --scans "$tiny/scans.csv" --tz +08:00 --out "$work/no-such-folder/s.h5"
expect_status 2 "snapshot into a missing folder"
expect_one_line "snapshot into a missing folder"
expect_stderr_has "$work/no-such-folder/s.h5" "unwritable --out named"
no_temporaries "$work"

# --- Indexed reads: the same list as the CSV, checked block by block ---------

city=$work/city
"$ctrace" gen --persons 20000 --days 14 --order shuffled --ids resident --out "$city" --quiet ||
    fail "ctrace gen of the city"
run_ctrace snapshot --scans "$city/scans.csv" --places "$city/places.csv" --out "$work/city.h5"
expect_status 0 "snapshot of the generated city"
for args in "--hops 2" "--hops 3 --min-overlap 5m --linger 10m" "--hops 1 --profile cn-ed9"; do
    # shellcheck disable=SC2086
    run_ctrace trace --scans "$city/scans.csv" --places "$city/places.csv" --cases "$city/cases.csv" \
        --out "$work/city-csv.csv" $args
    expect_status 0 "trace the city from CSV ($args)"
    # shellcheck disable=SC2086
    run_ctrace trace --snapshot "$work/city.h5" --cases "$city/cases.csv" --out "$work/city-h5.csv" $args
    expect_status 0 "trace the city from its snapshot ($args)"
    expect_same_file "$work/city-csv.csv" "$work/city-h5.csv" "city traced from its snapshot ($args)"
    [ "$(wc -l <"$work/city-h5.csv")" -gt 100 ] || fail "the city's list is short ($args)"
done
run_ctrace verify
expect_status 2 "verify without a file"
expect_stderr_has "ctrace verify FILE.h5" "verify without a file says how"
run_ctrace verify "$work/city.h5"
expect_status 0 "verify a sound snapshot"
expect_stderr_has "sound" "verify says sound"
run_ctrace verify "$fixtures/earlier-versions/tiny-snapshot.h5"
expect_status 0 "verify a snapshot of an earlier ctrace"
expect_stderr_has "no index block" "verify of an earlier snapshot says it has no index"
# One byte of the stays' starts changed, the file's checksum block left as it
# was: the trace that reads that block refuses it, naming the column.
cp "$work/city.h5" "$work/damaged.h5"
offset=$(dd if="$work/city.h5" bs=512 skip=1 count=7 2>/dev/null | tr -d '\000' |
    awk '$1 == "column" && $2 == "stays/start" { print $5 }')
[ -n "$offset" ] || fail "no stays/start in the index block"
printf '\377\377\377\377' | dd of="$work/damaged.h5" bs=1 seek=$((offset + 4)) conv=notrunc 2>/dev/null
run_ctrace trace --snapshot "$work/damaged.h5" --cases "$city/cases.csv" --out "$work/damaged.csv"
expect_status 2 "trace of a damaged block"
one_line_naming "trace of a damaged block" "$work/damaged.h5"
expect_stderr_has "'stays/start' does not match its checksum" "the damaged column named"
[ ! -e "$work/damaged.csv" ] || fail "a damaged snapshot gave a risk list"
run_ctrace verify "$work/damaged.h5"
expect_status 2 "verify of a damaged snapshot"
one_line_naming "verify of a damaged snapshot" "$work/damaged.h5"

# --- Interrupted snapshots leave nothing behind -----------------------------

big=$work/big
"$ctrace" gen --scans 6000000 --out "$big" --quiet || fail "ctrace gen"

# interrupt WHEN: starts a snapshot of the big city and sends SIGINT while it
# reads the scans ("early": once it holds the scans file open) or once its
# output is written and about to be committed ("writing"). The snapshot runs
# under CTRACE_TEST_PAUSE_BEFORE_COMMIT (lib/src/core/atomic_file.cpp): before
# its commit it creates the pause file and waits for it to go, which never
# happens here, so it cannot finish before the signal and "writing" is a state
# it is known to be in, not a moment hoped for.
interrupt() {
    local when=$1 pid pause=$work/pause-$1
    CTRACE_TEST_PAUSE_BEFORE_COMMIT=$pause "$ctrace" snapshot --scans "$big/scans.csv" \
        --places "$big/places.csv" --out "$big/city.h5" --quiet 2>"$work/interrupt.err" &
    pid=$!
    if [ "$when" = early ]; then
        for _ in $(seq 1 12000); do
            holds_open "$pid" "$big/scans.csv" && break
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.01
        done
        holds_open "$pid" "$big/scans.csv" || fail "interrupt early: the snapshot never read the scans"
    else
        wait_for_pause "$pause" "$pid" || fail "interrupt writing: the snapshot never paused before its commit"
        [ "$(cat "$pause" 2>/dev/null)" = "$big/city.h5" ] ||
            fail "interrupt writing: paused before committing '$(cat "$pause" 2>/dev/null)', not $big/city.h5"
        [ -n "$(find "$big" -maxdepth 1 -name '.city.h5.tmp-*')" ] ||
            fail "interrupt writing: no temporary output while paused before the commit"
    fi
    kill -INT "$pid" 2>/dev/null || fail "interrupt $when: the snapshot ended before SIGINT"
    set +e
    wait "$pid"
    status=$?
    set -e
    [ "$status" -eq 130 ] || fail "interrupt $when: exit status $status, expected 130 (SIGINT)"
    [ ! -e "$big/city.h5" ] || fail "interrupt $when: a snapshot was written"
    no_temporaries "$big"
    rm -f "$pause"
}
interrupt early
interrupt writing
rm -rf "$big"

# --- Help ---------------------------------------------------------------------

for args in "help snapshot" "snapshot --help"; do
    # shellcheck disable=SC2086
    run_ctrace $args
    expect_status 0 "ctrace $args"
    grep -qF -- "--out" "$work/stdout" || fail "ctrace $args does not mention --out"
    grep -qF -- "--scans" "$work/stdout" || fail "ctrace $args does not mention --scans"
done
run_ctrace help trace
expect_status 0 "ctrace help trace"
grep -qF -- "--snapshot" "$work/stdout" || fail "ctrace help trace does not mention --snapshot"
grep -qF -- "--hdf5" "$work/stdout" || fail "ctrace help trace does not mention --hdf5"

no_temporaries "$work"
finish
