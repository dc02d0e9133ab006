#pragma once
/// \file
/// A snapshot read in place: only the stays, ids and offsets a query touches
/// are read (docs/hdf5-schema.md, "Index block" and "/index").
///
/// The file is mapped read-only; its index block says where each column is.
/// Every 4096-byte block of a column is checked against its CRC-32 the first
/// time a query reads it, and every value read is checked against the
/// column's bounds, so a damaged or altered file is a `snapshot_error`
/// naming it, never a wrong answer or a crash. `verify_snapshot` checks every
/// byte. Not thread-safe: one query at a time per object (the checks keep
/// state).
///
/// Snapshots ctrace wrote before indexed reads have no index block: `open`
/// returns nothing, and the caller reads them whole (`read_snapshot`).

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/storage/snapshot.hpp"

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

/// The stays of a snapshot as read-only columns in place, in the order and
/// meaning of `stay_table` (sorted by place, start, person; the rows of place
/// `x` are `[place_begin[x], place_begin[x + 1])`).
struct stay_columns {
    std::span<const person_index> person;
    std::span<const place_index> place;
    std::span<const time_point> start;
    std::span<const time_point> end;
    std::span<const std::uint64_t> place_begin;
    std::span<const duration> place_longest;
    /// Checks the rows a search by start settles on (`confirm_rows`).
    const class indexed_snapshot* owner = nullptr;

    std::size_t size() const noexcept { return person.size(); }
    /// Called by a search by start within place `x` (exposure_rules.hpp)
    /// with the rows `[first, last)` it found for starts in `[earliest,
    /// latest]`: checks those rows and the rows bounding them, and that they
    /// bound them, before any is used (see `indexed_snapshot::confirm_rows`).
    void confirm_rows(place_index x, std::size_t first, std::size_t last, time_point earliest,
                      time_point latest) const;
};

class indexed_snapshot {
public:
    /// Opens `path` for indexed reads. Nothing when the file has no index
    /// block (a snapshot from an earlier ctrace, or not a snapshot: read it
    /// with `read_snapshot`, which says which). Throws `snapshot_error` when
    /// the index block is damaged or names columns outside the file.
    static std::unique_ptr<indexed_snapshot> open(const std::filesystem::path& path);
    ~indexed_snapshot();
    indexed_snapshot(const indexed_snapshot&) = delete;
    indexed_snapshot& operator=(const indexed_snapshot&) = delete;

    const std::string& file() const noexcept { return file_; }
    std::size_t person_count() const noexcept { return person_count_; }
    std::size_t place_count() const noexcept { return place_count_; }
    std::size_t stay_count() const noexcept { return stay_count_; }
    std::uint64_t rows_read() const noexcept { return rows_read_; }
    std::uint64_t rows_rejected() const noexcept { return rows_rejected_; }
    utc_offset tz() const noexcept { return tz_; }
    duration default_dwell() const noexcept { return default_dwell_; }
    contact_level level() const noexcept { return level_; }
    /// How rows without check-out ended, and the level "another place" was
    /// judged at (`ingest_parameters`).
    stay_end_rule stay_end() const noexcept { return stay_end_; }
    contact_level stay_end_level() const noexcept { return stay_end_level_; }
    /// The pseudonym key's fingerprint; empty when ids are as read.
    const std::string& pseudonym_key() const noexcept { return pseudonym_key_; }

    /// The index of the person with this id, or `id_table::npos`: a binary
    /// search over the ids in byte order (about 21 ids read for 2 million).
    person_index find_person(std::string_view id) const;
    std::string_view person_id(person_index p) const;
    std::string_view place_id(place_index x) const;
    /// The position of person `p`'s id among all persons' ids in byte order,
    /// when the snapshot records it (else `npos`): one integer compare
    /// orders two persons' ids.
    std::uint32_t person_rank(person_index p) const;
    /// The number of persons whose id is byte-wise below `id`.
    std::size_t persons_below(std::string_view id) const;

    /// The rows (in `stays()`) of person `p`'s stays, in (place, start) order.
    std::span<const std::uint32_t> stays_of_person(person_index p) const;
    /// `stays_of_person(p)`, each row checked (`check_row`): what a query
    /// reads of a person's own stays.
    std::span<const std::uint32_t> checked_stays_of_person(person_index p) const;
    /// The place of stay `row`.
    place_index place_of(std::size_t row) const;
    /// The stay columns after `check_place(x)`: what a query searches at `x`.
    const stay_columns& stays_at(place_index x) const {
        check_place(x);
        return stays_;
    }
    /// The stay columns. Readable: the rows passed to `check_row`, the
    /// `place` of rows passed to `place_of`, the offsets and longest stay of
    /// places passed to `check_place`, and the rows a search by start
    /// confirms (`stay_columns::confirm_rows`). A search may read other
    /// starts of a checked place before confirming: they are within the file,
    /// and a wrong one shows in the rows it bounds.
    const stay_columns& stays() const noexcept { return stays_; }
    /// Checks every column of stay `row`.
    void check_row(std::size_t row) const;
    /// Checks every block of the `start` and `end` columns: what a scan of
    /// every stay's interval reads (an ingest looking for stays to merge).
    void check_stay_times() const;
    /// Checks place `x`'s offsets and longest stay (not its rows: a search
    /// reads a few of them, `confirm_rows` checks those it uses).
    void check_place(place_index x) const;
    /// Checks rows `[first, last)` of place `x` (each column, and their
    /// persons), and that they are exactly the rows starting in `[earliest,
    /// latest]`: the starts just outside are checked and must fall outside.
    /// When they do not (a damaged start misled the search), every row of
    /// the place is checked, which finds the damage.
    void confirm_rows(place_index x, std::size_t first, std::size_t last, time_point earliest,
                      time_point latest) const;
    /// The places file's minimum overlap by place (negative: none), or empty
    /// when it gave none (docs/semantics.md §8.2).
    std::vector<duration> place_min_overlaps() const;

