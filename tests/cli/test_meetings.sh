# `ctrace explain --meetings` (docs/explain.md, meetings): every meeting behind
# a listed person's row, from a traced snapshot or from the trace's inputs,
# checked against the risk list on the tiny example and on a generated city.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
py=${CTRACE_PYTHON:-/usr/bin/python3}
inputs=(--scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv"
    --tz +08:00 --hops 3)

# check_meetings RISK.csv MEETINGS.csv ASKED...: the meetings of each person
# asked give its row of the list (first start = first_exposure, last end =
# last_exposure, seconds summed = exposure_seconds, the first meeting is the
# via), recomputed here from the two files.
check_meetings() {
    "$py" - "$@" <<'EOF'
import csv, sys
from datetime import datetime

risk_path, meetings_path, *asked = sys.argv[1:]
when = lambda text: datetime.fromisoformat(text.replace("Z", "+00:00"))
with open(risk_path, newline="", encoding="utf-8") as f:
    listed = {r["person"]: r for r in csv.DictReader(f)}
with open(meetings_path, newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    assert reader.fieldnames == ["person", "hop", "meeting", "source", "source_hop", "place",
                                 "place_name", "start", "end", "seconds", "minutes"], reader.fieldnames
    meetings = {}
    for r in reader:
        meetings.setdefault(r["person"], []).append(r)
several = 0
for p in asked:
    row, got = listed[p], meetings.get(p, [])
    if row["hop"] == "0":
        assert not got, (p, got)
        continue
    assert got, p
    assert [int(m["meeting"]) for m in got] == list(range(1, len(got) + 1)), got
    for m in got:
        assert m["hop"] == row["hop"], (m, row)
        assert int(m["source_hop"]) < int(row["hop"]), m
        assert int(listed[m["source"]]["hop"]) == int(m["source_hop"]), m
        seconds = int((when(m["end"]) - when(m["start"])).total_seconds())
        assert seconds == int(m["seconds"]) > 0, m
        assert abs(float(m["minutes"]) - seconds / 60) <= 0.005 + 1e-9, m
    assert min(when(m["start"]) for m in got) == when(row["first_exposure"]), (p, got, row)
    assert max(when(m["end"]) for m in got) == when(row["last_exposure"]), (p, got, row)
    assert sum(int(m["seconds"]) for m in got) == int(row["exposure_seconds"]), (p, got, row)
    assert (got[0]["source"], got[0]["place"]) == (row["via_person"], row["via_place"]), (p, got, row)
    several += len(got) > 1
print(len(asked), "persons,", sum(len(v) for v in meetings.values()), "meetings,", several,
      "persons with several")
EOF
}

# --- the tiny example ------------------------------------------------------------
run_ctrace trace "${inputs[@]}" --out "$work/risk.csv" --hdf5 "$work/traced.h5" -q
expect_status 0 "trace --hdf5"
mapfile -t everyone < <("$py" -c 'import csv, sys
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")): print(r["person"])' "$work/risk.csv")
[ "${#everyone[@]}" -eq 12 ] || fail "the tiny list has ${#everyone[@]} persons, not 12"
asked=()
for p in "${everyone[@]}"; do asked+=(--person "$p"); done

run_ctrace explain --snapshot "$work/traced.h5" "${asked[@]}" --meetings --format csv \
    --out "$work/meetings.csv"
expect_status 0 "explain --meetings from the traced snapshot"
check_meetings "$work/risk.csv" "$work/meetings.csv" "${everyone[@]}" ||
    fail "the tiny example's meetings do not give the list"
grep -qF 'H,2,2,E,1,B03,City Bank,2022-04-19T15:00:00+08:00,2022-04-19T16:00:00+08:00,3600,60' \
    "$work/meetings.csv" || fail "H's meeting with E is not listed: $(grep '^H,' "$work/meetings.csv")"

# The same meetings from the trace's inputs: the scans, or a plain snapshot.
run_ctrace explain --risk "$work/risk.csv" "${inputs[@]}" "${asked[@]}" --meetings --format csv \
    --out "$work/meetings-scans.csv"
expect_status 0 "explain --meetings --scans --cases"
expect_same_file "$work/meetings-scans.csv" "$work/meetings.csv" "meetings from the scans"
run_ctrace snapshot --scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00 \
    --out "$work/plain.h5" -q
expect_status 0 "a plain snapshot"
run_ctrace explain --risk "$work/risk.csv" --snapshot "$work/plain.h5" --cases "$tiny/cases.csv" \
    --tz +08:00 --hops 3 "${asked[@]}" --meetings --format csv --out "$work/meetings-plain.csv"
expect_status 0 "explain --meetings --risk --snapshot plain --cases"
expect_same_file "$work/meetings-plain.csv" "$work/meetings.csv" "meetings from a plain snapshot"

# Text: the chain, then the meetings (the example of docs/explain.md).
run_ctrace explain --snapshot "$work/traced.h5" --person H --meetings
expect_status 0 "explain --meetings, text"
cat >"$work/expected-h.txt" <<'TEXT'
H (hop 2, yellow): first exposed at B03 (City Bank) by B, 2022-04-19T15:00:00+08:00 to 2022-04-19T16:00:00+08:00, 7200 s in all
B (hop 1, red): first exposed at M01 (Harbour Mall) by C1, 2022-04-19T11:00:00+08:00 to 2022-04-19T12:00:00+08:00, 3600 s in all
C1 (hop 0, red): index case
meetings of H at hop 2: 2, 7200 s in all
  1. B (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to 2022-04-19T16:00:00+08:00, 3600 s (60 min)
  2. E (hop 1) at B03 (City Bank), 2022-04-19T15:00:00+08:00 to 2022-04-19T16:00:00+08:00, 3600 s (60 min)
TEXT
expect_same_file "$work/stdout" "$work/expected-h.txt" "explain H --meetings"
# Without a name column there are no names, as before.
"$py" - "$tiny/places.csv" "$work/unnamed.csv" <<'PLACES'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="", encoding="utf-8")))
with open(sys.argv[2], "w", newline="", encoding="utf-8") as f:
    out = csv.DictWriter(f, ["place", "dwell"], extrasaction="ignore", lineterminator="\n")
    out.writeheader()
    out.writerows(rows)
