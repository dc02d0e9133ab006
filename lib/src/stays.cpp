#include "ctrace/stays.hpp"

#include "ctrace/error.hpp"
#include "radix_sort.hpp"

#include <algorithm>
#include <limits>

namespace ctrace {

namespace {

/// A visit reduced to a sort key and its end.
struct keyed_visit {
    std::uint64_t key;
    time_point end;
};

/// Visits in (place, start, person) order — the output order. When place,
/// start (relative to the earliest) and person fit in 64 bits together, one
/// radix sort of packed keys does it; otherwise a comparison sort.
std::vector<visit> sorted_by_place_start_person(std::vector<visit>&& visits,
                                                std::size_t person_count, std::size_t place_count) {
    if (visits.empty()) return std::move(visits);
    time_point first = visits[0].start, last = visits[0].start;
    for (const visit& v : visits) {
        first = std::min(first, v.start);
        last = std::max(last, v.start);
    }
    const unsigned person_bits = detail::bits_for(person_count);
    const unsigned time_bits = detail::bits_for(static_cast<std::uint64_t>(last - first) + 1);
    const unsigned place_bits = detail::bits_for(place_count);
    if (person_bits + time_bits + place_bits > 64) {
        std::sort(visits.begin(), visits.end(), [](const visit& a, const visit& b) {
            if (a.place != b.place) return a.place < b.place;
            if (a.start != b.start) return a.start < b.start;
            return a.person < b.person;
        });
        return std::move(visits);
    }
    std::vector<keyed_visit> keyed(visits.size());
    for (std::size_t i = 0; i < visits.size(); ++i) {
        const visit& v = visits[i];
        keyed[i] = {(std::uint64_t{v.place} << (time_bits + person_bits)) |
                        (static_cast<std::uint64_t>(v.start - first) << person_bits) | v.person,
                    v.end};
    }
    {
        std::vector<keyed_visit> scratch;
        detail::radix_sort_by(keyed, scratch, 0, person_bits + time_bits + place_bits,
                              [](const keyed_visit& k) { return k.key; });
    }
    const std::uint64_t person_mask = (std::uint64_t{1} << person_bits) - 1;
    const std::uint64_t time_mask = (std::uint64_t{1} << time_bits) - 1;
    for (std::size_t i = 0; i < keyed.size(); ++i) {
        const std::uint64_t key = keyed[i].key;
        visits[i] = {static_cast<person_index>(key & person_mask),
                     static_cast<place_index>(key >> (time_bits + person_bits)),
                     first + static_cast<time_point>((key >> person_bits) & time_mask),
                     keyed[i].end};
    }
    return std::move(visits);
}

} // namespace

stay_table build_stays(std::vector<visit> visits, std::size_t person_count,
                       std::size_t place_count) {
    for (const visit& v : visits)
        if (v.person >= person_count || v.place >= place_count)
            throw error("build_stays: visit index out of range");
    const std::vector<visit> sorted =
        sorted_by_place_start_person(std::move(visits), person_count, place_count);

    // One sweep per place in start order: a visit extends its person's open
    // stay at the place when it starts by that stay's end (spec §2.2), else
    // opens a new stay. Stays are thus created in (start, person) order.
    stay_table stays;
    stays.place_begin.assign(place_count + 1, 0);
    stays.place_longest.assign(place_count, 0);
    stays.person.reserve(sorted.size());
    stays.place.reserve(sorted.size());
    stays.start.reserve(sorted.size());
    stays.end.reserve(sorted.size());
    std::vector<std::uint32_t> open_stay(person_count, 0);
    std::vector<place_index> open_at(person_count, no_place); // place of open_stay
    for (const visit& v : sorted) {
        if (open_at[v.person] == v.place && v.start <= stays.end[open_stay[v.person]]) {
            time_point& end = stays.end[open_stay[v.person]];
            end = std::max(end, v.end);
            continue;
        }
        open_stay[v.person] = static_cast<std::uint32_t>(stays.person.size());
        open_at[v.person] = v.place;
        stays.person.push_back(v.person);
        stays.place.push_back(v.place);
        stays.start.push_back(v.start);
        stays.end.push_back(v.end);
        ++stays.place_begin[v.place + 1];
    }
    for (std::size_t x = 0; x < place_count; ++x)
        stays.place_begin[x + 1] += stays.place_begin[x];
    for (std::size_t i = 0; i < stays.size(); ++i)
        stays.place_longest[stays.place[i]] =
            std::max(stays.place_longest[stays.place[i]], stays.end[i] - stays.start[i]);
    return stays;
}

std::vector<std::uint32_t> stay_rows_by_person(const stay_table& stays, std::size_t person_count) {
    if (stays.size() >= std::numeric_limits<std::uint32_t>::max())
        throw error("stay_rows_by_person: 2^32 stays or more");
    // Radix sort of (person << 32 | row) on the person bits: passes of 11 bits
    // keep the scatter cache-friendly where one bucket per person would not.
    std::vector<std::uint64_t> keys(stays.size());
    for (std::size_t i = 0; i < stays.size(); ++i) {
        if (stays.person[i] >= person_count)
            throw error("stay_rows_by_person: person out of range");
        keys[i] = (std::uint64_t{stays.person[i]} << 32) | i;
    }
    {
        std::vector<std::uint64_t> scratch;
        detail::radix_sort_bits(keys, scratch, 32, detail::bits_for(person_count));
    }
    std::vector<std::uint32_t> rows(keys.size());
    for (std::size_t k = 0; k < keys.size(); ++k)
        rows[k] = static_cast<std::uint32_t>(keys[k]);
    return rows;
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
