#!/usr/bin/env bash
# The nightly benchmark (issue 24): a generated city split into 14 daily
# dumps, ingested night after night into a fresh store, with each night's wall
# time and peak memory; then, on the 14 nights, `ctrace daily` against
# `ctrace trace` of the 14 dumps, and `ctrace trace --snapshot` against DuckDB
# tracing from its own saved database (bench/duckdb/trace.mjs --db). Prints
# one table, the growth of ingest time and memory with the stored stays, and
# an extrapolation to a larger city. Not part of the test suite. See
# bench/README.md ("The nightly benchmark"). Also run as bench/run.sh --nightly.
#
#   bench/nightly.sh [--night-rows 1500000] [--persons N] [--threads 2]
#                    [--repeat 3] [--extrapolate "30000000 28"] [--ctrace PATH]
#
# The city is generated once into bench/out/nightly-<persons>p (git-ignored),
# split once into its daily dumps, and reused; the store and every output are
# made afresh on each run.
set -euo pipefail

usage() {
    cat <<'EOF'
usage: bench/nightly.sh [--night-rows N] [--persons N] [--threads N] [--repeat N]
                        [--extrapolate "ROWS NIGHTS"] [--no-duckdb] [--ctrace PATH]
       bench/run.sh --nightly [the same options]

  --night-rows N  size of the city: about N scan rows a night at the least
                  (default 1500000; persons = N / 3.75, as 400k persons give
                  1.57-1.70M rows a night). 200000 makes a quick run.
  --persons N     instead of --night-rows: the number of persons
  --threads N     DuckDB's threads, and ctrace's --threads where it has the
                  option (default 2)
  --repeat N      best of N alternating runs for daily against trace and for
                  trace --snapshot against DuckDB (default 3); each night's
                  ingest runs once (a second run would be a no-op)
  --extrapolate "ROWS NIGHTS"
                  the city to extrapolate the fitted growth to (default
                  "30000000 28": 30M scans a night, 28 nights of retention)
  --no-duckdb     leave out DuckDB (its cells read '-')
  --ctrace PATH   the ctrace executable (default: $CTRACE or build/apps/ctrace)

The city: ctrace gen --persons N --days 14 --ids resident --order shuffled
(tz +08:00, 20 cases), split by the local date of 'time' into 14 dumps.
EOF
}

repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ctrace=${CTRACE:-$repo_root/build/apps/ctrace}
night_rows=1500000
persons=''
threads=2
repeat=3
extrapolate='30000000 28'
with_duckdb=1
while [ $# -gt 0 ]; do
    case $1 in
        --night-rows) night_rows=${2:?--night-rows needs a value}; shift ;;
        --persons) persons=${2:?--persons needs a value}; shift ;;
        --threads) threads=${2:?--threads needs a value}; shift ;;
        --repeat) repeat=${2:?--repeat needs a value}; shift ;;
        --extrapolate) extrapolate=${2:?--extrapolate needs a value}; shift ;;
        --no-duckdb) with_duckdb=0 ;;
        --ctrace) ctrace=${2:?--ctrace needs a value}; shift ;;
        -h|--help) usage; exit 0 ;;
        *) echo "bench/nightly.sh: unknown option '$1'" >&2; usage >&2; exit 2 ;;
    esac
    shift
done

positive() { [[ $1 =~ ^[1-9][0-9]*$ ]]; }
read -r extrapolate_rows extrapolate_nights extra <<<"$extrapolate" || true
for n in "$night_rows" ${persons:+"$persons"} "$threads" "$repeat" "${extrapolate_rows:-x}" "${extrapolate_nights:-x}"; do
    positive "$n" || { echo "bench/nightly.sh: '$n' is not a positive integer" >&2; exit 2; }
done
[ -z "${extra:-}" ] || { echo "bench/nightly.sh: --extrapolate takes \"ROWS NIGHTS\"" >&2; exit 2; }
# 400k persons give 1.57-1.70M rows a night (issue 24): N / 3.75 persons.
[ -n "$persons" ] || persons=$(((night_rows * 4 + 14) / 15))

