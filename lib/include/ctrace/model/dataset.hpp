#pragma once
/// \file
/// The dataset: what ctrace knows after reading scans (ids, merged stays, the
/// places file's metadata, the parameters that shaped the stays, the input
/// files), and the record of a trace run on it. Snapshots (`storage/
/// snapshot.hpp`) and stores write and read it; they do not own it.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/stay_end.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/model/trace_result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

/// Whether stays are at the place codes scanned or at their sites
/// (`sites.hpp`, docs/semantics.md §8.1).
enum class contact_level { code, site };

/// `code` or `site`; throws `parameter_error` for "contact_level" otherwise.
contact_level parse_contact_level(std::string_view text);
std::string_view contact_level_name(contact_level level) noexcept;

/// One input file that went into a snapshot.
struct input_file {
    std::string role; ///< "scans", "places" or "cases"
    std::string path; ///< as given on the command line
    std::uint64_t bytes = 0;
    std::string sha256;              ///< hex
    std::uint64_t rows = 0;          ///< data rows read (scans: good and bad)
    std::uint64_t rows_rejected = 0; ///< bad rows left out under --skip-bad
    /// When the file was added to the data (ISO 8601 UTC); empty when the
    /// snapshot's `created` says it.
    std::string added;
};

/// The ingest parameters that shaped the stays.
struct ingest_parameters {
    duration default_dwell = defaults::dwell;
    utc_offset tz{};
    bool skip_bad = false;
    /// Code level, or rolled up to sites (`sites.hpp`).
    contact_level level = contact_level::code;
    /// How rows without check-out ended (`stay_end.hpp`), and with
    /// `next_scan` the level at which "another place" was judged: such stays
    /// can only be traced at that level.
    stay_end_rule stay_end = stay_end_rule::dwell;
    contact_level stay_end_level = contact_level::code;
    /// Empty when person ids are as read; else they are keyed pseudonyms
    /// (`pseudonym.hpp`) and this is the key's fingerprint.
    std::string pseudonym_key;
};

/// The scan data, as read from scans, a snapshot or a store.
struct dataset {
    id_table persons;
    /// Place ids; the first `place_info.size()` are those of the places file.
    id_table places;
    /// The places file's metadata (empty when there was none).
    place_table place_info;
    stay_table stays;
    ingest_parameters parameters;
    std::vector<input_file> inputs;
    std::uint64_t rows_read = 0;
    std::uint64_t rows_rejected = 0;
    /// Set by `read_snapshot`: the writer's `generator` and `created` attributes.
    std::string generator;
    std::string created;
};

/// A trace result with everything needed to interpret it.
struct trace_record {
    trace_parameters parameters;
    duration lookback = defaults::lookback;
    utc_offset tz{};
    std::vector<index_case> cases;
    trace_result result;
    std::vector<input_file> inputs; ///< the cases file
};

} // namespace ctrace
