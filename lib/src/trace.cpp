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
        risk_entry e;
        e.person = p;
        e.hop = hop;
        if (hop > 0) e.last_exposure = -time_infinity;
        result_.entries.push_back(e);
    }

    /// True when (q, x) breaks a first-exposure tie against the current via.
    bool better_via(const risk_entry& e, person_index q, place_index x) const {
        if (e.via_person == no_person) return true;
        if (q != e.via_person) return persons_[q] < persons_[e.via_person];
        return places_[x] < places_[e.via_place];
    }

    /// Finds the events that qualify at `layer` with `s` as source.
    void spread(const source& s, std::uint32_t layer, std::vector<person_index>& changed) {
        if (s.person >= graph_.person_count) return;
        const auto [first, last] = boost::out_edges(graph_.person_vertex(s.person), graph_.csr);
        for (auto it = first; it != last; ++it) {
            const std::uint32_t own = graph_.csr[*it].stay;
            // The source's presence [s', e') and its footprint [s', f'): the
            // presence, extended by lingering (§8.3; f' = e' without it).
            const time_point presence_start = std::max(stays_.start[own], s.from);
            const time_point presence_end = std::min(stays_.end[own], s.to);
            if (presence_end <= presence_start) continue;
            const time_point footprint_end =
                detail::footprint_end(presence_start, presence_end, linger_);
            const place_index x = stays_.place[own];
            const duration m =
                detail::min_overlap_at(parameters_.place_min_overlap, min_overlap_, x);
            if (footprint_end - presence_start < m) continue;

            // Target stays (not extended: the source lingers, not they).
            const detail::row_range targets =
                detail::stays_that_can_overlap(stays_, x, presence_start, footprint_end, m, 0);
            for (std::size_t row = targets.first; row != targets.last; ++row) {
                const person_index p = stays_.person[row];
                if (p == s.person || hop_[p] == 0) continue;
                const time_point exposure_start = std::max(presence_start, stays_.start[row]);
                const time_point exposure_end = std::min(footprint_end, stays_.end[row]);
                if (exposure_end - exposure_start < m) continue;
                record_event(p, s.person, x, exposure_start, exposure_end, layer, changed);
            }
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
        risk_entry& e = result_.entries[entry_of_[p]];
        if (start < e.first_exposure || (start == e.first_exposure && better_via(e, q, x))) {
            e.first_exposure = start;
            e.via_person = q;
            e.via_place = x;
        }
        e.last_exposure = std::max(e.last_exposure, end);
        e.exposure_seconds =
            detail::add_seconds(e.exposure_seconds, end - start, "exposure_seconds");
    }

    void finish() {
        const std::optional<hop_durations>& monitoring = parameters_.monitoring;
        result_.monitoring = monitoring.has_value();
        for (risk_entry& e : result_.entries) {
            if (e.hop == 0) continue;
            e.quarantine_until = e.last_exposure + parameters_.quarantine.at_hop(e.hop);
            if (monitoring) e.monitor_until = e.quarantine_until + monitoring->at_hop(e.hop);
        }
        std::sort(result_.entries.begin(), result_.entries.end(),
                  [this](const risk_entry& a, const risk_entry& b) {
                      if (a.hop != b.hop) return a.hop < b.hop;
                      if (a.first_exposure != b.first_exposure)
                          return a.first_exposure < b.first_exposure;
                      return persons_[a.person] < persons_[b.person];
                  });
        std::uint32_t max_hop = 0;
        for (const risk_entry& e : result_.entries)
            max_hop = std::max(max_hop, e.hop);
        result_.persons_per_hop.assign(result_.entries.empty() ? 0 : max_hop + 1, 0);
        for (const risk_entry& e : result_.entries)
            ++result_.persons_per_hop[e.hop];
    }

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
