# What a health office trips over (issue 23): whole-number times read by
# their digits, never misread; errors that say what to do (a time layout to
# give, an encoding to give, the columns a header has, the nearest option or
# command, the accepted forms); one encoding per input.
source "$(dirname "$0")/lib.sh"
python=/usr/bin/python3

"$ctrace" gen --persons 3000 --days 3 --cases 8 --ids resident --order shuffled \
    --out "$work/city" -q
places=(--places "$work/city/places.csv")

# Copies of the same dump with the times written otherwise: ISO 8601 (the
# reference), compact local times (14 digits, 12 where the seconds are 0,
# 8 at local midnight), epoch milliseconds, a mix of all, and a day-first
# layout that only --time-format reads.
"$python" - "$work/city" "$work" <<'PY'
import csv, datetime, os, sys
src, out = sys.argv[1:3]
tz = datetime.timezone(datetime.timedelta(hours=8))
rows = list(csv.DictReader(open(os.path.join(src, "scans.csv"), encoding="utf-8")))

def local(epoch):
    return datetime.datetime.fromtimestamp(int(epoch), tz)

def iso(e):
    return local(e).strftime("%Y-%m-%dT%H:%M:%S+08:00")

def compact(e):
    t = local(e)
    if t.hour == t.minute == t.second == 0:
        return t.strftime("%Y%m%d")
    return t.strftime("%Y%m%d%H%M") if t.second == 0 else t.strftime("%Y%m%d%H%M%S")

def millis(e):
    return str(int(e) * 1000 + (int(e) * 7919) % 1000)  # the floor drops the rest

def mixed(e):
    return [compact, millis, iso, lambda x: x][int(e) % 4](e)

def day_first(e):
    return local(e).strftime("%d.%m.%Y %H:%M:%S")

