# `ctrace explain` and the transmission tree (`trace --graphml`, daily's
# tree-DATE.graphml), docs/explain.md, on the tiny example traced with --hops 3.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny
inputs=(--scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv"
    --tz +08:00 --hops 3)
python=${CTRACE_PYTHON:-/usr/bin/python3}

run_ctrace trace "${inputs[@]}" --out "$work/risk.csv" --hdf5 "$work/traced.h5" \
    --graphml "$work/tree.graphml" -q
expect_status 0 "trace --hdf5 --graphml"
expect_same_file "$work/risk.csv" "$tiny/risk.csv" "the risk list with --graphml"

# --- explain the deepest listed person, from the list and from the snapshot ----------
# The last row is the deepest (rows are sorted by hop): G at hop 3 in the tiny example.
deepest=$(tail -n 1 "$work/risk.csv" | cut -d, -f1)
hop=$(tail -n 1 "$work/risk.csv" | cut -d, -f2)
[ "$deepest" = G ] && [ "$hop" = 3 ] || fail "the tiny list's deepest row is not G at hop 3"
run_ctrace explain --risk "$work/risk.csv" --person "$deepest"
expect_status 0 "explain --risk"
cp "$work/stdout" "$work/from-risk.txt"
[ "$(wc -l <"$work/from-risk.txt")" -eq $((hop + 1)) ] ||
    fail "explain $deepest: not hop + 1 = $((hop + 1)) lines: $(cat "$work/from-risk.txt")"
# Its chain by the list's via_person column: G <- D <- B <- C1, each named on its line.
person=$deepest
for line in 1 2 3 4; do
    sed -n "${line}p" "$work/from-risk.txt" | grep -q "^$person (hop $((hop + 1 - line)), " ||
        fail "line $line does not name $person: $(sed -n "${line}p" "$work/from-risk.txt")"
    person=$(grep "^$person," "$work/risk.csv" | cut -d, -f8)
done
[ -z "$person" ] || fail "the chain does not end at an index case (left: $person)"
cat >"$work/expected.txt" <<'TEXT'
G (hop 3, yellow): first exposed at B03 by D, 2022-04-20T09:20:00+08:00 to 2022-04-20T10:00:00+08:00, 2400 s in all
D (hop 2, yellow): first exposed at R02 by B, 2022-04-19T13:00:00+08:00 to 2022-04-19T14:00:00+08:00, 3600 s in all
B (hop 1, red): first exposed at M01 by C1, 2022-04-19T11:00:00+08:00 to 2022-04-19T12:00:00+08:00, 3600 s in all
C1 (hop 0, red): index case
TEXT
expect_same_file "$work/from-risk.txt" "$work/expected.txt" "explain G, text"

# The snapshot holds the places file's names; the list given that file
# explains with the same bytes (docs/explain.md, place names).
run_ctrace explain --snapshot "$work/traced.h5" --person "$deepest"
expect_status 0 "explain --snapshot"
cp "$work/stdout" "$work/from-snapshot.txt"
run_ctrace explain --risk "$work/risk.csv" --places "$tiny/places.csv" --person "$deepest"
expect_status 0 "explain --risk --places"
expect_same_file "$work/stdout" "$work/from-snapshot.txt" "the snapshot explains as the list does"
sed -e 's/ at B03 / at B03 (City Bank) /' -e 's/ at R02 / at R02 (Noodle House) /' \
    -e 's/ at M01 / at M01 (Harbour Mall) /' "$work/expected.txt" >"$work/expected-named.txt"
expect_same_file "$work/from-snapshot.txt" "$work/expected-named.txt" "explain G, text with names"

# Several persons, a quoted id, CSV, --out, a list with monitor_until and a BOM.
cat >"$work/expected.csv" <<'CSV'
asked,step,person,hop,code,first_exposure,last_exposure,exposure_seconds,via_person,via_place
"Li, Wei",1,"Li, Wei",2,yellow,2022-04-17T11:00:00+08:00,2022-04-17T12:00:00+08:00,3600,K,M01
"Li, Wei",2,K,1,red,2022-04-16T00:00:00+08:00,2022-04-16T00:30:00+08:00,1800,C1,M01
"Li, Wei",3,C1,0,red,,,0,,
C9,1,C9,0,red,,,0,,
CSV
# With names (a places file, or the snapshot's) a last column via_place_name.
awk -F, -v OFS=, 'NR == 1 { print $0 ",via_place_name"; next }
    { print $0 "," ($NF == "M01" ? "Harbour Mall" : "") }' "$work/expected.csv" >"$work/expected-named.csv"
