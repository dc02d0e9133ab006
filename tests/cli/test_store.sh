# The nightly jobs end to end: `ctrace ingest` into a rolling store and
# `ctrace daily` (docs/nightly.md): day-by-day equals all-at-once, re-ingest is
# a no-op, retention, the lock (exit 75), kill -9 safety, daily lists and changes.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
py=${CTRACE_PYTHON:-/usr/bin/python3}

# store_digest DIR: one line per file in the store (name and SHA-256).
store_digest() {
    (cd "$1" && find . -type f -print0 | sort -z | xargs -0 sha256sum)
}

# named_digest DIR: the SHA-256 of the store's index and of every file it
# names. After a kill -9 these must be unchanged; the folder may also hold a
# file no index names, which the next ingest removes.
named_digest() {
    "$py" - "$1" <<'EOF'
import hashlib, json, os, sys
folder = sys.argv[1]
state = json.load(open(os.path.join(folder, "store.json")))
names = ["store.json", state["ids"]["file"]]
for p in state["partitions"]:
    names.append(p["file"])
    names.extend(d["file"] for d in p["deleted"])
for name in sorted(names):
    print(hashlib.sha256(open(os.path.join(folder, name), "rb").read()).hexdigest(), name)
EOF
}

# stays_by_id H5: the stays of a snapshot as sorted "person place start end"
# lines, by id (so index order does not matter), via ctrace's own reader:
# `trace --snapshot` cannot show stays, so read them with h5py when present,
# else compare whole risk lists only.
have_h5py=0
"$py" -c 'import h5py' 2>/dev/null && have_h5py=1
stays_by_id() {
    "$py" - "$1" <<'EOF'
import sys, h5py
with h5py.File(sys.argv[1]) as f:
    persons = f["persons/id"].asstr()[:]
    places = f["places/id"].asstr()[:]
    s = f["stays"]
    rows = sorted(zip((persons[i] for i in s["person"][:]), (places[i] for i in s["place"][:]),
                      s["start"][:].tolist(), s["end"][:].tolist()))
    for r in rows:
        print(*r)
EOF
}

# --- The tiny example, split into three dumps ---------------------------------
# Dumps of consecutive rows (the header repeated): stays of one person at one
# place cut across dumps must merge as in the whole file.
header=$(head -n 1 "$tiny/scans.csv")
rows=$(($(wc -l <"$tiny/scans.csv") - 1))
split_at() { tail -n +2 "$tiny/scans.csv" | sed -n "$1,$2p"; }
{ echo "$header"; split_at 1 8; } >"$work/day19.csv"
{ echo "$header"; split_at 9 16; } >"$work/day20.csv"
{ echo "$header"; split_at 17 "$rows"; } >"$work/day21.csv"
[ "$(cat "$work"/day*.csv | wc -l)" -eq "$((rows + 3))" ] || fail "the dumps do not hold every scan row"

store=$work/store
run_ctrace ingest --store "$store" --scans "$work/day19.csv" --places "$tiny/places.csv" --tz +08:00
expect_status 0 "first ingest creates the store"
expect_stderr_has "added $work/day19.csv" "ingest summary"
[ -f "$store/store.json" ] || fail "no store.json in the store"
ls "$store"/part-*.h5 >/dev/null 2>&1 || fail "no partition in the store"
[ -f "$store/manifest.csv" ] || fail "no manifest.csv in the store"
# The same places file again (as a nightly job passes it) is no new manifest entry.
run_ctrace ingest --store "$store" --scans "$work/day20.csv" --places "$tiny/places.csv" \
    --log "$work/jobs.jsonl"
expect_status 0 "ingest of day 20"
run_ctrace ingest --store "$store" --scans "$work/day21.csv" --log "$work/jobs.jsonl"
expect_status 0 "ingest of day 21"
[ "$(grep -c . "$store/manifest.csv")" -eq 5 ] || fail "manifest: expected header + places + 3 dumps"
no_temporaries "$store"

[ "$(ls "$store"/part-*.h5 | wc -l)" -eq 3 ] || fail "expected one partition per ingest"
run_ctrace verify "$store"
expect_status 0 "verify the store"
expect_stderr_has "3 partitions" "verify names the partitions"
# A partition holds no person ids of its own: read through the store only.
run_ctrace verify "$(ls "$store"/part-*.h5 | head -n 1)"
expect_status 2 "verify of a partition alone"
expect_stderr_has "store's partition" "a partition alone is named as such"
run_ctrace snapshot --scans "$work/day19.csv" --scans "$work/day20.csv" --scans "$work/day21.csv" \
    --places "$tiny/places.csv" --tz +08:00 --out "$work/all.h5"
