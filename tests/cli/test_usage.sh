# Help, version, usage errors and their exit statuses.
source "$(dirname "$0")/lib.sh"
tiny=$fixtures/tiny

run_ctrace --version
expect_status 0 "--version"
grep -Eq '^ctrace [0-9]+\.[0-9]+\.[0-9]+$' "$work/stdout" || fail "--version output: $(cat "$work/stdout")"

for args in "help" "--help" "help trace" "trace --help"; do
    # shellcheck disable=SC2086
    run_ctrace $args
    expect_status 0 "ctrace $args"
    [ -s "$work/stdout" ] || fail "ctrace $args prints nothing"
done
run_ctrace help trace
for option in --scans --cases --places --out --dwell --min-overlap --hops --latency --until \
    --quarantine --monitoring --lookback --tz --skip-bad --rejects; do
    grep -qF -- "$option" "$work/stdout" || fail "help trace does not mention $option"
done
grep -qF '(=15m)' "$work/stdout" || fail "help trace does not show the --min-overlap default"
grep -qF '(=14d)' "$work/stdout" || fail "help trace does not show the --quarantine default"

for command in ingest daily; do
    run_ctrace help "$command"
    expect_status 0 "help $command"
    for text in --store --log "Exit status" " 75 "; do
        grep -qF -- "$text" "$work/stdout" || fail "help $command does not mention '$text'"
    done
done
run_ctrace help ingest
grep -qF '(=28d)' "$work/stdout" || fail "help ingest does not show the --retention default"
run_ctrace help daily
for option in --cases --out-dir --as-of --hops --min-overlap --quarantine --monitoring; do
    grep -qF -- "$option" "$work/stdout" || fail "help daily does not mention $option"
done
for command in trace sources places explain daily; do
    run_ctrace help "$command"
    for option in --xlsx --lang "(=en)" docs/excel.md; do
        grep -qF -- "$option" "$work/stdout" || fail "help $command does not mention $option"
    done
done
run_ctrace ingest --scans "$tiny/scans.csv"
expect_status 2 "ingest without --store"
expect_stderr_has "--store is required" "ingest without --store"

run_ctrace
expect_status 2 "no command"
run_ctrace frobnicate
expect_status 2 "unknown command"
expect_stderr_has "frobnicate" "unknown command named"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" --out "$work/r.csv" --bogus
expect_status 2 "unknown option"
run_ctrace trace --scans "$tiny/scans.csv" --out "$work/r.csv"
expect_status 2 "missing --cases"
expect_stderr_has "--cases" "missing option named"
for bad in "--hops -1" "--min-overlap 15x" "--tz +25:00" "--until yesterday" "--dwell 1m1h" "--hops two"; do
    # shellcheck disable=SC2086
    run_ctrace trace --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" --out "$work/r.csv" $bad
    expect_status 2 "bad option value $bad"
    expect_stderr_has "${bad%% *}" "bad option named ($bad)"
done
[ ! -e "$work/r.csv" ] || fail "an output was written by a failed run"
run_ctrace trace --scans "$work/missing.csv" --cases "$tiny/cases.csv" --out "$work/r.csv"
expect_status 2 "missing scans file"
expect_stderr_has "$work/missing.csv" "missing file named"
run_ctrace trace --scans "$tiny/scans.csv" --cases "$tiny/cases.csv" --out "$work/no/such/dir/r.csv"
expect_status 2 "output folder missing"

# --verbose: the CPUs busy in each phase of a trace, after the summary line.
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --out "$work/r.csv" --tz +08:00 --verbose
expect_status 0 "trace --verbose"
grep -qE '^ctrace trace: CPUs busy by phase \(CPU seconds of all threads per wall second\): read ([0-9]+\.[0-9]{2}|-), graph ([0-9]+\.[0-9]{2}|-), trace ([0-9]+\.[0-9]{2}|-), write ([0-9]+\.[0-9]{2}|-)$' "$work/stderr" ||
    fail "trace --verbose: no line of CPUs busy by phase: $(cat "$work/stderr")"
run_ctrace trace --scans "$tiny/scans.csv" --places "$tiny/places.csv" --cases "$tiny/cases.csv" \
    --out "$work/r.csv" --tz +08:00
grep -q 'CPUs busy' "$work/stderr" && fail "trace without --verbose gives the CPUs busy"
finish