for source in "--risk $work/risk.csv" "--snapshot $work/traced.h5" \
    "--risk $work/risk.csv --places $tiny/places.csv"; do
    # shellcheck disable=SC2086
    run_ctrace explain $source --person "Li, Wei" --person C9 --format csv --out "$work/chains.csv"
    expect_status 0 "explain --format csv ($source)"
    case $source in
    --risk*--places*|--snapshot*) expected=$work/expected-named.csv ;;
    *) expected=$work/expected.csv ;;
    esac
    expect_same_file "$work/chains.csv" "$expected" "explain CSV ($source)"
    [ ! -s "$work/stdout" ] || fail "explain --out also wrote to stdout"
done
run_ctrace trace "${inputs[@]}" --monitoring 3d --bom --out "$work/monitored.csv" -q
expect_status 0 "trace --monitoring --bom"
run_ctrace explain --risk "$work/monitored.csv" --person "$deepest"
expect_status 0 "explain a list with monitor_until and a BOM"
expect_same_file "$work/stdout" "$work/from-risk.txt" "monitor_until and BOM change nothing"
run_ctrace explain --risk "$work/risk.csv" --person G --person C1
expect_status 0 "two persons"
[ "$(wc -l <"$work/stdout")" -eq 6 ] && [ "$(sed -n 5p "$work/stdout")" = "" ] ||
    fail "two chains are not separated by one blank line: $(cat "$work/stdout")"

# --- the transmission tree, read by networkx ---------------------------------------
"$python" - "$work/tree.graphml" "$work/risk.csv" <<'PY' || fail "the GraphML tree does not match the list"
import csv
import sys

import networkx as nx