expect_status 0 "snapshot of the three days at once"
run_ctrace snapshot --store "$store" --out "$work/store-all.h5"
expect_status 0 "snapshot --store: the store as one file"
if [ "$have_h5py" -eq 1 ]; then
    stays_by_id "$work/store-all.h5" >"$work/stays-store.txt"
    stays_by_id "$work/all.h5" >"$work/stays-all.txt"
    [ -s "$work/stays-all.txt" ] || fail "no stays read from the all-at-once snapshot"
    expect_same_file "$work/stays-all.txt" "$work/stays-store.txt" "day-by-day stays equal all-at-once"
fi
# ... and both trace to the spec's risk list.
run_ctrace trace --snapshot "$work/store-all.h5" --cases "$tiny/cases.csv" --tz +08:00 --hops 3 \
    --out "$work/risk-store.csv"
expect_status 0 "trace --snapshot on the store's snapshot"
expect_same_file "$tiny/risk.csv" "$work/risk-store.csv" "risk list from the day-by-day store"
# --store DIR reads the store's partitions in place.
run_ctrace trace --store "$store" --cases "$tiny/cases.csv" --tz +08:00 --hops 3 \
    --out "$work/risk-store2.csv"
expect_status 0 "trace --store"
expect_same_file "$tiny/risk.csv" "$work/risk-store2.csv" "risk list of trace --store"
# Backward tracing on the store reads the cases' places in place: the same
# three lists as from the three dumps.
run_ctrace sources --store "$store" --cases "$tiny/cases.csv" --tz +08:00 --min-cases 1 \
    --links "$work/links-store.csv" --common-persons "$work/persons-store.csv" \
    --common-places "$work/places-store.csv"
expect_status 0 "sources --store"
run_ctrace sources --scans "$work/day19.csv" --scans "$work/day20.csv" --scans "$work/day21.csv" \
    --places "$tiny/places.csv" --tz +08:00 --cases "$tiny/cases.csv" --min-cases 1 \
    --links "$work/links-csv.csv" --common-persons "$work/persons-csv.csv" \
    --common-places "$work/places-csv.csv"
expect_status 0 "sources on the dumps"
for list in links persons places; do
    expect_same_file "$work/$list-csv.csv" "$work/$list-store.csv" "sources --store: $list"
done
[ "$(wc -l <"$work/places-store.csv")" -gt 1 ] || fail "sources --store: no common place listed"
run_ctrace trace --store "$store" --snapshot "$store/snapshot.h5" --cases "$tiny/cases.csv" \
    --out "$work/never.csv"
expect_status 2 "trace --store with --snapshot"
expect_stderr_has "either --store or --snapshot" "--store and --snapshot refused together"
run_ctrace trace --store "$work/no-such-store" --cases "$tiny/cases.csv" --out "$work/never.csv"
expect_status 2 "trace --store of a missing store"
expect_stderr_has "$work/no-such-store/snapshot.h5" "the missing store's snapshot named"
[ ! -e "$work/never.csv" ] || fail "a refused trace --store wrote a list"

# --- Re-ingest is a no-op --------------------------------------------------------
store_digest "$store" >"$work/before.txt"
cp "$work/day20.csv" "$work/day20-again.csv"
run_ctrace ingest --store "$store" --scans "$work/day20-again.csv" --log "$work/jobs.jsonl"
expect_status 0 "re-ingest"
expect_stderr_has "already ingested" "re-ingest says so"
store_digest "$store" >"$work/after.txt"
expect_same_file "$work/before.txt" "$work/after.txt" "re-ingest changes nothing"

# --- JSON log lines ----------------------------------------------------------------
[ "$(wc -l <"$work/jobs.jsonl")" -eq 3 ] || fail "--log: expected 3 lines, got $(wc -l <"$work/jobs.jsonl")"
"$py" - "$work/jobs.jsonl" <<'EOF' || fail "--log lines are not the expected JSON"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert all(l["command"] == "ingest" and l["exit"] == 0 and l["status"] == "ok" for l in lines), lines
assert lines[0]["files_added"] == 1 and lines[2]["files_already_ingested"] == 1, lines
assert isinstance(lines[0]["seconds"], float) and lines[0]["stays"] > 0, lines
EOF

