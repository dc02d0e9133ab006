#pragma once
/// \file
/// Same-time-and-place persons, 同时空人员 (docs/semantics.md §10): persons who
/// were at a place of an index case around the time the case was there, but
/// are not on the risk list. Health offices give them a yellow code and a
/// test.
///
/// A case c infectious in `[a, b)` with a stay `[s, e)` at place x is present
/// there in `[s', e') = [max(s, a), min(e, b))`; when `e' > s'` its window is
/// `[s' - W, e' + W)`. A person with a stay `[t1, t2)` at x whose overlap
/// `[max(s' - W, t1), min(e' + W, t2))` with the window is positive (touching
/// is not overlapping) is a companion of c, unless it is an index case or on
/// the risk list. No minimum length, no latency, no lingering and no
/// per-place minimum apply. Times in epoch seconds, intervals half-open.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/tracing/trace.hpp"

#include <span>
#include <vector>

namespace ctrace {

struct companion_parameters {
    /// W: how far a case's presence is widened on each side, seconds (>= 0).
    duration window = defaults::companion_window;
};

/// One companion: a row of the companions list.
struct companion {
    person_index person = 0;
    /// Earliest start and latest end of the person's overlaps with any window.
    time_point first_time = 0;
    time_point last_time = 0;
    /// Distinct index cases whose windows the person overlapped.
    std::uint32_t cases = 0;
    /// Case and place of the overlap with the smallest start; ties go to the
    /// byte-wise smaller case id, then the smaller place id.
    person_index via_person = no_person;
    place_index via_place = no_place;
};

/// One positive overlap of a person's stay with a case's window: what
/// `find_companions` gathers before it makes one row per person.
struct companion_overlap {
    person_index person = 0;
    person_index via_person = 0;
    place_index via_place = 0;
    time_point start = 0;
    time_point end = 0;
};

/// The rows of the companions list from their overlaps, in any order (one
/// row per person, ordered as `find_companions` orders them); `persons`
/// and `places` give the ids for the orders and ties. The distributed trace
/// gathers the overlaps found on every rank and makes the rows with this.
std::vector<companion> companions_from_overlaps(std::vector<companion_overlap> overlaps,
                                                const id_table& persons, const id_table& places);

/// The companions of `cases` on `stays` (at the contact level the stays are
/// at), leaving out every person on `risk` (index cases included), ordered
/// by `first_time`, then person id bytes. `persons` and `places` give the
/// ids for the orders and ties. Throws `parameter_error` for a negative
/// window.
std::vector<companion> find_companions(const stay_table& stays, std::span<const index_case> cases,
                                       const trace_result& risk, const id_table& persons,
                                       const id_table& places,
                                       const companion_parameters& parameters = {});

} // namespace ctrace
