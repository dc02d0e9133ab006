# ctrace places, rank and clusters end to end: the spec's tiny example by
# hand, --snapshot equal to --scans, bad options, outputs that are not
# regular files.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
inputs=(--scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00)

# Risk places of the tiny example, by hand (C1 infectious 04-16 00:00 to
# 04-21 12:00; C9 never scanned). M01: C1 04-15 23:00-01:00 clipped to
# 00:00-01:00 and 04-19 10:00-12:00 = 10800 s; K (30 min) and B (11:00-12:00)
# exposed, A's 10 minutes are too short. B03: C1 08:00-09:00 (default dwell),
# E 08:30-09:00. R02: C1 11:30-12:00 after clipping, J 11:40-12:00; I's
# 10 minutes are too short.
cat >"$work/places-expected.csv" <<'CSV'
place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds
M01,1,2022-04-16T00:00:00+08:00,2022-04-19T12:00:00+08:00,10800,2,5400
B03,1,2022-04-19T08:00:00+08:00,2022-04-19T09:00:00+08:00,3600,1,1800
R02,1,2022-04-21T11:30:00+08:00,2022-04-21T12:00:00+08:00,1800,1,1200
CSV
run_ctrace places "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/places.csv"
expect_status 0 "places on the tiny example"
expect_same_file "$work/places.csv" "$work/places-expected.csv" "tiny risk places"
expect_stderr_has "index case 'C9' has no scans" "places warns about C9"
expect_stderr_has "3 risk places" "places summary line"
no_temporaries "$work"

# Everyone traced in 3 hops descends from C1; C9 is alone.
cat >"$work/clusters-expected.csv" <<'CSV'
person,cluster,hop,code
C1,1,0,red
K,1,1,red
E,1,1,red
B,1,1,red
J,1,1,red
"Li, Wei",1,2,yellow
A,1,2,yellow
D,1,2,yellow
H,1,2,yellow
I,1,2,yellow
G,1,3,yellow
C9,2,0,red
CSV
cat >"$work/summary-expected.csv" <<'CSV'
cluster,size,index_cases,linked,places,index_case_ids,place_ids
1,11,1,no,3,C1,B03;M01;R02
2,1,1,no,0,C9,
CSV
run_ctrace clusters "${inputs[@]}" --cases "$tiny/cases.csv" --hops 3 --out "$work/clusters.csv" \
    --summary "$work/summary.csv"
expect_status 0 "clusters on the tiny example"
expect_same_file "$work/clusters.csv" "$work/clusters-expected.csv" "tiny clusters"
expect_same_file "$work/summary.csv" "$work/summary-expected.csv" "tiny cluster summary"
grep -q "linked outbreaks" "$work/stderr" && fail "no cluster links two cases here"

# Make C9 infectious at R02 with J and I there: J and I were C1's contacts,
# so the two outbreaks are linked and stderr says so.
printf 'person,from,to\nC1,2022-04-16 00:00,2022-04-21 12:00\nJ9,2022-04-21 11:00,\n' \
    >"$work/two-cases.csv"
cat "$tiny/scans.csv" >"$work/scans-j9.csv"
printf '2022-04-21 11:00,J9,R02,2022-04-21 13:00,\n' >>"$work/scans-j9.csv"
run_ctrace clusters --scans "$work/scans-j9.csv" --places "$tiny/places.csv" --tz +08:00 \
    --cases "$work/two-cases.csv" --out "$work/clusters2.csv" --summary "$work/summary2.csv"
expect_status 0 "clusters with two linked cases"
expect_stderr_has "cluster 1 links 2 index cases (C1, J9): linked outbreaks" "linked outbreak message"
grep -q '^1,[0-9]*,2,yes,[0-9]*,C1;J9,' "$work/summary2.csv" ||
    fail "summary does not mark cluster 1 as linked: $(cat "$work/summary2.csv")"

# rank: header, --top, every place listed once with --top 0.
run_ctrace rank "${inputs[@]}" --top 0 --out "$work/rank.csv"
expect_status 0 "rank"
head -n 1 "$work/rank.csv" | grep -qx 'rank,place,score,visitors' || fail "rank header"
[ "$(tail -n +2 "$work/rank.csv" | wc -l)" -eq 4 ] || fail "rank --top 0 lists the 4 places"
run_ctrace rank "${inputs[@]}" --top 2 --out "$work/rank2.csv"
[ "$(tail -n +2 "$work/rank2.csv" | wc -l)" -eq 2 ] || fail "rank --top 2 lists 2 places"
head -n 3 "$work/rank.csv" >"$work/rank-head.csv"
expect_same_file "$work/rank2.csv" "$work/rank-head.csv" "--top 2 is the head of --top 0"
expect_stderr_has "PageRank converged" "rank summary line"

