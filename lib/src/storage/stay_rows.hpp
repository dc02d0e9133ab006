#pragma once
// The rows behind the stays of a next-scan store's partition (internal to
// ctrace; docs/nightly.md, "rows-NNNNNN.bin").
//
// Under `--stay-end next-scan` a later dump can cut a stored stay: a scan
// elsewhere that arrives tonight can end a row of yesterday sooner. A stay
// alone cannot be cut again, since it is the merge of several rows and a
// cut can split it. So each partition of such a store has a rows file: for
// each of its stays, in the partition's row order, the scan rows it was
// merged from, each with its start, its end as cut so far, and whether it
// had a check-out. A row's person and place are its stay's.
//
// Layout, little-endian, version marker first:
//   bytes 0–15   "ctrace-rows 1\n" and two NULs (the version is the 1)
//   uint64       stays n
//   uint64       rows m
//   uint64[n+1]  begin: stay i's rows are begin[i] .. begin[i+1]
//   int64[m]     start (epoch seconds)
//   int64[m]     end (epoch seconds, the row's end as cut so far)
//   uint8[m]     checked_out (1: the row had a check-out; its end is it)
// The store's index records the file's SHA-256, checked when it is read.
// Within a stay, rows are in (start, end, checked_out) order.

#include "ctrace/core/types.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ctrace::detail {

struct stay_rows {
    std::vector<std::uint64_t> begin{0};
    std::vector<time_point> start, end;
    std::vector<std::uint8_t> checked_out;

    std::size_t stays() const noexcept { return begin.size() - 1; }
    std::size_t rows() const noexcept { return start.size(); }
    /// Appends a row to the last stay begun.
    void add_row(time_point s, time_point e, bool out) {
        start.push_back(s);
        end.push_back(e);
        checked_out.push_back(out ? 1 : 0);
    }
    /// Closes the current stay: the rows added since the last close are its.
    void end_stay() { begin.push_back(start.size()); }
};

/// The file's bytes.
std::string stay_rows_bytes(const stay_rows& rows);

/// Reads a rows file. Throws `snapshot_error` naming `path` when it cannot
/// be read, its digest is not `sha256`, it is not of this layout or version,
/// or it does not hold `stays` stays.
stay_rows read_stay_rows(const std::filesystem::path& path, const std::string& sha256,
                         std::uint64_t stays);

} // namespace ctrace::detail
