#!/usr/bin/env bash
# Writes the snapshots the Python tests and the notebooks run against
# (CTest fixture test_snapshots, see tests/CMakeLists.txt):
#   OUT_DIR/data.h5        ctrace snapshot on DATA_DIR
#   OUT_DIR/data-trace.h5  ctrace trace --hdf5 on DATA_DIR (tz +08:00)
#   OUT_DIR/data-risk.csv  the risk list of that trace
# Usage: build_test_snapshots.sh CTRACE_BIN DATA_DIR OUT_DIR
set -euo pipefail
if [ $# -ne 3 ]; then
    echo "usage: $0 CTRACE_BIN DATA_DIR OUT_DIR" >&2
    exit 2
fi
ctrace=$1 data=$2 out=$3
mkdir -p "$out"
"$ctrace" snapshot --scans "$data/scans.csv" --places "$data/places.csv" --tz +08:00 \
    --out "$out/data.h5"
"$ctrace" trace --scans "$data/scans.csv" --places "$data/places.csv" --cases "$data/cases.csv" \
    --tz +08:00 --out "$out/data-risk.csv" --hdf5 "$out/data-trace.h5"
