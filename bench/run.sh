#!/usr/bin/env bash
# The ctrace benchmark: times ctrace on generated cities of named shapes (row
# order, id style, size) and, with --vs-duckdb, the same trace written as SQL
# in DuckDB (bench/duckdb/trace.mjs), the baseline of what a capable analyst
# would do without ctrace. Not part of the test suite. See bench/README.md.
#
#   bench/run.sh [--cities "shuffled-700k resident-1.5m city-10000000"]
#                [--sizes "1000000 10000000"] [--vs-duckdb]
#                [--no-duckdb-above 150000000] [--threads 2] [--repeat 2]
#                [--sources] [--ctrace PATH]
#   bench/run.sh --nightly [bench/nightly.sh's options]
#
# Cities are generated once into bench/out/<city> (git-ignored) and reused.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/run.sh [--cities LIST] [--sizes LIST] [--vs-duckdb]
                    [--no-duckdb-above N] [--threads N] [--repeat N]
                    [--sources] [--ctrace PATH]
       bench/run.sh --nightly [--night-rows N] [--repeat N] [...]

  --nightly       the nightly benchmark instead (bench/nightly.sh, which takes
                  the other options; bench/nightly.sh --help): 14 daily dumps
                  ingested night by night, daily against trace, and trace
                  --snapshot against DuckDB's persisted database
  --cities LIST   cities to run, by shape name (default, unless --sizes is
                  given: "shuffled-700k resident-1.5m city-10000000"):
                    shuffled-700k   700k persons, 4 days, rows in random order,
                                    short ids (~11.4M rows)
                    resident-1.5m   1.5M persons, 2 days, 100k places, random
                                    order, 18-character resident numbers and
                                    12-character place codes (~12.2M rows)
                    city-N          about N scans over 14 days (persons N/56,
                                    places persons/20), random order, resident
                                    ids; e.g. city-1000000, city-400000000
                    time-short-N    about N scans over 14 days in time order
                                    with short ids (the shape of --sizes)
  --sizes LIST    sizes in scans of time-short-N cities, added after --cities
                  (the old behaviour: --sizes "1000000 10000000")
  --vs-duckdb     also run the DuckDB pipeline (bench/duckdb/trace.mjs) and cmp
                  its risk list with ctrace's
  --no-duckdb-above N
                  with --vs-duckdb, skip DuckDB on cities of more than N scan
                  rows (default 150000000; DuckDB needs far more than 24 GB
                  at 400M)
  --threads N     threads for DuckDB, and for ctrace where it has --threads (default 2)
  --repeat N      run each step N times and keep the fastest run (default 2)
  --sources       also run backward tracing (ctrace sources, all three lists)
                  on the city's cases and compare its time with the CSV trace's
  --ctrace PATH   the ctrace executable (default: $CTRACE or build/apps/ctrace)
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# --nightly hands every other option to bench/nightly.sh.
for arg in "$@"; do
    if [ "$arg" = --nightly ]; then
        rest=()
        for other in "$@"; do [ "$other" = --nightly ] || rest+=("$other"); done
        exec "$repo_root/bench/nightly.sh" ${rest[@]+"${rest[@]}"}
    fi
done
ctrace=${CTRACE:-$repo_root/build/apps/ctrace}
default_cities="shuffled-700k resident-1.5m city-10000000"
cities=''
cities_given=0
sizes=''
threads=2
repeat=2
vs_duckdb=0
with_sources=0
duckdb_max=150000000
while [ $# -gt 0 ]; do
    case $1 in
        --cities) cities=${2:?--cities needs a value}; cities_given=1; shift ;;
        --sizes) sizes=${2:?--sizes needs a value}; shift ;;
        --vs-duckdb) vs_duckdb=1 ;;
        --sources) with_sources=1 ;;
        --no-duckdb-above) duckdb_max=${2:?--no-duckdb-above needs a value}; shift ;;
        --threads) threads=${2:?--threads needs a value}; shift ;;
        --repeat) repeat=${2:?--repeat needs a value}; shift ;;
        --ctrace) ctrace=${2:?--ctrace needs a value}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/run.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

positive() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
for n in $sizes "$threads" "$repeat" "$duckdb_max"; do
    positive "$n" || { echo "bench/run.sh: '$n' is not a positive integer" >&2; exit 2; }
done
if [ $cities_given = 0 ] && [ -z "$sizes" ]; then
    cities=$default_cities
