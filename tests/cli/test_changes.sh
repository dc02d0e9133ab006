# Nightly changes over several nights of a generated city (docs/nightly.md):
# the second night's dump brings later exposures for persons already listed at
# the same hop, and each of them must be listed `extended` with the old and the
# new dates. The expected changes are recomputed here from the two risk lists,
# independently of ctrace's own comparison.
source "$(dirname "$0")/lib.sh"
py=${CTRACE_PYTHON:-/usr/bin/python3}

# A city of 10 days; its cases become infectious within the last 4 days, most
# of them stay infectious (no isolation time), so day 10 exposes again many
# persons that days 1-9 had listed already.
"$ctrace" gen --persons 20000 --days 10 --seed 7 --out "$work/city" 2>/dev/null || fail "gen"
# Night 1 gets days 1-9, night 2 day 10 (by local day of the scan time; gen's
# times are epoch seconds, its first day starts 2022-04-01T00:00:00+08:00).
awk -F, -v start=1648742400 -v night1="$work/night1.csv" -v night2="$work/night2.csv" '
    NR == 1 { for (i = 1; i <= NF; ++i) if ($i == "time") t = i
              print > night1; print > night2; next }
    { if (int(($t - start) / 86400) < 9) print > night1; else print > night2 }' \
    "$work/city/scans.csv"
[ "$(($(wc -l <"$work/night1.csv") + $(wc -l <"$work/night2.csv")))" -eq "$(($(wc -l <"$work/city/scans.csv") + 1))" ] ||
    fail "the two nights do not hold every scan row"
[ "$(wc -l <"$work/night2.csv")" -gt 1000 ] || fail "night 2 holds almost no scans"

store=$work/store
lists=$work/lists
tracing=(--cases "$work/city/cases.csv" --out-dir "$lists" --hops 2 --quarantine 14d,7d
    --log "$work/jobs.jsonl")
run_ctrace ingest --store "$store" --scans "$work/night1.csv" --places "$work/city/places.csv" \
    --tz +08:00 -q
expect_status 0 "ingest night 1"
run_ctrace daily --store "$store" "${tracing[@]}" --monitoring 7d,3d --as-of 2022-04-10
expect_status 0 "daily night 1"
run_ctrace ingest --store "$store" --scans "$work/night2.csv" -q
expect_status 0 "ingest night 2"
run_ctrace daily --store "$store" "${tracing[@]}" --monitoring 7d,3d --as-of 2022-04-11
expect_status 0 "daily night 2"
cp "$work/stderr" "$work/night2.stderr"
# Night 3: no new dump, a longer monitoring for close contacts only: their
# quarantine stays, their monitoring ends later (extended by monitor_until);
# secondary contacts do not change.
run_ctrace daily --store "$store" "${tracing[@]}" --monitoring 9d,3d --as-of 2022-04-12
expect_status 0 "daily night 3"

