#pragma once
/// \file
/// The meetings behind a risk list row (docs/explain.md): every contact event
/// that qualifies for a listed person at its hop (docs/semantics.md §4, with
/// the places' own minimum overlaps of §8.2 and the lingering of §8.3). A row
/// sums them up — one interval from the first exposure to the last, one
/// number of seconds — which is not what someone appealing their code can
/// check; the meetings are: with whom, where, from when to when.
///
/// The meetings are found by tracing again, with the stays, cases and
/// parameters that made the list, and keeping the events the trace itself
/// sums for the person: the qualifying rule is the trace's, not a second
/// copy of it. So for a person at hop k >= 1, over its meetings:
/// - the earliest start is `first_exposure` (E_k), the latest end
///   `last_exposure`, and the lengths add up to `exposure_seconds`;
/// - the first meeting in the order below is the one the list names as
///   `via_person` and `via_place`.
/// Index cases have none.

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

/// One qualifying contact event: `source` exposed the person at `place`
/// during the effective overlap `[start, end)` (epoch seconds: the overlap of
/// the two stays, clipped to the source's infectious interval and with its
/// lingering footprint, §8.3).
struct meeting {
    person_index source = 0;
    /// The source's hop on the list (below the person's; one below as a rule,
    /// see docs/explain.md).
    std::uint32_t source_hop = 0;
    place_index place = 0;
    time_point start = 0; ///< inclusive
    time_point end = 0;   ///< exclusive

    duration seconds() const noexcept { return end - start; }
    friend bool operator==(const meeting&, const meeting&) = default;
};

/// The meetings of one person asked.
struct person_meetings {
    /// The person's row as the trace computes it; none when the trace does
    /// not list the person (or the data does not know the id).
    std::optional<risk_entry> entry;
    /// The events that qualify for the person at `entry->hop`, sorted by
    /// start, then source id, then place id (byte-wise), then end. Empty for
    /// an index case and for a person not listed.
    std::vector<meeting> meetings;
};

/// Traces `cases` on `stays` with `parameters` (exactly as `trace` does, the
/// same arguments) and returns the meetings of each of `asked` (person ids,
/// byte for byte), in that order. Throws as `trace` does.
///
/// Costs one trace; the events are kept only for the persons asked.
std::vector<person_meetings> find_meetings(const stay_table& stays, const person_place_graph& graph,
                                           const id_table& persons, const id_table& places,
                                           std::span<const index_case> cases,
                                           const trace_parameters& parameters,
                                           std::span<const std::string_view> asked);

} // namespace ctrace
