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

# §9: stays cut by the next scan, from the CSV and from a snapshot that records the rule.
run_ctrace trace "${data[@]}" "${cases[@]}" --stay-end next-scan --out "$work/risk-next-scan.csv" -q
expect_status 0 "trace --stay-end next-scan"
expect_same_file "$field/risk-next-scan.csv" "$work/risk-next-scan.csv" "next-scan risk list"
run_ctrace snapshot "${data[@]}" --stay-end next-scan --out "$work/ns.h5" -q
expect_status 0 "snapshot --stay-end next-scan"
run_ctrace trace --snapshot "$work/ns.h5" "${cases[@]}" --tz +08:00 --out "$work/ns.csv" -q
expect_status 0 "trace of the next-scan snapshot"
expect_same_file "$field/risk-next-scan.csv" "$work/ns.csv" "next-scan list from its snapshot"
run_ctrace trace --snapshot "$work/ns.h5" "${cases[@]}" --tz +08:00 --stay-end next-scan \
    --out "$work/ns2.csv" -q
expect_same_file "$field/risk-next-scan.csv" "$work/ns2.csv" "the snapshot's own rule, given again"
rm -f "$work/refused.csv"
run_ctrace trace --snapshot "$work/ns.h5" "${cases[@]}" --tz +08:00 --contact-level site \
    --out "$work/refused.csv"
expect_status 2 "a snapshot cut at code level traced at site level"
one_line_naming "a snapshot cut at code level traced at site level" "ns.h5" "code level" "site level"
run_ctrace trace --snapshot "$work/ns.h5" "${cases[@]}" --tz +08:00 --stay-end dwell \
    --out "$work/refused.csv"
expect_status 2 "a next-scan snapshot traced with --stay-end dwell"
one_line_naming "a next-scan snapshot traced with --stay-end dwell" "ns.h5" "next-scan"
# Cut at site level (the doors example has sites): traced at site level it
# is the CSV run's list; at code level it is refused.
doors=$fixtures/doors
run_ctrace snapshot --scans "$doors/scans.csv" --places "$doors/places.csv" --tz +08:00 \
    --stay-end next-scan --contact-level site --out "$work/doors-ns.h5" -q
expect_status 0 "a next-scan snapshot at site level"
run_ctrace trace --scans "$doors/scans.csv" --places "$doors/places.csv" --tz +08:00 \
    --cases "$doors/cases.csv" --stay-end next-scan --contact-level site --out "$work/doors-ns.csv" -q
run_ctrace trace --snapshot "$work/doors-ns.h5" --cases "$doors/cases.csv" --tz +08:00 \
    --contact-level site --out "$work/doors-ns-snap.csv" -q
expect_status 0 "the site-level next-scan snapshot traced at site level"
expect_same_file "$work/doors-ns.csv" "$work/doors-ns-snap.csv" "site-level next-scan from its snapshot"
run_ctrace trace --snapshot "$work/doors-ns.h5" --cases "$doors/cases.csv" --tz +08:00 \
    --out "$work/refused.csv"
expect_status 2 "a snapshot cut at site level traced at code level"
one_line_naming "a snapshot cut at site level traced at code level" "doors-ns.h5" "site level"
run_ctrace trace "${data[@]}" "${cases[@]}" --stay-end sometimes --out "$work/refused.csv"
expect_status 2 "--stay-end sometimes"
one_line_naming "--stay-end sometimes" "--stay-end" "sometimes"
[ ! -e "$work/refused.csv" ] || fail "a refused --stay-end run wrote its output"

# From a plain snapshot (read whole: a companion may be anyone at a case's places).
run_ctrace snapshot "${data[@]}" --out "$work/ex.h5" -q
expect_status 0 "snapshot"
run_ctrace trace --snapshot "$work/ex.h5" "${cases[@]}" --tz +08:00 --stay-end next-scan \
    --out "$work/refused.csv"
expect_status 2 "a plain snapshot traced with --stay-end next-scan"
one_line_naming "a plain snapshot traced with --stay-end next-scan" "ex.h5" "dwell"
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

