#pragma once
// The layered tracer (docs/semantics.md §4, internal to ctrace), written once
// for every place stays can come from: a `stay_source` gives a person's own
// stays and, per place, the stays a source can meet. `trace.cpp` runs it on
// stays in memory, `trace_in_place.cpp` on a snapshot or a store read in
// place. The state it keeps is `layer_state.hpp`'s.
//
// A stay source is `model/stay_source.hpp`'s `stay_source`:
// - `person_count()`: persons the arrays are sized for (cases included);
// - `has_stays(p)`: whether person `p` has a stay;
// - `for_each_stay_of(p, f)`: calls `f(row)` for each stay row of `p`, in
//   (place, start) order, the row's place already readable;
// - `stays_at(x)`: the stay columns (`person`, `place`, `start`, `end`,
//   `place_begin`, `place_longest`, each indexable) with place `x`'s rows
//   readable;
// - `person_id(p)`, `place_id(x)`: ids, for byte-wise tie-breaking;
// - `person_ids()`: an object whose `operator[]` gives the id of a person.
//
// A source whose stays are not one table (a store's partitions) gives
// `for_each_contact(q, from, to, rules, f)` instead of the row access: it
// calls `f(p, x, start, end)` for each contact event source `q` makes while
// infectious in `[from, to)` (`for_each_contact_in_one_table` is what the
// tracer does for the others).

#include "ctrace/core/error.hpp"
#include "ctrace/model/stay_source.hpp"
#include "ctrace/tracing/trace.hpp"
#include "tracing/exposure_rules.hpp"
#include "tracing/layer_state.hpp"

#include <algorithm>
#include <span>
#include <string>
#include <vector>

namespace ctrace::detail {

/// The rules an event must meet beyond the interval (docs/semantics.md §8.2, §8.3).
struct contact_rules {
    const std::vector<duration>& place_min_overlap;
    duration min_overlap; ///< at least 1 s
    duration linger;      ///< at least 0
};

/// The contact events of source `q` infectious in `[from, to)` on a source
/// whose stays are one table: `f(p, x, start, end)` for each, the source's
/// own rows and index cases included (callers skip them).
template <class Source, class F>
void for_each_contact_in_one_table(const Source& source, person_index q, time_point from,
                                   time_point to, const contact_rules& rules, F&& f) {
    source.for_each_stay_of(q, [&](std::size_t own) {
        const auto& stays = source.stays_at(source.place_of(own));
        const place_index x = stays.place[own];
        for_each_exposed_stay(stays, own, from, to, rules.place_min_overlap, rules.min_overlap,
                              rules.linger, [&](std::size_t row, time_point start, time_point end) {
                                  f(stays.person[row], x, start, end);
                              });
    });
}

/// The layered trace over a source of stays: finds each layer's events and
/// hands them to the `layer_state`, one by one.
/// A source whose stays are not one table: it answers "the contact events
/// of this source while infectious" itself (a store's partitions).
template <class S>
concept partitioned_stay_source = stay_ids<S> &&
    requires(const S& s, person_index q, const contact_rules& rules) {
    { s.has_stays(q) } -> std::convertible_to<bool>;
    s.for_each_contact(q, time_point{}, time_point{}, rules,
                       [](person_index, place_index, time_point, time_point) {});
};

template <class Source>
requires stay_source<Source> || partitioned_stay_source<Source>
class tracer {
public:
    tracer(Source& source, const trace_parameters& parameters, const event_observer& observer)
        : source_(source),
          observer_(observer), rules_{parameters.place_min_overlap,
                                      std::max<duration>(parameters.min_overlap, 1),
                                      std::max<duration>(parameters.linger, 0)},
          parameters_(parameters), state_(0, source.person_count()) {}

    trace_result run(std::span<const index_case> cases) {
        check_index_cases(cases, source_.person_count(),
                          [&](person_index p) { return source_.person_id(p); });
        std::vector<layer_source> frontier;
        frontier.reserve(cases.size());
        for (const index_case& c : cases) {
            state_.start_case(c.person, c.from);
            frontier.push_back({c.person, 0, c.from, c.to});
            if (!source_.has_stays(c.person)) result_.cases_without_stays.push_back(c.person);
        }
        for (std::uint32_t layer = 1; layer <= parameters_.hops && !frontier.empty(); ++layer) {
            for (const layer_source& s : frontier)
                spread(s, layer);
            // The last layer has no next one: its sources (often most of
            // the list) need not be sorted.
            if (layer == parameters_.hops) break;
            frontier = state_.next_sources(parameters_);
        }
        result_.entries = std::move(state_.entries());
        finish_risk_entries(result_, parameters_, source_.person_ids());
        return std::move(result_);
    }

private:
    /// True when (q, x) breaks a first-exposure tie against the current via:
    /// the byte-wise smaller source id, then place id.
    bool better_via(const risk_entry& e, person_index q, place_index x) const {
        if (q != e.via_person) {
            const std::uint64_t a = id_sort_key(source_.person_ids(), q);
            const std::uint64_t b = id_sort_key(source_.person_ids(), e.via_person);
            if (a != b) return a < b;
            return source_.person_id(q) < source_.person_id(e.via_person);
        }
        return source_.place_id(x) < source_.place_id(e.via_place);
    }

    /// Finds the events that qualify at `layer` with `s` as source.
    void spread(const layer_source& s, std::uint32_t layer) {
        auto target = [&](person_index p, place_index x, time_point start, time_point end) {
            if (p == s.person || state_.is_case(p)) return;
            ++result_.qualifying_events;
            if (observer_) observer_({p, s.person, x, start, end, layer});
            state_.expose(p, layer, start, end, end - start, s.person, x,
                          [this](const risk_entry& e, person_index q, place_index via_place) {
                              return better_via(e, q, via_place);
                          });
        };
        if constexpr (partitioned_stay_source<Source>)
            source_.for_each_contact(s.person, s.from, s.to, rules_, target);
        else
            for_each_contact_in_one_table(source_, s.person, s.from, s.to, rules_, target);
    }

    Source& source_;
    const event_observer& observer_;
    const contact_rules rules_;
    const trace_parameters& parameters_;
    layer_state state_;
    trace_result result_;
};

} // namespace ctrace::detail
