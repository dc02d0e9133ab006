# Bounded rows (--max-row-bytes): a row longer than the maximum is a bad row
# found without holding it, in a plain file and in a gzip; the rows after it
# are read, and its rejects entry keeps its first 1 KiB, marked as cut.
source "$(dirname "$0")/lib.sh"

printf 'person,from\nA,2022-04-19 00:00\n' >"$work/cases.csv"

# peak_kb CMD...: runs CMD and prints its peak resident memory in KiB.
peak_kb() {
    /usr/bin/python3 -c '
import resource, subprocess, sys
subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)' "$@"
}

# A quoted field of 128 MiB (with a line break in it) on line 3, closed,
# then good rows: compressed, as a hostile dump would come.
{
    printf 'person,place,time\nA,X,2022-04-19 10:00\nB,X,"'
    head -c 67108864 /dev/zero | tr '\0' z
    printf '\n'
    head -c 67108864 /dev/zero | tr '\0' z
    printf '"\nC,X,2022-04-19 10:10\nD,Y,2022-04-19 10:20\n'
} | gzip -1 >"$work/long.csv.gz"

run_ctrace trace --scans "$work/long.csv.gz" --cases "$work/cases.csv" --out "$work/risk.csv"
expect_status 2 "strict: the long row stops the run"
expect_stderr_has "long.csv.gz:3: row longer than 1048576 bytes" "the long row named"
[ ! -e "$work/risk.csv" ] || fail "strict failure wrote the risk list"

run_ctrace trace --scans "$work/long.csv.gz" --cases "$work/cases.csv" --out "$work/risk.csv" \
    --skip-bad --rejects "$work/rejects.csv"
expect_status 0 "--skip-bad reads past the long row"
grep -q '^C,1,red,2022-04-19T10:10:00Z' "$work/risk.csv" || fail "the row after the long one is traced"
grep -q '^D,' "$work/risk.csv" && fail "D was never with A"
[ "$(wc -l <"$work/rejects.csv")" -eq 2 ] || fail "one rejected row: $(head -c 300 "$work/rejects.csv")"
reject=$(tail -n 1 "$work/rejects.csv")
case $reject in
3,row\ longer\ than\ 1048576\ bytes,\"B,X,\"\"zzz*zzz...\[cut\]\") ;;
*) fail "rejects entry: $(printf '%s' "$reject" | head -c 200)" ;;
esac
[ "${#reject}" -lt 1100 ] || fail "the rejects entry keeps only 1 KiB: ${#reject} bytes"

# Memory stays bounded: the 128 MiB row is never held. Compared with the
# same rows without it (a sanitizer build starts far above a plain one).
printf 'person,place,time\nA,X,2022-04-19 10:00\nB,X,"z"\nC,X,2022-04-19 10:10\nD,Y,2022-04-19 10:20\n' |
    gzip -1 >"$work/short.csv.gz"
base_kb=$(peak_kb "$ctrace" trace --scans "$work/short.csv.gz" --cases "$work/cases.csv" \
    --out "$work/risk-short.csv" --skip-bad)
kb=$(peak_kb "$ctrace" trace --scans "$work/long.csv.gz" --cases "$work/cases.csv" \
    --out "$work/risk2.csv" --skip-bad)
[ "$kb" -lt $((base_kb + 32768)) ] ||
    fail "peak memory ${kb} KiB reading past a 128 MiB row, ${base_kb} KiB without it (expected < 32 MiB more)"
expect_same_file "$work/risk.csv" "$work/risk2.csv" "the same list without --rejects"

# The same rows uncompressed, read on two threads: the split points of the
# parallel read cannot fall inside the row, and the result is the same.
gzip -dc "$work/long.csv.gz" >"$work/long.csv"
run_ctrace trace --scans "$work/long.csv" --cases "$work/cases.csv" --out "$work/risk3.csv" \
    --skip-bad --rejects "$work/rejects3.csv" --threads 2
expect_status 0 "--skip-bad on the plain file"
expect_same_file "$work/risk.csv" "$work/risk3.csv" "plain file, two threads"
expect_same_file "$work/rejects.csv" "$work/rejects3.csv" "the same rejects from the plain file"

# --max-row-bytes moves the limit, both ways: a 2.7 KiB row of short fields.
note=$(head -c 900 /dev/zero | tr '\0' n)
{
    printf 'person,place,time,n1,n2,n3\n'
    printf 'A,X,2022-04-19 10:00,%s,%s,%s\n' "$note" "$note" "$note"
    printf 'B,X,2022-04-19 10:10,,,\n'
} >"$work/wide.csv"
run_ctrace trace --scans "$work/wide.csv" --cases "$work/cases.csv" --out "$work/wide-risk.csv"
expect_status 0 "a 2.7 KiB row is within the default"
run_ctrace trace --scans "$work/wide.csv" --cases "$work/cases.csv" --out "$work/wide-risk.csv" \
    --max-row-bytes 2048
expect_status 2 "a 2.7 KiB row is over 2048"
expect_stderr_has "wide.csv:2: row longer than 2048 bytes" "the wide row named"

run_ctrace trace --scans "$work/wide.csv" --cases "$work/cases.csv" --out "$work/r.csv" \
    --max-row-bytes 100
expect_status 2 "a maximum below 1 KiB"
one_line_naming "a maximum below 1 KiB" "--max-row-bytes" "1024"
no_temporaries "$work"
finish
