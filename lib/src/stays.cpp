#include "ctrace/stays.hpp"

#include "ctrace/error.hpp"

#include <algorithm>

namespace ctrace {

stay_table build_stays(std::vector<visit> visits, std::size_t person_count,
                       std::size_t place_count) {
    for (const visit& v : visits)
        if (v.person >= person_count || v.place >= place_count)
            throw error("build_stays: visit index out of range");

    // Group by (place, person, start): each run of one person at one place is
    // then merged in a single pass, and the merged stays come out grouped by
    // place.
    std::vector<visit>& merged = visits;
    std::sort(merged.begin(), merged.end(), [](const visit& a, const visit& b) {
        if (a.place != b.place) return a.place < b.place;
        if (a.person != b.person) return a.person < b.person;
        return a.start < b.start;
    });

    // Merge in place: `kept` is the last stay written so far.
    std::size_t kept = 0;
    for (std::size_t i = 1; i < merged.size(); ++i) {
        visit& last = merged[kept];
        const visit& v = merged[i];
        if (last.place == v.place && last.person == v.person && v.start <= last.end) {
            last.end = std::max(last.end, v.end);
        } else {
            merged[++kept] = v;
        }
    }
    if (!merged.empty()) merged.resize(kept + 1);

    stay_table stays;
    stays.place_begin.assign(place_count + 1, 0);
    stays.place_longest.assign(place_count, 0);
    for (const visit& v : merged)
        ++stays.place_begin[v.place + 1];
    for (std::size_t x = 0; x < place_count; ++x)
        stays.place_begin[x + 1] += stays.place_begin[x];

    // Within a place, order by (start, person).
    for (std::size_t x = 0; x < place_count; ++x) {
        const auto first = merged.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x]);
        const auto last = merged.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
        std::sort(first, last, [](const visit& a, const visit& b) {
            return a.start != b.start ? a.start < b.start : a.person < b.person;
        });
    }

    const std::size_t n = merged.size();
    stays.person.resize(n);
    stays.place.resize(n);
    stays.start.resize(n);
    stays.end.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
        const visit& v = merged[i];
        stays.person[i] = v.person;
        stays.place[i] = v.place;
        stays.start[i] = v.start;
        stays.end[i] = v.end;
        stays.place_longest[v.place] = std::max(stays.place_longest[v.place], v.end - v.start);
    }
    return stays;
}

time_span stay_time_span(const stay_table& stays) noexcept {
    if (stays.size() == 0) return {};
    time_span span{time_infinity, -time_infinity};
    for (std::size_t i = 0; i < stays.size(); ++i) {
        span.min = std::min(span.min, stays.start[i]);
        span.max = std::max(span.max, stays.end[i]);
    }
    return span;
}

} // namespace ctrace