fi
for n in $sizes; do
    cities="$cities time-short-$n"
done

# gen_options CITY: the 'ctrace gen' options (after --out) of the city named
# CITY; fails on an unknown name.
gen_options() {
    case $1 in
        shuffled-700k) echo "--persons 700000 --days 4 --order shuffled --ids short" ;;
        resident-1.5m) echo "--persons 1500000 --days 2 --places 100000 --order shuffled --ids resident" ;;
        city-*) positive "${1#city-}" && echo "--scans ${1#city-} --days 14 --order shuffled --ids resident" ;;
        time-short-*) positive "${1#time-short-}" && echo "--scans ${1#time-short-} --days 14 --order time --ids short" ;;
        *) return 1 ;;
    esac
}
# shellcheck disable=SC2086  # a list of names
set -- $cities
[ $# -gt 0 ] || { echo "bench/run.sh: --cities is empty" >&2; exit 2; }
for city in "$@"; do
    gen_options "$city" >/dev/null || {
        echo "bench/run.sh: unknown city '$city' (shuffled-700k, resident-1.5m, city-N, time-short-N)" >&2
        exit 2
    }
done

[ -x "$ctrace" ] || { echo "bench/run.sh: no ctrace at $ctrace: build it first (scripts/test or scripts/demo) or pass --ctrace" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/run.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

# shellcheck source=bench/common.sh
source "$repo_root/bench/common.sh"
if [ $vs_duckdb = 1 ]; then
    command -v node >/dev/null || { echo "bench/run.sh: --vs-duckdb needs node (v18 or later) and npm" >&2; exit 2; }
    install_duckdb_client bench/run.sh
fi

# ctrace gets --threads only where it has the option.
trace_threads=$(ctrace_threads trace)
sources_threads=$(ctrace_threads sources)
snapshot_threads=$(ctrace_threads snapshot)

out=$repo_root/bench/out
mkdir -p "$out"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# measure NAME LOG COMMAND...: runs COMMAND $repeat times under /usr/bin/time;
# sets wall (s), rss (KB), cpu (user + system s) and faults (minor + major
# page faults) of the fastest run and keeps its stderr in LOG.
measure() {
    local name=$1 log=$2 k w m u s minor major
    shift 2
    wall='' rss='' cpu='' faults=''
    for ((k = 1; k <= repeat; ++k)); do
        if ! /usr/bin/time -f '%e %M %U %S %R %F' -o "$scratch/time" "$@" 2>"$scratch/stderr"; then
            cat "$scratch/stderr" >&2
            echo "bench/run.sh: $name failed" >&2
            exit 1
        fi
        read -r w m u s minor major <"$scratch/time"
        if [ -z "$wall" ] || awk -v a="$w" -v b="$wall" 'BEGIN { exit !(a < b) }'; then
            wall=$w rss=$m
            cpu=$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }')
            faults=$((minor + major))
            cp "$scratch/stderr" "$log"
        fi
    done
}

same() { if cmp -s "$1" "$2"; then echo SAME; else echo DIFFERENT; fi; }
# ratio A B: A / B with 2 decimals ("-" when B is 0)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
# target RATIO MAX: RATIO and whether it meets the acceptance target MAX
target() { awk -v r="$1" -v t="$2" 'BEGIN { if (r == "-") print "-"; else printf "%s (%s)", r, r + 0 <= t ? "ok" : "over" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
file_mb() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# summary LOG PREFIX: the last line of LOG that starts with PREFIX (ctrace's
# summary line; not --verbose's line of CPUs busy), or nothing
summary() { grep "^$2" "$1" | grep -v ': CPUs busy by phase' | tail -n 1 || true; }
# field LINE WORDS: the number just before WORDS in LINE ("?" if absent)
field() { local n; n=$(grep -oE "[0-9]+ $2" <<<"$1" | head -n 1 | grep -oE '^[0-9]+' || true); echo "${n:-?}"; }
# timing LINE: the end of a summary line, "2.35 s (read 1.54, graph 0.21, ...)",
# with whatever phases it names ("?" if it has no time)
timing() {
    local t
    t=$(sed -nE 's/.*; ([0-9.]+ s( \(.*\))?)$/\1/p' <<<"$1")
    echo "${t:-?}"
}
# describe SCANS: row order and id styles of the first 100000 rows of a scan
# file, as "order<TAB>person ids<TAB>place ids"
describe() {
    head -n 100001 "$1" | awk -F, '
        function style(id, kind) {
            if (kind == "person" && id ~ /^P[0-9]+$/ || kind == "place" && id ~ /^[A-Z][0-9]+$/) return "short"
            if (kind == "person" && length(id) == 18 && id ~ /^[0-9]+[0-9X]$/) return "resident number"
            if (kind == "place" && id ~ /^DL[0-9]+$/) return "place code"
            if (length(id) == 64 && id ~ /^[0-9a-f]+$/) return "hex"
            return "other"
        }
        function range(lo, hi) { return lo == hi ? lo : lo "-" hi }
        NR == 1 { for (i = 1; i <= NF; ++i) col[$i] = i; next }
        NR == 2 {
            pstyle = style($col["person"], "person"); qstyle = style($col["place"], "place")
            plo = phi = length($col["person"]); qlo = qhi = length($col["place"])
        }
        {
            t = $col["time"] + 0
            if (NR > 2 && t < last) unsorted = 1
            last = t
            if (style($col["person"], "person") != pstyle) pstyle = "mixed"
            if (style($col["place"], "place") != qstyle) qstyle = "mixed"
            n = length($col["person"]); if (n < plo) plo = n; if (n > phi) phi = n
            n = length($col["place"]); if (n < qlo) qlo = n; if (n > qhi) qhi = n
        }
        END {
            printf "%s\t%s, %s chars\t%s, %s chars\n", unsorted ? "shuffled" : "time", pstyle, range(plo, phi), qstyle, range(qlo, qhi)
        }'
}

cities_table=$scratch/cities
times_table=$scratch/times
checks_table=$scratch/checks
sources_table=$scratch/sources
per_row_table=$scratch/per-row
: >"$per_row_table"
notes=$scratch/notes
: >"$sources_table"
: >"$cities_table"
: >"$times_table"
: >"$checks_table"
: >"$notes"
duckdb_version=''

for city in "$@"; do
    dir=$out/$city
    read -ra options <<<"$(gen_options "$city")"
    # A folder made by other options (such as an old bench/out/city-N in time
    # order) is made again.
    # So is one whose cases.csv predates onsets (backward tracing needs them).
    if [ ! -f "$dir/scans.csv" ] || [ ! -f "$dir/places.csv" ] || [ ! -f "$dir/cases.csv" ] ||
        [ "$(cat "$dir/gen-options" 2>/dev/null)" != "${options[*]}" ] ||
        ! head -n 1 "$dir/cases.csv" | grep -q onset; then
        echo "bench/run.sh: generating $dir (ctrace gen ${options[*]})" >&2
        rm -rf "$dir.partial"
        "$ctrace" gen "${options[@]}" --out "$dir.partial" 2>"$scratch/gen.log" || {
            cat "$scratch/gen.log" >&2
            echo "bench/run.sh: ctrace gen failed" >&2
            exit 1
        }
        cp "$scratch/gen.log" "$dir.partial/gen.log"
        echo "${options[*]}" >"$dir.partial/gen-options"
        rm -rf "$dir"
        mv "$dir.partial" "$dir"
    fi
    inputs=(--scans "$dir/scans.csv" --places "$dir/places.csv")
    echo "bench/run.sh: $city" >&2

    # shellcheck disable=SC2086  # the --threads words, when present
    measure "ctrace trace" "$dir/ctrace-trace.log" "$ctrace" trace "${inputs[@]}" --cases "$dir/cases.csv" \
        --tz +00:00 --hops 2 --out "$dir/risk-ctrace.csv" --verbose $trace_threads
    trace_wall=$wall trace_rss=$rss trace_cpu=$cpu trace_faults=$faults
    line=$(summary "$dir/ctrace-trace.log" 'ctrace trace:')
    rows=$(field "$line" 'rows read')
    positive "$rows" || { echo "bench/run.sh: no 'N rows read' in ctrace's summary line in $dir/ctrace-trace.log" >&2; exit 1; }
    persons=$(field "$line" 'persons')
    places=$(field "$line" 'places')
    trace_timing=$(timing "$line")
    busy=$(sed -n 's/^ctrace trace: CPUs busy by phase[^:]*: //p' "$dir/ctrace-trace.log" | tail -n 1)
    listed=$(($(wc -l <"$dir/risk-ctrace.csv") - 1))
    IFS=$'\t' read -r order person_ids place_ids < <(describe "$dir/scans.csv")
    printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$city" "$rows" "$persons" "$places" "$order" \
        "$person_ids" "$place_ids" "$(file_mb "$dir/scans.csv")" >>"$cities_table"

    if [ $with_sources = 1 ]; then
        # shellcheck disable=SC2086
        measure "ctrace sources" "$dir/ctrace-sources.log" "$ctrace" sources "${inputs[@]}" \
            --cases "$dir/cases.csv" --tz +00:00 --links "$dir/links.csv" \
            --common-persons "$dir/common-persons.csv" --common-places "$dir/common-places.csv" \
            $sources_threads
        line=$(summary "$dir/ctrace-sources.log" 'ctrace sources:')
        printf '| %s | %s | %.2f | %s | %.2f | %s | %s | %s | %s | %s |\n' "$city" "$(field "$line" 'cases')" \
            "$trace_wall" "$(mb "$trace_rss")" "$wall" "$(mb "$rss")" "$(target "$(ratio "$wall" "$trace_wall")" 1)" \
            "$(($(wc -l <"$dir/links.csv") - 1))" "$(($(wc -l <"$dir/common-persons.csv") - 1))" \
            "$(($(wc -l <"$dir/common-places.csv") - 1))" >>"$sources_table"
        echo "- $city: ctrace sources $(timing "$line")" >>"$notes"
    fi

    # shellcheck disable=SC2086
    measure "ctrace snapshot" "$dir/ctrace-snapshot.log" "$ctrace" snapshot "${inputs[@]}" --tz +00:00 \
        --out "$dir/city.h5" $snapshot_threads
    snapshot_wall=$wall snapshot_rss=$rss
    snapshot_timing=$(timing "$(summary "$dir/ctrace-snapshot.log" 'ctrace snapshot:')")

    # shellcheck disable=SC2086
    measure "ctrace trace --snapshot" "$dir/ctrace-trace-snapshot.log" "$ctrace" trace --snapshot "$dir/city.h5" \
        --cases "$dir/cases.csv" --tz +00:00 --hops 2 --out "$dir/risk-snapshot.csv" $trace_threads
    from_wall=$wall from_rss=$rss
    from_timing=$(timing "$(summary "$dir/ctrace-trace-snapshot.log" 'ctrace trace:')")
    from_check=$(same "$dir/risk-ctrace.csv" "$dir/risk-snapshot.csv")
    [ "$from_check" = SAME ] || echo "bench/run.sh: warning: $city: trace --snapshot's risk list differs from the CSV trace's" >&2

    duckdb_wall=- duckdb_mb=- duckdb_time=- duckdb_mem=- duckdb_check=-
    if [ $vs_duckdb = 1 ] && [ "$rows" -gt "$duckdb_max" ]; then
        duckdb_wall=skipped duckdb_mb=skipped duckdb_time=skipped duckdb_mem=skipped duckdb_check=skipped
        echo "- $city: DuckDB skipped: $rows scan rows, more than --no-duckdb-above $duckdb_max" >>"$notes"
    elif [ $vs_duckdb = 1 ]; then
        measure "DuckDB" "$dir/duckdb.log" node "$duckdb_dir/trace.mjs" "${inputs[@]}" --cases "$dir/cases.csv" \
            --hops 2 --threads "$threads" --out "$dir/risk-duckdb.csv"
        duckdb_wall=$wall duckdb_mb=$(mb "$rss")
        duckdb_time=$(ratio "$wall" "$trace_wall") duckdb_mem=$(ratio "$rss" "$trace_rss")
        duckdb_check=$(same "$dir/risk-ctrace.csv" "$dir/risk-duckdb.csv")
        [ "$duckdb_check" = SAME ] || echo "bench/run.sh: warning: $city: DuckDB's risk list differs from ctrace's" >&2
        duckdb_version=$(sed -n 's/^trace\.mjs: \(DuckDB [^,]*\),.*/\1/p' "$dir/duckdb.log" | head -n 1)
    fi

    # ns per scan row and CPUs busy, by phase; page faults per 1000 rows.
    per_row=$(awk -v t="$trace_timing" -v rows="$rows" -v busy="$busy" '
        BEGIN {
            n = split("read graph trace write", names, " ")
            for (k = 1; k <= n; ++k) {
                s = "?"; b = "?"
                if (match(t, names[k] " [0-9.]+")) s = substr(t, RSTART + length(names[k]) + 1, RLENGTH - length(names[k]) - 1)
                if (match(busy, names[k] " [0-9.-]+")) b = substr(busy, RSTART + length(names[k]) + 1, RLENGTH - length(names[k]) - 1)
                printf "%s%s", (k > 1 ? " | " : ""), (s == "?" ? "?" : sprintf("%.0f", s * 1e9 / rows)) " (" b ")"
            }
        }')
    printf '| %s | %s | %.0f | %.2f | %s | %.1f | %s |\n' "$city" "$per_row" \
        "$(awk -v w="$trace_wall" -v r="$rows" 'BEGIN { print w * 1e9 / r }')" \
        "$(awk -v c="$trace_cpu" -v w="$trace_wall" 'BEGIN { print (w > 0 ? c / w : 0) }')" "$trace_faults" \
        "$(awk -v f="$trace_faults" -v r="$rows" 'BEGIN { print f * 1000 / r }')" "$duckdb_time" >>"$per_row_table"

    printf '| %s | %.2f | %s | %.2f | %s | %.2f | %s | %s | %s | %s | %s |\n' "$city" \
        "$trace_wall" "$(mb "$trace_rss")" "$snapshot_wall" "$(mb "$snapshot_rss")" "$from_wall" "$(mb "$from_rss")" \
        "$duckdb_wall" "$duckdb_mb" "$duckdb_time" "$duckdb_mem" >>"$times_table"
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$city" \
        "$(target "$(ratio "$snapshot_wall" "$trace_wall")" 1.5)" "$(target "$(ratio "$from_wall" "$trace_wall")" 0.35)" \
        "$(file_mb "$dir/city.h5")" "$listed" "$from_check" "$duckdb_check" >>"$checks_table"

    {
        echo "- $city: ctrace gen ${options[*]}"
        echo "- $city: ctrace trace $trace_timing; snapshot $snapshot_timing; trace --snapshot $from_timing"
    } >>"$notes"
    if [ "$duckdb_check" = SAME ] || [ "$duckdb_check" = DIFFERENT ]; then
        phases=$(sed -n 's/^trace\.mjs: \(.*[^ ]\) \+\([0-9.]*\) s$/\1 \2 s/p' "$dir/duckdb.log" | paste -sd ';' | sed 's/;/; /g')
        echo "- $city: DuckDB phases: $phases" >>"$notes"
    fi
done

echo
echo "Cities (row order and id styles as found in the first 100000 rows of scans.csv):"
echo
echo "| city | scan rows | persons | places | row order | person ids | place ids | scans.csv MB |"
echo "|---|---:|---:|---:|---|---|---|---:|"
cat "$cities_table"
echo
echo "Wall time (s) and peak RSS (MB), best of $repeat run(s), $threads threads:"
echo
echo "| city | ctrace trace s | MB | snapshot s | MB | trace --snapshot s | MB | DuckDB s | MB | DuckDB ÷ ctrace time | DuckDB ÷ ctrace RSS |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
cat "$times_table"
echo
echo "The CSV trace per scan row: ns per row of each phase (CPU seconds of all threads per wall second in it), all phases, the CPUs busy overall, page faults (minor + major) and per 1000 rows, and DuckDB's time over ctrace's:"
echo
echo "| city | read ns (CPUs) | graph | trace | write | total ns | CPUs | page faults | per 1000 rows | DuckDB ÷ ctrace |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
cat "$per_row_table"
echo
echo "Snapshot ratios (over the CSV trace's wall time; targets ≤ 1.5 and ≤ 0.35) and risk lists (cmp with the CSV trace's):"
echo
echo "| city | snapshot ÷ trace | trace --snapshot ÷ trace | snapshot MB | listed | trace --snapshot list | DuckDB list |"
echo "|---|---:|---:|---:|---:|---|---|"
cat "$checks_table"
if [ $with_sources = 1 ]; then
    echo
    echo "Backward tracing (ctrace sources, all three lists) against the CSV trace, wall time (s) and peak RSS (MB); target: sources ÷ trace < 1:"
    echo
    echo "| city | cases | trace s | MB | sources s | MB | sources ÷ trace | links | common persons | common places |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    cat "$sources_table"
fi
echo
cat "$notes"
echo "- $("$ctrace" --version) (trace: ${trace_threads:-no --threads}; snapshot: ${snapshot_threads:-no --threads})${duckdb_version:+; $duckdb_version}; $(nproc) cores; best of $repeat run(s) per step; $(date -u +%Y-%m-%d)"
