#pragma once
// The per-event rules the forward trace and backward tracing share (internal
// to ctrace): the minimum overlap of a place, the footprint of a presence
// under lingering, and the stays of a place that can overlap an interval.

#include "ctrace/error.hpp"
#include "ctrace/stays.hpp"
#include "ctrace/types.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace ctrace::detail {

/// The minimum overlap at place `x` (docs/semantics.md §8.2), at least 1 s:
/// the place's own value where `by_place` has one that is not negative, else
/// `min_overlap`.
inline duration min_overlap_at(const std::vector<duration>& by_place, duration min_overlap,
                               place_index x) noexcept {
    if (x < by_place.size() && by_place[x] >= 0) return std::max<duration>(by_place[x], 1);
    return std::max<duration>(min_overlap, 1);
}

/// The end of the footprint of a presence `[start, end)` (docs/semantics.md
/// §8.3): it keeps exposing the place for as long as it lasted, at most
/// `linger` seconds. `end` itself when `linger` is 0.
inline time_point footprint_end(time_point start, time_point end, duration linger) noexcept {
    return end + std::min(end - start, linger);
}

/// `sum + length`, seconds. A time or duration read is bounded (2^55 s), so
/// one overlap is; a sum of many is not, and one that would leave 64 bits is
/// an `input_error` naming `what` rather than a wrapped (negative) number.
inline duration add_seconds(duration sum, duration length, const char* what) {
    duration total = 0;
    if (__builtin_add_overflow(sum, length, &total))
        throw input_error(std::string(what) + ": the sum of overlap lengths exceeds 2^63 seconds");
    return total;
}

/// Rows `[first, last)` of `stays`, at place `x`, that start in
/// `[earliest_start, latest_start]`, found by binary search (a place's rows
/// are ascending by start).
struct row_range {
    std::size_t first = 0;
    std::size_t last = 0;
};
inline row_range stays_starting_between(const stay_table& stays, place_index x,
                                        time_point earliest_start, time_point latest_start) {
    const auto begin = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x]);
    const auto end = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
    const auto lo = std::lower_bound(begin, end, earliest_start);
    const auto hi = std::upper_bound(lo, end, latest_start);
    return {static_cast<std::size_t>(lo - stays.start.begin()),
            static_cast<std::size_t>(hi - stays.start.begin())};
}

/// The rows of place `x` whose stays, extended by at most `extension`
/// seconds past their end, can overlap `[from, to)` for at least
/// `min_overlap` seconds: they start by `to - min_overlap`, and (as no stay
/// there is longer than `place_longest[x]`) after `from + min_overlap` less
/// the longest extended stay.
inline row_range stays_that_can_overlap(const stay_table& stays, place_index x, time_point from,
                                        time_point to, duration min_overlap, duration extension) {
    const duration longest = stays.place_longest[x];
    return stays_starting_between(
        stays, x, from + min_overlap - longest - std::min(longest, extension), to - min_overlap);
}

} // namespace ctrace::detail
