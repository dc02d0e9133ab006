#pragma once
/// \file
/// From input files to the dataset (dataset.hpp): reads the places file (when given) and
/// the scans file, merges the stays and records provenance (file names,
/// sizes, SHA-256 digests, row counts, parameters).

#include "ctrace/model/dataset.hpp"
#include "ctrace/model/pseudonym.hpp"

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace ctrace {

/// Scans held in memory: the text a scans file holds (a front end's table
/// written out as CSV), read as a file of that text would be, on one thread.
struct scan_text {
    /// Stands for the file in messages, rejects and provenance.
    std::string name;
    /// UTF-8 CSV with the scans file's columns (shared: options are copied).
    std::shared_ptr<const std::string> text;
};

struct ingest_options {
    /// One or more scans files (a dump per day, say), read in this order: ids
    /// are numbered by first appearance across them, and visits of one person
    /// at one place merge across files as within one.
    std::vector<std::filesystem::path> scans;
    /// Scans in memory, read after the files as if they were more files.
    std::vector<scan_text> scan_texts;
    /// Scans held in columns (`read_scan_table`), read after the texts. The
    /// tables' ids must outlive the ingest.
    std::vector<std::shared_ptr<const scan_table>> scan_tables;
    std::optional<std::filesystem::path> places;
    /// How the places file is written (column names, encoding).
    place_read_options place_format;
    /// tz, default dwell, skip_bad and progress of the scans reader.
    scan_read_options read;
    /// Compute the inputs' SHA-256 digests (costs one pass over the bytes,
    /// overlapped with parsing for the scans).
    bool digests = true;
    /// When set, person ids are replaced by their pseudonyms before anything
    /// else sees them (the snapshot records the key's fingerprint).
    std::shared_ptr<const pseudonymizer> pseudonyms;
    /// How rows without check-out end (`stay_end.hpp`); unset is `dwell`.
    /// (Reading a snapshot or a store, unset takes the rule they record, and
    /// another rule than theirs is refused.)
    std::optional<stay_end_rule> stay_end;
    /// With `next_scan`: the contact level at which "another place" is
    /// judged, the level the stays will be traced at (a code's site at site
    /// level). The stays themselves stay at code level. `load_data` sets it
    /// to its source's level.
    contact_level stay_end_level = contact_level::code;
};

struct ingest_result {
    dataset data;
    /// Rows left out under `skip_bad`, in file order; `bad_row::file` names
    /// the scans file.
    std::vector<bad_row> rejects;
};

/// Throws `bad_rows_error` (strict bad rows, or any bad places row) and
/// `input_error` as the readers do.
ingest_result ingest(const ingest_options& options);

/// The parameters that reading with `options` gives a dataset's stays
/// (dwell, zone, skip_bad, the pseudonym key's fingerprint), at code level.
ingest_parameters ingest_parameters_of(const ingest_options& options);

/// Removes from rejected rows what could identify a person, for pseudonymised
/// outputs: the raw row, and any field text quoted in the reason. The line
/// number and the kind of problem stay.
void strip_identifying_text(std::vector<bad_row>& rows);

/// Provenance of a small input file (read once more to hash it).
input_file describe_input(const std::string& role, const std::filesystem::path& path,
                          std::uint64_t rows, bool digest);

} // namespace ctrace
