# The field example (docs/semantics.md §10-§12, tests/fixtures/field/README.md):
# each expected file byte for byte, from the CSV and from snapshots, and bad
# options of the field rules.
source "$(dirname "$0")/lib.sh"
field=$fixtures/field
data=(--scans "$field/scans.csv" --places "$field/places.csv" --tz +08:00)
cases=(--cases "$field/cases.csv")

# §10: the risk list and the companions, written together.
run_ctrace trace "${data[@]}" "${cases[@]}" --out "$work/risk.csv" --companions "$work/companions.csv"
expect_status 0 "trace with companions"
expect_same_file "$field/risk.csv" "$work/risk.csv" "the risk list beside companions"
expect_same_file "$field/companions.csv" "$work/companions.csv" "companions"
expect_stderr_has "$work/companions.csv" "the summary names the companions file"

# From a plain snapshot (read whole: a companion may be anyone at a case's places).
run_ctrace snapshot "${data[@]}" --out "$work/ex.h5" -q
expect_status 0 "snapshot"
run_ctrace trace --snapshot "$work/ex.h5" "${cases[@]}" --tz +08:00 --out "$work/risk-snap.csv" \
    --companions "$work/companions-snap.csv" -q
expect_status 0 "trace of the snapshot with companions"
expect_same_file "$field/risk.csv" "$work/risk-snap.csv" "the risk list from the snapshot"
expect_same_file "$field/companions.csv" "$work/companions-snap.csv" "companions from the snapshot"

# A window of 0: the presences themselves (Y1 overlapped C1 at R01 18:50-19:00; V met no case).
run_ctrace trace "${data[@]}" "${cases[@]}" --out "$work/r0.csv" --companions - \
    --companion-window 0s -q
expect_status 0 "window 0"
printf '%s\n' "person,code,first_time,last_time,cases,via_person,via_place" \
    "Y1,yellow,2022-05-10T18:50:00+08:00,2022-05-10T19:00:00+08:00,1,C1,R01" >"$work/expected0.csv"
expect_same_file "$work/expected0.csv" "$work/stdout" "companions with window 0 on stdout"

# §12: bad options exit 2 with one line naming the option, and write nothing.
rm -f "$work/bad.csv" "$work/bad-companions.csv"
for window in 5x -10m ""; do
    run_ctrace trace "${data[@]}" "${cases[@]}" --out "$work/bad.csv" \
        --companions "$work/bad-companions.csv" --companion-window "$window"
    expect_status 2 "--companion-window '$window'"
    one_line_naming "--companion-window '$window'" "companion-window"
done
[ ! -e "$work/bad.csv" ] && [ ! -e "$work/bad-companions.csv" ] ||
    fail "a bad --companion-window wrote an output"
run_ctrace trace "${data[@]}" "${cases[@]}" --out "$work/same.csv" --companions "$work/same.csv"
expect_status 2 "--companions and --out the same file"
one_line_naming "--companions and --out the same file" "--out" "--companions"
no_temporaries "$work"

finish
