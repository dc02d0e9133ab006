# ctrace sources (docs/semantics.md §9): the worked example byte for byte,
# from the CSV and from a snapshot; a generated city from the CSV, a snapshot
# and with dirty rows skipped; the errors a user meets; atomic outputs.
source "$(dirname "$0")/lib.sh"
example=$fixtures/sources
data=(--scans "$example/scans.csv" --places "$example/places.csv" --tz +08:00)
lists=(--links "$work/links.csv" --common-persons "$work/persons.csv"
    --common-places "$work/places.csv")

run_ctrace sources "${data[@]}" --cases "$example/cases.csv" "${lists[@]}"
expect_status 0 "the example"
expect_same_file "$example/links.csv" "$work/links.csv" "links"
expect_same_file "$example/common-persons.csv" "$work/persons.csv" "common persons"
expect_same_file "$example/common-places.csv" "$work/places.csv" "common places"
expect_stderr_has "2 case links" "the summary line counts the links"
expect_stderr_has "1 common persons" "and the common persons"
no_temporaries "$work"

# One list alone; the others are not written.
mkdir "$work/one"
run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --common-places "$work/one/p.csv" -q
expect_status 0 "one list"
expect_same_file "$example/common-places.csv" "$work/one/p.csv" "common places alone"
[ "$(ls "$work/one")" = "p.csv" ] || fail "only the list asked for is written"
[ ! -s "$work/stderr" ] || fail "-q prints nothing: $(cat "$work/stderr")"

# From a snapshot.
run_ctrace snapshot "${data[@]}" --out "$work/example.h5" -q
expect_status 0 "snapshot of the example"
mkdir "$work/snap"
run_ctrace sources --snapshot "$work/example.h5" --tz +08:00 --cases "$example/cases.csv" \
    --links "$work/snap/links.csv" --common-persons "$work/snap/persons.csv" \
    --common-places "$work/snap/places.csv" -q
expect_status 0 "the example from its snapshot"
for list in links persons places; do
    expect_same_file "$work/$list.csv" "$work/snap/$list.csv" "$list from the snapshot"
done

# A generated city (random row order, resident ids): the CSV, its snapshot,
# and the same dump with bad rows skipped give the same lists.
"$ctrace" gen --persons 3000 --days 14 --cases 20 --ids resident --order shuffled \
    --out "$work/city" -q
city=(--scans "$work/city/scans.csv" --places "$work/city/places.csv" --tz +08:00
    --cases "$work/city/cases.csv")
run_ctrace sources "${city[@]}" --links "$work/c-links.csv" --common-persons "$work/c-persons.csv" \
    --common-places "$work/c-places.csv" --min-cases 2
expect_status 0 "the city"
for list in links persons places; do
    [ "$(wc -l <"$work/c-$list.csv")" -gt 1 ] || fail "the city has no $list: not a real check"
done
run_ctrace snapshot --scans "$work/city/scans.csv" --places "$work/city/places.csv" --tz +08:00 \
    --out "$work/city.h5" -q
run_ctrace sources --snapshot "$work/city.h5" --tz +08:00 --cases "$work/city/cases.csv" \
    --links "$work/s-links.csv" --common-persons "$work/s-persons.csv" \
    --common-places "$work/s-places.csv" -q
expect_status 0 "the city from its snapshot"
for list in links persons places; do
    expect_same_file "$work/c-$list.csv" "$work/s-$list.csv" "city $list from the snapshot"
done
{
    cat "$work/city/scans.csv"
    echo "P-BAD,X,not a time,"
    echo "P-BAD,X,1650000000,1649999999"
} >"$work/dirty.csv"
dirty=(--scans "$work/dirty.csv" --places "$work/city/places.csv" --tz +08:00
    --cases "$work/city/cases.csv")