PLACES
run_ctrace explain --risk "$work/risk.csv" --scans "$tiny/scans.csv" --places "$work/unnamed.csv" \
    --cases "$tiny/cases.csv" --tz +08:00 --hops 3 --person G --meetings
expect_status 0 "explain --meetings without names"
[ "$(tail -n 1 "$work/stdout")" = "  1. D (hop 2) at B03, 2022-04-20T09:20:00+08:00 to 2022-04-20T10:00:00+08:00, 2400 s (40 min)" ] ||
    fail "G's meeting without names: $(tail -n 1 "$work/stdout")"

# --- errors: exit 2, one line saying what to give, nothing written -----------------
expect_refused() { # WHAT MESSAGE ARGS...
    local what=$1 message=$2
    shift 2
    run_ctrace explain "$@" --out "$work/none.txt"
    expect_status 2 "$what"
    expect_stderr_has "$message" "$what: the message"
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$what: not one line: $(cat "$work/stderr")"
    [ ! -e "$work/none.txt" ] || fail "$what: the output was written"
}
expect_refused "--meetings without the stays" "--meetings needs the stays: give --snapshot" \
    --risk "$work/risk.csv" --person G --meetings
expect_refused "--meetings --scans without --cases" "needs the index cases: give --cases FILE" \
    --risk "$work/risk.csv" --scans "$tiny/scans.csv" --person G --meetings
expect_refused "--meetings on a plain snapshot without --cases" \
    "the snapshot holds no trace, so --meetings needs the cases: give --cases FILE" \
    --risk "$work/risk.csv" --snapshot "$work/plain.h5" --person G --meetings
expect_refused "tracing options with a traced snapshot's trace" \
    "--hops: the snapshot's trace records its own options" \
    --snapshot "$work/traced.h5" --person G --meetings --hops 2
expect_refused "--cases without --meetings" "--cases applies with --meetings" \
    --risk "$work/risk.csv" --cases "$tiny/cases.csv" --person G
expect_refused "an unknown person" "person 'nobody' is not listed" \
    --snapshot "$work/traced.h5" --person G --person nobody --meetings
# Other options than the list's: with lingering C1's footprint reaches A at M01.
expect_refused "meetings that do not give the row" \
    "the meetings of 'A' (hop 2) do not give its row of the list: the trace lists the person at hop 1" \
    --risk "$work/risk.csv" "${inputs[@]}" --linger 30m --person A --meetings
# With a latency of 2h30m B (exposed at 11:00) exposes D from 13:30, not 13:00.
expect_refused "meetings whose times differ" \
    "the meetings of 'D' (hop 2) do not give its row of the list: the meetings give first_exposure" \
    --risk "$work/risk.csv" "${inputs[@]}" --latency 2h30m --person D --meetings

# --- a generated city: many persons, lingering and latency ------------------------
"$ctrace" gen --persons 5000 --days 10 --seed 11 --out "$work/city" 2>/dev/null || fail "gen"
run_ctrace trace --scans "$work/city/scans.csv" --places "$work/city/places.csv" \
    --cases "$work/city/cases.csv" --tz +08:00 --hops 3 --linger 20m --latency 1h \
    --out "$work/city-risk.csv" --hdf5 "$work/city.h5" -q
expect_status 0 "trace the city"
mapfile -t city < <("$py" -c 'import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
for r in rows[:2000]: print(r["person"])' "$work/city-risk.csv")
[ "${#city[@]}" -ge 1000 ] || fail "the city lists only ${#city[@]} persons"
asked=()
for p in "${city[@]}"; do asked+=(--person "$p"); done
started=$(date +%s.%N)
run_ctrace explain --snapshot "$work/city.h5" "${asked[@]}" --meetings --format csv \
    --out "$work/city-meetings.csv"
expect_status 0 "explain --meetings on the city"
echo "explain --meetings of ${#city[@]} persons: $(echo "$(date +%s.%N) - $started" | bc) s"
check_meetings "$work/city-risk.csv" "$work/city-meetings.csv" "${city[@]}" ||
    fail "the city's meetings do not give the list"
no_temporaries "$work"
finish
