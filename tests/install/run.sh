#!/usr/bin/env bash
# The library others can link: installs this build into a temporary prefix,
# then configures, builds and runs a project outside ctrace against it
# (tests/install/consumer) with nothing but find_package(ctrace).
#
#   tests/install/run.sh BUILD_DIR SNAPSHOT.h5
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$1 snapshot=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "install test: $*" >&2; exit 1; }

cmake --install "$build" --prefix "$work/prefix" >"$work/install.log" || { cat "$work/install.log" >&2; fail "cmake --install failed"; }
[ -f "$work/prefix/include/ctrace/storage/snapshot.hpp" ] || fail "no public header installed"
[ -f "$work/prefix/include/ctrace/ctrace.hpp" ] || fail "no umbrella header installed"
# The generator is a target of its own, not part of the installed library.
[ ! -e "$work/prefix/include/ctrace/gen" ] || fail "the generator's header installed"
[ -f "$work/prefix/lib/cmake/ctrace/ctraceConfig.cmake" ] || fail "no package configuration installed"
# Only the public headers: the library's private ones stay in the source tree.
[ -z "$(find "$work/prefix/include" -name 'tracer.hpp' -o -name 'h5.hpp')" ] || fail "private headers installed"
cmake -S "$here/consumer" -B "$work/consumer" -DCMAKE_PREFIX_PATH="$work/prefix" \
    -DCMAKE_BUILD_TYPE=Release >"$work/configure.log" 2>&1 || { cat "$work/configure.log" >&2; fail "the consumer does not configure"; }
cmake --build "$work/consumer" >"$work/build.log" 2>&1 || { cat "$work/build.log" >&2; fail "the consumer does not build"; }
out=$("$work/consumer/consumer" "$snapshot") || fail "the consumer failed"
[ "$out" = "12 persons, 4 places, 22 stays" ] || fail "the consumer printed '$out'"
echo "installed, found, built and ran: $out"
