#include "ctrace/tracing/companions.hpp"

#include "ctrace/core/error.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace ctrace {

namespace {

/// One positive overlap of a person's stay with a case's window.
struct overlap {
    person_index person;
    person_index via_person;
    place_index via_place;
    time_point start;
    time_point end;
};

} // namespace

std::vector<companion> find_companions(const stay_table& stays, std::span<const index_case> cases,
                                       const trace_result& risk, const id_table& persons,
                                       const id_table& places,
                                       const companion_parameters& parameters) {
    if (parameters.window < 0)
        throw parameter_error("companion_window",
                              "the companion window must not be negative, not " +
                                  std::to_string(parameters.window) + " s");
    const duration w = parameters.window;
    // The cases' intervals by person (a person is one case at most).
    std::size_t person_count = persons.size();
    for (const index_case& c : cases)
        person_count = std::max<std::size_t>(person_count, std::size_t{c.person} + 1);
    constexpr std::uint32_t no_case = std::numeric_limits<std::uint32_t>::max();
    std::vector<std::uint32_t> case_of(person_count, no_case);
    for (std::uint32_t k = 0; k < cases.size(); ++k)
        case_of[cases[k].person] = k;
    std::vector<bool> listed(person_count, false);
    for (const risk_entry& e : risk.entries)
        if (e.person < person_count) listed[e.person] = true;

    // Every overlap of a window with a stay of a person who may be a
    // companion. A place's stays are in start order, and none is longer than
    // `place_longest`: those that reach past the window's start begin after
    // `window start - place_longest`.
    std::vector<overlap> found;
    for (std::size_t own = 0; own < stays.size(); ++own) {
        const std::uint32_t k = case_of[stays.person[own]];
        if (k == no_case) continue;
        const index_case& c = cases[k];
        const time_point present_from = std::max(stays.start[own], c.from);
        const time_point present_to = std::min(stays.end[own], c.to);
        if (present_to <= present_from) continue;
        const time_point window_from = present_from - w, window_to = present_to + w;
        const place_index x = stays.place[own];
        const auto first = stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x]);
        const auto last =
            stays.start.begin() + static_cast<std::ptrdiff_t>(stays.place_begin[x + 1]);
        const auto from = std::upper_bound(first, last, window_from - stays.place_longest[x]);
        for (auto it = from; it != last && *it < window_to; ++it) {
            const auto row = static_cast<std::size_t>(it - stays.start.begin());
            const person_index p = stays.person[row];
            if (case_of[p] != no_case || listed[p]) continue;
            const time_point start = std::max(window_from, stays.start[row]);
            const time_point end = std::min(window_to, stays.end[row]);
            if (end > start) found.push_back({p, c.person, x, start, end});
        }
    }

    // One row per person: its overlaps together, the best first.
    const auto via_before = [&](const overlap& a, const overlap& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.via_person != b.via_person) return persons[a.via_person] < persons[b.via_person];
        return places[a.via_place] < places[b.via_place];
    };
    std::sort(found.begin(), found.end(), [&](const overlap& a, const overlap& b) {
        if (a.person != b.person) return a.person < b.person;
        return via_before(a, b);
    });
    std::vector<companion> rows;
    for (std::size_t i = 0; i < found.size();) {
        std::size_t end = i;
        companion row;
        row.person = found[i].person;
        row.first_time = found[i].start;
        row.last_time = found[i].end;
        row.via_person = found[i].via_person;
        row.via_place = found[i].via_place;
        std::vector<person_index> met;
        for (; end < found.size() && found[end].person == row.person; ++end) {
            row.last_time = std::max(row.last_time, found[end].end);
            met.push_back(found[end].via_person);
        }
        std::sort(met.begin(), met.end());
        row.cases = static_cast<std::uint32_t>(std::unique(met.begin(), met.end()) - met.begin());
        rows.push_back(row);
        i = end;
    }
    std::sort(rows.begin(), rows.end(), [&](const companion& a, const companion& b) {
        if (a.first_time != b.first_time) return a.first_time < b.first_time;
        return persons[a.person] < persons[b.person];
    });
    return rows;
}

} // namespace ctrace
