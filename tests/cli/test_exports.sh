# Dumps as health-code systems export them: Chinese column names, YYYY/M/D H:MM
# times, GB18030, gzip and zstd, read with options only, give exactly the rows
# of the same dump in the canonical form; --bom outputs read back in pandas;
# --config gives what the options give; damaged streams and bad bytes are
# named.
source "$(dirname "$0")/lib.sh"
python=/usr/bin/python3

"$ctrace" gen --persons 3000 --days 3 --cases 8 --out "$work/city" -q

# The canonical dump and the export of the same data, made side by side:
# times to the minute (the export's layout has no seconds), every third
# person's id in Chinese, columns renamed and reordered, GB18030 text.
"$python" - "$work/city" "$work/canonical" "$work/export" <<'PY'
import csv, datetime, os, sys
src, canon, export = sys.argv[1:4]
os.makedirs(canon); os.makedirs(export)
tz = datetime.timezone(datetime.timedelta(hours=8))

def local(epoch):
    return datetime.datetime.fromtimestamp(int(epoch) // 60 * 60, tz)

def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+08:00")

def chinese(t):  # unpadded month, day and hour, as Excel writes them
    return f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"

def person(p):
    return "张" + p[1:] if int(p[1:]) % 3 == 0 else p

def write(path, header, rows, encoding):
    with open(path, "w", newline="", encoding=encoding) as f:
        w = csv.writer(f, lineterminator="\r\n" if encoding == "gb18030" else "\n")
        w.writerow(header); w.writerows(rows)

scans = list(csv.DictReader(open(os.path.join(src, "scans.csv"), encoding="utf-8")))
write(os.path.join(canon, "scans.csv"), ["person", "place", "time", "leave"],
      [[person(r["person"]), r["place"], iso(local(r["time"])),
        iso(local(r["leave"])) if r["leave"] else ""] for r in scans], "utf-8")
write(os.path.join(export, "scans.csv"), ["扫码时间", "离开时间", "身份证号", "场所码"],
      [[chinese(local(r["time"])), chinese(local(r["leave"])) if r["leave"] else "",
        person(r["person"]), r["place"]] for r in scans], "gb18030")

def parse(text):
    return datetime.datetime.fromisoformat(text).astimezone(tz)

cases = list(csv.DictReader(open(os.path.join(src, "cases.csv"), encoding="utf-8")))
write(os.path.join(canon, "cases.csv"), ["person", "from", "to"],
      [[person(r["person"]), iso(parse(r["from"])), iso(parse(r["to"])) if r["to"] else ""]
       for r in cases], "utf-8")
write(os.path.join(export, "cases.csv"), ["身份证号", "开始时间", "隔离时间"],
      [[person(r["person"]), chinese(parse(r["from"])), chinese(parse(r["to"])) if r["to"] else ""]
       for r in cases], "gb18030")

places = list(csv.DictReader(open(os.path.join(src, "places.csv"), encoding="utf-8")))
write(os.path.join(canon, "places.csv"), ["place", "name", "dwell"],
      [[r["place"], r["name"], r["dwell"]] for r in places], "utf-8")
write(os.path.join(export, "places.csv"), ["场所名称", "场所码", "停留时长"],
      [["场所" + r["name"], r["place"], r["dwell"]] for r in places], "gb18030")
PY
gzip -9 "$work/export/scans.csv"
zstd -q --rm "$work/export/cases.csv"
canonical=(--scans "$work/canonical/scans.csv" --places "$work/canonical/places.csv"
    --cases "$work/canonical/cases.csv")
columns=(--scan-columns "person=身份证号,place=场所码,time=扫码时间,leave=离开时间"
    --case-columns "person=身份证号,from=开始时间,to=隔离时间"
    --place-columns "place=场所码,dwell=停留时长")
export_files=(--scans "$work/export/scans.csv.gz" --places "$work/export/places.csv"
    --cases "$work/export/cases.csv.zst")
export_cases=(--cases "$work/export/cases.csv.zst" --case-columns "person=身份证号,from=开始时间,to=隔离时间")

run_ctrace trace "${canonical[@]}" --tz +08:00 --hops 3 --out "$work/canonical.csv" -q
expect_status 0 "canonical trace"
[ "$(wc -l <"$work/canonical.csv")" -gt 50 ] || fail "the canonical trace lists too few persons"
grep -q '^张' "$work/canonical.csv" || fail "no Chinese id among those listed"

run_ctrace trace "${export_files[@]}" "${columns[@]}" --encoding gb18030 --tz +08:00 --hops 3 \
    --out "$work/export.csv" -q
expect_status 0 "export trace"
expect_same_file "$work/canonical.csv" "$work/export.csv" "export vs canonical"

# The same with an explicit layout, and with gbk as the encoding's name.
run_ctrace trace "${export_files[@]}" "${columns[@]}" --encoding GBK --tz +08:00 --hops 3 \
    --time-format '%Y/%-m/%-d %-H:%M' --out "$work/export-format.csv" -q
expect_status 0 "export trace with --time-format"
expect_same_file "$work/canonical.csv" "$work/export-format.csv" "--time-format vs canonical"

# A snapshot of the export traces to the same rows.
run_ctrace snapshot --scans "$work/export/scans.csv.gz" --places "$work/export/places.csv" \
    --scan-columns "person=身份证号,place=场所码,time=扫码时间,leave=离开时间" \
    --place-columns "place=场所码,dwell=停留时长" --encoding gb18030 --tz +08:00 \
    --out "$work/export.h5" -q
expect_status 0 "snapshot of the export"
run_ctrace trace --snapshot "$work/export.h5" --cases "$work/export/cases.csv.zst" \
    --case-columns "person=身份证号,from=开始时间,to=隔离时间" --encoding gb18030 --tz +08:00 \
    --hops 3 --out "$work/export-snapshot.csv" -q
expect_status 0 "trace of the export's snapshot"
expect_same_file "$work/canonical.csv" "$work/export-snapshot.csv" "snapshot of the export"
"$python" - "$work/export.h5" "$work/export/scans.csv.gz" <<'PY' || fail "provenance: the compressed file's SHA-256"
import hashlib, sys, h5py
f = h5py.File(sys.argv[1], "r")
roles = [r.decode() if isinstance(r, bytes) else r for r in f.attrs["input_roles"]]
digests = [d.decode() if isinstance(d, bytes) else d for d in f.attrs["input_sha256"]]
want = hashlib.sha256(open(sys.argv[2], "rb").read()).hexdigest()
assert digests[roles.index("scans")] == want, (digests, want)
PY

# --config holds what the options said; options on the command line win.
cat >"$work/export.ini" <<'INI'
# A health-code platform's export
scan-columns = person=身份证号,place=场所码,time=扫码时间,leave=离开时间
case-columns = person=身份证号,from=开始时间,to=隔离时间
place-columns = place=场所码,dwell=停留时长
encoding = gb18030
tz = +08:00
hops = 1
INI
run_ctrace trace --config "$work/export.ini" "${export_files[@]}" --hops 3 \
    --out "$work/export-config.csv" -q
expect_status 0 "export trace with --config"
expect_same_file "$work/canonical.csv" "$work/export-config.csv" "--config vs options"

# The command line wins over the file, also for an option that adds up
# (regression: --scans from both were read, the file's last); a BOM at the
# file's start (Notepad) is no part of the first name.
printf '\xEF\xBB\xBFscans = %s\n' "$work/canonical/scans.csv" >"$work/scans.ini"
cat "$work/export.ini" >>"$work/scans.ini"
run_ctrace trace --config "$work/scans.ini" "${export_files[@]}" --hops 3 \
    --out "$work/export-scans-config.csv" -q
expect_status 0 "--config with scans in the file and on the command line"
expect_same_file "$work/canonical.csv" "$work/export-scans-config.csv" "command line --scans wins"
if grep -qF "is not an option" "$work/stderr"; then fail "the BOM made the first name unknown"; fi

# One file for the nightly pair: ingest takes the scan options, daily skips
# them quietly (--verbose lists them); the daily list is the canonical trace's.
run_ctrace ingest --config "$work/export.ini" --store "$work/store" \
    --scans "$work/export/scans.csv.gz" --places "$work/export/places.csv" -q
expect_status 0 "ingest with --config"
[ ! -s "$work/stderr" ] || fail "ingest with --config: stderr not empty: $(cat "$work/stderr")"
run_ctrace daily --config "$work/export.ini" --store "$work/store" \
    --cases "$work/export/cases.csv.zst" --out-dir "$work/lists" --as-of 2022-04-04 --hops 3 -q \
    --verbose
expect_status 0 "daily with --config"
expect_stderr_has "export.ini: 'scan-columns' (an option of" "daily --verbose lists what it skips"
expect_stderr_has "ingest" "daily --verbose names the commands a skipped key belongs to"
expect_same_file "$work/canonical.csv" "$work/lists/risk-2022-04-04.csv" "daily with --config"

# A key no command takes is a typo: refused with its line and the nearest
# key, before anything is read or written.
printf 'tz = +08:00\n# quarantine by protocol\nprofle = cn-ed9\n' >"$work/typo.ini"
run_ctrace trace --config "$work/typo.ini" "${canonical[@]}" --out "$work/typo.csv" -q
expect_status 2 "a misspelt config key"
one_line_naming "a misspelt config key" "typo.ini:3: 'profle' is not an option of any command" \
    "did you mean 'profile'?"
[ ! -e "$work/typo.csv" ] || fail "a misspelt config key: a list was written"
printf 'tz = +08:00\nhops = two\n' >"$work/value.ini"
run_ctrace trace --config "$work/value.ini" "${canonical[@]}" --out "$work/typo.csv" -q
expect_status 2 "a config value the option cannot take"
one_line_naming "a config value the option cannot take" "value.ini:2: " "'two'" "hops"
printf '[trace]\nhops = 3\n' >"$work/section.ini"
run_ctrace trace --config "$work/section.ini" "${canonical[@]}" --out "$work/typo.csv" -q
expect_status 2 "a config key under a section"
expect_stderr_has "section.ini:2: 'trace.hops' is not an option of any command" "section key"

# The README's export configuration, unchanged, serves ingest, daily and the
# snapshot readers: how scans are read is skipped where the stays are made.
sed -n '/^```ini$/,/^```$/p' "$(dirname "$0")/../../README.md" | sed '1d;$d' >"$work/readme.ini"
grep -q '^scan-columns = ' "$work/readme.ini" || fail "the README has no export configuration"
"$python" - "$work/city/cases.csv" "$work/export/cases-onset.csv" <<'PY'
import csv, datetime, sys
tz = datetime.timezone(datetime.timedelta(hours=8))
rows = list(csv.DictReader(open(sys.argv[1], encoding="utf-8")))
with open(sys.argv[2], "w", newline="", encoding="gb18030") as f:
    w = csv.writer(f)
    w.writerow(["身份证号", "发病日期"])
    for r in rows:
        t = datetime.datetime.fromisoformat(r["onset"]).astimezone(tz)
        p = r["person"]
        w.writerow(["张" + p[1:] if int(p[1:]) % 3 == 0 else p,
                    f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"])
PY
readme_scans=(--scans "$work/export/scans.csv.gz" --places "$work/export/places.csv")
readme_cases=(--cases "$work/export/cases-onset.csv")
run_ctrace trace --config "$work/readme.ini" "${readme_scans[@]}" "${readme_cases[@]}" \
    --out "$work/readme-csv.csv" -q
expect_status 0 "README config: trace"
[ "$(wc -l <"$work/readme-csv.csv")" -gt 20 ] || fail "README config: too few listed"
run_ctrace snapshot --config "$work/readme.ini" "${readme_scans[@]}" --out "$work/readme.h5" -q
expect_status 0 "README config: snapshot"
run_ctrace trace --config "$work/readme.ini" --snapshot "$work/readme.h5" "${readme_cases[@]}" \
    --out "$work/readme-snapshot.csv" -q
expect_status 0 "README config: trace --snapshot"
[ ! -s "$work/stderr" ] || fail "README config: trace --snapshot said: $(cat "$work/stderr")"
expect_same_file "$work/readme-csv.csv" "$work/readme-snapshot.csv" "README config: snapshot"
run_ctrace sources --config "$work/readme.ini" --snapshot "$work/readme.h5" "${readme_cases[@]}" \
    --common-places "$work/readme-places.csv" -q --verbose
expect_status 0 "README config: sources --snapshot"
expect_stderr_has "'scan-columns' (does not apply with --snapshot) skipped" "sources --verbose"
run_ctrace ingest --config "$work/readme.ini" --store "$work/readme-store" "${readme_scans[@]}" -q
expect_status 0 "README config: ingest"
run_ctrace daily --config "$work/readme.ini" --store "$work/readme-store" "${readme_cases[@]}" \
    --out-dir "$work/readme-lists" --as-of 2022-04-04 -q
expect_status 0 "README config: daily"
expect_same_file "$work/readme-csv.csv" "$work/readme-lists/risk-2022-04-04.csv" \
    "README config: daily"
# On the command line, a reading option with --snapshot stays an error.
run_ctrace trace --snapshot "$work/readme.h5" "${readme_cases[@]}" --encoding gb18030 \
    --case-columns person=身份证号,onset=发病日期 --scan-columns person=身份证号 \
    --out "$work/readme-snapshot.csv" -q
expect_status 2 "--scan-columns with --snapshot on the command line"
expect_stderr_has "--scan-columns does not apply with --snapshot" "--scan-columns with --snapshot"

# --bom: the same table in pandas with utf-8-sig; without it, no BOM.
run_ctrace trace "${canonical[@]}" --tz +08:00 --hops 3 --bom --out "$work/bom.csv" -q
expect_status 0 "trace --bom"
[ "$(head -c 3 "$work/bom.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] || fail "--bom: no BOM"
[ "$(head -c 3 "$work/canonical.csv" | od -An -tx1 | tr -d ' ')" != "efbbbf" ] ||
    fail "a BOM without --bom"
"$python" - "$work/bom.csv" "$work/canonical.csv" <<'PY' || fail "--bom output does not read back in pandas"
import sys, pandas as pd
a = pd.read_csv(sys.argv[1], encoding="utf-8-sig", dtype=str, keep_default_na=False)
b = pd.read_csv(sys.argv[2], encoding="utf-8", dtype=str, keep_default_na=False)
assert list(a.columns) == list(b.columns) and a.equals(b)
PY
run_ctrace places "${canonical[@]}" --tz +08:00 --bom --out "$work/places-bom.csv" -q
expect_status 0 "places --bom"
[ "$(head -c 3 "$work/places-bom.csv" | od -An -tx1 | tr -d ' ')" = "efbbbf" ] ||
    fail "places --bom: no BOM"

# Damaged streams: one line naming the file, exit 2, nothing written.
head -c 3000 "$work/export/scans.csv.gz" >"$work/truncated.csv.gz"
zstd -q -o "$work/whole.csv.zst" "$work/canonical/scans.csv"
head -c 3000 "$work/whole.csv.zst" >"$work/truncated.csv.zst"
"$python" -c "
import sys; b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b)//2] ^= 0xff
open(sys.argv[2], 'wb').write(b)" "$work/export/scans.csv.gz" "$work/corrupt.csv.gz"
for damaged in truncated.csv.gz truncated.csv.zst corrupt.csv.gz; do
    run_ctrace trace --scans "$work/$damaged" "${export_cases[@]}" \
        --scan-columns "person=身份证号,place=场所码,time=扫码时间,leave=离开时间" \
        --encoding gb18030 --tz +08:00 --out "$work/damaged.csv"
    expect_status 2 "$damaged"
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$damaged: not one line: $(cat "$work/stderr")"
    expect_stderr_has "$work/$damaged" "$damaged"
    [ ! -e "$work/damaged.csv" ] || fail "$damaged: an output was written"
done
no_temporaries "$work"

# Bytes GB18030 does not allow: FILE:LINE, and --skip-bad keeps the rest.
"$python" -c "
import sys; lines = open(sys.argv[1], 'rb').read().split(b'\n')
lines[4] = lines[4].replace(b',', b'\x81\x20,', 1)
open(sys.argv[2], 'wb').write(b'\n'.join(lines))" <(gzip -dc "$work/export/scans.csv.gz") \
    "$work/bad-bytes.csv"
run_ctrace trace --scans "$work/bad-bytes.csv" "${columns[@]:0:2}" "${export_cases[@]}" \
    --encoding gb18030 --tz +08:00 --out "$work/bad.csv"
expect_status 2 "bad GB18030 bytes"
expect_stderr_has "$work/bad-bytes.csv:5: bytes not valid in GB18030" "bad GB18030 bytes"

# A mapping naming a column the header lacks: one line naming both.
run_ctrace trace --scans "$work/export/scans.csv.gz" "${export_cases[@]}" \
    --scan-columns "person=身份证,place=场所码,time=扫码时间" --encoding gb18030 \
    --out "$work/x.csv"
expect_status 2 "a mapped column the header lacks"
expect_stderr_has "no column '身份证' (given for 'person')" "mapped column missing"

finish
