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
// had a check-out. A row's person and place are its stay's. Most stays are
// one row, which is the stay itself: for those only the flag is kept.
//
// Layout, little-endian, version marker first:
//   bytes 0–15   "ctrace-rows 2\n" and two NULs (the version is the 2)
//   uint64       stays n
//   uint64       listed rows m
//   uint32[n]    per stay: 0 one row without check-out, 1 one row with
//                check-out (either way the row is the stay), k >= 2: k rows,
//                the next k listed rows
//   int64[m]     start of each listed row (epoch seconds)
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
    std::vector<std::uint32_t> code;
    /// Stay i's listed rows are listed_begin[i] .. listed_begin[i + 1] (none
    /// for a stay of one row).
    std::vector<std::uint64_t> listed_begin{0};
    std::vector<time_point> start, end;
    std::vector<std::uint8_t> checked_out;

    std::size_t stays() const noexcept { return code.size(); }

    /// Adds the next stay's rows (start, end, checked out), in order.
    template <typename Rows, typename Row>
    void add_stay(const Rows& rows, Row row_of) {
        if (rows.size() == 1) {
            code.push_back(std::get<2>(row_of(rows[0])) ? 1 : 0);
        } else {
            code.push_back(static_cast<std::uint32_t>(rows.size()));
            for (const auto& r : rows) {
                const auto [s, e, out] = row_of(r);
                start.push_back(s);
                end.push_back(e);
                checked_out.push_back(out ? 1 : 0);
            }
        }
        listed_begin.push_back(start.size());
    }

    /// Calls `f(start, end, checked_out)` for each row of stay i, whose
    /// bounds are `[stay_start, stay_end)`.
    template <typename F>
    void for_each_row(std::size_t i, time_point stay_start, time_point stay_end, F f) const {
        if (code[i] < 2) {
            f(stay_start, stay_end, code[i] == 1);
            return;
        }
        for (std::uint64_t j = listed_begin[i]; j < listed_begin[i + 1]; ++j)
            f(start[j], end[j], checked_out[j] != 0);
    }
};

/// The file's bytes.
std::string stay_rows_bytes(const stay_rows& rows);

/// Reads a rows file. Throws `snapshot_error` naming `path` when it cannot
/// be read, its digest is not `sha256`, it is not of this layout or version,
/// or it does not hold `stays` stays.
stay_rows read_stay_rows(const std::filesystem::path& path, const std::string& sha256,
                         std::uint64_t stays);

} // namespace ctrace::detail
