# shellcheck shell=bash disable=SC2154
# Shared by bench/run.sh and bench/nightly.sh; sourced, not run. Expects
# $repo_root, $ctrace and $threads to be set.

duckdb_dir=$repo_root/bench/duckdb

# install_duckdb_client SCRIPT: installs the pinned DuckDB client into
# bench/duckdb/node_modules when it is missing (SCRIPT names the caller in
# messages). npm ci wants every platform's optional binding in the lock file;
# a registry that lacks some makes it fail, and npm install does instead.
install_duckdb_client() {
    if [ ! -d "$duckdb_dir/node_modules/@duckdb/node-api" ]; then
        echo "$1: installing the DuckDB client into bench/duckdb/node_modules" >&2
        (cd "$duckdb_dir" && { npm ci --no-audit --no-fund >&2 || npm install --no-audit --no-fund >&2; })
    fi
}

# ctrace_threads COMMAND: "--threads N" where ctrace COMMAND has the option.
has_threads() { "$ctrace" help "$1" 2>&1 | grep -q -- '--threads'; }
ctrace_threads() { if has_threads "$1"; then echo "--threads $threads"; fi; }
