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

# A user the file permissions apply to. Root may write anywhere, and CI runs
# as root, so a permission error needs another user there: `unprivileged_user`
# sets the array `as_unprivileged` to the command prefix that runs a program as
# user nobody (setpriv, else runuser), or to nothing when not root, and opens
# $work to that user (read and search; the files in it are created 0644). It
# returns 1, after saying so loudly on stderr, only when root has neither
# tool: the caller then skips its permission checks.
as_unprivileged=()
unprivileged_user() {
    as_unprivileged=()
    if [ "$(id -u)" -ne 0 ]; then return 0; fi
    if command -v setpriv >/dev/null 2>&1; then
        as_unprivileged=(setpriv --reuid=nobody --regid=nogroup --clear-groups --)
    elif command -v runuser >/dev/null 2>&1; then
        as_unprivileged=(runuser -u nobody --)
    else
        printf '%s\n' "************************************************************************" \
            "SKIPPED: running as root without setpriv or runuser: no permission error" \
            "can be made, the permission check (exit 74) is NOT run" \
            "************************************************************************" >&2
        return 1
    fi
    chmod a+rx "$work"
}

# folder_for_unprivileged DIR WRITABLE: creates DIR, which the user of
# `as_unprivileged` can write in when WRITABLE is yes and cannot otherwise;
# checks that it is so (a test of a permission error must not pass because
# the error never happened).
folder_for_unprivileged() {
    local dir=$1 writable=$2
    mkdir -p "$dir"
    if [ "$writable" = yes ]; then chmod 0777 "$dir"; else chmod 0555 "$dir"; fi
    if "${as_unprivileged[@]}" touch "$dir/.probe" 2>/dev/null; then
        rm -f "$dir/.probe"
        [ "$writable" = yes ] || fail "set-up: $dir is writable by $(id -un) through '${as_unprivileged[*]}'"
    else
        [ "$writable" != yes ] || fail "set-up: $dir is not writable through '${as_unprivileged[*]}'"
    fi
}

# run_ctrace_unprivileged ARGS...: run_ctrace as the user of `as_unprivileged`.
run_ctrace_unprivileged() {
    set +e
    "${as_unprivileged[@]}" "$ctrace" "$@" >"$work/stdout" 2>"$work/stderr"
    status=$?
    set -e
}

# wait_for_pause FILE PID: waits until FILE exists, which says that process
# PID, run with CTRACE_TEST_PAUSE_BEFORE_COMMIT=FILE, is paused just before a
# commit (the test hook of lib/src/core/atomic_file.cpp; FILE holds the
# target's path). Returns 1 when PID ends first, or after ten minutes. The
# loop polls for an event; nothing depends on how long anything takes.
wait_for_pause() {
    local file=$1 pid=$2
    for _ in $(seq 1 12000); do
        [ -e "$file" ] && return 0
        if ! kill -0 "$pid" 2>/dev/null; then
            [ -e "$file" ] && return 0
            return 1
        fi
        sleep 0.05
    done
    return 1
}

# holds_open PID FILE: whether process PID has FILE open.
holds_open() {
    local pid=$1 file fd
    file=$(readlink -f "$2")
    for fd in /proc/"$pid"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "$file" ] && return 0
    done
    return 1
}

finish() {
    if [ "$failures" -gt 0 ]; then
        echo "$failures expectation(s) failed" >&2
        exit 1
    fi
    echo "all expectations held"
}