# --- Parameters are the store's ---------------------------------------------------
run_ctrace ingest --store "$store" --scans "$tiny/scans.csv" --dwell 30m
expect_status 2 "a different --dwell"
expect_stderr_has "differs from the store's" "different --dwell message"
store_digest "$store" >"$work/after.txt"
expect_same_file "$work/before.txt" "$work/after.txt" "a refused ingest changes nothing"

# --- The lock: exit 75 naming the holder; a dead holder does not block -------------
"$py" - "$store/.lock" "$work/locked" <<'EOF' &
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
open(sys.argv[2], "w").close()
time.sleep(60)
EOF
holder=$!
for _ in $(seq 600); do [ -f "$work/locked" ] && break; sleep 0.1; done
[ -f "$work/locked" ] || fail "the lock holder did not start within 60 s"
run_ctrace ingest --store "$store" --scans "$tiny/scans.csv" --log "$work/busy.jsonl"
expect_status 75 "ingest on a locked store"
expect_stderr_has "in use by process $holder" "busy message names the holder"
grep -q '"status":"busy"' "$work/busy.jsonl" || fail "--log of a busy run"
run_ctrace daily --store "$store" --cases "$tiny/cases.csv" --out-dir "$work/out"
expect_status 75 "daily on a locked store"
kill -9 "$holder"
wait "$holder" 2>/dev/null || true
run_ctrace ingest --store "$store" --scans "$work/day21.csv"
expect_status 0 "ingest after the holder died"

# --- daily: the risk list, the snapshot and the changes ------------------------------
out=$work/out
run_ctrace daily --store "$store" --cases "$tiny/cases.csv" --out-dir "$out" --as-of 2022-04-22 \
    --hops 3
expect_status 0 "daily"
expect_same_file "$tiny/risk.csv" "$out/risk-2022-04-22.csv" "daily risk list"
[ -f "$out/risk-2022-04-22.h5" ] || fail "daily wrote no risk-DATE.h5"
# risk-DATE.h5 holds the trace and the ids it names, not a copy of the stays,
# and names the store's state by the digest of its index, store.json.
if [ "$have_h5py" -eq 1 ]; then
    /usr/bin/python3 - "$out/risk-2022-04-22.h5" "$store/store.json" <<'PY' ||
import hashlib, sys, h5py
risk, store = h5py.File(sys.argv[1], "r"), sys.argv[2]
assert risk["stays/person"].shape == (0,), "risk-DATE.h5 copies the stays"
persons = [p.decode() for p in risk["persons/id"][:]]
listed = risk["trace/person"][:]
assert len(listed) == 12 and sorted(set(listed)) == list(range(len(persons))), "ids not those named"
roles = list(risk["trace"].attrs["input_roles"])
digests = list(risk["trace"].attrs["input_sha256"])
recorded = hashlib.sha256(open(store, "rb").read()).hexdigest()
assert roles[-1] == "store" and digests[-1] == recorded, (roles, digests, recorded)
PY
        fail "risk-DATE.h5: trace and named ids only, store named by its digest"
fi
run_ctrace verify "$out/risk-2022-04-22.h5"
expect_status 0 "verify daily's risk-DATE.h5"
# Meetings need the stays: daily's file refuses and points to the store,
# and the store gives them, with the place names.
run_ctrace explain --snapshot "$out/risk-2022-04-22.h5" --person G --meetings
expect_status 2 "explain --meetings on daily's risk-DATE.h5"
expect_stderr_has "--store DIR" "explain --meetings on a daily list points to the store"
run_ctrace explain --store "$store" --risk "$out/risk-2022-04-22.csv" --person G --meetings \
    --cases "$tiny/cases.csv" --tz +08:00 --hops 3
expect_status 0 "explain --store --meetings"
grep -q "City Bank" "$work/stdout" || fail "explain --store: no place names: $(cat "$work/stdout")"
[ "$(head -n 1 "$out/changes-2022-04-22.csv")" = "person,change,old_hop,new_hop,old_code,new_code,quarantine_until,old_quarantine_until,old_monitor_until,monitor_until" ] ||
    fail "changes header"
# Without an earlier list, everyone listed is new.
[ "$(tail -n +2 "$out/changes-2022-04-22.csv" | grep -c ',new,')" -eq "$(tail -n +2 "$tiny/risk.csv" | grep -c .)" ] ||
    fail "first daily: everyone should be new"
