# --pseudonymize: no raw person id anywhere in any output (CSV bytes, and
# every string of every HDF5 dataset and attribute), the snapshot's ids are
# exactly the HMAC-SHA-256 of the raw ones, real case ids still work, keys are
# checked, and reveal maps back the ids given.
source "$(dirname "$0")/lib.sh"
python=/usr/bin/python3
"$ctrace" gen --persons 300 --places 30 --days 3 --seed 5 --cases 3 --case-days 1 \
    --out "$work/city" >/dev/null 2>&1 || fail "gen"
city=$work/city
# A bad row holding a raw id in every field, so the rejects file is tested too.
cp "$city/scans.csv" "$work/scans.csv"
first_id=$(sed -n 2p "$city/scans.csv" | cut -d, -f1)
echo "$first_id,$first_id,$first_id," >>"$work/scans.csv"
head -c 32 /dev/urandom >"$work/key"
head -c 32 /dev/urandom >"$work/other-key"
tail -n +2 "$city/scans.csv" | cut -d, -f1 | sort -u >"$work/raw-ids.txt"
[ "$(wc -l <"$work/raw-ids.txt")" -gt 100 ] || fail "the city has persons"

# without_raw_ids FILE...: succeeds when no raw id is in the bytes, nor in the
# HDF5 strings (compressed datasets are read through h5py).
without_raw_ids() {
    "$python" - "$work/raw-ids.txt" "$@" <<'PY'
import sys
raw = [line.strip() for line in open(sys.argv[1]) if line.strip()]
bad = []
for path in sys.argv[2:]:
    data = open(path, "rb").read()
    texts = [data]
    if data[:8] == b"\x89HDF\r\n\x1a\n" or b"\x89HDF" in data[:1024]:
        import h5py, numpy as np
        def strings(value):
            a = np.asarray(value)
            if a.dtype.kind in "SOU":
                return [x if isinstance(x, bytes) else str(x).encode() for x in a.ravel()]
            return []
        with h5py.File(path, "r") as f:
            def visit(name, obj):
                texts.append(name.encode())
                for k, v in obj.attrs.items():
                    texts.extend(strings(v))
                if isinstance(obj, h5py.Dataset):
                    texts.extend(strings(obj[()]))
            for k, v in f.attrs.items():
                texts.extend(strings(v))
            f.visititems(visit)
    blob = b"\n".join(texts)
    found = [r for r in raw if r.encode() in blob]
    if found:
        bad.append(f"{path}: {found[:5]}")
if bad:
    print("\n".join(bad))
    sys.exit(1)
PY
}
no_raw_ids() { without_raw_ids "$@" || fail "raw ids found in outputs"; }

run_ctrace snapshot --scans "$work/scans.csv" --places "$city/places.csv" --tz +08:00 \
    --skip-bad --rejects "$work/rejects.csv" --pseudonymize "$work/key" --out "$work/p.h5"
expect_status 0 "pseudonymised snapshot"
grep -q "^$(($(wc -l <"$work/scans.csv"))),time: bad time," "$work/rejects.csv" ||
    fail "the bad row is in the rejects file by line and reason: $(cat "$work/rejects.csv")"
no_raw_ids "$work/p.h5" "$work/rejects.csv"

# Exactly the HMACs of the raw ids.
"$python" - "$work/key" "$work/raw-ids.txt" "$work/p.h5" <<'PY' || fail "snapshot ids are not the HMACs"
import hashlib, hmac, sys, h5py
key = open(sys.argv[1], "rb").read()
raw = [l.strip() for l in open(sys.argv[2]) if l.strip()]
with h5py.File(sys.argv[3], "r") as f:
    ids = sorted(x.decode() for x in f["persons/id"][()])
    assert f.attrs["person_pseudonym_key"], "no key fingerprint"
want = sorted(hmac.new(key, r.encode(), hashlib.sha256).hexdigest() for r in raw)
assert ids == want, (len(ids), len(want))
PY

# Tracing: from the CSV, from the pseudonymised snapshot, from a raw snapshot
# pseudonymised on the fly: the same pseudonymised list, with real case ids.
run_ctrace trace --scans "$city/scans.csv" --places "$city/places.csv" --cases "$city/cases.csv" \
    --tz +08:00 --pseudonymize "$work/key" --out "$work/risk-p.csv" --hdf5 "$work/traced-p.h5"
expect_status 0 "pseudonymised trace from CSV"
run_ctrace trace --snapshot "$work/p.h5" --cases "$city/cases.csv" --tz +08:00 \
    --pseudonymize "$work/key" --out "$work/risk-p2.csv"
