#pragma once
/// \file
/// From input files to snapshot data: reads the places file (when given) and
/// the scans file, merges the stays and records provenance (file names,
/// sizes, SHA-256 digests, row counts, parameters).

#include "ctrace/snapshot.hpp"

#include <filesystem>
#include <optional>
#include <vector>

namespace ctrace {

struct ingest_options {
    /// One or more scans files (a dump per day, say), read in this order: ids
    /// are numbered by first appearance across them, and visits of one person
    /// at one place merge across files as within one.
    std::vector<std::filesystem::path> scans;
    std::optional<std::filesystem::path> places;
    /// tz, default dwell, skip_bad and progress of the scans reader.
    scan_read_options read;
    /// Compute the inputs' SHA-256 digests (costs one pass over the bytes,
    /// overlapped with parsing for the scans).
    bool digests = true;
};

struct ingest_result {
    snapshot data;
    /// Rows left out under `skip_bad`, in file order; `bad_row::file` names
    /// the scans file.
    std::vector<bad_row> rejects;
};

/// Throws `bad_rows_error` (strict bad rows, or any bad places row) and
/// `input_error` as the readers do.
ingest_result ingest(const ingest_options& options);

/// Provenance of a small input file (read once more to hash it).
input_file describe_input(const std::string& role, const std::filesystem::path& path,
                          std::uint64_t rows, bool digest);

} // namespace ctrace
