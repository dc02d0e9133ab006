# ctrace report (docs/report.md): pages from a trace, from a store and from files,
# and refusals that exit 2 with one line and write nothing. What the page shows
# is checked in a browser (tests/browser/test_report.py).
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
field=$fixtures/field
data=(--scans "$field/scans.csv" --places "$field/places.csv" --tz +08:00)

run_ctrace report "${data[@]}" --cases "$field/cases.csv" --out "$work/field.html"
expect_status 0 "report of the field example"
expect_stderr_has "field.html" "the summary names the page"
grep -q '<script id="ctrace-data" type="application/json">{' "$work/field.html" ||
    fail "the page has no data"
grep -q '@CTRACE_REPORT_DATA@' "$work/field.html" && fail "the placeholder is left in the page"
# Every input named with its digest.
for f in scans.csv places.csv cases.csv; do
    digest=$(sha256sum "$field/$f" | cut -d' ' -f1)
    grep -q "$digest" "$work/field.html" || fail "the page lacks the digest of $f"
done

# From files: the list as written, with the companions and zones given.
run_ctrace trace "${data[@]}" --cases "$field/cases.csv" --out "$work/risk.csv" \
    --companions "$work/companions.csv" -q
run_ctrace zones "${data[@]}" --cases "$field/cases.csv" --out "$work/zones.csv" -q
run_ctrace report --risk "$work/risk.csv" --places "$field/places.csv" \
    --companions "$work/companions.csv" --zones "$work/zones.csv" --out "$work/files.html" \
    --lang en -q
expect_status 0 "report from files"
grep -q '"key":"zones"' "$work/files.html" || fail "the page from files lacks the zones"
grep -q '"lang":"en"' "$work/files.html" || fail "--lang en is not the page's"
grep -q "$(sha256sum "$work/risk.csv" | cut -d' ' -f1)" "$work/files.html" ||
    fail "the page from files lacks the risk list's digest"

# From a store, and daily --report beside the day's lists.
run_ctrace ingest --store "$work/store" "${data[@]}" -q
run_ctrace report --store "$work/store" --cases "$field/cases.csv" --tz +08:00 \
    --out "$work/store.html" -q
expect_status 0 "report of a store"
run_ctrace daily --store "$work/store" --cases "$field/cases.csv" --out-dir "$work/lists" \
    --as-of 2022-05-12 --report -q
expect_status 0 "daily --report"
[ -s "$work/lists/report-2022-05-12.html" ] || fail "daily --report wrote no page"
run_ctrace daily --store "$work/store" --cases "$field/cases.csv" --out-dir "$work/plain" \
    --as-of 2022-05-12 -q
[ ! -e "$work/plain/report-2022-05-12.html" ] || fail "daily wrote a page without --report"

# Refusals: exit 2, one line naming the file or option, nothing written.
{ head -1 "$work/risk.csv"; echo 'A,1,red'; } >"$work/bad-risk.csv"
run_ctrace report --risk "$work/bad-risk.csv" --out "$work/bad.html"
expect_status 2 "a risk list that does not parse"
one_line_naming "a risk list that does not parse" "bad-risk.csv:2"
printf 'person,hop\nA,1\n' >"$work/short-risk.csv"
run_ctrace report --risk "$work/short-risk.csv" --out "$work/bad.html"
expect_status 2 "a risk list without its columns"
one_line_naming "a risk list without its columns" "short-risk.csv" "code"
run_ctrace report --risk "$work/risk.csv" --scans "$field/scans.csv" --out "$work/bad.html"
expect_status 2 "--risk with --scans"
one_line_naming "--risk with --scans" "--risk" "--scans"
run_ctrace report "${data[@]}" --cases "$field/cases.csv" --out "$work/bad.html" --lang fr
expect_status 2 "--lang fr"
one_line_naming "--lang fr" "--lang" "fr"
[ ! -e "$work/bad.html" ] || fail "a refused report wrote its page"

# A places file without coordinates: the page is written; its map says so.
run_ctrace report --scans "$tiny/scans.csv" --places "$tiny/places.csv" \
    --cases "$tiny/cases.csv" --tz +08:00 --out "$work/tiny.html" -q
expect_status 0 "report of the tiny example (no coordinates)"
grep -q '"lat":null' "$work/tiny.html" || fail "the tiny places have coordinates?"

finish
