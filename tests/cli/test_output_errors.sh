# Outputs that cannot be written (a full disk, a folder without write
# permission) exit 74 with one line naming the file and the system's reason,
# and write nothing else; bad input, and an output named wrongly (its folder
# missing, a folder as the file), still exit 2.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
data=(--scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00)

# one_line_naming TEXT...: stderr is exactly one line and holds every TEXT.
if [ -w /dev/full ]; then
    run_ctrace trace "${data[@]}" --cases "$tiny/cases.csv" --hops 3 --out /dev/full -q \
        --rejects "$work/rejects.csv" --skip-bad --hdf5 "$work/trace.h5"
    expect_status 74 "trace --out /dev/full"
    # The case that never scanned is warned about only after a successful write.
    one_line_naming "trace --out /dev/full" "/dev/full" "No space left on device"
    [ ! -e "$work/rejects.csv" ] && [ ! -e "$work/trace.h5" ] ||
        fail "trace --out /dev/full left other outputs"
    no_temporaries "$work"

    run_ctrace snapshot "${data[@]}" --out /dev/full -q
    expect_status 74 "snapshot --out /dev/full"
    one_line_naming "snapshot --out /dev/full" "/dev/full" "No space left on device"

    run_ctrace ingest --store "$work/store" "${data[@]}" --skip-bad --rejects /dev/full -q
    expect_status 74 "ingest --rejects /dev/full"
    one_line_naming "ingest --rejects /dev/full" "/dev/full" "No space left on device"

    run_ctrace ingest --store "$work/store2" "${data[@]}" --log /dev/full -q
    expect_status 74 "ingest --log /dev/full"
    one_line_naming "ingest --log /dev/full" "/dev/full" "No space left on device"

    run_ctrace places "${data[@]}" --cases "$tiny/cases.csv" --out /dev/full -q
    expect_status 74 "places --out /dev/full"
    one_line_naming "places --out /dev/full" "/dev/full" "No space left on device"

    # An Excel workbook that cannot be written: the same one line, no other output.
    run_ctrace trace "${data[@]}" --cases "$tiny/cases.csv" --out "$work/risk.csv" -q \
        --xlsx /dev/full
    expect_status 74 "trace --xlsx /dev/full"
    one_line_naming "trace --xlsx /dev/full" "/dev/full" "No space left on device"
    [ ! -e "$work/risk.csv" ] || fail "trace --xlsx /dev/full wrote the risk list"
    no_temporaries "$work"

    run_ctrace places "${data[@]}" --cases "$tiny/cases.csv" --out "$work/places.csv" -q \
        --xlsx /dev/full --lang zh
    expect_status 74 "places --xlsx /dev/full"
    one_line_naming "places --xlsx /dev/full" "/dev/full" "No space left on device"
    [ ! -e "$work/places.csv" ] || fail "places --xlsx /dev/full wrote the risk places"
else
    echo "no writable /dev/full here: the full-disk checks are skipped"
fi