tree = nx.read_graphml(sys.argv[1])
with open(sys.argv[2], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
assert isinstance(tree, nx.DiGraph), type(tree)
assert tree.number_of_nodes() == len(rows), (tree.number_of_nodes(), len(rows))
contacts = [r for r in rows if r["hop"] != "0"]
assert tree.number_of_edges() == len(contacts), (tree.number_of_edges(), len(contacts))
by_person = {data["id"]: node for node, data in tree.nodes(data=True)}
assert sorted(by_person) == sorted(r["person"] for r in rows)
for r in rows:
    data = tree.nodes[by_person[r["person"]]]
    assert data["label"] == r["person"], data
    assert data["hop"] == int(r["hop"]), data
    assert data["code"] == r["code"], data
    # networkx leaves out an empty value: index cases have no first_exposure.
    assert data.get("first_exposure", "") == r["first_exposure"], data
    incoming = list(tree.in_edges(by_person[r["person"]], data=True))
    if r["hop"] == "0":
        assert incoming == [], incoming
        continue
    assert len(incoming) == 1, incoming
    source, _, edge = incoming[0]
    assert tree.nodes[source]["id"] == r["via_person"], (r, source)
    assert edge["place"] == r["via_place"], edge
    assert edge["first_exposure"] == r["first_exposure"], edge
    assert edge["last_exposure"] == r["last_exposure"], edge
    assert edge["exposure_seconds"] == int(r["exposure_seconds"]), edge
# A forest rooted at the index cases.
assert nx.is_forest(tree.to_undirected())
print("tree ok:", tree.number_of_nodes(), "nodes,", tree.number_of_edges(), "edges")
PY

# --- errors: exit 2, one line naming the problem, nothing written ------------------
run_ctrace explain --risk "$work/risk.csv" --person G --person nobody --out "$work/none.txt"
expect_status 2 "an unknown person"
expect_stderr_has "'nobody' is not listed" "the unknown person is named"
[ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "unknown person: not one line: $(cat "$work/stderr")"
[ ! -e "$work/none.txt" ] || fail "an unknown person wrote the output"
run_ctrace explain --risk "$work/risk.csv" --person nobody
expect_status 2 "an unknown person, stdout"
[ ! -s "$work/stdout" ] || fail "an unknown person printed: $(cat "$work/stdout")"

run_ctrace snapshot --scans "$tiny/scans.csv" --places "$tiny/places.csv" --tz +08:00 \
    --out "$work/plain.h5" -q
expect_status 0 "a snapshot without a trace"
run_ctrace explain --snapshot "$work/plain.h5" --person G --out "$work/none.txt"
expect_status 2 "a snapshot without /trace"
expect_stderr_has "$work/plain.h5: the snapshot holds no trace" "no /trace is said"
[ ! -e "$work/none.txt" ] || fail "a snapshot without /trace wrote the output"

run_ctrace explain --risk "$work/risk.csv" --out "$work/none.txt"
expect_status 2 "no --person"
expect_stderr_has "--person is required" "missing --person"
run_ctrace explain --person G
expect_status 2 "neither --risk nor --snapshot"
# Both: the list from --risk, the names from the snapshot.
run_ctrace explain --risk "$work/risk.csv" --snapshot "$work/traced.h5" --person G
expect_status 0 "both --risk and --snapshot"
expect_same_file "$work/stdout" "$work/from-snapshot.txt" "--risk with a snapshot's names"
run_ctrace explain --snapshot "$work/traced.h5" --places "$tiny/places.csv" --person G
expect_status 2 "--places with --snapshot"
expect_stderr_has "--places does not apply with --snapshot" "--places with --snapshot is named"
run_ctrace explain --risk "$work/risk.csv" --person G --format json
expect_status 2 "--format json"
expect_stderr_has "--format: " "a bad --format is named"
[ ! -e "$work/none.txt" ] || fail "a usage error wrote the output"

# A broken chain (B's source removed from the list) and a bad row are input errors.
grep -v '^C1,' "$work/risk.csv" >"$work/broken.csv"
run_ctrace explain --risk "$work/broken.csv" --person G
expect_status 2 "a broken chain"
expect_stderr_has "the chain breaks at 'B' (in the chain of 'G'), hop 1: its via_person 'C1' is not listed" \
    "the broken link is named"
sed 's/^D,2,/D,x,/' "$work/risk.csv" >"$work/bad-row.csv"
run_ctrace explain --risk "$work/bad-row.csv" --person G
expect_status 2 "a bad row"
expect_stderr_has "$work/bad-row.csv:10: hop: not a hop number" "the bad row is named FILE:LINE"

# --- --graphml is an output of trace like the others: atomic, nothing on failure ------
if [ -w /dev/full ]; then
    run_ctrace trace "${inputs[@]}" --out "$work/r74.csv" --hdf5 "$work/r74.h5" \
        --graphml /dev/full -q
    expect_status 74 "--graphml /dev/full"
    expect_stderr_has "/dev/full" "the unwritable tree is named"
    [ ! -e "$work/r74.csv" ] && [ ! -e "$work/r74.h5" ] ||
        fail "an unwritable --graphml left the other outputs"
fi
# A folder without write permission: as root (as CI runs) the trace runs as
# user nobody, whom the permissions bind, with the risk list in a folder
# nobody may write in, so the one refusal is the tree's.
if unprivileged_user; then
    folder_for_unprivileged "$work/locked" no
    folder_for_unprivileged "$work/open" yes
    run_ctrace_unprivileged trace "${inputs[@]}" --out "$work/open/r-locked.csv" \
        --graphml "$work/locked/tree.graphml" -q
    expect_status 74 "--graphml in a folder without write permission"
    one_line_naming "--graphml in a folder without write permission" "$work/locked/tree.graphml" \
        "Permission denied"
    [ ! -e "$work/open/r-locked.csv" ] || fail "an unwritable --graphml wrote the risk list"
    [ -z "$(ls -A "$work/locked")" ] || fail "an unwritable --graphml left files: $(ls -A "$work/locked")"
    no_temporaries "$work/open"
    # The same run where it may write: the set-up, not ctrace, made the refusal.
    run_ctrace_unprivileged trace "${inputs[@]}" --out "$work/open/r-locked.csv" \
        --graphml "$work/open/tree.graphml" -q
    expect_status 0 "the same trace with the tree in a writable folder"
    expect_same_file "$work/open/r-locked.csv" "$tiny/risk.csv" "the risk list written unprivileged"
    chmod u+w "$work/locked"
fi
run_ctrace trace "${inputs[@]}" --out "$work/r2.csv" --graphml "$work/no-such-folder/tree.graphml" -q
expect_status 2 "--graphml into a missing folder"
[ ! -e "$work/r2.csv" ] || fail "a --graphml into a missing folder wrote the risk list"
no_temporaries "$work"

# --- daily writes OUT/tree-DATE.graphml with its lists ----------------------------
run_ctrace ingest --store "$work/store" --scans "$tiny/scans.csv" --places "$tiny/places.csv" \
    --tz +08:00 -q
expect_status 0 "ingest"
run_ctrace daily --store "$work/store" --cases "$tiny/cases.csv" --out-dir "$work/lists" \
    --as-of 2022-04-22 --hops 3 -q
expect_status 0 "daily"
expect_same_file "$work/lists/tree-2022-04-22.graphml" "$work/tree.graphml" "daily's tree"
run_ctrace explain --snapshot "$work/lists/risk-2022-04-22.h5" --person "$deepest"
expect_status 0 "explain daily's snapshot"
expect_same_file "$work/stdout" "$work/from-snapshot.txt" "daily's snapshot explains as trace's"
no_temporaries "$work/lists"

run_ctrace help explain
expect_status 0 "help explain"
grep -qF "ctrace explain --risk risk.csv --person G" "$work/stdout" || fail "help has no example"
run_ctrace help daily
grep -qF "tree-DATE.graphml" "$work/stdout" || fail "daily's help does not name the tree"
finish
