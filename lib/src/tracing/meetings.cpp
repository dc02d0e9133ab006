#include "ctrace/tracing/meetings.hpp"

#include <algorithm>
#include <cstddef>

namespace ctrace {

std::vector<person_meetings> find_meetings(const stay_table& stays, const person_place_graph& graph,
                                           const id_table& persons, const id_table& places,
                                           std::span<const index_case> cases,
                                           const trace_parameters& parameters,
                                           std::span<const std::string_view> asked) {
    // The slot of each person asked (a person asked twice shares one), so
    // that the observer keeps only their events.
    constexpr std::size_t no_slot = ~std::size_t{0};
    std::vector<std::size_t> slot_of(persons.size(), no_slot);
    std::vector<person_index> slot_person;
    std::vector<std::size_t> slots(asked.size(), no_slot);
    for (std::size_t k = 0; k < asked.size(); ++k) {
        const person_index p = persons.find(asked[k]);
        if (p == id_table::npos || p >= persons.size()) continue;
        if (slot_of[p] == no_slot) {
            slot_of[p] = slot_person.size();
            slot_person.push_back(p);
        }
        slots[k] = slot_of[p];
    }
    std::vector<std::vector<qualifying_event>> events(slot_person.size());
    const trace_result result =
        trace(stays, graph, persons, places, cases, parameters, [&](const qualifying_event& e) {
            if (const std::size_t slot = slot_of[e.target]; slot != no_slot)
                events[slot].push_back(e);
        });

    // The hop of every listed person: the targets' hops, and the sources'.
    constexpr std::uint32_t not_listed = ~std::uint32_t{0};
    std::vector<std::uint32_t> hop_of(persons.size(), not_listed);
    for (const risk_entry& e : result.entries)
        if (e.person < hop_of.size()) hop_of[e.person] = e.hop;

    std::vector<person_meetings> found(slot_person.size());
    for (const risk_entry& e : result.entries) {
        if (e.person >= slot_of.size() || slot_of[e.person] == no_slot) continue;
        person_meetings& m = found[slot_of[e.person]];
        m.entry = e;
        // An event is reported at every layer at which its source's interval
        // grew; the row sums those of the person's own hop, and so do we.
        for (const qualifying_event& event : events[slot_of[e.person]])
            if (event.layer == e.hop)
                m.meetings.push_back(
                    {event.source, hop_of[event.source], event.place, event.start, event.end});
        std::sort(m.meetings.begin(), m.meetings.end(), [&](const meeting& a, const meeting& b) {
            if (a.start != b.start) return a.start < b.start;
            if (a.source != b.source) return persons[a.source] < persons[b.source];
            if (a.place != b.place) return places[a.place] < places[b.place];
            return a.end < b.end;
        });
    }

    std::vector<person_meetings> by_asked(asked.size());
    for (std::size_t k = 0; k < asked.size(); ++k)
        if (slots[k] != no_slot) by_asked[k] = found[slots[k]];
    return by_asked;
}

} // namespace ctrace
