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

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/dataset.hpp"
#include "ctrace/model/stays.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

/// A snapshot file is missing, unreadable, corrupt, of another schema or of
/// an unsupported version, or a path to write one to names a folder or a
/// missing folder. (Failing to write one is an `output_error`.)
class snapshot_error : public io_error {
public:
    using io_error::io_error;
};

inline constexpr const char* snapshot_schema = "ctrace-snapshot";
inline constexpr std::int64_t snapshot_schema_version = 1;

/// Writes `data` (and `trace`, when given, under /trace) to `path` atomically.
/// Throws `output_error` naming the file when writing fails, `snapshot_error`
/// when `path` is a folder or in a missing one; the target is then untouched.
void write_snapshot(const std::filesystem::path& path, const dataset& data,
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
void write_snapshot(class atomic_path& out, const dataset& data,
                    const trace_record* trace = nullptr, const snapshot_layout& layout = {});

/// The SHA-256 a snapshot's checksum block records: of every byte after its
/// first 512 (`tail -c +513 FILE | sha256sum`), 64 hex digits; empty for a
/// file without one. Read, not verified (`verify_snapshot` does): a name for
/// the snapshot's content that costs one read of 512 bytes.
std::string snapshot_content_digest(const std::filesystem::path& path);

/// Reads and validates a snapshot's scan data.
dataset read_snapshot(const std::filesystem::path& path);

/// Reads the /trace group of a snapshot, or nothing when it has none.
std::optional<trace_record> read_trace_record(const std::filesystem::path& path);

} // namespace ctrace
