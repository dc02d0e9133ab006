# Every kind of bad row the readers refuse, named FILE:LINE: reason (strict:
# exit 2, nothing written; --skip-bad: left out and kept in the rejects
# file), and whole-file problems as one line naming the file.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
long_id=$(head -c 1025 /dev/zero | tr '\0' p)

# Line 2 is good; every other data line is bad for the reason listed below.
{
    printf 'person,place,time,leave\n'
    printf 'A,X,2022-04-19 10:00,\n'                 # 2 good
    printf 'A\0B,X,2022-04-19 10:00,\n'              # 3 NUL byte
    printf 'B\xff,X,2022-04-19 10:00,\n'             # 4 invalid UTF-8 (person)
    printf 'C,X\xc3,2022-04-19 10:00,\n'             # 5 invalid UTF-8 (place)
    printf '%s,X,2022-04-19 10:00,\n' "$long_id"     # 6 id longer than 1024 bytes
    printf ',X,2022-04-19 10:00,\n'                  # 7 empty person
    printf 'D,,2022-04-19 10:00,\n'                  # 8 empty place
    printf 'E,X,,\n'                                 # 9 empty time
    printf 'F,X,36028797018963969,\n'                # 10 epoch beyond 2^55
    printf 'G,X,-36028797018963969,\n'               # 11 epoch below -2^55
    printf 'H,X,10000-01-01,\n'                      # 12 year beyond 9999
    printf 'I,X,2023-02-29,\n'                       # 13 Feb 29 of a common year
    printf 'J,X,2022-04-19 24:00,\n'                 # 14 24:00
    printf 'K,X,2022-04-19 10:60,\n'                 # 15 minute 60
    printf 'L,X,2022-04-19 10:00:60,\n'              # 16 second 60
    printf 'M,X,2022-04-19T10:00+18:01,\n'           # 17 offset beyond 18:00
    printf 'N,X,2022-04-19T10:00-1900,\n'            # 18 offset beyond 18:00
    printf 'O,X\n'                                   # 19 too few fields
    printf 'P,X,2022-04-19 10:00,,extra\n'           # 20 too many fields
    printf 'Q,X,2022-04-19 10:00,2022-04-19 09:00\n' # 21 leave before time
    printf 'R,X,2022-04-19 11:00,\n'                 # 22 good
    printf '"S,X,2022-04-19 10:00,\n'                # 23 unterminated quote (to the end)
} >"$work/hostile.csv"
expected_lines="3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 23"
printf 'person,from\nA,2022-04-19 00:00\n' >"$work/cases.csv"

rm -f "$work/risk.csv"
run_ctrace trace --scans "$work/hostile.csv" --cases "$work/cases.csv" --out "$work/risk.csv"
expect_status 2 "strict mode on hostile rows"
[ ! -e "$work/risk.csv" ] || fail "strict failure wrote the risk list"
f=$work/hostile.csv
expect_stderr_has "$f:3: NUL byte" "NUL"
expect_stderr_has "$f:4: invalid UTF-8" "invalid UTF-8 in person"
expect_stderr_has "$f:5: invalid UTF-8" "invalid UTF-8 in place"
expect_stderr_has "$f:6: field longer than 1024 bytes" "long id"
expect_stderr_has "$f:7: person is empty" "empty person"
expect_stderr_has "$f:8: place is empty" "empty place"
expect_stderr_has "$f:9: time: empty time" "empty time"
expect_stderr_has "$f:10: time: epoch seconds out of range" "epoch beyond 2^55"
expect_stderr_has "$f:11: time: epoch seconds out of range" "epoch below -2^55"
expect_stderr_has "$f:12: time: year beyond 9999" "year beyond 9999"
expect_stderr_has "$f:13: time: invalid date: day out of range" "Feb 29 of 2023"
expect_stderr_has "$f:14: time: invalid clock time: hour out of range" "24:00"
expect_stderr_has "$f:15: time: invalid clock time: minute out of range" "minute 60"
expect_stderr_has "$f:16: time: invalid clock time: second out of range" "second 60"
expect_stderr_has "$f:17: time: UTC offset beyond 18:00" "offset +18:01"
expect_stderr_has "$f:18: time: UTC offset beyond 18:00" "offset -1900"
expect_stderr_has "$f:19: expected 4 fields, found 2" "too few fields"
expect_stderr_has "$f:20: expected 4 fields, found 5" "too many fields"
expect_stderr_has "$f:21: leave: before time" "leave before time"
expect_stderr_has "$f:23: unterminated quote" "unterminated quote"
expect_stderr_has "20 bad rows" "count of bad rows"

run_ctrace trace --scans "$work/hostile.csv" --cases "$work/cases.csv" --out "$work/risk.csv" \
    --skip-bad --rejects "$work/rejects.csv"
expect_status 0 "--skip-bad on hostile rows"
lines=$(tail -n +2 "$work/rejects.csv" | grep -aoE '^[0-9]+,' | tr -d ',' | tr '\n' ' ')
[ "$lines" = "$expected_lines " ] || fail "rejected lines: '$lines', expected '$expected_lines '"
grep -aq "^22,\|^R," "$work/rejects.csv" && fail "the good row 22 was rejected"
grep -q '^A,0,red' "$work/risk.csv" || fail "the good rows are traced"
# Nothing lost: every rejected row's raw text is in the rejects file.
grep -aqF 'Q,X,2022-04-19 10:00,2022-04-19 09:00' "$work/rejects.csv" || fail "raw row kept"
grep -aqF "$long_id" "$work/rejects.csv" || fail "raw long row kept"

# Whole-file problems: one line naming the file, exit 2.
check_file_error() { # file expected-message what
    run_ctrace trace --scans "$1" --cases "$work/cases.csv" --out "$work/r.csv"
    expect_status 2 "$3"
    expect_stderr_has "$2" "$3"
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$3: more than one line: $(cat "$work/stderr")"
}
printf 'A,X,2022-04-19 10:00,\n' >"$work/noheader.csv"
check_file_error "$work/noheader.csv" \
    "noheader.csv: missing required column 'person' in the header (the first line must name the columns)" \
    "no header"
printf 'person,place,time,person\nA,X,1,B\n' >"$work/dup.csv"
check_file_error "$work/dup.csv" "dup.csv:1: column 'person' appears twice in the header" \
    "duplicated column"
printf 'person,time\nA,1\n' >"$work/missing.csv"
check_file_error "$work/missing.csv" "missing.csv: missing required column 'place'" "missing column"
printf '\xef\xbb\xbf' >"$work/bom-only.csv"
check_file_error "$work/bom-only.csv" "bom-only.csv: empty file (no header)" "BOM only"
printf 'per\xffson,place,time\n' >"$work/badheader.csv"
run_ctrace trace --scans "$work/badheader.csv" --cases "$work/cases.csv" --out "$work/r.csv"
expect_status 2 "invalid UTF-8 in the header"
expect_stderr_has "badheader.csv" "bad header named"
run_ctrace trace --scans "$work/does-not-exist.csv" --cases "$work/cases.csv" --out "$work/r.csv"
expect_status 2 "missing file"
expect_stderr_has "does-not-exist.csv" "missing file named"
no_temporaries "$work"
finish
