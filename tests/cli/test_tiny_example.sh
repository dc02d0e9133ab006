# The worked example of the spec, reproduced byte for byte.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny

run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --tz +08:00 --hops 3 --out "$work/risk.csv"
expect_status 0 "tiny example"
expect_same_file "$work/risk.csv" "$tiny/risk.csv" "tiny example risk list"
[ ! -s "$work/stdout" ] || fail "stdout is not clean when writing to a file"
expect_stderr_has "index case 'C9' has no scans" "warning for a case without scans"
expect_stderr_has "24 rows read" "summary line"
no_temporaries "$work"

# --out - writes the same bytes to stdout.
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --tz +08:00 --hops 3 --out - --quiet
expect_status 0 "tiny example to stdout"
expect_same_file "$work/stdout" "$tiny/risk.csv" "risk list on stdout"
grep -q "rows read" "$work/stderr" && fail "--quiet still prints the summary"

# Same data with CRLF line ends and a byte-order mark: same risk list.
for f in scans places cases; do
    printf '\xef\xbb\xbf' >"$work/$f.csv"
    sed 's/$/\r/' "$tiny/$f.csv" >>"$work/$f.csv"
done
run_ctrace trace --scans "$work/scans.csv" --places "$work/places.csv" --cases "$work/cases.csv" \
    --tz +08:00 --hops 3 --out "$work/risk-crlf.csv"
expect_status 0 "CRLF + BOM inputs"
expect_same_file "$work/risk-crlf.csv" "$tiny/risk.csv" "CRLF + BOM risk list"

# Hop limit: with --hops 1 only cases and close contacts remain.
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --tz +08:00 --hops 1 --out "$work/risk1.csv"
expect_status 0 "hops 1"
head -n 7 "$tiny/risk.csv" >"$work/expected1.csv"
expect_same_file "$work/risk1.csv" "$work/expected1.csv" "hops 1 keeps hop 0 and 1 rows"
finish
