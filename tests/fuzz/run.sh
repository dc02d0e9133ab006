#!/usr/bin/env bash
# Builds the libFuzzer targets (once, with clang) and runs one of them for a
# bounded time. Used by CTest (label `fuzz`); also handy by hand:
#
#   tests/fuzz/run.sh build  BUILD_DIR            # configure + build the targets
#   tests/fuzz/run.sh TARGET BUILD_DIR [SECONDS]  # csv | time | snapshot
#
# A run first replays every input in tests/fuzz/regressions/TARGET/ (inputs
# that once crashed), then fuzzes from tests/fuzz/corpus/TARGET/ for SECONDS
# (default $CTRACE_FUZZ_SECONDS, else 60). New interesting inputs go to a
# working corpus in the build folder, never into the repository; a crash
# leaves its input in BUILD_DIR/artifacts/ and fails the run.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
what=$1 build=$2
if [ "$what" = build ]; then
    cxx=$(command -v clang++) cc=$(command -v clang)
    if [ ! -f "$build/CMakeCache.txt" ]; then
        cmake -S "$here" -B "$build" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_C_COMPILER="$cc" >/dev/null
    fi
    cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)"
    exit 0
fi
seconds=${3:-${CTRACE_FUZZ_SECONDS:-60}}
binary=$build/fuzz_$what
[ -x "$binary" ] || { echo "$binary missing: run '$0 build $build' first" >&2; exit 2; }
mkdir -p "$build/artifacts" "$build/corpus/$what"
regressions=$here/regressions/$what
# A huge allocation fails (returns null) as it does without a sanitizer, so
# that HDF5 reports it rather than ASan aborting; ctrace's own allocations
# throw std::bad_alloc then, which the targets do not catch, so those still
# fail the run. HDF5's own leak on that failure path is suppressed
# (snapshot.supp).
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}allocator_may_return_null=1
if [ "$what" = snapshot ]; then
    export LSAN_OPTIONS=${LSAN_OPTIONS:+$LSAN_OPTIONS:}suppressions=$here/snapshot.supp
fi
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
    "$binary" -runs=1 "$regressions"/* >/dev/null 2>"$build/artifacts/$what-regressions.log" || {
        cat "$build/artifacts/$what-regressions.log" >&2
        echo "a regression input of fuzz_$what fails again" >&2
        exit 1
    }
    echo "replayed $(ls "$regressions" | wc -l) regression inputs"
fi
# -timeout: an input taking over 10 s counts as a hang; -rss_limit_mb: as a
# memory blow-up. Both fail the run like a crash.
"$binary" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$build/artifacts/$what-" "$build/corpus/$what" "$here/corpus/$what" \
    2>"$build/artifacts/$what.log" || {
    tail -n 60 "$build/artifacts/$what.log" >&2
    echo "fuzz_$what found a failing input: see $build/artifacts/ (add it to" \
        "tests/fuzz/regressions/$what/ with a regression test once fixed)" >&2
    exit 1
}
grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/artifacts/$what.log" || true