forms = {"iso": iso, "compact": compact, "millis": millis, "mixed": mixed, "day-first": day_first}
for name, form in forms.items():
    with open(os.path.join(out, f"scans-{name}.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["person", "place", "time", "leave"])
        for r in rows:
            w.writerow([r["person"], r["place"], form(r["time"]),
                        form(r["leave"]) if r["leave"] else ""])
counts = {n: sum(1 for r in rows if len(compact(r["time"])) == n) for n in (8, 12, 14)}
assert counts[12] > 0 and counts[14] > 0, counts
PY

trace_with() {
    local scans=$1
    shift
    run_ctrace trace --scans "$scans" "${places[@]}" --cases "$work/city/cases.csv" --tz +08:00 \
        --hops 3 -q "$@"
}
trace_with "$work/scans-iso.csv" --out "$work/iso.csv"
expect_status 0 "ISO copy"
[ "$(wc -l <"$work/iso.csv")" -gt 50 ] || fail "the ISO copy lists too few persons"
for form in compact millis mixed; do
    trace_with "$work/scans-$form.csv" --out "$work/$form.csv"
    expect_status 0 "$form copy"
    expect_same_file "$work/iso.csv" "$work/$form.csv" "$form times vs ISO 8601"
done

# Invalid compact dates and clocks, and numbers past year 9999, are bad rows
# named by file and line; under --skip-bad they are left out and kept.
printf 'person,place,time\nA,X,20220405204100\nB,X,20220230\nC,X,202204052461\nD,X,12345678901234567\nE,X,1649162460000\n' \
    >"$work/bad-compact.csv"
printf 'person,from\nA,2022-04-05T20:00:00+08:00\n' >"$work/case-a.csv"
run_ctrace trace --scans "$work/bad-compact.csv" --cases "$work/case-a.csv" --tz +08:00 \
    --out "$work/bad.csv" -q
expect_status 2 "bad compact times"
expect_stderr_has "bad-compact.csv:3: time: invalid date: day out of range ('20220230')" "20220230"
expect_stderr_has "bad-compact.csv:4: time: invalid clock time: hour out of range ('202204052461')" \
    "202204052461"
expect_stderr_has "bad-compact.csv:5: time: year beyond 9999 ('12345678901234567')" "17 digits"
if grep -qE "bad-compact.csv:(2|6):" "$work/stderr"; then fail "a good compact time was refused"; fi
[ ! -e "$work/bad.csv" ] || fail "bad compact times: a list was written"
run_ctrace trace --scans "$work/bad-compact.csv" --cases "$work/case-a.csv" --tz +08:00 \
    --skip-bad --rejects "$work/rejects.csv" --out "$work/bad.csv" -q
expect_status 0 "bad compact times, --skip-bad"
[ "$(cut -d, -f1 "$work/rejects.csv" | tr '\n' ' ')" = "line 3 4 5 " ] ||
    fail "rejects of the compact times: $(cat "$work/rejects.csv")"
# A and E met at X: 20:41 (compact) and 20:41 (milliseconds) are one time.
grep -q "^E,1,red,2022-04-05T20:41:00+08:00," "$work/bad.csv" ||
    fail "compact and millisecond times are not the same instant: $(cat "$work/bad.csv")"

# A layout the default forms do not read: the first rows all fail, and the
# message shows the values and gives the layout to pass, which then works.
trace_with "$work/scans-day-first.csv" --out "$work/day-first.csv"
expect_status 2 "day-first times"
expect_stderr_has "hint: the 'time' column holds times like '" "time layout hint"
expect_stderr_has "give their layout: --time-format '%d.%m.%Y %H:%M:%S'" "guessed layout"
layout=$(sed -n "s/.*--time-format '\([^']*\)'.*/\1/p" "$work/stderr" | head -1)
trace_with "$work/scans-day-first.csv" --time-format "$layout" --out "$work/day-first.csv"
expect_status 0 "day-first times with the layout the hint gave"
expect_same_file "$work/iso.csv" "$work/day-first.csv" "the hint's layout"
# A few bad times among good rows are the data's fault: no hint.
{ cat "$work/scans-iso.csv"; printf 'X,Y,05.04.2022 20:41\n'; } >"$work/one-bad.csv"
trace_with "$work/one-bad.csv" --out "$work/one-bad-out.csv"
expect_status 2 "one bad time"
if grep -qF "hint:" "$work/stderr"; then fail "a hint for one bad row: $(cat "$work/stderr")"; fi

# GB18030 read as UTF-8: the header is named with its line and shown as it
# reads in GB18030, and the option to give is said.
"$python" - "$work" <<'PY'
import os, sys
w = sys.argv[1]
def write(name, text, encoding):
    with open(os.path.join(w, name), "w", encoding=encoding, newline="") as f:
        f.write(text)
scans = "身份证号,场所码,扫码时间\n张三,饭店A,2022-04-05 20:00\n李四,饭店A,2022-04-05 20:10\n"
write("gb-scans.csv", scans, "gb18030")
write("gb-rows.csv", scans.replace("身份证号,场所码,扫码时间", "person,place,time"), "gb18030")
write("utf8-cases.csv", "身份证号,开始时间\n张三,2022-04-05 19:00\n", "utf-8")
PY
run_ctrace trace --scans "$work/gb-scans.csv" --cases "$work/utf8-cases.csv" --tz +08:00 \
    --scan-columns person=身份证号,place=场所码,time=扫码时间 \
    --case-columns person=身份证号,from=开始时间 --out "$work/gb.csv" -q
expect_status 2 "GB18030 header read as UTF-8"
one_line_naming "GB18030 header read as UTF-8" \
    "gb-scans.csv:1: the header is not valid UTF-8 but reads as GB18030: '身份证号,场所码,扫码时间'" \
    "give --encoding gb18030 (or --scans-encoding"
run_ctrace trace --scans "$work/gb-rows.csv" --cases "$work/utf8-cases.csv" --tz +08:00 \
    --case-columns person=身份证号,from=开始时间 --out "$work/gb.csv" -q
expect_status 2 "GB18030 rows read as UTF-8"
expect_stderr_has "gb-rows.csv:2: invalid UTF-8" "GB18030 rows: the line"
expect_stderr_has "hint: these rows are not UTF-8 but valid GB18030" "GB18030 rows: the hint"
# One encoding for every input cannot read a UTF-8 cases file beside a
# GB18030 export: the error says which file, and how to give its own; an
# encoding per input reads both.
run_ctrace trace --scans "$work/gb-scans.csv" --cases "$work/utf8-cases.csv" --tz +08:00 \
    --scan-columns person=身份证号,place=场所码,time=扫码时间 --encoding gb18030 \
    --case-columns person=身份证号,from=开始时间 --out "$work/gb.csv" -q
expect_status 2 "a UTF-8 cases file read as GB18030"
one_line_naming "a UTF-8 cases file read as GB18030" \
    "utf8-cases.csv:1: the header is not valid GB18030 (a UTF-8 file?)" "--cases-encoding" \
    "--places-encoding utf-8"
for encodings in "--encoding gb18030 --cases-encoding utf-8" "--scans-encoding gb18030"; do
    # shellcheck disable=SC2086
    run_ctrace trace --scans "$work/gb-scans.csv" --cases "$work/utf8-cases.csv" --tz +08:00 \
        --scan-columns person=身份证号,place=场所码,time=扫码时间 $encodings \
        --case-columns person=身份证号,from=开始时间 --out "$work/gb.csv" -q
    expect_status 0 "$encodings"
    grep -q "^李四,1,red,2022-04-05T20:10:00+08:00,2022-04-05T21:00:00+08:00," "$work/gb.csv" ||
        fail "$encodings: $(cat "$work/gb.csv")"
done

# A mapping that misses, and a required column that is not there, list the
# header's columns as read.
run_ctrace trace --scans "$work/scans-iso.csv" --cases "$work/city/cases.csv" \
    --scan-columns person=身份证 --out "$work/x.csv" -q
expect_status 2 "a mapping that misses"
one_line_naming "a mapping that misses" "no column '身份证' (given for 'person')" \
    "the header has 4 columns: 'person', 'place', 'time', 'leave'"
printf 'who,place,time\nA,X,1\n' >"$work/no-person.csv"
run_ctrace trace --scans "$work/no-person.csv" --cases "$work/case-a.csv" --out "$work/x.csv" -q
expect_status 2 "a missing required column"
one_line_naming "a missing required column" "missing required column 'person'" \
    "the header has 3 columns: 'who', 'place', 'time'"

# "Did you mean" for options, commands and help topics; the option of
# another command is named as such.
run_ctrace trace --scans "$work/scans-iso.csv" --cases "$work/city/cases.csv" --out "$work/x.csv" \
    --contact-levle site
expect_status 2 "a misspelt option"
one_line_naming "a misspelt option" "unrecognised option '--contact-levle'" \
    "did you mean '--contact-level'?"
run_ctrace trace --links "$work/x.csv"
expect_status 2 "an option of another command"
one_line_naming "an option of another command" "it is an option of 'ctrace sources'"
run_ctrace help source
expect_status 2 "help of a misspelt command"
one_line_naming "help of a misspelt command" "no command 'source'; did you mean 'sources'?"
run_ctrace dialy
expect_status 2 "a misspelt command"
one_line_naming "a misspelt command" "no command 'dialy'; did you mean 'daily'?"

# Bad durations and times show the forms accepted.
run_ctrace trace --scans "$work/scans-iso.csv" --cases "$work/city/cases.csv" --out "$work/x.csv" \
    --quarantine 7days
expect_status 2 "a bad quarantine"
one_line_naming "a bad quarantine" "--quarantine: bad duration" "'7days'" "NdNhNmNs: 15m, 1h30m, 14d"
run_ctrace trace --scans "$work/scans-iso.csv" --cases "$work/city/cases.csv" --out "$work/x.csv" \
    --min-overlap 15min
expect_status 2 "a bad minimum overlap"
one_line_naming "a bad minimum overlap" "--min-overlap:" "whole seconds, 900, or NdNhNmNs"
run_ctrace trace --scans "$work/scans-iso.csv" --cases "$work/city/cases.csv" --out "$work/x.csv" \
    --until "April 5"
expect_status 2 "a bad --until"
one_line_naming "a bad --until" "--until:" "YYYYMMDD[HHMM[SS]]" "2022-04-05T20:41:00+08:00"

# A workbook's name ends in .xlsx: `xlsx = true` from a configuration file
# shared with daily (where --xlsx is a switch) is no file name.
printf 'xlsx = true\n' >"$work/xlsx.ini"
run_ctrace trace --config "$work/xlsx.ini" --scans "$work/scans-iso.csv" \
    --cases "$work/city/cases.csv" --out "$work/x.csv" -q
expect_status 2 "xlsx = true for trace"
one_line_naming "xlsx = true for trace" "--xlsx: 'true' does not end in .xlsx"
[ ! -e true ] && [ ! -e "$work/x.csv" ] || fail "xlsx = true for trace wrote something"

# The summary line names the contact level and every file written.
run_ctrace trace --scans "$work/scans-iso.csv" "${places[@]}" --cases "$work/city/cases.csv" \
    --tz +08:00 --out "$work/s.csv" --hdf5 "$work/s.h5" --graphml "$work/s.graphml" \
    --xlsx "$work/s.xlsx"
expect_status 0 "trace with every output"
expect_stderr_has "; contact level code; wrote $work/s.csv, $work/s.h5, $work/s.graphml, $work/s.xlsx; " \
    "trace's summary"
doors="$fixtures/doors"
run_ctrace sources --scans "$doors/scans.csv" --places "$doors/places.csv" \
    --cases "$doors/cases.csv" --tz +08:00 --contact-level site --common-places - \
    --links "$work/links.csv"
expect_status 0 "sources at site level"
expect_stderr_has "; contact level site; wrote $work/links.csv, stdout; " "sources' summary"
run_ctrace ingest --store "$work/store" --scans "$work/scans-iso.csv" "${places[@]}" --tz +08:00
run_ctrace daily --store "$work/store" --cases "$work/city/cases.csv" --out-dir "$work/lists" \
    --as-of 2022-04-04 --xlsx
expect_status 0 "daily"
expect_stderr_has "; contact level code; wrote $work/lists/risk-2022-04-04.csv, $work/lists/changes-2022-04-04.csv, $work/lists/risk-2022-04-04.h5, $work/lists/tree-2022-04-04.graphml, $work/lists/risk-2022-04-04.xlsx; " \
    "daily's summary"

finish