# A later day with one case fewer (C9 gone): C9's contacts change.
head -n 2 "$tiny/cases.csv" >"$work/cases-c1.csv"
run_ctrace daily --store "$store" --cases "$work/cases-c1.csv" --out-dir "$out" --as-of 2022-04-23 \
    --hops 3
expect_status 0 "second daily"
"$py" - "$out/risk-2022-04-22.csv" "$out/risk-2022-04-23.csv" "$out/changes-2022-04-23.csv" <<'EOF' ||
import csv, sys
old = {r["person"]: r for r in csv.DictReader(open(sys.argv[1]))}
new = {r["person"]: r for r in csv.DictReader(open(sys.argv[2]))}
changes = {r["person"]: r for r in csv.DictReader(open(sys.argv[3]))}
# Quarantines here end by 2022-05-06, after both dates: status is the hop
# and, at the same hop, the quarantine's end (the lists have no monitoring).
expected = {}
for p in old.keys() | new.keys():
    if p not in old: expected[p] = "new"
    elif p not in new: expected[p] = "released"
    elif int(new[p]["hop"]) < int(old[p]["hop"]): expected[p] = "escalated"
    elif int(new[p]["hop"]) > int(old[p]["hop"]): expected[p] = "deescalated"
    elif new[p]["quarantine_until"] > old[p]["quarantine_until"]: expected[p] = "extended"
    elif new[p]["quarantine_until"] < old[p]["quarantine_until"]: expected[p] = "shortened"
got = {p: r["change"] for p, r in changes.items()}
assert got == expected, (got, expected)
assert "released" in got.values(), got
for p, r in changes.items():
    if r["change"] == "released":
        assert r["new_code"] == "green" and r["new_hop"] == "", r
EOF
    fail "second daily: changes do not match the two lists"
# The quarantine end passing releases people without a change in the data.
run_ctrace daily --store "$store" --cases "$work/cases-c1.csv" --out-dir "$out" --as-of 2022-06-01 \
    --hops 3
expect_status 0 "daily after every quarantine ended"
[ "$(tail -n +2 "$out/changes-2022-06-01.csv" | grep -vc ',released,')" -eq 0 ] ||
    fail "after the quarantines all but the index case should be released: $(cat "$out/changes-2022-06-01.csv")"
no_temporaries "$out"

