#!/usr/bin/env bash
# The ctrace benchmark: times ctrace on generated cities and, with --vs-duckdb,
# the same trace written as SQL in DuckDB (bench/duckdb/trace.mjs), the
# baseline of what a capable analyst would do without ctrace. Not part of the
# test suite. See bench/README.md.
#
#   bench/run.sh [--vs-duckdb] [--sizes "1000000 10000000"] [--threads 2]
#                [--ctrace PATH] [--repeat 1]
#
# Cities are generated once into bench/out/city-N (git-ignored) and reused.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--vs-duckdb] [--sizes "1000000 10000000"] [--threads N]
                    [--ctrace PATH] [--repeat N]

  --vs-duckdb     also run the DuckDB pipeline (bench/duckdb/trace.mjs) and cmp
                  its risk list with ctrace's
  --sizes LIST    city sizes in scans (default: "1000000 10000000")
  --threads N     threads for DuckDB, and for ctrace where it has --threads (default 2)
  --ctrace PATH   the ctrace executable (default: $CTRACE or build/apps/ctrace)
  --repeat N      run each step N times and keep the fastest run (default 1)
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctrace=${CTRACE:-$repo_root/build/apps/ctrace}
sizes="1000000 10000000"
threads=2
repeat=1
vs_duckdb=0
while [ $# -gt 0 ]; do
    case $1 in
        --vs-duckdb) vs_duckdb=1 ;;
        --sizes) sizes=${2:?--sizes needs a value}; shift ;;
        --threads) threads=${2:?--threads needs a value}; shift ;;
        --ctrace) ctrace=${2:?--ctrace needs a value}; shift ;;
        --repeat) repeat=${2:?--repeat needs a value}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done
for n in $sizes "$threads" "$repeat"; do
    [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "bench/run.sh: '$n' is not a positive integer" >&2; exit 2; }
done
[ -x "$ctrace" ] || { echo "bench/run.sh: no ctrace at $ctrace: build it first (scripts/test or scripts/demo) or pass --ctrace" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

duckdb_dir=$repo_root/bench/duckdb
if [ $vs_duckdb = 1 ]; then
    command -v node >/dev/null || { echo "bench/run.sh: --vs-duckdb needs node (v18 or later) and npm" >&2; exit 2; }
    if [ ! -d "$duckdb_dir/node_modules/@duckdb/node-api" ]; then
        echo "bench/run.sh: installing the DuckDB client into bench/duckdb/node_modules" >&2
        # npm ci wants every platform's optional binding in the lock file; a
        # registry that lacks some makes it fail, and npm install does instead.
        (cd "$duckdb_dir" && { npm ci --no-audit --no-fund >&2 || npm install --no-audit --no-fund >&2; })
    fi
fi

# ctrace gets --threads only where it has the option.
has_threads() { "$ctrace" help "$1" 2>&1 | grep -q -- '--threads'; }
ctrace_threads() { if has_threads "$1"; then echo "--threads $threads"; fi; }
trace_threads=$(ctrace_threads trace)
snapshot_threads=$(ctrace_threads snapshot)

out=$repo_root/bench/out
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# measure NAME LOG COMMAND...: runs COMMAND $repeat times under /usr/bin/time;
# sets wall (s) and rss (KB) of the fastest run and keeps its stderr in LOG.
measure() {
    local name=$1 log=$2 k w m
    shift 2
    wall='' rss=''
    for ((k = 1; k <= repeat; ++k)); do
        if ! /usr/bin/time -f '%e %M' -o "$scratch/time" "$@" 2>"$scratch/stderr"; then
            cat "$scratch/stderr" >&2
            echo "bench/run.sh: $name failed" >&2
            exit 1
        fi
        read -r w m <"$scratch/time"
        if [ -z "$wall" ] || awk -v a="$w" -v b="$wall" 'BEGIN { exit !(a < b) }'; then
            wall=$w rss=$m
            cp "$scratch/stderr" "$log"
        fi
    done
}

same() { if cmp -s "$1" "$2"; then echo SAME; else echo DIFFERENT; fi; }

table=$scratch/table
notes=$scratch/notes
: >"$table"
: >"$notes"
# row SIZE STEP WALL RSS_KB ROWS BASE_WALL BASE_RSS_KB CHECK
row() {
    awk -v size="$1" -v step="$2" -v w="$3" -v m="$4" -v r="$5" -v bw="$6" -v bm="$7" -v check="$8" 'BEGIN {
        rate = w > 0 ? sprintf("%.0f", r / w) : "-"
        printf "| %d | %s | %.2f | %s | %.0f | %.0f | %.2f | %.2f | %s |\n",
            size, step, w, rate, m / 1024, m * 1024 / r, w / bw, m / bm, check }' >>"$table"
}

