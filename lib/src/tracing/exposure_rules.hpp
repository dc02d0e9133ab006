#pragma once
// The per-event rules the forward trace and backward tracing share (internal
// to ctrace): the minimum overlap of a place, the footprint of a presence
// under lingering, and the stays of a place that can overlap an interval.
// Rules on stays only: the state of a trace is `layer_state.hpp`'s.

#include "ctrace/core/error.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/model/stays.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
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
[[noreturn]] inline void throw_sum_overflow(const char* what) {
    throw input_error(std::string(what) + ": the sum of overlap lengths exceeds 2^63 seconds");
}
inline duration add_seconds(duration sum, duration length, const char* what) {
    duration total = 0;
    if (__builtin_add_overflow(sum, length, &total)) throw_sum_overflow(what);
    return total;
}

/// Rows `[first, last)` of `stays`, at place `x`, that start in
/// `[earliest_start, latest_start]`, found by binary search (a place's rows
/// are ascending by start).
struct row_range {
    std::size_t first = 0;
    std::size_t last = 0;
};
template <class Stays>
inline row_range stays_starting_between(const Stays& stays, place_index x,
                                        time_point earliest_start, time_point latest_start) {
    const auto begin = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x]);
    const auto end = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
    const auto lo = std::lower_bound(begin, end, earliest_start);
    const auto hi = std::upper_bound(lo, end, latest_start);
    const row_range rows{static_cast<std::size_t>(lo - stays.start.begin()),
                         static_cast<std::size_t>(hi - stays.start.begin())};
    // Stays read in place check what the search settled on (indexed_snapshot.hpp).
    if constexpr (requires {
                      stays.confirm_rows(x, rows.first, rows.last, earliest_start, latest_start);
                  })
        stays.confirm_rows(x, rows.first, rows.last, earliest_start, latest_start);
    return rows;
}

/// The rows of place `x` whose stays, extended by at most `extension`
/// seconds past their end, can overlap `[from, to)` for at least
/// `min_overlap` seconds: they start by `to - min_overlap`, and (as no stay
/// there is longer than `place_longest[x]`) after `from + min_overlap` less
/// the longest extended stay.
template <class Stays>
inline row_range stays_that_can_overlap(const Stays& stays, place_index x, time_point from,
                                        time_point to, duration min_overlap, duration extension) {
    const duration longest = stays.place_longest[x];
    return stays_starting_between(
        stays, x, from + min_overlap - longest - std::min(longest, extension), to - min_overlap);
}

/// A source's presence at place `x` while infectious: `[start, footprint)`
/// is its stay clipped to the infectious interval and extended by lingering
/// (docs/semantics.md §8.3), `min_overlap` the place's minimum overlap.
struct presence {
    place_index place = 0;
    time_point start = 0;
    time_point footprint = 0;
    duration min_overlap = 1;
};

/// The presence of a source with stay `[stay_start, stay_end)` at `x`,
/// infectious during `[from, to)`; nothing when it cannot make an event.
inline std::optional<presence> source_presence(place_index x, time_point stay_start,
                                               time_point stay_end, time_point from, time_point to,
                                               const std::vector<duration>& place_min_overlap,
                                               duration min_overlap, duration linger) {
    const time_point presence_start = std::max(stay_start, from);
    const time_point presence_end = std::min(stay_end, to);
    if (presence_end <= presence_start) return std::nullopt;
    const time_point footprint = footprint_end(presence_start, presence_end, linger);
    const duration m = min_overlap_at(place_min_overlap, min_overlap, x);
    if (footprint - presence_start < m) return std::nullopt;
    return presence{x, presence_start, footprint, m};
}

/// Calls `target(row, start, end)` for every stay `row` of `stays` at the
/// presence's place whose overlap `[start, end)` with the footprint lasts at
/// least the place's minimum overlap. Targets are not extended: the source
/// lingers, not they.
template <class Stays, class Target>
inline void for_each_stay_meeting(const Stays& stays, const presence& p, Target&& target) {
    const row_range rows =
        stays_that_can_overlap(stays, p.place, p.start, p.footprint, p.min_overlap, 0);
    for (std::size_t row = rows.first; row != rows.last; ++row) {
        const time_point start = std::max(p.start, stays.start[row]);
        const time_point end = std::min(p.footprint, stays.end[row]);
        if (end - start < p.min_overlap) continue;
        target(row, start, end);
    }
}

/// The contact events a source makes through its own stay `own` while it is
/// infectious during `[from, to)` (docs/semantics.md §4, §8.2, §8.3): calls
/// `target(row, start, end)` for every stay `row` of the same place whose
/// overlap `[start, end)` with the source's footprint lasts at least the
/// place's minimum overlap. The source's own rows are included (callers skip
/// its person), and so are index cases.
template <class Stays, class Target>
inline void for_each_exposed_stay(const Stays& stays, std::size_t own, time_point from,
                                  time_point to, const std::vector<duration>& place_min_overlap,
                                  duration min_overlap, duration linger, Target&& target) {
    const std::optional<presence> p =
        source_presence(stays.place[own], stays.start[own], stays.end[own], from, to,
                        place_min_overlap, min_overlap, linger);
    if (p) for_each_stay_meeting(stays, *p, target);
}

} // namespace ctrace::detail
