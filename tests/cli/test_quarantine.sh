# Quarantine and monitoring by hop (--quarantine Q1,Q2,..., --monitoring M1,...)
# and cases found by screening (last_negative), exposure.md §8.4 and §8.5, on
# the tiny example by hand.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
inputs=(--scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00 --hops 3)

# --- Defaults: the spec's risk list, byte for byte --------------------------------
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/risk.csv"
expect_status 0 "default options"
expect_same_file "$work/risk.csv" "$tiny/risk.csv" "default risk list"
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --quarantine 14d --out "$work/risk-14d.csv"
expect_status 0 "--quarantine 14d"
expect_same_file "$work/risk-14d.csv" "$tiny/risk.csv" "one quarantine value is today's list"

# --- cn-ed9 style: 7 days for every hop; monitoring 3 days at hop 1, none beyond -----
# From tiny/risk.csv's last exposures: quarantine_until = last + 7d; monitor_until
# = quarantine_until + 3d at hop 1 and + 0 at hops 2 and 3 (past the list).
cat >"$work/monitored-expected.csv" <<'CSV'
person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,via_person,via_place,monitor_until
C1,0,red,,,,0,,,
C9,0,red,,,,0,,,
K,1,red,2022-04-16T00:00:00+08:00,2022-04-16T00:30:00+08:00,2022-04-23T00:30:00+08:00,1800,C1,M01,2022-04-26T00:30:00+08:00
E,1,red,2022-04-19T08:30:00+08:00,2022-04-19T09:00:00+08:00,2022-04-26T09:00:00+08:00,1800,C1,B03,2022-04-29T09:00:00+08:00
B,1,red,2022-04-19T11:00:00+08:00,2022-04-19T12:00:00+08:00,2022-04-26T12:00:00+08:00,3600,C1,M01,2022-04-29T12:00:00+08:00
J,1,red,2022-04-21T11:40:00+08:00,2022-04-21T12:00:00+08:00,2022-04-28T12:00:00+08:00,1200,C1,R02,2022-05-01T12:00:00+08:00
"Li, Wei",2,yellow,2022-04-17T11:00:00+08:00,2022-04-17T12:00:00+08:00,2022-04-24T12:00:00+08:00,3600,K,M01,2022-04-24T12:00:00+08:00
A,2,yellow,2022-04-19T11:50:00+08:00,2022-04-19T13:10:00+08:00,2022-04-26T13:10:00+08:00,4800,B,M01,2022-04-26T13:10:00+08:00
D,2,yellow,2022-04-19T13:00:00+08:00,2022-04-19T14:00:00+08:00,2022-04-26T14:00:00+08:00,3600,B,R02,2022-04-26T14:00:00+08:00
H,2,yellow,2022-04-19T15:00:00+08:00,2022-04-19T16:00:00+08:00,2022-04-26T16:00:00+08:00,7200,B,B03,2022-04-26T16:00:00+08:00
I,2,yellow,2022-04-21T11:50:00+08:00,2022-04-21T12:30:00+08:00,2022-04-28T12:30:00+08:00,2400,J,R02,2022-04-28T12:30:00+08:00
G,3,yellow,2022-04-20T09:20:00+08:00,2022-04-20T10:00:00+08:00,2022-04-27T10:00:00+08:00,2400,D,B03,2022-04-27T10:00:00+08:00
CSV
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --quarantine 7d,7d --monitoring 3d,0 \
    --out "$work/monitored.csv"
expect_status 0 "--quarantine 7d,7d --monitoring 3d,0"
expect_same_file "$work/monitored.csv" "$work/monitored-expected.csv" "monitor_until column"

# The same from a snapshot, and with the options in a --config file.
run_ctrace snapshot --scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00 \
    --out "$work/tiny.h5"
expect_status 0 "snapshot of the tiny example"
printf 'quarantine = 7d,7d\nmonitoring = 3d,0\n' >"$work/cn.ini"
run_ctrace trace --snapshot "$work/tiny.h5" --tz +08:00 --hops 3 --cases "$tiny/cases.csv" \
    --config "$work/cn.ini" --out "$work/monitored-snap.csv" --hdf5 "$work/traced.h5"
expect_status 0 "from a snapshot, options in --config"
expect_same_file "$work/monitored-snap.csv" "$work/monitored-expected.csv" "monitor_until from a snapshot"

# Per-hop quarantine without monitoring: §5's header, hop 1 keeps 14d, hops 2+ get 7d.
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --quarantine 14d,7d --out "$work/q2.csv"
expect_status 0 "--quarantine 14d,7d"
[ "$(head -n 1 "$work/q2.csv")" = "$(head -n 1 "$tiny/risk.csv")" ] ||
    fail "without --monitoring the header changed: $(head -n 1 "$work/q2.csv")"
grep -qxF 'K,1,red,2022-04-16T00:00:00+08:00,2022-04-16T00:30:00+08:00,2022-04-30T00:30:00+08:00,1800,C1,M01' \
    "$work/q2.csv" || fail "hop 1 does not keep 14d"
