#pragma once
// The layered tracer (docs/semantics.md §4, internal to ctrace), written once
// for every place stays can come from: a `stay_source` gives a person's own
// stays and, per place, the stays a source can meet. `trace.cpp` runs it on
// stays in memory, `indexed_snapshot.cpp` on a snapshot read in place.
//
// A stay source `S` has:
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
#include "ctrace/tracing/trace.hpp"
#include "tracing/exposure_rules.hpp"

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

template <class Source>
class tracer {
public:
    tracer(Source& source, const trace_parameters& parameters, const event_observer& observer)
        : source_(source), observer_(observer),
          min_overlap_(std::max<duration>(parameters.min_overlap, 1)),
          linger_(std::max<duration>(parameters.linger, 0)), parameters_(parameters),
          exposure_(source.person_count(), time_infinity), hop_(source.person_count(), no_hop),
          entry_of_(source.person_count(), no_entry), changed_at_(source.person_count(), 0) {}

    trace_result run(std::span<const index_case> cases) {
        std::vector<source> frontier;
        frontier.reserve(cases.size());
        for (const index_case& c : cases) {
            if (c.person >= source_.person_count())
                throw input_error("trace: case person index out of range");
            if (hop_[c.person] != no_hop)
                throw input_error("trace: person '" + std::string(source_.person_id(c.person)) +
                                  "' is an index case twice");
            exposure_[c.person] = c.from;
            hop_[c.person] = 0;
            add_entry(c.person, 0);
            frontier.push_back({c.person, c.from, c.to});
            if (!source_.has_stays(c.person)) result_.cases_without_stays.push_back(c.person);
        }

        std::vector<person_index> changed;
        for (std::uint32_t layer = 1; layer <= parameters_.hops && !frontier.empty(); ++layer) {
            changed.clear();
            for (const source& s : frontier)
                spread(s, layer, changed);
            frontier.clear();
            for (const person_index p : changed) {
                const time_point from = exposure_[p] + parameters_.latency;
                if (from < parameters_.until) frontier.push_back({p, from, parameters_.until});
            }
        }
        finish_risk_entries(result_, parameters_, source_.person_ids());
        return std::move(result_);
    }

private:
    /// A source at one layer: a person and its infectious interval `[from, to)`.
    struct source {
        person_index person;
        time_point from;
        time_point to;
    };
    static constexpr std::uint32_t no_hop = ~std::uint32_t{0};
    static constexpr std::uint32_t no_entry = ~std::uint32_t{0};

    void add_entry(person_index p, std::uint32_t hop) {
        entry_of_[p] = static_cast<std::uint32_t>(result_.entries.size());
        result_.entries.push_back(new_risk_entry(p, hop));
    }

    /// True when (q, x) breaks a first-exposure tie against the current via.
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
    void spread(const source& s, std::uint32_t layer, std::vector<person_index>& changed) {
        const contact_rules rules{parameters_.place_min_overlap, min_overlap_, linger_};
        auto target = [&](person_index p, place_index x, time_point start, time_point end) {
            if (p == s.person || hop_[p] == 0) return;
            record_event(p, s.person, x, start, end, layer, changed);
        };
        if constexpr (requires { source_.for_each_contact(s.person, s.from, s.to, rules, target); })
            source_.for_each_contact(s.person, s.from, s.to, rules, target);
        else
            for_each_contact_in_one_table(source_, s.person, s.from, s.to, rules, target);
    }

    void record_event(person_index p, person_index q, place_index x, time_point start,
                      time_point end, std::uint32_t layer, std::vector<person_index>& changed) {
        ++result_.qualifying_events;
        if (observer_) observer_({p, q, x, start, end, layer});
        if (start < exposure_[p]) {
            exposure_[p] = start;
            if (changed_at_[p] != layer) {
                changed_at_[p] = layer;
                changed.push_back(p);
            }
        }
        if (hop_[p] == no_hop) {
            hop_[p] = layer;
            add_entry(p, layer);
        }
        if (hop_[p] != layer) return;
        add_exposure(result_.entries[entry_of_[p]], start, q, x, end, end - start,
                     [&](person_index via_person, place_index via_place) {
                         return better_via(result_.entries[entry_of_[p]], via_person, via_place);
                     });
    }

    Source& source_;
    const event_observer& observer_;
    const duration min_overlap_;
    const duration linger_;
    const trace_parameters& parameters_;
    std::vector<time_point> exposure_; // E at the current layer
    std::vector<std::uint32_t> hop_;
    std::vector<std::uint32_t> entry_of_;
    std::vector<std::uint32_t> changed_at_; // last layer at which E went down
    trace_result result_;
};

/// Checks the parameters every trace needs (`parameter_error`).
inline void check_trace_parameters(const trace_parameters& parameters) {
    if (parameters.quarantine.by_hop().empty())
        throw parameter_error("quarantine", "the list of quarantines by hop is empty");
    if (parameters.monitoring && parameters.monitoring->by_hop().empty())
        throw parameter_error("monitoring", "the list of monitoring periods by hop is empty");
}

} // namespace ctrace::detail
