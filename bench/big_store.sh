#!/usr/bin/env bash
# A city-sized store (issue 24): `ctrace gen` of N scans over 14 days with
# resident ids, split into 14 daily dumps, ingested one a night into a store
# (each night's wall time and peak memory), then one query per generated case
# alone at 2 hops (`trace --store`), warm (page cache holding the store: the
# second of two runs) and cold (caches dropped first; needs root). Prints the
# nights, the medians and every case's times. Not part of the test suite. See
# bench/README.md ("A 400M-scan store").
#
#   bench/big_store.sh [--scans 400000000] [--cold] [--ctrace PATH]
#
# Disk: the dumps (about 47 bytes a scan; the generated scans.csv is removed
# once split) and the store (about 30 bytes a scan) under bench/out/store-N.
set -euo pipefail

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctrace=${CTRACE:-$repo_root/build/apps/ctrace}
scans=400000000
cold=0
while [ $# -gt 0 ]; do
    case $1 in
        --scans) scans=${2:?--scans needs a value}; shift ;;
        --cold) cold=1 ;;
        --ctrace) ctrace=${2:?--ctrace needs a path}; shift ;;
        -h | --help) sed -n 2,14p "$0"; exit 0 ;;
        *) echo "bench/big_store.sh: unknown option $1" >&2; exit 2 ;;
    esac
    shift
done
dir=$repo_root/bench/out/store-$scans
tz_seconds=28800
mkdir -p "$dir"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

if [ ! -f "$dir/days/complete" ]; then
    echo "bench/big_store.sh: generating $scans scans" >&2
    rm -rf "$dir/city" "$dir/days"
    "$ctrace" gen --scans "$scans" --days 14 --ids resident --order shuffled --tz +08:00 \
        --out "$dir/city" --quiet
    mkdir -p "$dir/days"
    echo "bench/big_store.sh: splitting into daily dumps" >&2
    awk -F, -v out="$dir/days" -v tz="$tz_seconds" '
        NR == 1 { header = $0; for (i = 1; i <= NF; ++i) if ($i == "time") col = i; next }
        { day = int(($col + tz) / 86400); file = out "/day-" day
          if (!(day in seen)) { seen[day] = 1; print header > file }
          print > file }' "$dir/city/scans.csv"
    for f in "$dir/days"/day-*; do
        mv "$f" "$dir/days/scans-$(date -u -d "@$((${f##*/day-} * 86400))" +%F).csv"
    done
    rm -f "$dir/city/scans.csv"
    touch "$dir/days/complete"
fi

store=$dir/store
if [ ! -f "$dir/store-complete" ]; then
    rm -rf "$store"
    night=0
    for dump in "$dir"/days/scans-*.csv; do
        night=$((night + 1))
        /usr/bin/time -f '%e %M' -o "$scratch/time" "$ctrace" ingest --store "$store" \
            --scans "$dump" --tz +08:00 --quiet
        read -r wall rss <"$scratch/time"
        rows=$(($(wc -l <"$dump") - 1))
        printf '| night %d | %s | %d rows | %.2f s | %.0f MB |\n' "$night" "${dump##*/scans-}" \
            "$rows" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')" | tee -a "$dir/nights.md"
    done
    touch "$dir/store-complete"
else
    cat "$dir/nights.md"
fi
echo "store: $(du -sh "$store" | cut -f1) on disk, $(ls "$store"/part-*.h5 | wc -l) partitions" >&2

# One query per case, alone, at 2 hops.
header=$(head -n 1 "$dir/city/cases.csv")
: >"$scratch/warm"
: >"$scratch/cold"
tail -n +2 "$dir/city/cases.csv" | while IFS= read -r row; do
    printf '%s\n%s\n' "$header" "$row" >"$scratch/case.csv"
    if [ "$cold" -eq 1 ]; then
        sync
        echo 3 >/proc/sys/vm/drop_caches
        /usr/bin/time -f '%e %M' -o "$scratch/time" "$ctrace" trace --store "$store" \
            --cases "$scratch/case.csv" --hops 2 --out "$scratch/risk.csv" --quiet
        read -r wall rss <"$scratch/time"
        echo "$wall $rss" >>"$scratch/cold"
    fi
    "$ctrace" trace --store "$store" --cases "$scratch/case.csv" --hops 2 --out /dev/null --quiet
    /usr/bin/time -f '%e %M' -o "$scratch/time" "$ctrace" trace --store "$store" \
        --cases "$scratch/case.csv" --hops 2 --out "$scratch/risk.csv" --quiet
    read -r wall rss <"$scratch/time"
    echo "$wall $rss" >>"$scratch/warm"
    echo "case ${row%%,*}: warm $wall s, $((rss / 1024)) MB, $(($(wc -l <"$scratch/risk.csv") - 1)) listed" >&2
done
median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
echo "warm: median $(cut -d' ' -f1 "$scratch/warm" | median) s (min $(cut -d' ' -f1 "$scratch/warm" | sort -n | head -1), max $(cut -d' ' -f1 "$scratch/warm" | sort -n | tail -1)); peak RSS median $(cut -d' ' -f2 "$scratch/warm" | median | awk '{ printf "%.0f", $1 / 1024 }') MB over $(wc -l <"$scratch/warm") cases"
if [ "$cold" -eq 1 ]; then
    echo "cold: median $(cut -d' ' -f1 "$scratch/cold" | median) s (min $(cut -d' ' -f1 "$scratch/cold" | sort -n | head -1), max $(cut -d' ' -f1 "$scratch/cold" | sort -n | tail -1)); peak RSS median $(cut -d' ' -f2 "$scratch/cold" | median | awk '{ printf "%.0f", $1 / 1024 }') MB"
fi
