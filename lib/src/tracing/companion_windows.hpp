#pragma once
// The windows of docs/semantics.md §10 on one table of stays (internal to
// ctrace): written once for `find_companions` and the distributed trace.

#include "ctrace/core/types.hpp"
#include "ctrace/model/stays.hpp"

#include <algorithm>
#include <cstddef>

namespace ctrace::detail {

/// For the stay `own` of a case infectious in `[case_from, case_to)`: its
/// presence `[s', e')`, when not empty, widened by `window` on each side,
/// and every stay of the same place that overlaps it by a positive length:
/// `f(row, start, end)` with the overlap `[start, end)`. The case's own
/// stays and other persons' alike (callers filter). A place's stays are in
/// start order and none is longer than `place_longest`, so those reaching
/// past the window's start begin after `window start - place_longest`.
template <class F>
void for_each_window_overlap(const stay_table& stays, std::size_t own, time_point case_from,
                             time_point case_to, duration window, F&& f) {
    const time_point present_from = std::max(stays.start[own], case_from);
    const time_point present_to = std::min(stays.end[own], case_to);
    if (present_to <= present_from) return;
    const time_point window_from = present_from - window, window_to = present_to + window;
    const place_index x = stays.place[own];
    const auto first = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x]);
    const auto last = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
    const auto from = std::upper_bound(first, last, window_from - stays.place_longest[x]);
    for (auto it = from; it != last && *it < window_to; ++it) {
        const auto row = static_cast<std::size_t>(it - stays.start.begin());
        const time_point start = std::max(window_from, stays.start[row]);
        const time_point end = std::min(window_to, stays.end[row]);
        if (end > start) f(row, start, end);
    }
}

} // namespace ctrace::detail
