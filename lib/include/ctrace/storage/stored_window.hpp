#pragma once
/// \file
/// The stays of an appending store (`store_state.hpp`) read in place: the ids
/// file and every partition in force are mapped (`indexed_snapshot.hpp`),
/// and a query reads only the runs its frontier reaches, in each partition,
/// skipping rows a later ingest replaced and rows past the retention.
///
/// Opening reads `store.json`, the 512-byte checksum block of every file it
/// names (each must record the digest the index does, so a file swapped or
/// replaced is refused) and the small files of replaced rows (their SHA-256
/// checked). Not thread-safe: one query at a time per object.

#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "ctrace/storage/store_state.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace ctrace {

class stored_window {
public:
    /// Opens the version-2 store in `folder`; nothing when the folder holds
    /// none (no `store.json`). Throws `snapshot_error` naming the file when
    /// the index or a file it names is missing, damaged or not the one the
    /// index recorded. An ingest that commits meanwhile is waited out: a file
    /// it removed is looked for again under the new index.
    static std::unique_ptr<stored_window> open(const std::filesystem::path& folder);
    ~stored_window();
    stored_window(const stored_window&) = delete;
    stored_window& operator=(const stored_window&) = delete;

    const std::filesystem::path& folder() const noexcept { return folder_; }
    const store_state& state() const noexcept { return state_; }
    /// The ids file: persons and places in store numbering, the places
    /// file's metadata, the reading rules.
    const indexed_snapshot& ids() const noexcept { return *ids_; }
    std::size_t partition_count() const noexcept { return parts_.size(); }
    const indexed_snapshot& partition(std::size_t k) const { return *parts_[k].data; }
    const stored_partition& partition_entry(std::size_t k) const { return state_.partitions[k]; }
    /// Whether row `row` of partition `k` is in force: not replaced by a
    /// later ingest and not past the retention. Reads the row's end: check
    /// the row first.
    bool in_force(std::size_t k, std::size_t row) const;
    /// `cutoff` of the state, or the smallest time.
    time_point cutoff() const noexcept { return cutoff_; }
    /// The digest that names this store state: the SHA-256 of `store.json`.
    const std::string& state_digest() const noexcept { return state_digest_; }

    /// Every stay in force as one snapshot in the layout `read_snapshot`
    /// gives, as version 1 stored it: persons and places that no stay in
    /// force refers to are left out (places of the places file stay), and
    /// the rest keep their order. Every byte of every partition is checked.
    dataset read_whole() const;

    /// Checks every file the index names completely (`verify_snapshot`, the
    /// replaced rows' digests) and that the partitions agree with the index;
    /// returns the bytes checked.
    std::uint64_t verify() const;

private:
    stored_window() = default;
    struct part {
        std::unique_ptr<indexed_snapshot> data;
        std::vector<std::uint32_t> deleted; ///< ascending
    };
    std::filesystem::path folder_;
    store_state state_;
    std::string state_digest_;
    std::unique_ptr<indexed_snapshot> ids_;
    std::vector<part> parts_;
    time_point cutoff_ = 0;
};

/// Reads the stays of the store in `folder`, whichever version it is: a
/// version-2 store whole (`stored_window::read_whole`), a version-1 store's
/// `snapshot.h5` with `read_snapshot`. Throws `input_error` when the folder
/// holds no store.
dataset read_store(const std::filesystem::path& folder);

/// Reads the ascending uint32 rows of a file of replaced rows, checking its
/// SHA-256 against `sha256` (`snapshot_error` naming it otherwise).
std::vector<std::uint32_t> read_deleted_rows(const std::filesystem::path& path,
                                             const std::string& sha256);

} // namespace ctrace
