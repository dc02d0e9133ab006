#pragma once
/// \file
/// A rolling store for nightly batch jobs: a folder whose state is one
/// complete snapshot, fed one scan dump at a time.
///
/// Layout of a store folder `DIR` (docs/nightly.md):
/// - `DIR/snapshot.h5`: the state, a snapshot in the documented layout. Its
///   provenance (`input_*` attributes) is the manifest: one entry per file
///   ever ingested, with SHA-256, rows, rows rejected and when it was added.
/// - `DIR/manifest.csv`: the same manifest as CSV, rewritten after each ingest
///   (a convenience; the snapshot is the truth).
/// - `DIR/rejects/<sha256>.csv`: the rows a `--skip-bad` ingest left out of
///   that dump (`line,reason,raw`), when there were any.
/// - `DIR/.lock`: an empty file other jobs lock (POSIX record lock); it is
///   never deleted. The kernel drops the lock when its holder dies.
///
/// Every file is replaced atomically and the temporary files have no name
/// until the commit (O_TMPFILE), so a process killed at any moment leaves the
/// folder exactly as it was.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/pseudonym.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <sys/types.h>
#include <utility>
#include <vector>

namespace ctrace {

/// Another process holds the store's lock.
class store_busy_error : public error {
public:
    store_busy_error(const std::string& message, pid_t holder) : error(message), holder_(holder) {}
    /// The holder's process id (0 when the system did not say).
    pid_t holder() const noexcept { return holder_; }

private:
    pid_t holder_;
};

/// The exclusive lock of a store folder, held for the object's lifetime.
/// Creates the folder (and its lock file) when `create` is set.
class store_lock {
public:
    /// Throws `store_busy_error` naming the holder's pid at once when another
    /// process holds it (never waits), `output_error` when the folder or its
    /// lock file cannot be created (permission, read-only, full), `io_error`
    /// when the path is named wrongly, and `input_error` when it does not
    /// exist and `create` is false.
    store_lock(const std::filesystem::path& folder, bool create);
    ~store_lock();
    store_lock(const store_lock&) = delete;
    store_lock& operator=(const store_lock&) = delete;
    const std::filesystem::path& folder() const noexcept { return folder_; }

private:
    std::filesystem::path folder_;
    int fd_ = -1;
    std::pair<dev_t, ino_t> identity_{}; ///< of the lock file
};

/// Paths inside a store folder.
std::filesystem::path store_snapshot_path(const std::filesystem::path& folder);
std::filesystem::path store_manifest_path(const std::filesystem::path& folder);
std::filesystem::path store_rejects_path(const std::filesystem::path& folder,
                                         const std::string& sha256);

struct store_ingest_options {
    std::filesystem::path scans;
    /// A places file: its places are listed first, and its metadata and
    /// dwells replace those the store had for the places it lists.
    std::optional<std::filesystem::path> places;
    /// How the places file is written (column names, encoding).
    place_read_options place_format;
    /// Reading options. `tz` and `default_dwell` must match the store's
    /// (checked unless the matching `*_given` is false: then the store's apply).
    scan_read_options read;
    bool tz_given = false;
    bool dwell_given = false;
    /// How rows without check-out end (`stay_end.hpp`), and the level at
    /// which "another place" is judged when they end at the next scan. Both
    /// are fixed by the first ingest (unset: `dwell`, and `code`); a later
    /// ingest takes the store's and refuses others (`parameter_error`). A
    /// dwell store keeps the codes scanned and is traced at either level, so
    /// it takes no level but `code`.
    std::optional<stay_end_rule> stay_end;
    std::optional<contact_level> stay_end_level;
    /// Stays that end more than this before the latest stay end in the store
    /// are dropped after the ingest, with the ids no stay refers to anymore.
    duration retention = defaults::retention;
    /// Time of the ingest, for the manifest (epoch seconds, UTC).
    time_point now = 0;
    /// Pseudonymise person ids with this key. A store is pseudonymised from
    /// its first ingest or never, always with the same key: anything else is
    /// refused (`input_error`).
    std::shared_ptr<const pseudonymizer> pseudonyms;
};

struct store_ingest_result {
    /// The dump's SHA-256 was already in the manifest: nothing was changed.
    bool already_ingested = false;
    /// The folder held a version-1 store (`snapshot.h5`), migrated first.
    bool migrated = false;
    /// The manifest entry of the dump (the earlier one when already ingested).
    input_file input;
    std::vector<bad_row> rejects;
    std::size_t stays_before = 0, stays_after = 0;
    /// Stays past the retention after this ingest that were in force before
    /// it (or that it wrote already past it). Ids are never dropped: their
    /// numbering is fixed for the store's life.
    std::size_t stays_expired = 0;
    /// Persons and places the store has numbered.
    std::size_t persons = 0, places = 0;
    /// Stays ending before this were dropped (none when no stays).
    std::optional<time_point> retention_cutoff;
};

/// Adds one scan dump to the store whose lock is `lock`: reads the store's
/// snapshot (none: an empty store), reads the dump, merges its visits with
/// the stored stays exactly as if all dumps had been read at once (under
/// the next-scan rule, the dump's rows also cut the stored rows they follow
/// and are cut by those they precede, in any order of dumps), applies
/// the retention and commits the new snapshot, rejects and manifest. Throws
/// like `ingest` and `read_snapshot`, `parameter_error` when `tz`,
/// `default_dwell` or `pseudonyms` differ from the store's, and
/// `output_error` when the new files cannot be written; a failure leaves the
/// store unchanged.
store_ingest_result ingest_into_store(const store_lock& lock, const store_ingest_options& options);

/// Drops the stays that end before `cutoff` and the persons no remaining
/// stay refers to; places no stay refers to are dropped too unless the places
/// file lists them. Index order is kept. Returns (stays, persons, places)
/// dropped.
struct retention_counts {
    std::size_t stays = 0, persons = 0, places = 0;
};
retention_counts drop_stays_ending_before(dataset& data, time_point cutoff);

} // namespace ctrace
