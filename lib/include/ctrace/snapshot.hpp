#pragma once
/// \file
/// HDF5 snapshots: the ingested scan data (ids, merged stays, the person–place
/// incidence matrix, place metadata, provenance) and optionally a trace result,
/// in the documented layout of docs/hdf5-schema.md (schema "ctrace-snapshot",
/// version 1). Readable with nothing but h5py, numpy and scipy.
///
/// Files are written to a temporary name beside the target and renamed into
/// place, so a reader never sees half a file. A SHA-256 of the content sits in
/// the file's first 512 bytes (HDF5's user block); reading checks it, the
/// schema, the version and the consistency of every column, and throws
/// `snapshot_error` naming the file for anything that is not a valid snapshot.

#include "ctrace/cases.hpp"
#include "ctrace/defaults.hpp"
#include "ctrace/error.hpp"
#include "ctrace/id_table.hpp"
#include "ctrace/scans.hpp"
#include "ctrace/stays.hpp"
#include "ctrace/time.hpp"
#include "ctrace/trace.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
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

/// A snapshot file is missing, unreadable, corrupt, of another schema or of
/// an unsupported version, or a path to write one to names a folder or a
/// missing folder. (Failing to write one is an `output_error`.)
class snapshot_error : public io_error {
public:
    using io_error::io_error;
};

inline constexpr const char* snapshot_schema = "ctrace-snapshot";
inline constexpr std::int64_t snapshot_schema_version = 1;

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
    /// Empty when person ids are as read; else they are keyed pseudonyms
    /// (`pseudonym.hpp`) and this is the key's fingerprint.
    std::string pseudonym_key;
};

/// The scan data of a snapshot.
struct snapshot {
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

/// Writes `data` (and `trace`, when given, under /trace) to `path` atomically.
/// Throws `output_error` naming the file when writing fails, `snapshot_error`
/// when `path` is a folder or in a missing one; the target is then untouched.
void write_snapshot(const std::filesystem::path& path, const snapshot& data,
                    const trace_record* trace = nullptr);

/// What of a snapshot is written.
struct snapshot_layout {
    /// False for a store's partition (store_state.hpp), whose ids live in the
    /// store's ids file: no `/persons/id`, no person id columns in `/index`
    /// and no `/graph`; `/persons` holds the count of persons as its
    /// attribute `count`, and the index block says `person_ids none`. Such a
    /// file is read in place only (`indexed_snapshot`), not by `read_snapshot`.
    bool person_ids = true;
};

/// Writes into `out.temporary()` without committing, so a caller can stage
/// several outputs and commit them together.
void write_snapshot(class atomic_path& out, const snapshot& data,
                    const trace_record* trace = nullptr, const snapshot_layout& layout = {});

/// The SHA-256 a snapshot's checksum block records: of every byte after its
/// first 512 (`tail -c +513 FILE | sha256sum`), 64 hex digits; empty for a
/// file without one. Read, not verified (`verify_snapshot` does): a name for
/// the snapshot's content that costs one read of 512 bytes.
std::string snapshot_content_digest(const std::filesystem::path& path);

/// Reads and validates a snapshot's scan data.
snapshot read_snapshot(const std::filesystem::path& path);

/// Reads the /trace group of a snapshot, or nothing when it has none.
std::optional<trace_record> read_trace_record(const std::filesystem::path& path);

} // namespace ctrace
