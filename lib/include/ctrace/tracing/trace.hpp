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

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/model/trace_result.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/stored_window.hpp"

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

/// `trace` on stays in memory that it only reads, the index cases that never
/// scanned named apart: person index `persons.size() + k` is
/// `unscanned_cases[k]`. Several threads may so trace one dataset at once
/// (`trace` above needs those cases appended to `persons`). Same result as
/// `trace` with `unscanned_cases` appended to `persons`.
///
/// `person_rank`, when not empty, holds the rank of each of `persons`' ids
/// among them byte-wise (`id_table::sorted_order` inverted): ties in the risk
/// list's order are then broken by rank instead of by comparing the ids'
/// bytes, which is what most of the list's sort costs when many persons are
/// listed. It is not used while `unscanned_cases` is not empty.
trace_result trace(const stay_table& stays, const person_place_graph& graph,
                   const id_table& persons, const id_table& unscanned_cases, const id_table& places,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer = {},
                   std::span<const std::uint32_t> person_rank = {});

/// `trace` (trace.hpp) on an indexed snapshot: reads only the stays of the
/// persons and places the trace reaches. Same result as `trace` on the
/// snapshot read whole, byte for byte.
trace_result trace(const indexed_snapshot& data, const indexed_person_ids& persons,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer = {});

/// `trace` (trace.hpp) on a store read in place; `persons` is over
/// `data.ids()`. Same result as `trace` on `data.read_whole()`.
trace_result trace(const stored_window& data, const indexed_person_ids& persons,
                   std::span<const index_case> cases, const trace_parameters& parameters,
                   const event_observer& observer = {});

} // namespace ctrace