# check OLD_LIST OLD_DATE NEW_LIST NEW_DATE CHANGES MIN_EXTENDED: the changes
# recomputed from the two lists by the rules of docs/nightly.md.
check() {
    "$py" - "$@" <<'EOF'
import csv, sys
from datetime import datetime

old_path, old_date, new_path, new_date, changes_path, min_extended = sys.argv[1:]
def rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {r["person"]: r for r in csv.DictReader(f)}
def when(text):
    return datetime.fromisoformat(text.replace("Z", "+00:00")) if text else None
old, new = rows(old_path), rows(new_path)
with open(changes_path, newline="", encoding="utf-8") as f:
    reader = csv.DictReader(f)
    assert reader.fieldnames == ["person", "change", "old_hop", "new_hop", "old_code", "new_code",
                                 "quarantine_until", "old_quarantine_until", "old_monitor_until",
                                 "monitor_until"], reader.fieldnames
    got = {r["person"]: r for r in reader}

def active(r, date):
    if r is None:
        return False
    q = when(r["quarantine_until"])
    return q is None or q >= when(date + "T00:00:00+08:00")

def direction(a, b):
    a, b = when(a), when(b)
    if a is None or b is None or a == b:
        return 0
    return 1 if b > a else -1

expected = {}
for p in old.keys() | new.keys():
    o, n = old.get(p), new.get(p)
    was, now = active(o, old_date), active(n, new_date)
    if not was and now:
        kind = "new"
    elif was and not now:
        kind = "released"
    elif was and o["hop"] != n["hop"]:
        kind = "escalated" if int(n["hop"]) < int(o["hop"]) else "deescalated"
    elif was:
        d = direction(o["quarantine_until"], n["quarantine_until"]) or \
            direction(o.get("monitor_until", ""), n.get("monitor_until", ""))
        kind = {1: "extended", -1: "shortened", 0: None}[d]
    else:
        kind = None
    if kind is None:
        continue
    code = lambda r, on: (r["code"] if active(r, on) else "green") if r else ""
    expected[p] = {
        "person": p, "change": kind,
        "old_hop": o["hop"] if was else "", "new_hop": n["hop"] if now else "",
        "old_code": code(o, old_date), "new_code": code(n, new_date),
        "quarantine_until": n["quarantine_until"] if n else "",
        "old_quarantine_until": o["quarantine_until"] if o else "",
        "old_monitor_until": o.get("monitor_until", "") if o else "",
        "monitor_until": n.get("monitor_until", "") if n else "",
    }

for p in sorted(expected.keys() | got.keys()):
    assert got.get(p) == expected.get(p), (p, got.get(p), expected.get(p))
extended = [p for p, r in got.items() if r["change"] == "extended"]
# Everyone extended is at the same hop with a later quarantine (or the same
# quarantine and a later monitoring), and the two lists' dates are in the row.
for p in extended:
    r, o, n = got[p], old[p], new[p]
    assert o["hop"] == n["hop"] == r["old_hop"] == r["new_hop"], (r, o, n)
    assert (r["old_quarantine_until"], r["quarantine_until"]) == (o["quarantine_until"], n["quarantine_until"])
    assert (r["old_monitor_until"], r["monitor_until"]) == (o["monitor_until"], n["monitor_until"])
    assert direction(o["quarantine_until"], n["quarantine_until"]) > 0 or \
        (o["quarantine_until"] == n["quarantine_until"] and
         direction(o["monitor_until"], n["monitor_until"]) > 0), (o, n)
assert len(extended) >= int(min_extended), (len(extended), min_extended)
counts = {}
for r in got.values():
    counts[r["change"]] = counts.get(r["change"], 0) + 1
print(changes_path.rsplit("/", 1)[-1], len(old), "->", len(new), "listed;",
      ", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
EOF
}

check "$lists/risk-2022-04-10.csv" 2022-04-10 "$lists/risk-2022-04-11.csv" 2022-04-11 \
    "$lists/changes-2022-04-11.csv" 1000 || fail "night 2: changes do not match the two lists"
# Night 2 does bring later exposures at the same hop to 1000+ listed persons.
"$py" - "$lists/risk-2022-04-10.csv" "$lists/risk-2022-04-11.csv" <<'EOF' || fail "night 2 extends too few"
import csv, sys
old, new = ({r["person"]: r for r in csv.DictReader(open(p, encoding="utf-8"))} for p in sys.argv[1:])
later = [p for p in old.keys() & new.keys()
         if old[p]["hop"] == new[p]["hop"] != "0" and new[p]["last_exposure"] > old[p]["last_exposure"]]
print("same hop, later last_exposure:", len(later))
assert len(later) >= 1000, len(later)
EOF
extended=$(grep -c ',extended,' "$lists/changes-2022-04-11.csv" || true)
grep -qF "$extended extended" "$work/night2.stderr" || fail "daily's summary does not count $extended extended"
sed -n 2p "$work/jobs.jsonl" | grep -qF "\"extended\":$extended" ||
    fail "daily's --log line does not count $extended extended: $(sed -n 2p "$work/jobs.jsonl")"

# Night 3: close contacts still in quarantine are extended by their monitoring
# alone; nobody else changes but for the day passing.
check "$lists/risk-2022-04-11.csv" 2022-04-11 "$lists/risk-2022-04-12.csv" 2022-04-12 \
    "$lists/changes-2022-04-12.csv" 100 || fail "night 3: changes do not match the two lists"
"$py" - "$lists/changes-2022-04-12.csv" <<'EOF' || fail "night 3: not a monitoring-only extension"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
extended = [r for r in rows if r["change"] == "extended"]
assert extended and all(r["new_hop"] == "1" and r["quarantine_until"] == r["old_quarantine_until"]
                        and r["monitor_until"] > r["old_monitor_until"] for r in extended), extended[:3]
assert all(r["change"] in ("extended", "released") for r in rows), {r["change"] for r in rows}
EOF
no_temporaries "$lists"
finish