# §11: zones, as the example's README runs them, and from the plain snapshot.
run_ctrace zones "${data[@]}" "${cases[@]}" --out "$work/zones.csv"
expect_status 0 "zones"
expect_same_file "$field/zones.csv" "$work/zones.csv" "zones"
expect_stderr_has "3 districts" "the zones summary"
run_ctrace zones "${data[@]}" "${cases[@]}" --out - -q
expect_same_file "$field/zones.csv" "$work/stdout" "zones on stdout"
run_ctrace zones "${data[@]}" "${cases[@]}" --linger 30m --as-of 2022-05-24T22:00:00+08:00 \
    --out "$work/zones-as-of.csv" -q
expect_status 0 "zones as of"
expect_same_file "$field/zones-as-of.csv" "$work/zones-as-of.csv" "zones as of, with lingering"
run_ctrace zones "${data[@]}" "${cases[@]}" --residents "$field/residents.csv" \
    --out "$work/zones-residents.csv" -q
expect_status 0 "zones with residents"
expect_same_file "$field/zones-residents.csv" "$work/zones-residents.csv" "zones with residents"
run_ctrace zones --snapshot "$work/ex.h5" "${cases[@]}" --tz +08:00 --out "$work/zones-snap.csv" -q
expect_status 0 "zones of the snapshot"
expect_same_file "$field/zones.csv" "$work/zones-snap.csv" "zones from the snapshot"

# From a store: daily writes companions-DATE.csv only when asked; trace and zones read it too.
run_ctrace ingest --store "$work/store" "${data[@]}" -q
expect_status 0 "ingest"
run_ctrace daily --store "$work/store" "${cases[@]}" --out-dir "$work/plain" --as-of 2022-05-12 -q
expect_status 0 "daily without companions"
[ ! -e "$work/plain/companions-2022-05-12.csv" ] || fail "daily wrote companions without --companions"
run_ctrace daily --store "$work/store" "${cases[@]}" --out-dir "$work/lists" --as-of 2022-05-12 \
    --companions
expect_status 0 "daily --companions"
expect_same_file "$field/companions.csv" "$work/lists/companions-2022-05-12.csv" "daily's companions"
expect_same_file "$field/risk.csv" "$work/lists/risk-2022-05-12.csv" "daily's risk list"
expect_stderr_has "companions-2022-05-12.csv" "daily's summary names the companions file"
run_ctrace trace --store "$work/store" "${cases[@]}" --tz +08:00 --out "$work/store-risk.csv" \
    --companions "$work/store-companions.csv" -q
expect_same_file "$field/companions.csv" "$work/store-companions.csv" "companions from the store"
run_ctrace zones --store "$work/store" "${cases[@]}" --tz +08:00 --out "$work/store-zones.csv" -q
expect_same_file "$field/zones.csv" "$work/store-zones.csv" "zones from the store"
# A store keeps the rule of its first ingest (docs/semantics.md §9n): next-scan on a dwell
# store is refused, by trace and by ingest, and the store is left as it was.
run_ctrace trace --store "$work/store" "${cases[@]}" --tz +08:00 --stay-end next-scan \
    --out "$work/store-ns.csv"
expect_status 2 "a store traced with --stay-end next-scan"
one_line_naming "a store traced with --stay-end next-scan" "--stay-end" "its first ingest"
[ ! -e "$work/store-ns.csv" ] || fail "a refused store trace wrote its output"
cp "$work/store/store.json" "$work/store-index-before.json"
run_ctrace ingest --store "$work/store" --scans "$fixtures/tiny/scans.csv" --stay-end next-scan
expect_status 2 "ingest --stay-end next-scan into a dwell store"
one_line_naming "ingest --stay-end next-scan into a dwell store" "--stay-end" "first ingest"
cmp -s "$work/store/store.json" "$work/store-index-before.json" || fail "a refused ingest changed the store"

# A next-scan store fed one day at a time, latest day first: a next scan in another
# night's dump cuts a stored stay, so the store traces like the CSV run, byte for byte.
head -1 "$field/scans.csv" >"$work/header.csv"
days=$(tail -n +2 "$field/scans.csv" | cut -d, -f3 | cut -c1-10 | sort -u -r)
for day in $days; do
    { cat "$work/header.csv"; grep ",$day" "$field/scans.csv"; } >"$work/day-$day.csv"
    run_ctrace ingest --store "$work/ns-store" --scans "$work/day-$day.csv" --places "$field/places.csv" \
        --tz +08:00 --stay-end next-scan -q
    expect_status 0 "ingest --stay-end next-scan of $day"