expect_status 0 "trace from a pseudonymised snapshot with real case ids"
expect_same_file "$work/risk-p2.csv" "$work/risk-p.csv" "pseudonymised risk list from the snapshot"
run_ctrace snapshot --scans "$city/scans.csv" --places "$city/places.csv" --tz +08:00 --out "$work/raw.h5"
without_raw_ids "$work/raw.h5" >/dev/null && fail "the raw-id check finds nothing in a raw snapshot"
run_ctrace trace --snapshot "$work/raw.h5" --cases "$city/cases.csv" --tz +08:00 \
    --pseudonymize "$work/key" --out "$work/risk-p3.csv"
expect_same_file "$work/risk-p3.csv" "$work/risk-p.csv" "raw snapshot pseudonymised on the fly"
[ "$(wc -l <"$work/risk-p.csv")" -gt 10 ] || fail "the trace lists persons"
no_raw_ids "$work/risk-p.csv" "$work/traced-p.h5"

# The same persons as the raw trace: reveal with every raw id maps it back.
# Rows are compared sorted and without via_person: ties are broken by id
# (rows by person, the via by source), and the ids changed.
run_ctrace trace --scans "$city/scans.csv" --places "$city/places.csv" --cases "$city/cases.csv" \
    --tz +08:00 --out "$work/risk-raw.csv"
{ echo person; cat "$work/raw-ids.txt"; } >"$work/all-ids.csv"
run_ctrace reveal --key "$work/key" --ids "$work/all-ids.csv" --in "$work/risk-p.csv" \
    --out "$work/revealed.csv"
expect_status 0 "reveal"
cut -d, -f1-7,9 "$work/revealed.csv" | sort >"$work/a"
cut -d, -f1-7,9 "$work/risk-raw.csv" | sort >"$work/b"
expect_same_file "$work/a" "$work/b" "revealed list equals the raw list"
# Only the ids given are revealed.
printf 'person\n%s\n' "$first_id" >"$work/one-id.csv"
run_ctrace reveal --key "$work/key" --ids "$work/one-id.csv" --out "$work/one.csv"
expect_status 0 "reveal one id"
"$python" - "$work/key" "$first_id" "$work/one.csv" <<'PY' || fail "reveal table"
import hashlib, hmac, sys
key, ident, path = open(sys.argv[1], "rb").read(), sys.argv[2], sys.argv[3]
rows = open(path).read().splitlines()
assert rows == ["person,pseudonym", f"{ident},{hmac.new(key, ident.encode(), hashlib.sha256).hexdigest()}"], rows
PY

# Keys are checked.
run_ctrace trace --snapshot "$work/p.h5" --cases "$city/cases.csv" --pseudonymize "$work/other-key" \
    --out "$work/r.csv"
expect_status 2 "another key on a pseudonymised snapshot"
expect_stderr_has "pseudonymised with another key" "key mismatch named"
run_ctrace trace --snapshot "$work/p.h5" --cases "$city/cases.csv" --out "$work/r.csv"
expect_status 0 "no key on a pseudonymised snapshot"
expect_stderr_has "holds pseudonymised person ids" "note about pseudonyms"
head -c 8 /dev/urandom >"$work/short-key"
run_ctrace snapshot --scans "$city/scans.csv" --pseudonymize "$work/short-key" --out "$work/r.h5"
expect_status 2 "short key"
expect_stderr_has "pseudonym key too short" "short key named"

# A pseudonymised store: every file of it, and the daily lists.
cp "$city/scans.csv" "$work/day.csv"
run_ctrace ingest --store "$work/store" --scans "$work/scans.csv" --places "$city/places.csv" \
    --tz +08:00 --skip-bad --pseudonymize "$work/key"
expect_status 0 "pseudonymised ingest"
run_ctrace ingest --store "$work/store" --scans "$work/day.csv" --tz +08:00
expect_status 2 "ingest without the key into a pseudonymised store"
run_ctrace daily --store "$work/store" --cases "$city/cases.csv" --out-dir "$work/lists" \
    --as-of 2022-04-04 --pseudonymize "$work/key"
expect_status 0 "daily on a pseudonymised store"
sort "$work/lists/risk-2022-04-04.csv" >"$work/c"
sort "$work/risk-p.csv" >"$work/d"
expect_same_file "$work/c" "$work/d" "daily list equals the pseudonymised trace"
run_ctrace places --store "$work/store" --cases "$city/cases.csv" \
    --pseudonymize "$work/key" --out "$work/places.csv"
run_ctrace clusters --store "$work/store" --cases "$city/cases.csv" \
    --pseudonymize "$work/key" --out "$work/clusters.csv" --summary "$work/summary.csv"
expect_status 0 "clusters on a pseudonymised store"
no_raw_ids $(find "$work/store" "$work/lists" -type f) "$work/clusters.csv" "$work/summary.csv"
finish
