# Helpers for the CLI end-to-end tests. Each test script is run by CTest as
#   bash test_X.sh CTRACE_BINARY FIXTURES_DIR
# and fails on the first broken expectation.
set -euo pipefail
ctrace=$1
fixtures=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

fail() {
    printf 'FAIL: %s\n' "$*" >&2
    failures=$((failures + 1))
}

# run_ctrace: runs ctrace with the given arguments, capturing stdout, stderr
# and the exit status in $work/stdout, $work/stderr and $status.
run_ctrace() {
    set +e
    "$ctrace" "$@" >"$work/stdout" 2>"$work/stderr"
    status=$?
    set -e
}

expect_status() {
    [ "$status" -eq "$1" ] || fail "$2: exit status $status, expected $1 (stderr: $(head -c 400 "$work/stderr"))"
}

expect_stderr_has() {
    grep -qF -- "$1" "$work/stderr" || fail "$2: stderr lacks '$1' (stderr: $(head -c 400 "$work/stderr"))"
}

expect_same_file() {
    cmp -s "$1" "$2" || { fail "$3: $1 differs from $2"; diff "$1" "$2" >&2 || true; }
}

# one_line_naming WHAT TEXT...: stderr is one line and holds every TEXT.
one_line_naming() {
    local what=$1
    shift
    [ "$(wc -l <"$work/stderr")" -eq 1 ] || fail "$what: stderr is not one line: $(cat "$work/stderr")"
    for text in "$@"; do expect_stderr_has "$text" "$what"; done
}

# no_temporaries DIR: no temporary output files left in DIR.
no_temporaries() {
    local left
    left=$(find "$1" -maxdepth 1 -name '.*.tmp-*' | head -5)
    [ -z "$left" ] || fail "temporary files left behind: $left"
}

finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$failures expectation(s) failed" >&2
        exit 1
    fi
    echo "all expectations held"
}
