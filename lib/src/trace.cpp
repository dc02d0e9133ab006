#include "ctrace/trace.hpp"

#include "ctrace/error.hpp"
#include "ctrace/time.hpp"
#include "exposure_rules.hpp"

#include <algorithm>
#include <string>

namespace ctrace {

namespace {

/// A source at one layer: a person and its infectious interval `[from, to)`.
struct source {
    person_index person;
    time_point from;
    time_point to;
};

constexpr std::uint32_t no_hop = ~std::uint32_t{0};
constexpr std::uint32_t no_entry = ~std::uint32_t{0};

class tracer {
public:
    tracer(const stay_table& stays, const person_place_graph& graph, const id_table& persons,
           const id_table& places, const trace_parameters& parameters,
           const event_observer& observer)
        : stays_(stays), graph_(graph), persons_(persons), places_(places), observer_(observer),
          min_overlap_(std::max<duration>(parameters.min_overlap, 1)),
          linger_(std::max<duration>(parameters.linger, 0)), parameters_(parameters),
          exposure_(persons.size(), time_infinity), hop_(persons.size(), no_hop),
          entry_of_(persons.size(), no_entry), changed_at_(persons.size(), 0) {}

    trace_result run(std::span<const index_case> cases) {
        std::vector<source> frontier;
        frontier.reserve(cases.size());
        for (const index_case& c : cases) {
            if (c.person >= persons_.size())
                throw input_error("trace: case person index out of range");
            if (hop_[c.person] != no_hop)
                throw input_error("trace: person '" + std::string(persons_[c.person]) +
                                  "' is an index case twice");
            exposure_[c.person] = c.from;
            hop_[c.person] = 0;
            add_entry(c.person, 0);
            frontier.push_back({c.person, c.from, c.to});
            if (!has_stays(graph_, c.person)) result_.cases_without_stays.push_back(c.person);
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
        finish();
        return std::move(result_);
    }

private:
    void add_entry(person_index p, std::uint32_t hop) {
        entry_of_[p] = static_cast<std::uint32_t>(result_.entries.size());
        result_.entries.push_back(detail::new_risk_entry(p, hop));
    }

    /// True when (q, x) breaks a first-exposure tie against the current via.
    bool better_via(const risk_entry& e, person_index q, place_index x) const {
        if (q != e.via_person) return persons_[q] < persons_[e.via_person];
        return places_[x] < places_[e.via_place];
    }

    /// Finds the events that qualify at `layer` with `s` as source.
    void spread(const source& s, std::uint32_t layer, std::vector<person_index>& changed) {
        if (s.person >= graph_.person_count) return;
        const auto [first, last] = boost::out_edges(graph_.person_vertex(s.person), graph_.csr);
        for (auto it = first; it != last; ++it) {
            const std::uint32_t own = graph_.csr[*it].stay;
            const place_index x = stays_.place[own];
            detail::for_each_exposed_stay(
                stays_, own, s.from, s.to, parameters_.place_min_overlap, min_overlap_, linger_,
                [&](std::size_t row, time_point start, time_point end) {
                    const person_index p = stays_.person[row];
                    if (p == s.person || hop_[p] == 0) return;
                    record_event(p, s.person, x, start, end, layer, changed);
                });
        }
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
        detail::add_exposure(result_.entries[entry_of_[p]], start, q, x, end, end - start,
                             [&](person_index via_person, place_index via_place) {
                                 return better_via(result_.entries[entry_of_[p]], via_person,
                                                   via_place);
                             });
    }

    void finish() { detail::finish_risk_entries(result_, parameters_, persons_); }

    const stay_table& stays_;
    const person_place_graph& graph_;
    const id_table& persons_;
    const id_table& places_;
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

} // namespace

void detail::finish_risk_entries(trace_result& result, const trace_parameters& parameters,
                                 const id_table& persons) {
    const std::optional<hop_durations>& monitoring = parameters.monitoring;
    result.monitoring = monitoring.has_value();
    for (risk_entry& e : result.entries) {
        if (e.hop == 0) continue;
        e.quarantine_until = e.last_exposure + parameters.quarantine.at_hop(e.hop);
        if (monitoring) e.monitor_until = e.quarantine_until + monitoring->at_hop(e.hop);
    }
    std::sort(result.entries.begin(), result.entries.end(),
              [&persons](const risk_entry& a, const risk_entry& b) {
                  if (a.hop != b.hop) return a.hop < b.hop;
                  if (a.first_exposure != b.first_exposure)
                      return a.first_exposure < b.first_exposure;
                  return persons[a.person] < persons[b.person];
              });
    std::uint32_t max_hop = 0;
    for (const risk_entry& e : result.entries)
        max_hop = std::max(max_hop, e.hop);
    result.persons_per_hop.assign(result.entries.empty() ? 0 : max_hop + 1, 0);
    for (const risk_entry& e : result.entries)
        ++result.persons_per_hop[e.hop];
}

hop_durations parse_hop_durations(std::string_view text) {
    std::vector<duration> values;
    for (std::size_t start = 0;;) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view item = text.substr(start, comma - start);
        if (item.empty())
            throw parse_error(text.empty()
                                  ? "empty list of durations"
                                  : "empty duration in the list '" + std::string(text) + "'");
        values.push_back(parse_duration(item));
        if (comma == text.size()) break;
        start = comma + 1;
    }
    return hop_durations(std::move(values));
}

trace_result trace(const stay_table& stays, const person_place_graph& graph,
                   const id_table& persons, const id_table& places,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer) {
    if (parameters.quarantine.by_hop().empty())
        throw parameter_error("quarantine", "the list of quarantines by hop is empty");
    if (parameters.monitoring && parameters.monitoring->by_hop().empty())
        throw parameter_error("monitoring", "the list of monitoring periods by hop is empty");
    return tracer(stays, graph, persons, places, parameters, observer).run(cases);
}

} // namespace ctrace
