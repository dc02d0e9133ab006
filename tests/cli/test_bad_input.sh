# Strict and --skip-bad behaviour on bad rows (spec §6), and atomic outputs.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny

cat >"$work/scans.csv" <<'CSV'
person,place,time,leave,note
A,X,2022-04-19 10:00,,
B,X,2022-04-19 10:10,2022-04-19 09:00,
C,X,not-a-time,,

"D,1",X,2022-04-19 10:20,2022-04-19 10:50,"two
lines"
E,X,2022-02-30 10:00,,
F,X
G,,2022-04-19 10:00,,
H,X,2022-04-19 10:30,2022-04-19 11:00,
CSV
cat >"$work/cases.csv" <<'CSV'
person,from,to
A,2022-04-19 00:00,
CSV

echo "previous" >"$work/risk.csv"
run_ctrace trace --scans "$work/scans.csv" --cases "$work/cases.csv" --out "$work/risk.csv"
expect_status 2 "strict mode with bad rows"
[ "$(cat "$work/risk.csv")" = "previous" ] || fail "strict failure touched the existing output"
expect_stderr_has "$work/scans.csv:3: leave: before time" "leave < time named"
expect_stderr_has "$work/scans.csv:4: time: bad time" "bad time named"
expect_stderr_has "$work/scans.csv:8: time: invalid date" "invalid date named"
expect_stderr_has "$work/scans.csv:9: expected 5 fields, found 2" "field count named"
expect_stderr_has "$work/scans.csv:10: place is empty" "empty place named"
grep -q ":6:" "$work/stderr" && fail "the quoted multi-line record is not a bad row"
no_temporaries "$work"

# --rejects without --skip-bad (semantics.md §6): accepted. A strict run that
# fails writes nothing, the rejects file neither; one that succeeds has no
# rejected rows, so the file holds its header only.
run_ctrace trace --scans "$work/scans.csv" --cases "$work/cases.csv" --out "$work/risk.csv" \
    --rejects "$work/strict-rejects.csv"
expect_status 2 "--rejects without --skip-bad, bad rows"
[ ! -e "$work/strict-rejects.csv" ] || fail "a failed strict run wrote its rejects file"
head -n 2 "$work/scans.csv" >"$work/good-scans.csv"
run_ctrace trace --scans "$work/good-scans.csv" --cases "$work/cases.csv" --out "$work/good-risk.csv" \
    --rejects "$work/strict-rejects.csv"
expect_status 0 "--rejects without --skip-bad, no bad row"
[ "$(cat "$work/strict-rejects.csv")" = "line,reason,raw" ] ||
    fail "--rejects of a strict run: $(cat "$work/strict-rejects.csv")"

run_ctrace trace --scans "$work/scans.csv" --cases "$work/cases.csv" --out "$work/risk.csv" \
    --skip-bad --rejects "$work/rejects.csv"
expect_status 0 "--skip-bad"
expect_stderr_has "5 bad scan rows skipped" "skip summary"
[ "$(head -n 1 "$work/rejects.csv")" = "line,reason,raw" ] || fail "rejects header"
[ "$(tail -n +2 "$work/rejects.csv" | cut -d, -f1 | tr '\n' ' ')" = "3 4 8 9 10 " ] ||
    fail "rejects lines: $(cat "$work/rejects.csv")"
grep -qF '3,leave: before time' "$work/rejects.csv" || fail "rejects reason"
grep -qF 'B,X,2022-04-19 10:10,2022-04-19 09:00,' "$work/rejects.csv" || fail "rejects raw row"
grep -q '^"D,1",1,red,' "$work/risk.csv" || fail "quoted multi-line row traced: $(cat "$work/risk.csv")"
grep -q '^H,1,red,' "$work/risk.csv" || fail "row after bad rows traced"
no_temporaries "$work"

# More than 20 bad rows: the first 20 are named, then a count.
{ echo "person,place,time"; for i in $(seq 1 25); do echo "P$i,X,bad"; done; } >"$work/many.csv"
run_ctrace trace --scans "$work/many.csv" --cases "$work/cases.csv" --out "$work/r.csv"
expect_status 2 "many bad rows"
[ "$(grep -c 'many.csv:[0-9]*: time' "$work/stderr")" -eq 20 ] || fail "not exactly 20 rows named"
expect_stderr_has "5 more bad rows (25 in all)" "count of the rest"

# Bad rows in cases and places files are always fatal, even with --skip-bad.
printf 'person,from,to\nA,2022-04-19 00:00,2022-04-18 00:00\n' >"$work/bad-cases.csv"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$work/bad-cases.csv" --out "$work/r.csv" --skip-bad
expect_status 2 "bad case row"
expect_stderr_has "bad-cases.csv:2:" "bad case row named"
printf 'person,from\nA,2022-04-19\nA,2022-04-20\n' >"$work/twice.csv"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$work/twice.csv" --out "$work/r.csv"
expect_status 2 "case listed twice"
expect_stderr_has "twice.csv:3:" "second listing named"
printf 'place,dwell\nX,1h\nX,2h\n' >"$work/places.csv"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" --places "$work/places.csv" \
    --out "$work/r.csv" --skip-bad
expect_status 2 "place listed twice"
expect_stderr_has "places.csv:3: place: listed twice" "duplicate place named"
printf 'place,dwell\nX,forever\n' >"$work/places2.csv"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" --places "$work/places2.csv" \
    --out "$work/r.csv"
expect_status 2 "bad dwell"
expect_stderr_has "places2.csv:2: dwell" "bad dwell named"
printf 'person,place\nA,X\n' >"$work/nocol.csv"
run_ctrace trace --scans "$work/nocol.csv" --cases "$tiny/cases.csv" --out "$work/r.csv"
expect_status 2 "missing column"
expect_stderr_has "nocol.csv: missing required column 'time'" "missing column named"
: >"$work/empty.csv"
run_ctrace trace --scans "$work/empty.csv" --cases "$tiny/cases.csv" --out "$work/r.csv"
expect_status 2 "empty scans file"
[ ! -e "$work/r.csv" ] || fail "a failed run wrote an output"
no_temporaries "$work"
finish
