#pragma once
/// \file
/// The index of an appending store (store version 2, docs/nightly.md and
/// docs/store-design.md): which files hold the stored window, read from and
/// written to `DIR/store.json`.
///
/// A store folder holds:
/// - `store.json`: this state. It is replaced by rename, last, so it always
///   names complete files; it is the commit point of an ingest.
/// - `ids-NNNNNN.h5`: every person and place the store ever numbered, in
///   store numbering (fixed for the store's life), with the places file's
///   metadata; an indexed snapshot without stays.
/// - `part-NNNNNN.h5`: one partition per ingest, an indexed snapshot of the
///   stays that ingest wrote, in store numbering. Never rewritten.
/// - `rows-NNNNNN.bin`: in a store of the next-scan rule only, the scan rows
///   behind each stay of `part-NNNNNN.h5`, so that a later dump can cut them
///   (docs/nightly.md).
/// - `deleted-NNNNNN-MMMMMM.u32`: rows of partition NNNNNN that ingest MMMMMM
///   replaced (merged with its dump into stays of its own partition), as
///   ascending little-endian uint32 values.
/// - `manifest.csv`, `rejects/`, `.lock`: as in version 1.
///
/// Times are epoch seconds (UTC); a stay `[start, end)` is past the retention
/// when `end < cutoff`.

#include "ctrace/core/types.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ctrace {

inline constexpr std::int64_t store_format_version = 2;

/// Rows of a partition that a later ingest replaced.
struct deleted_rows {
    std::string file;
    std::uint64_t rows = 0;
    std::string sha256; ///< of the file's bytes
};

/// One partition in force.
struct stored_partition {
    std::string file;
    std::string sha256; ///< the digest its checksum block records
    std::uint64_t stays = 0;
    /// Over its rows: smallest start, smallest end, largest end.
    time_point first_start = 0, first_end = 0, last_end = 0;
    std::vector<deleted_rows> deleted;
    /// A next-scan store's `rows-NNNNNN.bin`: the scan rows behind each of
    /// its stays (empty for a dwell store), and the SHA-256 of its bytes.
    std::string rows_file, rows_sha256;
};

struct store_state {
    /// The reading rules every dump is read with (fixed by the first ingest).
    ingest_parameters parameters;
    std::string ids_file;
    std::string ids_sha256; ///< the digest its checksum block records
    std::vector<stored_partition> partitions;
    /// Stays ending before this are past the retention (none: nothing is).
    std::optional<time_point> cutoff;
    /// The largest stay end ever stored (none: no stay yet).
    std::optional<time_point> latest_end;
    /// Stays in force: not replaced, not past the retention.
    std::uint64_t stays = 0;
    std::uint64_t rows_read = 0, rows_rejected = 0;
    /// The number the next file written gets.
    std::uint64_t next_serial = 1;
    /// Places the ids file's metadata rows cover without the places file
    /// listing them (ascending; rows with no metadata, docs/nightly.md).
    std::vector<place_index> unlisted_places;
    /// The manifest: every file ever ingested.
    std::vector<input_file> inputs;
};

std::filesystem::path store_state_path(const std::filesystem::path& folder);

/// Whether `folder` holds a version-2 store (`store.json`).
bool is_appending_store(const std::filesystem::path& folder);

/// Reads `folder/store.json`. Throws `snapshot_error` naming it when it is
/// unreadable, not JSON, of another format or version, or inconsistent.
store_state read_store_state(const std::filesystem::path& folder);

/// The text of `store.json` for `state`.
std::string store_state_json(const store_state& state);

/// `NNNNNN` as six digits at least.
std::string store_serial(std::uint64_t serial);

} // namespace ctrace
