# The doors example (docs/semantics.md §8, tests/fixtures/doors/README.md):
# sites, per-place minimum overlap, lingering, screening cases, quarantine
# and monitoring by hop, profiles — three runs byte for byte, from the CSV
# and from snapshots at code and at site level.
source "$(dirname "$0")/lib.sh"
doors=$fixtures/doors
data=(--scans "$doors/scans.csv" --places "$doors/places.csv" --tz +08:00)
cases=(--cases "$doors/cases.csv")
third=(--contact-level site --linger 30m --profile cn-ed9)

run_ctrace trace "${data[@]}" "${cases[@]}" --out "$work/risk.csv" -q
expect_status 0 "code level"
expect_same_file "$doors/risk.csv" "$work/risk.csv" "code level"

run_ctrace trace "${data[@]}" "${cases[@]}" --contact-level site --out "$work/risk-site.csv" -q
expect_status 0 "site level"
expect_same_file "$doors/risk-site.csv" "$work/risk-site.csv" "site level"

run_ctrace trace "${data[@]}" "${cases[@]}" "${third[@]}" --out "$work/third.csv" \
    --hdf5 "$work/third.h5"
expect_status 0 "site level, lingering, cn-ed9"
expect_same_file "$doors/risk-site-linger-cn-ed9.csv" "$work/third.csv" "site, linger, cn-ed9"
expect_stderr_has "profile cn-ed9" "the summary line names the profile"

# From snapshots: one at code level rolled up when traced, one made at site
# level; a site-level snapshot cannot be traced at code level.
run_ctrace snapshot "${data[@]}" --out "$work/code.h5" -q
expect_status 0 "code-level snapshot"
run_ctrace snapshot "${data[@]}" --contact-level site --out "$work/site.h5" -q
expect_status 0 "site-level snapshot"
for snapshot in code site; do
    run_ctrace trace --snapshot "$work/$snapshot.h5" "${cases[@]}" --tz +08:00 "${third[@]}" \
        --out "$work/from-$snapshot.csv" -q
    expect_status 0 "trace of the $snapshot-level snapshot"
    expect_same_file "$doors/risk-site-linger-cn-ed9.csv" "$work/from-$snapshot.csv" \
        "from the $snapshot-level snapshot"
done
run_ctrace trace --snapshot "$work/code.h5" "${cases[@]}" --tz +08:00 --out "$work/code.csv" -q
expect_same_file "$doors/risk.csv" "$work/code.csv" "code level from the snapshot"
run_ctrace trace --snapshot "$work/site.h5" "${cases[@]}" --tz +08:00 --out "$work/x.csv"
expect_status 2 "a site-level snapshot at code level"
expect_stderr_has "--contact-level: " "names the flag"
[ ! -e "$work/x.csv" ] || fail "a refused trace wrote its output"

# What the run recorded.
/usr/bin/python3 - "$work/third.h5" <<'PY' || fail "the third run's snapshot records the model"
import sys, h5py
f = h5py.File(sys.argv[1], "r")
t = f["trace"].attrs
def text(v): return v.decode() if isinstance(v, bytes) else v
assert text(f.attrs["contact_level"]) == "site"
assert text(t["profile"]) == "cn-ed9" and t["linger_seconds"] == 1800
assert list(t["quarantine_seconds_by_hop"]) == [7 * 86400, 7 * 86400]
assert list(t["monitoring_seconds_by_hop"]) == [3 * 86400, 0]
ids = [text(x) for x in f["places/id"][()]]
assert ids == ["M01", "R02", "B03"], ids
assert list(f["places/min_overlap_seconds"][()]) == [900, 300, -1]
PY

# Explicit options win over the profile: cn-ed9 with --quarantine 10d and
# --hops 1 lists the close contacts only, 10 days, still monitored 3 days.
run_ctrace trace "${data[@]}" "${cases[@]}" "${third[@]}" --quarantine 10d --hops 1 \
    --out "$work/override.csv" -q
expect_status 0 "profile with explicit options"
/usr/bin/python3 - "$work/override.csv" <<'PY' || fail "explicit options do not win over the profile"
import csv, sys, datetime
rows = list(csv.DictReader(open(sys.argv[1])))
assert {r["hop"] for r in rows} == {"0", "1"}, rows
for r in rows:
    if r["hop"] == "1":
        last = datetime.datetime.fromisoformat(r["last_exposure"])
        assert datetime.datetime.fromisoformat(r["quarantine_until"]) - last == datetime.timedelta(days=10)
        assert datetime.datetime.fromisoformat(r["monitor_until"]) - last == datetime.timedelta(days=13)
