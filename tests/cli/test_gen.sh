# ctrace gen: --order and --ids, their errors, and tracing a shuffled dump
# gives the risk list of the time-ordered one.
source "$(dirname "$0")/lib.sh"
city="--persons 400 --places 40 --days 3 --seed 9 --cases 4 --case-days 2"

# gen_city NAME OPTIONS...: a small city in $work/NAME.
gen_city() {
    local name=$1
    shift
    # shellcheck disable=SC2086
    run_ctrace gen $city --out "$work/$name" "$@"
    expect_status 0 "gen $*"
    [ "$status" -eq 0 ] || return 0
    no_temporaries "$work/$name"
    [ "$(find "$work/$name" -mindepth 1 | wc -l)" -eq 3 ] ||
        fail "gen $*: files besides the three CSVs: $(ls -A "$work/$name")"
}

# rows FILE: the rows without the header, sorted.
rows() { tail -n +2 "$1" | LC_ALL=C sort; }

run_ctrace help gen
expect_status 0 "help gen"
for text in --order time shuffled --ids short resident hex; do
    grep -qF -- "$text" "$work/stdout" || fail "help gen does not mention '$text'"
done

for ids in short resident hex; do
    gen_city "time-$ids" --ids "$ids"
    gen_city "shuffled-$ids" --ids "$ids" --order shuffled
    gen_city "again-$ids" --ids "$ids" --order shuffled --quiet
    for f in scans places cases; do
        expect_same_file "$work/shuffled-$ids/$f.csv" "$work/again-$ids/$f.csv" \
            "--ids $ids --order shuffled: same options, same $f.csv"
    done
    expect_same_file "$work/time-$ids/places.csv" "$work/shuffled-$ids/places.csv" \
        "--ids $ids: places.csv does not depend on the order"
    expect_same_file "$work/time-$ids/cases.csv" "$work/shuffled-$ids/cases.csv" \
        "--ids $ids: cases.csv does not depend on the order"
    head -n 1 "$work/shuffled-$ids/scans.csv" | grep -qx 'person,place,time,leave' ||
        fail "--ids $ids --order shuffled: header"
    cmp -s "$work/time-$ids/scans.csv" "$work/shuffled-$ids/scans.csv" &&
        fail "--ids $ids: shuffled scans.csv in time order"
    rows "$work/time-$ids/scans.csv" >"$work/time-rows"
    rows "$work/shuffled-$ids/scans.csv" >"$work/shuffled-rows"
    expect_same_file "$work/time-rows" "$work/shuffled-rows" "--ids $ids: shuffled rows"
    # The time order really is the time order.
    tail -n +2 "$work/time-$ids/scans.csv" | cut -d, -f3 | sort -c -n ||
        fail "--ids $ids --order time: rows out of time order"

    # Tracing the shuffled dump gives the same risk list, byte for byte.
    for order in time shuffled; do
        dir=$work/$order-$ids
        run_ctrace trace --scans "$dir/scans.csv" --places "$dir/places.csv" \
            --cases "$dir/cases.csv" --tz +08:00 --hops 2 --out "$work/risk-$order-$ids.csv"
        expect_status 0 "trace --ids $ids --order $order"
    done
    expect_same_file "$work/risk-time-$ids.csv" "$work/risk-shuffled-$ids.csv" \
        "--ids $ids: risk list of the shuffled dump"
    [ "$(wc -l <"$work/risk-time-$ids.csv")" -gt 5 ] || fail "--ids $ids: a risk list of cases only"
done

# The default is --order time --ids short.
gen_city default
for f in scans places cases; do
    expect_same_file "$work/default/$f.csv" "$work/time-short/$f.csv" "default options: $f.csv"
done

# Id shapes.
tail -n +2 "$work/time-short/scans.csv" | grep -Evq '^P[0-9]{7},[A-Z][0-9]{5},' &&
    fail "--ids short: ids not like P0000001,M00001"
tail -n +2 "$work/time-resident/scans.csv" | grep -Evq '^2102[0-9]{13}[0-9X],DL[0-9]{10},' &&
    fail "--ids resident: ids not like 2102...,DL + 10 digits"
tail -n +2 "$work/time-hex/scans.csv" | grep -Evq '^[0-9a-f]{64},DL[0-9]{10},' &&
    fail "--ids hex: ids not like 64 hex digits,DL + 10 digits"
for ids in resident hex; do
    tail -n +2 "$work/time-$ids/cases.csv" | cut -d, -f1 >"$work/case-persons"
    tail -n +2 "$work/time-$ids/scans.csv" | cut -d, -f1 | sort -u >"$work/scan-persons"
    [ "$(grep -cvxFf "$work/scan-persons" "$work/case-persons")" -eq 0 ] ||
        fail "--ids $ids: cases.csv persons not in scans.csv"
    tail -n +2 "$work/time-$ids/places.csv" | cut -d, -f1 | sort -u >"$work/place-ids"
    [ "$(wc -l <"$work/place-ids")" -eq 40 ] || fail "--ids $ids: place ids not distinct"
    tail -n +2 "$work/time-$ids/scans.csv" | cut -d, -f2 | sort -u >"$work/scan-places"
    [ -z "$(comm -23 "$work/scan-places" "$work/place-ids")" ] ||
        fail "--ids $ids: scans.csv places not in places.csv"
done
# Distinct persons, distinct ids: as many as with short ids.
for ids in resident hex; do
    [ "$(tail -n +2 "$work/time-$ids/scans.csv" | cut -d, -f1 | sort -u | wc -l)" -eq \
        "$(tail -n +2 "$work/time-short/scans.csv" | cut -d, -f1 | sort -u | wc -l)" ] ||
        fail "--ids $ids: not one id per person"
done

# Bad values: exit 2, the option named, nothing written.
# shellcheck disable=SC2086
run_ctrace gen $city --order random --out "$work/bad-order"
expect_status 2 "--order random"
expect_stderr_has "--order" "--order random names the option"
expect_stderr_has "random" "--order random names the value"
# shellcheck disable=SC2086
run_ctrace gen $city --ids long --out "$work/bad-ids"
expect_status 2 "--ids long"
expect_stderr_has "--ids" "--ids long names the option"
expect_stderr_has "long" "--ids long names the value"
if [ -e "$work/bad-ids/scans.csv" ] || [ -e "$work/bad-order/scans.csv" ]; then
    fail "bad options wrote files"
fi
run_ctrace gen --persons 179706001 --ids resident --days 1 --out "$work/too-many"
expect_status 2 "--ids resident with too many persons"
expect_stderr_has "--ids resident" "too many persons for resident ids"
finish