for size in $sizes; do
    dir=$out/city-$size
    if [ ! -f "$dir/scans.csv" ] || [ ! -f "$dir/places.csv" ] || [ ! -f "$dir/cases.csv" ]; then
        echo "bench/run.sh: generating $dir" >&2
        rm -rf "$dir.partial"
        "$ctrace" gen --scans "$size" --out "$dir.partial" --quiet
        rm -rf "$dir"
        mv "$dir.partial" "$dir"
    fi
    inputs=(--scans "$dir/scans.csv" --places "$dir/places.csv")
    echo "bench/run.sh: city-$size" >&2

    # shellcheck disable=SC2086  # the --threads words, when present
    measure "ctrace trace" "$dir/ctrace-trace.log" "$ctrace" trace "${inputs[@]}" --cases "$dir/cases.csv" \
        --tz +00:00 --hops 2 --out "$dir/risk-ctrace.csv" $trace_threads
    base_wall=$wall base_rss=$rss
    rows=$(grep -o '^ctrace trace: [0-9]*' "$dir/ctrace-trace.log" | grep -o '[0-9]*$')
    listed=$(($(wc -l <"$dir/risk-ctrace.csv") - 1))
    row "$size" "ctrace trace (CSV)" "$wall" "$rss" "$rows" "$base_wall" "$base_rss" "$listed listed"
    echo "- city-$size: $rows scan rows; ctrace trace: $(sed -n 's/.*; \([0-9.]* s (read .*)\)$/\1/p' "$dir/ctrace-trace.log")" >>"$notes"

    # shellcheck disable=SC2086
    measure "ctrace snapshot" "$dir/ctrace-snapshot.log" "$ctrace" snapshot "${inputs[@]}" --tz +00:00 \
        --out "$dir/city.h5" $snapshot_threads
    row "$size" "ctrace snapshot" "$wall" "$rss" "$rows" "$base_wall" "$base_rss" \
        "$(awk -v b="$(stat -c %s "$dir/city.h5")" 'BEGIN { printf "%.1f MB file", b / 1048576 }')"

    # shellcheck disable=SC2086
    measure "ctrace trace --snapshot" "$dir/ctrace-trace-snapshot.log" "$ctrace" trace --snapshot "$dir/city.h5" \
        --cases "$dir/cases.csv" --tz +00:00 --hops 2 --out "$dir/risk-snapshot.csv" $trace_threads
    row "$size" "ctrace trace --snapshot" "$wall" "$rss" "$rows" "$base_wall" "$base_rss" \
        "$(same "$dir/risk-ctrace.csv" "$dir/risk-snapshot.csv")"

    if [ $vs_duckdb = 1 ]; then
        measure "DuckDB" "$dir/duckdb.log" node "$duckdb_dir/trace.mjs" "${inputs[@]}" --cases "$dir/cases.csv" \
            --hops 2 --threads "$threads" --out "$dir/risk-duckdb.csv"
        row "$size" "DuckDB SQL ($threads threads)" "$wall" "$rss" "$rows" "$base_wall" "$base_rss" \
            "$(same "$dir/risk-ctrace.csv" "$dir/risk-duckdb.csv")"
        phases=$(sed -n 's/^trace\.mjs: \(.*[^ ]\) \+\([0-9.]*\) s$/\1 \2 s/p' "$dir/duckdb.log" | paste -sd ';' | sed 's/;/; /g')
        echo "- city-$size: DuckDB phases: $phases" >>"$notes"
    fi
done

echo
echo "| size | step | wall s | scans/s | peak RSS MB | bytes/scan | time ÷ ctrace trace | RSS ÷ ctrace trace | risk list |"
echo "|---:|---|---:|---:|---:|---:|---:|---:|---|"
cat "$table"
echo
cat "$notes"
echo "- $("$ctrace" --version) (trace: ${trace_threads:-no --threads}; snapshot: ${snapshot_threads:-no --threads}); $(nproc) cores; best of $repeat run(s) per step; $(date -u +%Y-%m-%d)"