# The same answers from a snapshot.
run_ctrace snapshot "${inputs[@]}" --out "$work/tiny.h5"
expect_status 0 "snapshot"
run_ctrace places --snapshot "$work/tiny.h5" --tz +08:00 --cases "$tiny/cases.csv" \
    --out "$work/places-snap.csv"
expect_same_file "$work/places-snap.csv" "$work/places.csv" "places from a snapshot"
run_ctrace rank --snapshot "$work/tiny.h5" --top 0 --out "$work/rank-snap.csv"
expect_same_file "$work/rank-snap.csv" "$work/rank.csv" "rank from a snapshot"
run_ctrace clusters --snapshot "$work/tiny.h5" --tz +08:00 --cases "$tiny/cases.csv" --hops 3 \
    --out "$work/clusters-snap.csv"
expect_same_file "$work/clusters-snap.csv" "$work/clusters.csv" "clusters from a snapshot"

# A window: rank counts only stays overlapping [from, to).
run_ctrace rank "${inputs[@]}" --from "2022-04-19 00:00" --to "2022-04-20 00:00" --top 0 \
    --out "$work/rank-day.csv"
expect_status 0 "rank with a window"
grep -q '^[0-9],"K04,豪华KTV",[0-9.e-]*,0$' "$work/rank-day.csv" ||
    fail "K04 has no visitor on 04-19: $(cat "$work/rank-day.csv")"

# Bad options: exit 2, nothing written.
rm -f "$work/bad.csv"
run_ctrace rank "${inputs[@]}" --from "2022-04-20" --to "2022-04-19" --out "$work/bad.csv"
expect_status 2 "rank with from after to"
expect_stderr_has "--from must be before --to" "window message"
run_ctrace rank "${inputs[@]}" --top -1 --out "$work/bad.csv"
expect_status 2 "rank --top -1"
run_ctrace rank "${inputs[@]}" --damping 1 --out "$work/bad.csv"
expect_status 2 "rank --damping 1"
run_ctrace places "${inputs[@]}" --out "$work/bad.csv"
expect_status 2 "places without --cases"
expect_stderr_has "--cases is required" "places names the missing option"
run_ctrace clusters --snapshot "$work/tiny.h5" --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" \
    --out "$work/bad.csv"
expect_status 2 "clusters with --scans and --snapshot"
printf 'person,place,time\nX,Y,not-a-time\n' >"$work/bad-scans.csv"
run_ctrace places --scans "$work/bad-scans.csv" --cases "$tiny/cases.csv" --out "$work/bad.csv"
expect_status 2 "places on a bad scan row"
expect_stderr_has "bad-scans.csv:2:" "bad row named with its line"
[ ! -e "$work/bad.csv" ] || fail "a failed run wrote its output"
for command in places rank clusters; do
    run_ctrace help "$command"
    expect_status 0 "help $command"
    grep -q "Usage: ctrace $command" "$work/stdout" || fail "help $command has no usage line"
done

# Regression (outputs_to_devices_are_not_replaced): --out /dev/stdout once
# renamed a regular file over the device node. A FIFO stands in for it here.
mkfifo "$work/fifo"
timeout 60 cat "$work/fifo" >"$work/from-fifo.csv" &
reader=$!
run_ctrace places "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/fifo"
expect_status 0 "places into a FIFO"
if [ -p "$work/fifo" ]; then
    wait "$reader" || true
    expect_same_file "$work/from-fifo.csv" "$work/places-expected.csv" "places through a FIFO"
else
    fail "the FIFO was replaced by a regular file"
    kill "$reader" 2>/dev/null || true
fi
# A symbolic link is followed: the file it points to is replaced, the link stays.
echo old >"$work/target.csv"
ln -s "$work/target.csv" "$work/link.csv"
run_ctrace places "${inputs[@]}" --cases "$tiny/cases.csv" --out "$work/link.csv"
expect_status 0 "places through a symbolic link"
[ -L "$work/link.csv" ] || fail "the symbolic link was replaced"
expect_same_file "$work/target.csv" "$work/places-expected.csv" "file behind the link"
no_temporaries "$work"
finish