    /// The places file's metadata of `places` (ascending place indices), in
    /// that order: for the places the file listed, which come first; the
    /// rest have none. Empty when the snapshot had no places file.
    place_table place_info_of(std::span<const place_index> places) const;

    /// Checks every block of every indexed column against its checksum and
    /// the columns' consistency; returns the bytes checked. `progress(done,
    /// total)` in bytes.
    std::uint64_t
    check_all(const std::function<void(std::uint64_t, std::uint64_t)>& progress = {}) const;

    struct column;

private:
    indexed_snapshot() = default;
    [[noreturn]] void corrupt(const std::string& what) const;
    /// Throws `snapshot_error` for a file without person ids (a partition).
    void require_person_ids() const;
    /// The column `name` of `element_bytes` elements; null when absent and
    /// not `required`.
    const column* column_named(std::string_view name, std::uint32_t element_bytes,
                               bool required) const;
    /// Checks the blocks of `c` holding elements `[first, last)`.
    void check(const column& c, std::uint64_t first, std::uint64_t last) const;
    std::string_view id(const column& bytes, const column& offsets, std::size_t count,
                        std::uint64_t i) const;

    std::string file_;
    void* map_ = nullptr;
    std::size_t map_bytes_ = 0;
    std::vector<std::unique_ptr<column>> columns_;
    const column* person_ = nullptr;
    const column* place_ = nullptr;
    const column* start_ = nullptr;
    const column* end_ = nullptr;
    const column* place_begin_ = nullptr;
    const column* place_longest_ = nullptr;
    const column* person_begin_ = nullptr;
    const column* person_stays_ = nullptr;
    const column* person_id_bytes_ = nullptr;
    const column* person_id_offsets_ = nullptr;
    const column* person_id_order_ = nullptr;
    const column* person_id_rank_ = nullptr;
    const column* place_id_bytes_ = nullptr;
    const column* place_id_offsets_ = nullptr;
    const column* place_min_overlap_ = nullptr;
    std::size_t place_info_count_ = 0;
    stay_columns stays_;
    std::size_t person_count_ = 0, place_count_ = 0, stay_count_ = 0;
    std::uint64_t rows_read_ = 0, rows_rejected_ = 0;
    utc_offset tz_{};
    duration default_dwell_ = 0;
    contact_level level_ = contact_level::code;
    stay_end_rule stay_end_ = stay_end_rule::dwell;
    contact_level stay_end_level_ = contact_level::code;
    std::string pseudonym_key_;
};

/// The person ids of a trace on an indexed snapshot: the snapshot's, then
/// the index cases that never scanned (appended in order, as
/// `point_cases_at` does).
class indexed_person_ids {
public:
    explicit indexed_person_ids(const indexed_snapshot& data) : data_(data) {}
    /// The index of `id`, appending it after the snapshot's persons when absent.
    person_index intern(std::string_view id);
    std::string_view operator[](person_index p) const {
        return p < data_.person_count()
                   ? data_.person_id(p)
                   : extra_[static_cast<id_table::index_type>(p - data_.person_count())];
    }
    std::size_t size() const noexcept { return data_.person_count() + extra_.size(); }
    /// A key that orders persons as their ids do, byte-wise: equal keys
    /// (only among cases that never scanned) fall back to the ids.
    std::uint64_t sort_key(person_index p) const;

private:
    const indexed_snapshot& data_;
    id_table extra_;
    std::vector<std::uint64_t> extra_keys_;
};

/// Checks a snapshot completely: its SHA-256 (the checksum block), then, when
/// it has an index block, every block of every indexed column and their
/// consistency, then every column as `read_snapshot` does. Throws
/// `snapshot_error` naming the file and what is wrong.
struct snapshot_check {
    bool indexed = false;            ///< the file has an index block
    std::uint64_t bytes = 0;         ///< file size
    std::uint64_t checked_bytes = 0; ///< of indexed columns, block by block
};
snapshot_check verify_snapshot(const std::filesystem::path& path);

} // namespace ctrace
