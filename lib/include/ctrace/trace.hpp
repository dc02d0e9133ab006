#pragma once
/// \file
/// Layered earliest-exposure tracing (docs/semantics.md §4) and the risk list
/// (docs/semantics.md §5).
///
/// `E_h(p)` is the earliest time person p could have been exposed through a
/// time-respecting chain of at most h contact events starting at an index case.
/// A source q is infectious at layer h during `[a_q, b_q)` for an index case
/// and `[E_h(q) + latency, until)` otherwise. A contact event (two different
/// persons' stays at one place whose intervals overlap, `[max(s1,s2),
/// min(e1,e2))`) from q to a non-case p qualifies at layer h+1 when its
/// *effective overlap* — the overlap clipped to q's infectious interval — is at
/// least `max(min_overlap, 1)` seconds long. The hop of p is the least layer at
/// which an event qualifies for it.
///
/// The trace walks outward from the index cases: at each layer only the
/// persons whose `E` went down at the previous layer are sources, their stays
/// are looked up through the person–place graph, and the stays they met are
/// found by binary search by start within the place. The person–person contact
/// graph is never built.

#include "ctrace/cases.hpp"
#include "ctrace/defaults.hpp"
#include "ctrace/graph.hpp"
#include "ctrace/id_table.hpp"
#include "ctrace/stays.hpp"
#include "ctrace/types.hpp"

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ctrace {

/// A duration that depends on the hop (docs/semantics.md §8.4): hop k >= 1
/// gets the k-th value, hops past the list the last one (hop 0 is read as
/// hop 1). One value is the same for every hop, and a `duration` converts
/// to that, so `parameters.quarantine = 7 * 86400` still works.
class hop_durations {
public:
    /// One value for every hop.
    hop_durations(duration every_hop) : values_{every_hop} {} // NOLINT: implicit on purpose
    hop_durations(std::initializer_list<duration> by_hop) : values_(by_hop) {}
    explicit hop_durations(std::vector<duration> by_hop) : values_(std::move(by_hop)) {}

    /// The value for `hop`; 0 when the list is empty (which `trace` rejects).
    duration at_hop(std::uint32_t hop) const noexcept {
        if (values_.empty()) return 0;
        const std::size_t k = hop == 0 ? 1 : hop;
        return values_[std::min(k, values_.size()) - 1];
    }
    /// The values for hops 1, 2, …, as given.
    const std::vector<duration>& by_hop() const noexcept { return values_; }

    friend bool operator==(const hop_durations&, const hop_durations&) = default;

private:
    std::vector<duration> values_;
};

/// Parses `Q1[,Q2,…]`, each a duration as `parse_duration` reads it. Throws
/// `parse_error` for an empty list or item, or a bad duration.
hop_durations parse_hop_durations(std::string_view text);

struct trace_parameters {
    /// Minimum effective overlap, seconds; values below 1 act as 1.
    duration min_overlap = defaults::min_overlap;
    /// Minimum effective overlap at each place, by place index, seconds
    /// (docs/semantics.md §8.2): where a value is not negative it replaces
    /// `min_overlap` there (values below 1 act as 1); places past the end, and
    /// negative values, take `min_overlap`.
    std::vector<duration> place_min_overlap;
    /// Lingering (docs/semantics.md §8.3), seconds: a source's presence
    /// `[s', e')` at a place exposes it until `e' + min(e' - s', linger)`.
    duration linger = defaults::linger;
    /// The protocol profile the parameters came from (docs/semantics.md
    /// §8.6), recorded with them; empty when none.
    std::string profile;
    /// Largest hop traced (0 lists only the index cases).
    std::uint32_t hops = defaults::hops;
    /// Delay between a person's exposure and their becoming infectious, seconds.
    duration latency = defaults::latency;
    /// End of tracing: non-case persons are infectious until this time
    /// (exclusive); `time_infinity` = no end.
    time_point until = time_infinity;
    /// Quarantine length after the last exposure, seconds, by hop (§8.4).
    hop_durations quarantine = defaults::quarantine;
    /// Health monitoring after the quarantine, seconds, by hop (§8.4); when
    /// set (even to 0), entries at hop >= 1 get `monitor_until`.
    std::optional<hop_durations> monitoring;
};

/// One row of the risk list. For index cases (hop 0) the exposure fields are
/// `time_infinity`/0 and the via fields `no_person`/`no_place`.
struct risk_entry {
    person_index person = 0;
    std::uint32_t hop = 0;
    /// Earliest exposure start over the events that qualify at layer `hop`.
    time_point first_exposure = time_infinity;
    /// Latest exposure end over those events.
    time_point last_exposure = time_infinity;
    /// `last_exposure + quarantine` (the quarantine of this hop).
    time_point quarantine_until = time_infinity;
    /// `quarantine_until + monitoring` (of this hop) when the parameters set
    /// monitoring, else (and for index cases) `time_infinity`.
    time_point monitor_until = time_infinity;
    /// Sum of the effective overlap lengths of those events, seconds.
    duration exposure_seconds = 0;
    /// Source and place of the event giving `first_exposure`; among ties the
    /// byte-wise smallest source id, then the smallest place id.
    person_index via_person = no_person;
    place_index via_place = no_place;
};

struct trace_result {
    /// Sorted by hop, then first exposure (index cases first), then person id
    /// byte-wise.
    std::vector<risk_entry> entries;
    /// Whether monitoring was set: the entries carry `monitor_until` and the
    /// risk list has that column.
    bool monitoring = false;
    /// Qualifying contact events found, over all layers.
    std::uint64_t qualifying_events = 0;
    /// Index cases that have no stay at all.
    std::vector<person_index> cases_without_stays;
    /// Persons listed at each hop, index 0 = index cases.
    std::vector<std::uint64_t> persons_per_hop;
};

/// A contact event that qualified (docs/semantics.md §4): `source` exposed
/// `target` at `place` during the effective overlap `[start, end)`, at
/// `layer` (the hop it gives). An event that qualifies at several layers is
/// reported at each layer at which the trace looks at it again (when its
/// source's infectious interval grew), so observers must tolerate repeats.
struct qualifying_event {
    person_index target = 0;
    person_index source = 0;
    place_index place = 0;
    time_point start = 0; ///< inclusive, epoch seconds
    time_point end = 0;   ///< exclusive, epoch seconds
    std::uint32_t layer = 0;
};

/// Called for every qualifying event the trace finds, in no promised order.
using event_observer = std::function<void(const qualifying_event&)>;

/// Traces from `cases`. `persons` and `places` are the id tables the indices
/// refer to (for byte-wise tie-breaking). Throws `input_error` when a case
/// index is out of range or a person is a case twice, and `parameter_error`
/// (`quarantine`, `monitoring`) when a list of durations is empty.
trace_result trace(const stay_table& stays, const person_place_graph& graph,
                   const id_table& persons, const id_table& places,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer = {});

} // namespace ctrace
