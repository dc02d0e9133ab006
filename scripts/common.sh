# Shared by scripts/demo and scripts/test: install what is missing, build.
# Sourced, not run. Idempotent: quick when everything is already there.

set -euo pipefail
repo_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build_dir=${CTRACE_BUILD_DIR:-$repo_root/build}

# Debian 12 packages the build and the tests need.
ctrace_packages=(
    g++ clang cmake make pkg-config
    libboost-graph-dev libboost-program-options-dev
    libeigen3-dev libhdf5-dev libdeflate-dev doctest-dev libssl-dev nlohmann-json3-dev
    zlib1g-dev libzstd-dev zstd libxlsxwriter-dev libopenmpi-dev openmpi-bin
    python3-h5py python3-numpy python3-scipy python3-pandas python3-matplotlib python3-networkx
    python3-nbconvert python3-nbclient python3-nbformat python3-ipykernel python3-anndata python3-openpyxl
    python3-dev pybind11-dev python3-pybind11 python3-pytest python3-tqdm
    chromium chromium-driver python3-selenium fonts-noto-cjk
)

log() { printf '%s\n' "$*" >&2; }

install_missing_packages() {
    local missing=()
    for package in "${ctrace_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
            missing+=("$package")
        fi
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    log "Installing Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -ne 0 ] && sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends \
        "${missing[@]}" >&2
}

build_ctrace() {
    local jobs
    jobs=$(nproc 2>/dev/null || echo 2)
    if [ ! -f "$build_dir/CMakeCache.txt" ]; then
        cmake -S "$repo_root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release "$@" >&2
    fi
    cmake --build "$build_dir" -j "$jobs" >&2
}