# A folder without write permission. Root may write anywhere (CI runs as
# root), so there ctrace runs as user nobody (lib.sh: unprivileged_user);
# outputs that may be written go to a folder nobody can write in.
if unprivileged_user; then
    locked=$work/locked
    open=$work/open
    folder_for_unprivileged "$locked" no
    folder_for_unprivileged "$open" yes

    run_ctrace_unprivileged trace "${data[@]}" --cases "$tiny/cases.csv" --hops 3 \
        --out "$locked/risk.csv" --hdf5 "$open/trace.h5" -q
    expect_status 74 "trace --out in a folder without write permission"
    one_line_naming "trace --out in a folder without write permission" "$locked/risk.csv" \
        "Permission denied"
    [ ! -e "$open/trace.h5" ] || fail "trace --out in a locked folder wrote --hdf5"

    run_ctrace_unprivileged trace "${data[@]}" --cases "$tiny/cases.csv" --hops 3 \
        --out "$open/risk.csv" --skip-bad --rejects "$locked/rejects.csv" -q
    expect_status 74 "trace --rejects in a folder without write permission"
    one_line_naming "trace --rejects in a folder without write permission" "$locked/rejects.csv" \
        "Permission denied"
    [ ! -e "$open/risk.csv" ] || fail "trace --rejects in a locked folder wrote the risk list"

    run_ctrace_unprivileged snapshot "${data[@]}" --out "$locked/tiny.h5" -q
    expect_status 74 "snapshot --out in a folder without write permission"
    one_line_naming "snapshot --out in a folder without write permission" "$locked/tiny.h5" \
        "Permission denied"

    run_ctrace_unprivileged places "${data[@]}" --cases "$tiny/cases.csv" \
        --out "$locked/places.csv" -q
    expect_status 74 "places --out in a folder without write permission"
    one_line_naming "places --out in a folder without write permission" "$locked/places.csv" \
        "Permission denied"

    # A store to be created in it, and a store whose files nobody may write.
    run_ctrace_unprivileged ingest --store "$locked/store" "${data[@]}" -q
    expect_status 74 "ingest --store in a folder without write permission"
    one_line_naming "ingest --store in a folder without write permission" "$locked/store" \
        "Permission denied"
    run_ctrace ingest --store "$work/root-store" "${data[@]}" -q # as the test's own user
    expect_status 0 "ingest of a store for the permission check"
    chmod -R a-w "$work/root-store"
    (cd "$work/root-store" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/store-before.txt"
    run_ctrace_unprivileged ingest --store "$work/root-store" --scans "$tiny/scans.csv" -q
    expect_status 74 "ingest into a store without write permission"
    one_line_naming "ingest into a store without write permission" "$work/root-store" \
        "Permission denied"
    (cd "$work/root-store" && find . -type f -print0 | sort -z | xargs -0 sha256sum) >"$work/store-after.txt"
    expect_same_file "$work/store-after.txt" "$work/store-before.txt" "a refused ingest changed the store"
    [ -z "$(ls -A "$locked")" ] || fail "refused outputs left files: $(ls -A "$locked")"
    no_temporaries "$open"
    chmod u+w "$locked"
    chmod -R u+w "$work/root-store"
fi

run_ctrace trace "${data[@]}" --cases "$tiny/cases.csv" --out "$work/no-such-folder/risk.csv" -q
expect_status 2 "trace into a missing folder"
one_line_naming "trace into a missing folder" "$work/no-such-folder/risk.csv" \
    "no folder '$work/no-such-folder' to write it in; create the folder first"
touch "$work/a-file"
run_ctrace trace "${data[@]}" --cases "$tiny/cases.csv" --out "$work/a-file/risk.csv" -q
expect_status 2 "trace into a file as if a folder"
one_line_naming "trace into a file as if a folder" "$work/a-file/risk.csv" "part of the path is a file"

run_ctrace trace "${data[@]}" --cases "$tiny/cases.csv" --out "$work/risk.csv" -q \
    --xlsx "$work/no-such-folder/risk.xlsx"
expect_status 2 "trace --xlsx into a missing folder"
one_line_naming "trace --xlsx into a missing folder" "$work/no-such-folder/risk.xlsx" \
    "no folder '$work/no-such-folder' to write it in"
[ ! -e "$work/risk.csv" ] || fail "trace --xlsx into a missing folder wrote the risk list"

mkdir "$work/a-folder"
run_ctrace snapshot "${data[@]}" --out "$work/a-folder" -q
expect_status 2 "snapshot over a folder"
one_line_naming "snapshot over a folder" "$work/a-folder" "is a folder"

# Bad input is still exit 2, and a usage error too.
printf 'person,place,time\nA,M01,not-a-time\n' >"$work/bad.csv"
run_ctrace trace --scans "$work/bad.csv" --cases "$tiny/cases.csv" --out "$work/r.csv"
expect_status 2 "bad scans"
[ ! -e "$work/r.csv" ] || fail "bad scans wrote the risk list"

run_ctrace help
grep -qF "74" "$work/stdout" || fail "ctrace help does not document exit status 74"
run_ctrace help trace
grep -qF "74" "$work/stdout" || fail "ctrace help trace does not document exit status 74"

# The library names parameters; the CLI puts the flag in front.
run_ctrace ingest --store "$work/store3" "${data[@]}" -q
expect_status 0 "first ingest"
printf 'person,place,time\nZ,M01,2022-04-20T10:00:00+08:00\n' >"$work/day2.csv"
run_ctrace ingest --store "$work/store3" --scans "$work/day2.csv" --dwell 10m -q
expect_status 2 "ingest with another --dwell"
one_line_naming "ingest with another --dwell" "--dwell: " "differs from the store's"

finish