grep -qxF 'G,3,yellow,2022-04-20T09:20:00+08:00,2022-04-20T10:00:00+08:00,2022-04-27T10:00:00+08:00,2400,D,B03' \
    "$work/q2.csv" || fail "hop 3 (past the list) does not take 7d"

# --monitoring 0 is on: the column is there and equals quarantine_until.
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --monitoring 0 --out "$work/m0.csv"
expect_status 0 "--monitoring 0"
grep -qxF 'J,1,red,2022-04-21T11:40:00+08:00,2022-04-21T12:00:00+08:00,2022-05-05T12:00:00+08:00,1200,C1,R02,2022-05-05T12:00:00+08:00' \
    "$work/m0.csv" || fail "--monitoring 0: $(cat "$work/m0.csv")"

# Bad lists name their option.
for bad in "--quarantine 7d,,3d" "--quarantine 7d," "--quarantine 7x" "--monitoring 3d,soon" \
    "--monitoring ,"; do
    # shellcheck disable=SC2086
    run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/bad.csv" $bad
    expect_status 2 "bad list $bad"
    expect_stderr_has "${bad%% *}: " "bad list named ($bad)"
done
run_ctrace trace "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/bad.csv" --quarantine ""
expect_status 2 "empty --quarantine"
expect_stderr_has "--quarantine: " "empty --quarantine named"
[ ! -e "$work/bad.csv" ] || fail "an output was written by a failed run"

# --- The nightly job and the outbreak commands take the options -------------------
run_ctrace ingest --store "$work/store" --scans "$tiny/scans.csv" --places "$tiny/places.csv" \
    --tz +08:00
expect_status 0 "ingest"
for day in 2022-04-22 2022-04-23; do
    run_ctrace daily --store "$work/store" --cases "$tiny/cases.csv" --out-dir "$work/out" \
        --as-of "$day" --hops 3 --quarantine 7d,7d --monitoring 3d,0
    expect_status 0 "daily $day with --monitoring"
done
expect_same_file "$work/out/risk-2022-04-23.csv" "$work/monitored-expected.csv" "daily's risk list"
# The list of the 22nd (ten columns) is read back for the changes of the 23rd.
[ "$(grep -c . "$work/out/changes-2022-04-23.csv")" -ge 1 ] || fail "no changes file on the 23rd"
for command in places clusters; do
    run_ctrace "$command" "${inputs[@]}" --cases "$tiny/cases.csv" --quarantine 7d,1d \
        --monitoring 1d --out "$work/$command.csv"
    expect_status 0 "$command with --quarantine and --monitoring"
done

# --- Screening: last_negative bounds the look-back (§8.5) --------------------------
# C1's onset 04-20 00:00 - 4d = 04-16 00:00 (as its 'from' in tiny/cases.csv);
# a negative test on 04-19 00:00 starts the window there: K (04-16) and "Li, Wei"
# (K's contact) go, E (04-19 08:30) stays.
cat >"$work/screened.csv" <<'CSV'
person,onset,to,last_negative
C1,2022-04-20,2022-04-21 12:00,2022-04-19 00:00
CSV
run_ctrace trace "${inputs[@]}" --cases "$work/screened.csv" --out "$work/screened-risk.csv"
expect_status 0 "last_negative"
grep -q '^K,' "$work/screened-risk.csv" && fail "K was exposed before C1's negative test"
grep -q '^"Li, Wei",' "$work/screened-risk.csv" && fail "Li, Wei listed through K"
grep -qxF 'E,1,red,2022-04-19T08:30:00+08:00,2022-04-19T09:00:00+08:00,2022-05-03T09:00:00+08:00,1800,C1,B03' \
    "$work/screened-risk.csv" || fail "E missing after the negative test: $(cat "$work/screened-risk.csv")"
# Without the test the window is tiny/cases.csv's: the same list as the spec's minus C9.
cut -d, -f1-3 "$work/screened.csv" >"$work/unscreened.csv"
run_ctrace trace "${inputs[@]}" --cases "$work/unscreened.csv" --out "$work/unscreened-risk.csv"
grep -v '^C9,' "$tiny/risk.csv" >"$work/unscreened-expected.csv"
expect_same_file "$work/unscreened-risk.csv" "$work/unscreened-expected.csv" "onset - lookback"
# A negative test after the onset is a bad row, named with its line.
printf 'person,onset,last_negative\nC1,2022-04-20,2022-04-19\nC2,2022-04-20,2022-04-21\n' \
    >"$work/bad-cases.csv"
run_ctrace trace "${inputs[@]}" --cases "$work/bad-cases.csv" --out "$work/bad.csv"
expect_status 2 "last_negative after the onset"
expect_stderr_has "$work/bad-cases.csv:3: " "bad row named FILE:LINE"
expect_stderr_has "last_negative" "bad row names the field"
[ ! -e "$work/bad.csv" ] || fail "an output was written for a bad cases file"
finish