[ -x "$ctrace" ] || { echo "bench/nightly.sh: no ctrace at $ctrace: build it first (cmake --build build --target ctrace_cli) or pass --ctrace" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench/nightly.sh: /usr/bin/time is missing (apt-get install time)" >&2; exit 2; }

# shellcheck source=bench/common.sh
source "$repo_root/bench/common.sh"
if [ $with_duckdb = 1 ]; then
    command -v node >/dev/null || { echo "bench/nightly.sh: DuckDB needs node (v18 or later) and npm; or pass --no-duckdb" >&2; exit 2; }
    install_duckdb_client bench/nightly.sh
fi

ingest_threads=$(ctrace_threads ingest)
daily_threads=$(ctrace_threads daily)
trace_threads=$(ctrace_threads trace)
snapshot_threads=$(ctrace_threads snapshot)

tz=+08:00             # the city's (ctrace gen's default)
tz_seconds=28800
gen=(--persons "$persons" --days 14 --ids resident --order shuffled --tz "$tz")
dir=$repo_root/bench/out/nightly-${persons}p
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

# ------------------------------------------------------------------ the city
if [ ! -f "$dir/scans.csv" ] || [ ! -f "$dir/places.csv" ] || [ ! -f "$dir/cases.csv" ] ||
    [ "$(cat "$dir/gen-options" 2>/dev/null)" != "${gen[*]}" ]; then
    echo "bench/nightly.sh: generating $dir (ctrace gen ${gen[*]})" >&2
    rm -rf "$dir.partial"
    "$ctrace" gen "${gen[@]}" --out "$dir.partial" 2>"$scratch/gen.log" || {
        cat "$scratch/gen.log" >&2
        echo "bench/nightly.sh: ctrace gen failed" >&2
        exit 1
    }
    cp "$scratch/gen.log" "$dir.partial/gen.log"
    echo "${gen[*]}" >"$dir.partial/gen-options"
    rm -rf "$dir"
    mv "$dir.partial" "$dir"
fi

# The daily dumps: scans.csv split by the local date (+08:00) of 'time'
# (epoch seconds), each with the header, into days/scans-YYYY-MM-DD.csv.
# days/split-of records the scans.csv it was split from.
scans_id=$(stat -c '%s %Y' "$dir/scans.csv")
if [ ! -d "$dir/days" ] || [ "$(cat "$dir/days/split-of" 2>/dev/null)" != "$scans_id" ]; then
    echo "bench/nightly.sh: splitting $dir/scans.csv into daily dumps" >&2
    rm -rf "$dir/days.partial"
    mkdir "$dir/days.partial"
    awk -F, -v out="$dir/days.partial" -v tz="$tz_seconds" '
        NR == 1 {
            header = $0
            for (i = 1; i <= NF; ++i) if ($i == "time") col = i
            if (!col) { print "no time column" > "/dev/stderr"; exit 1 }
            next
        }
        {
            if ($col !~ /^[0-9]+$/) { print "line " NR ": time is not epoch seconds: " $col > "/dev/stderr"; exit 1 }
            day = int(($col + tz) / 86400)
            file = out "/day-" day
            if (!(day in seen)) { seen[day] = 1; print header > file }
            print > file
        }' "$dir/scans.csv" || { echo "bench/nightly.sh: splitting scans.csv failed" >&2; exit 1; }
    for f in "$dir/days.partial"/day-*; do
        mv "$f" "$dir/days.partial/scans-$(date -u -d "@$((${f##*/day-} * 86400))" +%F).csv"
    done
    echo "$scans_id" >"$dir/days.partial/split-of"
    rm -rf "$dir/days"
    mv "$dir/days.partial" "$dir/days"
fi
dumps=("$dir"/days/scans-*.csv)
[ ${#dumps[@]} = 14 ] || { echo "bench/nightly.sh: $dir/days has ${#dumps[@]} daily dumps, not 14" >&2; exit 1; }

# ------------------------------------------------------------------ helpers
# run_timed NAME LOG COMMAND...: runs COMMAND once under /usr/bin/time; sets
# wall (s) and rss (KB) and keeps its stderr in LOG (stdout is dropped);
# stops on failure.
run_timed() {
    local name=$1 log=$2
    shift 2
    if ! /usr/bin/time -f '%e %M' -o "$scratch/time" "$@" 2>"$log" >/dev/null; then
        cat "$log" >&2
        echo "bench/nightly.sh: $name failed" >&2
        exit 1
    fi
    read -r wall rss <"$scratch/time"
}
# keep_best KEY: after run_timed, keeps wall and rss under KEY when the run is
# the fastest so far (status 0), else status 1
declare -A best_wall best_rss
keep_best() {
    if [ -z "${best_wall[$1]:-}" ] || awk -v a="$wall" -v b="${best_wall[$1]}" 'BEGIN { exit !(a < b) }'; then
        best_wall[$1]=$wall best_rss[$1]=$rss
        return 0
    fi
    return 1
}
same() { if cmp -s "$1" "$2"; then echo SAME; else echo DIFFERENT; fi; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else printf "-" }'; }
mb() { awk -v k="$1" 'BEGIN { printf "%.0f", k / 1024 }'; }
file_mb() { awk -v b="$(du -sb "$1" | cut -f1)" 'BEGIN { printf "%.1f", b / 1048576 }'; }
# number BEFORE-WORDS LINE: the number just before WORDS in LINE (fails if absent)
number() { grep -oE "[0-9]+ $1" <<<"$2" | head -n 1 | grep -oE '^[0-9]+'; }

run=$dir/run
rm -rf "$run"
mkdir -p "$run/lists"
store=$run/store
table=$scratch/table
fit=$scratch/fit
notes=$scratch/notes
: >"$table"
: >"$fit"
: >"$notes"

# ------------------------------------------------------------------ nights
night=0
total_rows=0
min_rows=''
max_rows=0
for dump in "${dumps[@]}"; do
    night=$((night + 1))
    date=${dump##*/scans-}
    date=${date%.csv}
    log=$run/ingest-$night.log
    # shellcheck disable=SC2086  # the --threads words, when present
    run_timed "ctrace ingest (night $night, $date)" "$log" "$ctrace" ingest --store "$store" \
        --scans "$dump" --places "$dir/places.csv" --tz "$tz" $ingest_threads
    line=$(grep '^ctrace ingest:' "$log" | tail -n 1 || true)
    if ! { rows=$(number 'rows,' "$line") && stays=$(number 'stays \(' "$line") && before=$(number 'before' "$line"); }; then
        cat "$log" >&2
        echo "bench/nightly.sh: night $night: no 'N rows, ... N stays (N before' in ingest's summary line" >&2
        exit 1
    fi
    total_rows=$((total_rows + rows))
    [ -n "$min_rows" ] && [ "$min_rows" -le "$rows" ] || min_rows=$rows
    [ "$max_rows" -ge "$rows" ] || max_rows=$rows
    [ $night != 1 ] || { night1_wall=$wall night1_rss=$rss; }
    printf '| ingest night %d (%s) | %s rows; %s stays stored (%s before) | %.2f | %s | night 1 | %s | %s | |\n' \
        "$night" "$date" "$rows" "$stays" "$before" "$wall" "$(mb "$rss")" \
        "$(ratio "$wall" "$night1_wall")" "$(ratio "$rss" "$night1_rss")" >>"$table"
    echo "$night $rows $stays $wall $rss" >>"$fit"
    echo "bench/nightly.sh: night $night ($date): $rows rows, $stays stays, $wall s, $(mb "$rss") MB" >&2
done
stored_stays=$stays
store_mb=$(file_mb "$store")
# The same dump again: a no-op (docs/nightly.md), which still reads the store.
# shellcheck disable=SC2086
run_timed "ctrace ingest (night $night again)" "$run/ingest-again.log" "$ctrace" ingest --store "$store" \
    --scans "${dumps[13]}" --places "$dir/places.csv" --tz "$tz" $ingest_threads
grep -q 'already ingested' "$run/ingest-again.log" || {
    cat "$run/ingest-again.log" >&2
    echo "bench/nightly.sh: ingesting night $night's dump again was not a no-op" >&2
    exit 1
}
printf '| ingest night %d again (no-op) | the same dump | %.2f | %s | night 1 | %s | %s | |\n' \
    "$night" "$wall" "$(mb "$rss")" "$(ratio "$wall" "$night1_wall")" "$(ratio "$rss" "$night1_rss")" >>"$table"
# The fixed part of a process's memory: ctrace --version.
run_timed "ctrace --version" "$scratch/version.log" "$ctrace" --version
fixed_wall=$wall fixed_rss=$rss
last_date=${dumps[13]##*/scans-}
last_date=${last_date%.csv}
as_of=$(date -u -d "$last_date + 1 day" +%F)
scans_args=()
for dump in "${dumps[@]}"; do scans_args+=(--scans "$dump"); done
city_rows=$(($(wc -l <"$dir/scans.csv") - 1))
[ "$total_rows" = "$city_rows" ] || {
    echo "bench/nightly.sh: the 14 nights read $total_rows rows, scans.csv has $city_rows" >&2
    exit 1
}

# ------------------------------------------------------------------ daily against trace
# warm FILE|DIR...: reads them into the page cache
warm() { find "$@" -type f -exec cat {} + >/dev/null; }
warm "$dir/scans.csv" "${dumps[@]}" "$store" "$dir/places.csv" "$dir/cases.csv"
for ((k = 1; k <= repeat; ++k)); do
    # shellcheck disable=SC2086
    run_timed "ctrace daily" "$scratch/daily.log" "$ctrace" daily --store "$store" --cases "$dir/cases.csv" \
        --out-dir "$run/lists" --as-of "$as_of" --hops 2 $daily_threads
    if keep_best daily; then cp "$scratch/daily.log" "$run/daily.log"; fi
    # shellcheck disable=SC2086
    run_timed "ctrace trace (CSV)" "$scratch/trace.log" "$ctrace" trace --scans "$dir/scans.csv" --places "$dir/places.csv" \
        --cases "$dir/cases.csv" --tz "$tz" --hops 2 --out "$run/risk-trace.csv" $trace_threads
    if keep_best trace; then cp "$scratch/trace.log" "$run/trace.log"; fi
    # shellcheck disable=SC2086
    run_timed "ctrace trace (14 dumps)" "$scratch/trace14.log" "$ctrace" trace "${scans_args[@]}" --places "$dir/places.csv" \
        --cases "$dir/cases.csv" --tz "$tz" --hops 2 --out "$run/risk-trace-dumps.csv" $trace_threads
    if keep_best trace14; then cp "$scratch/trace14.log" "$run/trace-dumps.log"; fi
done
listed=$(($(wc -l <"$run/risk-trace.csv") - 1))
daily_check=$(same "$run/risk-trace.csv" "$run/lists/risk-$as_of.csv")
[ "$daily_check" = SAME ] || echo "bench/nightly.sh: warning: daily's risk list differs from the CSV trace's" >&2
dumps_check=$(same "$run/risk-trace.csv" "$run/risk-trace-dumps.csv")
[ "$dumps_check" = SAME ] || echo "bench/nightly.sh: warning: the trace of the 14 dumps differs from that of scans.csv" >&2

# ------------------------------------------------------------------ snapshot against DuckDB's database
# shellcheck disable=SC2086
run_timed "ctrace snapshot" "$run/snapshot.log" "$ctrace" snapshot --scans "$dir/scans.csv" --places "$dir/places.csv" \
    --tz "$tz" --out "$run/city.h5" $snapshot_threads
snapshot_wall=$wall snapshot_rss=$rss
duckdb_check=-
if [ $with_duckdb = 1 ]; then
    run_timed "DuckDB --save-db" "$run/duckdb-save.log" node "$duckdb_dir/trace.mjs" --scans "$dir/scans.csv" \
        --places "$dir/places.csv" --tz "$tz" --threads "$threads" --save-db "$run/city.duckdb"
    save_wall=$wall save_rss=$rss
    duckdb_version=$(sed -n 's/^trace\.mjs: \(DuckDB [^,]*\),.*/\1/p' "$run/duckdb-save.log" | head -n 1)
fi
warm "$run/city.h5" "$dir/cases.csv"
[ $with_duckdb = 0 ] || warm "$run/city.duckdb"
for ((k = 1; k <= repeat; ++k)); do
    # shellcheck disable=SC2086
    run_timed "ctrace trace --snapshot" "$scratch/from.log" "$ctrace" trace --snapshot "$run/city.h5" \
        --cases "$dir/cases.csv" --tz "$tz" --hops 2 --out "$run/risk-snapshot.csv" $trace_threads
    if keep_best snapshot; then cp "$scratch/from.log" "$run/trace-snapshot.log"; fi
    # shellcheck disable=SC2086
    run_timed "ctrace trace --store" "$scratch/store.log" "$ctrace" trace --store "$store" \
        --cases "$dir/cases.csv" --tz "$tz" --hops 2 --out "$run/risk-store.csv" $trace_threads
    if keep_best store; then cp "$scratch/store.log" "$run/trace-store.log"; fi
    if [ $with_duckdb = 1 ]; then
        run_timed "DuckDB --db" "$scratch/duckdb.log" node "$duckdb_dir/trace.mjs" --db "$run/city.duckdb" \
            --cases "$dir/cases.csv" --tz "$tz" --hops 2 --threads "$threads" --out "$run/risk-duckdb.csv"
        if keep_best duckdb; then cp "$scratch/duckdb.log" "$run/duckdb.log"; fi
    fi
done
snapshot_check=$(same "$run/risk-trace.csv" "$run/risk-snapshot.csv")
store_check=$(same "$run/risk-trace.csv" "$run/risk-store.csv")
[ "$store_check" = SAME ] || echo "bench/nightly.sh: warning: trace --store's risk list differs from the CSV trace's" >&2
[ "$snapshot_check" = SAME ] || echo "bench/nightly.sh: warning: trace --snapshot's risk list differs from the CSV trace's" >&2
if [ $with_duckdb = 1 ]; then
    duckdb_check=$(same "$run/risk-trace.csv" "$run/risk-duckdb.csv")
    [ "$duckdb_check" = SAME ] || echo "bench/nightly.sh: warning: DuckDB's risk list differs from the CSV trace's" >&2
fi

{
    printf '| daily (store of 14 nights) | %s stays, as of %s | %.2f | %s | trace (CSV) | %s | %s | %s |\n' \
        "$stored_stays" "$as_of" "${best_wall[daily]}" "$(mb "${best_rss[daily]}")" \
        "$(ratio "${best_wall[daily]}" "${best_wall[trace]}")" "$(ratio "${best_rss[daily]}" "${best_rss[trace]}")" \
        "$daily_check"
    printf '| trace (CSV) | scans.csv of the 14 days, %s rows | %.2f | %s | | | | %s listed |\n' \
        "$total_rows" "${best_wall[trace]}" "$(mb "${best_rss[trace]}")" "$listed"
    printf '| trace (14 dumps) | the 14 daily dumps, --scans 14 times | %.2f | %s | trace (CSV) | %s | %s | %s |\n' \
        "${best_wall[trace14]}" "$(mb "${best_rss[trace14]}")" \
        "$(ratio "${best_wall[trace14]}" "${best_wall[trace]}")" "$(ratio "${best_rss[trace14]}" "${best_rss[trace]}")" \
        "$dumps_check"
    if [ $with_duckdb = 1 ]; then
        printf '| trace --snapshot | city.h5, %s MB | %.2f | %s | DuckDB --db | %s | %s | %s |\n' \
            "$(file_mb "$run/city.h5")" "${best_wall[snapshot]}" "$(mb "${best_rss[snapshot]}")" \
            "$(ratio "${best_wall[snapshot]}" "${best_wall[duckdb]}")" \
            "$(ratio "${best_rss[snapshot]}" "${best_rss[duckdb]}")" "$snapshot_check"
        printf '| trace --store | the store of 14 nights | %.2f | %s | DuckDB --db | %s | %s | %s |\n' \
            "${best_wall[store]}" "$(mb "${best_rss[store]}")" \
            "$(ratio "${best_wall[store]}" "${best_wall[duckdb]}")" \
            "$(ratio "${best_rss[store]}" "${best_rss[duckdb]}")" "$store_check"
        printf '| DuckDB --db (persisted) | city.duckdb, %s MB | %.2f | %s | | | | %s |\n' \
            "$(file_mb "$run/city.duckdb")" "${best_wall[duckdb]}" "$(mb "${best_rss[duckdb]}")" "$duckdb_check"
    else
        printf '| trace --snapshot | city.h5, %s MB | %.2f | %s | | | | %s |\n' \
            "$(file_mb "$run/city.h5")" "${best_wall[snapshot]}" "$(mb "${best_rss[snapshot]}")" "$snapshot_check"
        printf '| trace --store | the store of 14 nights | %.2f | %s | | | | %s |\n' \
            "${best_wall[store]}" "$(mb "${best_rss[store]}")" "$store_check"
    fi
} >>"$table"

# ------------------------------------------------------------------ growth
# Least squares over the 14 nights of peak RSS (bytes) and wall time against
# the stays stored after the night. The intercept is the cost of a night's
# dump with an empty store: the fixed part (ctrace --version's) plus a part
# that grows with the dump. Extrapolated to ROWS a night and NIGHTS nights:
# the fixed part, plus the rest of the intercept scaled by ROWS / (mean rows a
# night), plus the slope times the stays of NIGHTS nights (ROWS * NIGHTS times
# the stays per scan row measured here).
read -r slope_b intercept_b r2_b slope_t intercept_t r2_t < <(awk '
    function fit(x, y, n,   i, sx, sy, sxx, sxy, syy, b, a, ssr, sst) {
        for (i = 1; i <= n; ++i) { sx += x[i]; sy += y[i]; sxx += x[i] * x[i]; sxy += x[i] * y[i] }
        b = (n * sxy - sx * sy) / (n * sxx - sx * sx); a = (sy - b * sx) / n
        for (i = 1; i <= n; ++i) { ssr += (y[i] - a - b * x[i]) ^ 2; sst += (y[i] - sy / n) ^ 2 }
        return b " " a " " (sst > 0 ? 1 - ssr / sst : 1)
    }
    { ++n; x[n] = $3; mem[n] = $5 * 1024; sec[n] = $4 }
    END { printf "%s %s\n", fit(x, mem, n), fit(x, sec, n) }' "$fit")
read -r night14_rss night14_wall < <(awk 'NR == 14 { print $5 * 1024, $4 }' "$fit")
mean_rows=$((total_rows / 14))
extrap=$(awk -v sb="$slope_b" -v ib="$intercept_b" -v st="$slope_t" -v it="$intercept_t" \
    -v rows="$extrapolate_rows" -v nights="$extrapolate_nights" -v mean="$mean_rows" \
    -v stays="$stored_stays" -v total="$total_rows" -v fb="$((fixed_rss * 1024))" -v ft="$fixed_wall" 'BEGIN {
        per_row = stays / total; window = rows * nights * per_row; scale = rows / mean
        dump_b = ib > fb ? (ib - fb) * scale : 0; dump_t = it > ft ? (it - ft) * scale : 0
        mem = fb + dump_b + sb * window; sec = ft + dump_t + st * window
        printf "%.0f %.3f %.1f %.0f %.1f %.1f %.1f", window, per_row, mem / 2^30, sec, fb / 2^30, dump_b / 2^30, sb * window / 2^30
    }')
read -r extrap_stays stays_per_row extrap_gb extrap_s fixed_gb dump_gb window_gb <<<"$extrap"
{
    echo "- Ingest growth, fitted over the 14 nights against the stays stored after each night (least squares):"
    awk -v sb="$slope_b" -v ib="$intercept_b" -v r="$r2_b" -v st="$slope_t" -v it="$intercept_t" -v rt="$r2_t" \
        -v n14="$night14_rss" -v s14="$stored_stays" -v t14="$night14_wall" 'BEGIN {
        printf "  peak RSS = %.0f MB + %.1f bytes x stored stays (R^2 %.3f); wall = %.2f s + %.2f s per million stored stays (R^2 %.3f);\n", ib / 2^20, sb, r, it, st * 1e6, rt
        printf "  night 14: %.1f bytes of peak RSS per stored stay (%.0f MB / %d stays), %.2f s\n", n14 / s14, n14 / 2^20, s14, t14
    }'
    echo "- EXTRAPOLATION (not measured): $extrapolate_rows scans a night, $extrapolate_nights nights stored:" \
        "about $extrap_stays stays ($stays_per_row stays per scan row, as measured here);" \
        "one nightly ingest would peak near $extrap_gb GB ($fixed_gb fixed, the process as ctrace --version;" \
        "$dump_gb for the night's dump, the rest of the intercept times $extrapolate_rows / $mean_rows rows a night;" \
        "$window_gb for the stored stays, the slope times the stays) and take about $extrap_s s on this machine" \
        "($(awk -v g="$extrap_gb" 'BEGIN { print (g <= 24 ? "fits" : "does not fit") }') in 24 GB; GB = 2^30 bytes, MB = 2^20)"
    echo "- the city: ctrace gen ${gen[*]}: $persons persons, $(number 'places' "$(cat "$dir/gen.log")") places," \
        "$total_rows scan rows, $min_rows-$max_rows a night (mean $mean_rows); 18-character resident ids, 12-character place codes;" \
        "14 dumps split by local date (+08:00) of 'time'"
    echo "- store after 14 nights: $store_mb MB on disk; daily, trace, snapshot and DuckDB all with --hops 2 --tz $tz and the city's $(($(wc -l <"$dir/cases.csv") - 1)) cases"
    echo "- built once, not in the comparison: ctrace snapshot of scans.csv $(printf '%.2f' "$snapshot_wall") s, $(mb "$snapshot_rss") MB${save_wall:+; DuckDB --save-db of scans.csv $(printf '%.2f' "$save_wall") s, $(mb "$save_rss") MB}"
    echo "- phases: daily: $(grep '^ctrace daily:' "$run/daily.log" | tail -n 1 | sed -nE 's/.*; ([0-9.]+ s( \(.*\))?)$/\1/p');" \
        "trace (CSV): $(grep '^ctrace trace:' "$run/trace.log" | tail -n 1 | sed -nE 's/.*; ([0-9.]+ s( \(.*\))?)$/\1/p');" \
        "trace --snapshot: $(grep '^ctrace trace:' "$run/trace-snapshot.log" | tail -n 1 | sed -nE 's/.*; ([0-9.]+ s( \(.*\))?)$/\1/p')"
    if [ $with_duckdb = 1 ]; then
        echo "- DuckDB --db phases: $(sed -n 's/^trace\.mjs: \(.*[^ ]\) \+\([0-9.]*\) s$/\1 \2 s/p' "$run/duckdb.log" | paste -sd ';' | sed 's/;/; /g')"
    fi
    echo "- $("$ctrace" --version) (ingest: ${ingest_threads:-no --threads}; trace: ${trace_threads:-no --threads}; daily: ${daily_threads:-no --threads})${duckdb_version:+; $duckdb_version, $threads threads}; $(nproc) cores, $(awk '/MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo); ingest once a night; best of $repeat alternating run(s) for the rest; $(date -u +%Y-%m-%d)"
} >>"$notes"

echo
echo "Nightly: wall time (s) and peak RSS (MB); ratios are this row over the row named in ÷:"
echo
echo "| step | data | s | MB | ÷ | time ratio | memory ratio | risk list |"
echo "|---|---|---:|---:|---|---:|---:|---|"
cat "$table"
echo
cat "$notes"