done
ls "$work/ns-store"/rows-*.bin >/dev/null 2>&1 || fail "a next-scan store keeps no rows files"
run_ctrace trace --store "$work/ns-store" "${cases[@]}" --tz +08:00 --out "$work/ns-store-risk.csv" -q
expect_status 0 "trace of a next-scan store"
expect_same_file "$field/risk-next-scan.csv" "$work/ns-store-risk.csv" "next-scan, day by day, from the store"
run_ctrace daily --store "$work/ns-store" "${cases[@]}" --out-dir "$work/ns-lists" --as-of 2022-05-12 -q
expect_status 0 "daily on a next-scan store"
expect_same_file "$field/risk-next-scan.csv" "$work/ns-lists/risk-2022-05-12.csv" "daily on a next-scan store"
run_ctrace verify --store "$work/ns-store" -q
expect_status 0 "verify of a next-scan store"
run_ctrace trace --store "$work/ns-store" "${cases[@]}" --tz +08:00 --stay-end dwell --out "$work/ns-dwell.csv"
expect_status 2 "a next-scan store traced with --stay-end dwell"
one_line_naming "a next-scan store traced with --stay-end dwell" "--stay-end" "next-scan"
run_ctrace ingest --store "$work/ns-store" --scans "$fixtures/tiny/scans.csv" --contact-level site
expect_status 2 "a next-scan store at code level given --contact-level site"
one_line_naming "a next-scan store at code level given --contact-level site" "--contact-level" "code level"
run_ctrace daily --store "$work/ns-store" "${cases[@]}" --out-dir "$work/ns-site" --as-of 2022-05-12 \
    --contact-level site
expect_status 2 "daily at site level on a store cut at code level"
one_line_naming "daily at site level on a store cut at code level" "--contact-level" "code level"
[ ! -e "$work/ns-site/risk-2022-05-12.csv" ] || fail "a refused daily wrote its list"

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

# §12 for zones: each refusal exits 2, names the file or option, writes nothing.
cut -d, -f1-4 "$field/places.csv" >"$work/no-district.csv"
run_ctrace zones --scans "$field/scans.csv" --places "$work/no-district.csv" --tz +08:00 \
    "${cases[@]}" --out "$work/bad-zones.csv"
expect_status 2 "a places file without district"
one_line_naming "a places file without district" "no-district.csv" "district"
printf 'person,district\nA,Xigang\nB,Xigang\nA,Zhongshan\n' >"$work/twice.csv"
run_ctrace zones "${data[@]}" "${cases[@]}" --residents "$work/twice.csv" --out "$work/bad-zones.csv"
expect_status 2 "a resident listed twice"
expect_stderr_has "twice.csv:4: person 'A' is listed twice" "a resident listed twice"
printf 'person,home\nA,Xigang\n' >"$work/no-column.csv"
run_ctrace zones "${data[@]}" "${cases[@]}" --residents "$work/no-column.csv" --out "$work/bad-zones.csv"
expect_status 2 "a residents file without district"
one_line_naming "a residents file without district" "no-column.csv" "district"
run_ctrace zones "${data[@]}" "${cases[@]}" --contact-level site --out "$work/bad-zones.csv"
expect_status 2 "zones at site level"
one_line_naming "zones at site level" "--contact-level" "code"
for option in --zone-quiet --screening; do
    run_ctrace zones "${data[@]}" "${cases[@]}" "$option" 2x --out "$work/bad-zones.csv"
    expect_status 2 "$option 2x"
    one_line_naming "$option 2x" "$option"
done
run_ctrace zones "${data[@]}" "${cases[@]}" --as-of yesterday --out "$work/bad-zones.csv"
expect_status 2 "--as-of yesterday"
one_line_naming "--as-of yesterday" "--as-of"
[ ! -e "$work/bad-zones.csv" ] || fail "a refused zones run wrote its output"
no_temporaries "$work"

finish