# --- kill -9 during an ingest that appends, and one that drops partitions -------------
# The index and every file it names stay byte for byte as they were; a file
# no index names may remain until the next ingest removes it. The ingest runs
# under CTRACE_TEST_PAUSE_BEFORE_COMMIT (lib/src/core/atomic_file.cpp): before
# each commit it creates the pause file, naming the file it commits, and waits
# for it to go. The test removes it to let the ingest go on, commit by commit,
# and kills it at a chosen one: the first (nothing of the ingest in place yet)
# and store.json, the index (every new file in place, the index not yet); and,
# on a copy of the store, at the commit after the index, when the ingest has
# happened and every file the index names must be there and sound.
"$ctrace" gen --scans 3000000 --seed 5 --out "$work/city" 2>/dev/null || fail "gen for the kill test"
kill_during() { # kill_during WHAT STORE INGEST-ARGS...
    local what=$1 target=$2 into kill_at job committing commits index_committed pause=$work/pause
    shift 2
    named_digest "$target" >"$work/before.txt"
    # After the index: on a copy, as that kill changes the store.
    rm -rf "$work/after-index"
    cp -r "$target" "$work/after-index"
    for kill_at in first-commit store.json after-index; do
        into=$target
        [ "$kill_at" = after-index ] && into=$work/after-index
        rm -f "$pause"
        CTRACE_TEST_PAUSE_BEFORE_COMMIT=$pause "$ctrace" ingest --store "$into" "$@" --quiet \
            2>/dev/null &
        job=$!
        committing=
        commits=0
        index_committed=no
        while wait_for_pause "$pause" "$job"; do
            committing=$(cat "$pause")
            commits=$((commits + 1))
            [ "$kill_at" = first-commit ] && break
            [ "$kill_at" = store.json ] && [ "$committing" = "$into/store.json" ] && break
            [ "$index_committed" = yes ] && break
            [ "$committing" = "$into/store.json" ] && index_committed=yes
            rm -f "$pause"
        done
        kill -9 "$job" 2>/dev/null || fail "kill -9 at $kill_at $what: the ingest ended before the kill"
        wait "$job" 2>/dev/null || true
        rm -f "$pause"
        case $kill_at in
        first-commit)
            [ "$commits" -eq 1 ] && [ -n "$committing" ] ||
                fail "kill -9 $what: the ingest never paused before its first commit" ;;
        store.json)
            [ "$committing" = "$into/store.json" ] ||
                fail "kill -9 $what: the ingest never paused before committing store.json (last: '$committing')"
            # Its new files were committed before the index: the kill came
            # after them (a partition, the ids file), not before.
            [ "$commits" -ge 3 ] || fail "kill -9 $what: only $commits commits before store.json" ;;
        after-index)
            [ "$index_committed" = yes ] ||
                fail "kill -9 $what: the ingest committed store.json last, or never"
            # Committed: the index names the dump and every file it names is sound.
            grep -q "city/scans.csv" "$into/store.json" ||
                fail "kill -9 after the index $what: the index does not name the dump"
            run_ctrace verify "$into"
            expect_status 0 "verify after a kill -9 after the index $what"
            # The manifest (committed after the index) was not written; the
            # next ingest, of the same dump, finds it ingested and repairs
            # what the kill left: the manifest, the files no index names.
            run_ctrace ingest --store "$into" "$@"
            expect_status 0 "the same ingest after a kill -9 after the index $what"
            grep -q "already" "$work/stderr" || fail "the ingest after the index $what did not find the dump ingested"
            grep -q "city/scans.csv" "$into/manifest.csv" ||
                fail "kill -9 after the index $what: the next ingest left the dump out of the manifest"
            leftover=$(find "$into" -maxdepth 1 \( -name 'part-*' -o -name 'ids-*' -o -name 'deleted-*' \) \
                -printf '%f\n' | sort)
            named=$(named_digest "$into" | awk '$2 != "store.json" {print $2}' | sort)
            [ "$leftover" = "$named" ] ||
                fail "kill -9 after the index $what: files no index names after the next ingest: $leftover vs $named"
            rm -rf "$into"
            continue ;;
        esac
        named_digest "$target" >"$work/after.txt"
        cmp -s "$work/before.txt" "$work/after.txt" ||
            fail "kill -9 before committing $committing $what left the store changed: $(diff "$work/before.txt" "$work/after.txt")"
    done
    # At store.json the new files were in the folder, named by no index.
    unnamed=$(find "$target" -maxdepth 1 \( -name 'part-*' -o -name 'ids-*' -o -name 'deleted-*' \) \
        -printf '%f\n' | sort | comm -23 - <(named_digest "$target" | awk '{print $2}' | sort))
    [ -n "$unnamed" ] || fail "kill -9 before store.json $what: no new file was in the folder"
    run_ctrace ingest --store "$target" "$@"
    expect_status 0 "ingest after the kills $what"
    grep -q "city/scans.csv" "$target/manifest.csv" || fail "the dump is not in the manifest after the ingest"
    no_temporaries "$target"
    # Nothing but the files the index names is left.
    leftover=$(find "$target" -maxdepth 1 \( -name 'part-*' -o -name 'ids-*' -o -name 'deleted-*' \) \
        -printf '%f\n' | sort)
    named=$(named_digest "$target" | awk '$2 != "store.json" {print $2}' | sort)
    [ "$leftover" = "$named" ] || fail "files no index names after an ingest $what: $leftover vs $named"
}
cp -r "$store" "$work/store-drop"
kill_during "appending" "$store" --scans "$work/city/scans.csv"
# The city is years after the tiny days: a one-day retention drops every
# partition of the tiny example in that ingest.
kill_during "dropping partitions" "$work/store-drop" --scans "$work/city/scans.csv" --retention 1d
"$py" - "$work/store-drop/store.json" <<'EOF' || fail "the ingest with --retention 1d dropped no partition"
import json, sys
state = json.load(open(sys.argv[1]))
assert len(state["partitions"]) == 1, state["partitions"]
EOF
run_ctrace verify "$work/store-drop"
expect_status 0 "verify after the drop"

run_ctrace daily --store "$work/no-such-store" --cases "$tiny/cases.csv" --out-dir "$out"
expect_status 2 "daily on a missing store"
run_ctrace daily --store "$store" --cases "$tiny/cases.csv" --out-dir "$out" --as-of 2022-13-01
expect_status 2 "daily with a bad --as-of"

finish
