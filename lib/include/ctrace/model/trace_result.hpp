#pragma once
/// \file
/// What a trace computes and from what (docs/semantics.md §4, §5, §8.4): the
/// parameters, the risk list's entries and the health-code colour of a hop.
/// The data model of a trace, shared by the tracer (`tracing/trace.hpp`), the
/// snapshots that keep a trace (`model/dataset.hpp`) and the writers.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/types.hpp"

#include <cstdint>
#include <initializer_list>
#include <optional>
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

/// The health-code colour of a hop: "red" for the cases and close contacts
/// (hops 0 and 1), "yellow" beyond.
std::string_view health_code(std::uint32_t hop) noexcept;

} // namespace ctrace