run_ctrace sources "${dirty[@]}" --links "$work/d-links.csv"
expect_status 2 "dirty rows, strict"
expect_stderr_has "dirty.csv:$(($(wc -l <"$work/city/scans.csv") + 1)):" "the bad row is named"
[ ! -e "$work/d-links.csv" ] || fail "a refused run wrote its list"
run_ctrace sources "${dirty[@]}" --skip-bad --rejects "$work/rejects.csv" \
    --links "$work/d-links.csv" --common-persons "$work/d-persons.csv" \
    --common-places "$work/d-places.csv" -q
expect_status 0 "dirty rows skipped"
[ "$(wc -l <"$work/rejects.csv")" -eq 3 ] || fail "both bad rows are in the rejects file"
for list in links persons places; do
    expect_same_file "$work/c-$list.csv" "$work/d-$list.csv" "city $list with bad rows skipped"
done

# A profile sets the minimum overlap and lingering (cwa: 10m, 30m); the
# explicit options give the same lists.
run_ctrace sources "${city[@]}" --profile cwa --links "$work/p1.csv" --common-persons "$work/p2.csv" -q
expect_status 0 "--profile cwa"
run_ctrace sources "${city[@]}" --min-overlap 10m --linger 30m --links "$work/e1.csv" \
    --common-persons "$work/e2.csv" -q
expect_same_file "$work/e1.csv" "$work/p1.csv" "cwa links = its options"
expect_same_file "$work/e2.csv" "$work/p2.csv" "cwa persons = its options"
cmp -s "$work/c-persons.csv" "$work/p2.csv" && fail "cwa changes nothing on the city: not a real check"

# Errors: nothing is written, exit 2, one clear line.
printf 'person,onset\nA,2022-04-25 09:00\nB,\n' >"$work/no-onset.csv"
echo "keep me" >"$work/kept.csv"
run_ctrace sources "${data[@]}" --cases "$work/no-onset.csv" --links "$work/kept.csv"
expect_status 2 "a case without onset"
expect_stderr_has "no-onset.csv:3: onset is empty" "names the file and line"
[ "$(cat "$work/kept.csv")" = "keep me" ] || fail "a refused run replaced an existing list"
printf 'person,from\nA,2022-04-25 09:00\n' >"$work/from-only.csv"
run_ctrace sources "${data[@]}" --cases "$work/from-only.csv" --links "$work/x.csv"
expect_status 2 "a cases file without onsets"
expect_stderr_has "from-only.csv: missing required column 'onset'" "names the file and column"
run_ctrace sources "${data[@]}" --cases "$example/cases.csv"
expect_status 2 "no list asked for"
expect_stderr_has "at least one of --links, --common-persons and --common-places" "says what to give"
run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --links "$work/x.csv" --min-cases 0
expect_status 2 "--min-cases 0"
expect_stderr_has "--min-cases" "names the flag"
run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --links "$work/x.csv" \
    --incubation-min 5d --incubation-max 2d
expect_status 2 "incubations the wrong way round"
expect_stderr_has "--incubation-max: " "names the flag"
run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --links "$work/x.csv" --hops 3
expect_status 2 "a forward-tracing option"
[ ! -e "$work/x.csv" ] || fail "a refused run wrote a list"

run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --links "$work/same.csv" \
    --common-places "$work/./same.csv"
expect_status 2 "two lists to one file"
expect_stderr_has "--links and --common-places name the same file" "names both options"
[ ! -e "$work/same.csv" ] || fail "two lists to one file wrote it"

# A list that cannot be written: exit 74, and the other lists are not
# written either.
run_ctrace sources "${data[@]}" --cases "$example/cases.csv" --links "$work/late.csv" \
    --common-persons /dev/full
expect_status 74 "an unwritable list"
expect_stderr_has "/dev/full" "names the target"
[ ! -e "$work/late.csv" ] || fail "the other list was written"
no_temporaries "$work"

run_ctrace sources --help
expect_status 0 "--help"
grep -qF -- "--incubation-max" "$work/stdout" || fail "help lists --incubation-max"
grep -qF -- "exposure window" "$work/stdout" || fail "help explains the exposure window"
run_ctrace help sources
expect_status 0 "ctrace help sources"
run_ctrace --help
grep -qF "sources" "$work/stdout" || fail "the command list names sources"

finish
