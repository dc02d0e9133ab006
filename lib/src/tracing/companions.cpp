#include "ctrace/tracing/companions.hpp"

#include "ctrace/core/error.hpp"
#include "tracing/companion_windows.hpp"

#include <algorithm>
#include <limits>
#include <string>

namespace ctrace {

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

    // Every overlap of a window with a stay of a person who may be a companion.
    std::vector<companion_overlap> found;
    for (std::size_t own = 0; own < stays.size(); ++own) {
        const std::uint32_t k = case_of[stays.person[own]];
        if (k == no_case) continue;
        const index_case& c = cases[k];
        detail::for_each_window_overlap(
            stays, own, c.from, c.to, w, [&](std::size_t row, time_point start, time_point end) {
                const person_index p = stays.person[row];
                if (case_of[p] == no_case && !listed[p])
                    found.push_back({p, c.person, stays.place[own], start, end});
            });
    }

    return companions_from_overlaps(std::move(found), persons, places);
}

std::vector<companion> companions_from_overlaps(std::vector<companion_overlap> found,
                                                const id_table& persons, const id_table& places) {
    // One row per person: its overlaps together, the best first.
    const auto via_before = [&](const companion_overlap& a, const companion_overlap& b) {
        if (a.start != b.start) return a.start < b.start;
        if (a.via_person != b.via_person) return persons[a.via_person] < persons[b.via_person];
        return places[a.via_place] < places[b.via_place];
    };
    std::sort(found.begin(), found.end(),
              [&](const companion_overlap& a, const companion_overlap& b) {
                  if (a.person != b.person) return a.person < b.person;
                  return via_before(a, b);
              });
    std::vector<companion> rows;
    std::vector<person_index> met;
    for (std::size_t i = 0; i < found.size();) {
        companion row;
        row.person = found[i].person;
        row.first_time = found[i].start;
        row.last_time = found[i].end;
        row.via_person = found[i].via_person;
        row.via_place = found[i].via_place;
        met.clear();
        std::size_t end = i;
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