PY

# cwa: 10-minute minimum, 30-minute lingering, no chains, 14 days, no monitoring.
run_ctrace trace "${data[@]}" "${cases[@]}" --contact-level site --profile cwa \
    --out "$work/cwa.csv" -q
expect_status 0 "cwa"
head -1 "$work/cwa.csv" | grep -q ',via_place$' || fail "cwa: a monitoring column"
if cut -d, -f2 "$work/cwa.csv" | grep -qx 2; then fail "cwa: a hop 2"; fi

run_ctrace trace "${data[@]}" "${cases[@]}" --profile cn-ed10 --out "$work/x.csv"
expect_status 2 "an unknown profile"
expect_stderr_has "cn-ed8, cn-ed9, cwa" "the known profiles are named"
run_ctrace trace "${data[@]}" "${cases[@]}" --contact-level door --out "$work/x.csv"
expect_status 2 "an unknown contact level"
run_ctrace help profiles
expect_status 0 "help profiles"
for name in cn-ed8 cn-ed9 cwa; do grep -q "^$name: " "$work/stdout" || fail "help profiles: $name"; done
run_ctrace help trace
for option in --contact-level --linger --profile --monitoring; do
    grep -qF -- "$option" "$work/stdout" || fail "help trace does not list $option"
done

run_ctrace ingest --store "$work/store" "${data[@]}" --contact-level site -q
expect_status 2 "ingest at site level"
expect_stderr_has "daily" "points to daily"
run_ctrace ingest --store "$work/store" "${data[@]}" -q
expect_status 0 "ingest"
run_ctrace daily --store "$work/store" "${cases[@]}" "${third[@]}" --out-dir "$work/lists" \
    --as-of 2022-04-21 -q
expect_status 0 "daily at site level"
expect_same_file "$doors/risk-site-linger-cn-ed9.csv" "$work/lists/risk-2022-04-21.csv" \
    "daily at site level"

# With the features off, today's trace: on a generated city, `--linger 0`
# and `--contact-level code` give the default run's bytes, at 3 hops.
"$ctrace" gen --persons 4000 --days 3 --out "$work/city" -q
city=(--scans "$work/city/scans.csv" --places "$work/city/places.csv" --cases "$work/city/cases.csv"
    --tz +08:00 --hops 3)
run_ctrace trace "${city[@]}" --out "$work/city-default.csv" -q
expect_status 0 "city, default"
[ "$(wc -l <"$work/city-default.csv")" -gt 100 ] || fail "the city lists too few persons"
for variant in "--linger 0" "--contact-level code" "--linger 0s --quarantine 14d"; do
    # shellcheck disable=SC2086
    run_ctrace trace "${city[@]}" $variant --out "$work/city-variant.csv" -q
    expect_status 0 "city, $variant"
    expect_same_file "$work/city-default.csv" "$work/city-variant.csv" "city, $variant"
done

# Site level without any site would trace at the codes while saying sites:
# refused, saying why, with nothing written (a places file without a 'site'
# column, no places file at all, and a snapshot made from either).
rm -f "$work/city-variant.csv"
run_ctrace trace "${city[@]}" --contact-level site --out "$work/city-variant.csv" -q
expect_status 2 "site level, places file without sites"
one_line_naming "site level, places file without sites" "--contact-level" \
    "the places file has none"
[ ! -e "$work/city-variant.csv" ] || fail "site level without sites wrote a list"
run_ctrace trace --scans "$work/city/scans.csv" --cases "$work/city/cases.csv" \
    --contact-level site --out "$work/city-variant.csv" -q
expect_status 2 "site level, no places file"
one_line_naming "site level, no places file" "--contact-level" "no places file was given"
run_ctrace snapshot --scans "$work/city/scans.csv" --places "$work/city/places.csv" \
    --out "$work/city.h5" -q
expect_status 0 "snapshot of the city"
run_ctrace trace --snapshot "$work/city.h5" --cases "$work/city/cases.csv" \
    --contact-level site --out "$work/city-variant.csv" -q
expect_status 2 "site level, snapshot without sites"
one_line_naming "site level, snapshot without sites" "--contact-level" "'site' column"
[ ! -e "$work/city-variant.csv" ] || fail "site level without sites wrote a list"

finish
