#!/usr/bin/env bash
# Checks that two builds of ctrace write the same bytes: every command on the
# worked examples (tiny, doors, sources) and on a generated city (rows in
# random order, resident ids), ctrace-mpi at 1-4 ranks, and the HDF5 files'
# contents apart from their `created` attribute (h5dump). For a change that
# must not change outputs (a refactoring). Not part of the test suite.
#
#   bench/same_outputs.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR [EXAMPLES_DIR]
#
# EXAMPLES_DIR defaults to ../shared/examples beside the repository.
set -euo pipefail
before=$(cd "${1:?usage: bench/same_outputs.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR}" && pwd)
after=$(cd "${2:?usage: bench/same_outputs.sh BEFORE_BUILD_DIR AFTER_BUILD_DIR}" && pwd)
here=$(cd "$(dirname "$0")/.." && pwd)
examples=$(cd "${3:-$here/../shared/examples}" && pwd)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=$(mktemp -d)
[ -n "${KEEP:-}" ] || trap 'rm -rf "$work"' EXIT
"$after/apps/ctrace" gen --persons 20000 --days 3 --order shuffled --ids resident --seed 7 \
    --out "$work/city" 2>/dev/null

# runs LABEL BUILD: every command, run in $work/LABEL (inputs by absolute path).
runs() {
    local dir=$work/$1 build=$2 ctrace=$2/apps/ctrace mpi=$2/apps/ctrace-mpi
    mkdir -p "$dir"
    cd "$dir"
    local t=$examples/tiny d=$examples/doors s=$examples/sources c=$work/city n=0
    step() { n=$((n + 1)); "$@" >"out-$n.stdout" 2>"out-$n.stderr" || echo "exit $?" >>"out-$n.stdout"; }
    for e in "$t" "$d" "$c"; do
        local name
        name=$(basename "$e")
        local in=(--scans "$e/scans.csv" --places "$e/places.csv")
        local tz=(--tz +08:00)
        step "$ctrace" trace "${in[@]}" --cases "$e/cases.csv" "${tz[@]}" --hops 3 --out "$name-risk.csv" \
            --graphml "$name-tree.graphml" --hdf5 "$name-traced.h5" --rejects "$name-rejects.csv" --quiet
        step "$ctrace" trace "${in[@]}" --cases "$e/cases.csv" "${tz[@]}" --profile cn-ed9 \
            --out "$name-cn-ed9.csv" --quiet
        step "$ctrace" trace "${in[@]}" --cases "$e/cases.csv" "${tz[@]}" --contact-level site --linger 30m \
            --monitoring 7d,3d --out "$name-site.csv" --quiet
        step "$ctrace" snapshot "${in[@]}" "${tz[@]}" --out "$name.h5" --quiet
        step "$ctrace" trace --snapshot "$name.h5" --cases "$e/cases.csv" "${tz[@]}" --out "$name-snap.csv" --quiet
        step "$ctrace" places --snapshot "$name.h5" --cases "$e/cases.csv" "${tz[@]}" --out "$name-places.csv" --quiet
        step "$ctrace" rank --snapshot "$name.h5" "${tz[@]}" --top 0 --out "$name-rank.csv" --quiet
        step "$ctrace" clusters --snapshot "$name.h5" --cases "$e/cases.csv" "${tz[@]}" --out "$name-clusters.csv" \
            --summary "$name-cluster-summary.csv" --quiet
        local who
        who=$(awk -F, 'NR > 1 && $2 >= 1 { print $1; exit }' "$name-risk.csv")
        [ -n "$who" ] && step "$ctrace" explain --risk "$name-risk.csv" --person "$who" --out "$name-explain.txt"
        [ -n "$who" ] && step "$ctrace" explain --snapshot "$name-traced.h5" --person "$who" --format csv \
            --out "$name-explain.csv"
        for ranks in 1 2 3 4; do
            step mpirun --oversubscribe -np "$ranks" "$mpi" trace "${in[@]}" --cases "$e/cases.csv" "${tz[@]}" \
                --hops 3 --out "$name-mpi-$ranks.csv" --graphml "$name-mpi-$ranks.graphml" --quiet
        done
        step mpirun --oversubscribe -np 3 "$mpi" trace --snapshot "$name.h5" --cases "$e/cases.csv" "${tz[@]}" \
            --out "$name-mpi-snap.csv" --hdf5 "$name-mpi-traced.h5" --quiet
    done
    step "$ctrace" sources --scans "$s/scans.csv" --places "$s/places.csv" --cases "$s/cases.csv" --tz +08:00 \
        --links links.csv --common-persons common-persons.csv --common-places common-places.csv --quiet
    # The store and the daily lists.
    step "$ctrace" ingest --store store --scans "$c/scans.csv" --places "$c/places.csv" --tz +08:00 --quiet
    step "$ctrace" daily --store store --cases "$c/cases.csv" --out-dir daily --as-of 2030-01-01 --tz +08:00 --quiet
    step "$ctrace" trace --store store --cases "$c/cases.csv" --tz +08:00 --out store-risk.csv --quiet
    # Stderr may name the build's folders; strip them.
    sed -i "s|$build|BUILD|g" out-*.stderr
    cd - >/dev/null
}
runs before "$before"
runs after "$after"

# HDF5 contents, without `created` and the checksum block (which covers it);
# a store's files without the times its dumps were added, which differ run to
# run (and the digests and risk-DATE.h5's name of the store state that follow).
# Digests of files ctrace made (a snapshot read again, the store's index)
# differ with those times too: only the input files' digests are kept.
sha256sum "$examples"/*/*.csv "$work"/city/*.csv | awk '{ print $1 }' >"$work/input-digests"
for side in before after; do
    find "$work/$side" -name '*.h5' | sort | while read -r f; do
        /usr/bin/python3 - "$f" "$work/input-digests" >"$f.dump" <<'PY'
import re, sys, h5py, numpy
inputs = set(open(sys.argv[2]).read().split())
def digests(text):
    return re.sub(r"[0-9a-f]{64}", lambda m: m.group(0) if m.group(0) in inputs else "<made>", text)
def show(name, obj):
    for key in sorted(obj.attrs):
        if key not in ("created", "input_added"):
            print(digests(f"{name} @ {key} {obj.attrs[key]!r}"))
    if isinstance(obj, h5py.Dataset):
        data = obj[()]
        shown = repr(data.tolist() if hasattr(data, "tolist") else data)
        print(digests(f"{name} {obj.dtype} {obj.shape} {shown if 'added' not in name else ''}"))
with h5py.File(sys.argv[1], "r") as f:
    show("/", f)
    f.visititems(show)
PY
        rm "$f"
    done
    find "$work/$side/store" -maxdepth 1 -type f \( -name 'store.json' -o -name 'manifest.csv' \) -delete
done
if diff -r "$work/before" "$work/after" >"$work/diff.txt"; then
    echo "same outputs: $(find "$work/after" -type f | wc -l) files ($work)"
else
    head -50 "$work/diff.txt"
    echo "outputs differ" >&2
    exit 1
fi
