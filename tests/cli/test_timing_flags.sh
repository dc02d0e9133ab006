# --lookback, --dwell and --latency from the command line against risk lists
# computed by hand (tests/fixtures/timing/README.md): each flag changes the
# list, row by row.
source "$(dirname "$0")/lib.sh"
dir=$fixtures/timing
inputs=(--scans "$dir/scans.csv" --places "$dir/places.csv" --cases "$dir/cases.csv" -q)

run_ctrace trace "${inputs[@]}" --out "$work/risk.csv"
expect_status 0 "the defaults"
expect_same_file "$work/risk.csv" "$dir/risk.csv" "the defaults"

# check_flag NAME ARGS...: trace with ARGS writes $dir/risk-NAME.csv, which
# differs from the defaults' list.
check_flag() {
    local name=$1
    shift
    cmp -s "$dir/risk-$name.csv" "$dir/risk.csv" && fail "risk-$name.csv is the defaults' list"
    run_ctrace trace "${inputs[@]}" "$@" --out "$work/risk-$name.csv"
    expect_status 0 "$*"
    expect_same_file "$work/risk-$name.csv" "$dir/risk-$name.csv" "$*"
}
check_flag lookback-2d --lookback 2d
check_flag dwell-90m --dwell 90m
check_flag dwell-30m --dwell 30m
check_flag latency-2h30m --latency 2h30m
check_flag lookback-2d --lookback 172800
check_flag latency-2h30m --latency 9000

# Latency past the end of B's meeting with L: L is not listed.
grep -v '^L,' "$dir/risk.csv" >"$work/no-L.csv"
run_ctrace trace "${inputs[@]}" --latency 3h30m --out "$work/latency-3h30m.csv"
expect_status 0 "--latency 3h30m"
expect_same_file "$work/latency-3h30m.csv" "$work/no-L.csv" "--latency 3h30m"

# The defaults written out are the list without the flags.
run_ctrace trace "${inputs[@]}" --lookback 4d --dwell 60m --latency 0 --out "$work/explicit.csv"
expect_status 0 "the defaults given explicitly"
expect_same_file "$work/explicit.csv" "$dir/risk.csv" "the defaults given explicitly"
finish
