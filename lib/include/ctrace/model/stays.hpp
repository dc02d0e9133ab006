#pragma once
/// \file
/// Stays (docs/semantics.md §2.2): the visits of one person at one place, merged.
///
/// Visits of the same person at the same place that overlap or touch
/// (`next.start <= current.end` after sorting by start) merge into one stay
/// `[first start, largest end)`. Exact duplicate rows therefore change
/// nothing. Empty visits (`start == end`) are kept as empty stays unless they
/// touch another visit.

#include "ctrace/core/types.hpp"
#include "ctrace/io/scans.hpp"

#include <cstdint>
#include <vector>

namespace ctrace {

/// Merged stays as columns, sorted by (place, start, person) — a key that is
/// unique after merging. The stays of place `x` are the rows
/// `[place_begin[x], place_begin[x + 1])`, ascending by start.
struct stay_table {
    std::vector<person_index> person;
    std::vector<place_index> place;
    std::vector<time_point> start; ///< epoch seconds, inclusive
    std::vector<time_point> end;   ///< epoch seconds, exclusive
    /// Size place_count + 1.
    std::vector<std::uint64_t> place_begin;
    /// Length of the longest stay at each place, seconds: a stay of place `x`
    /// that reaches past time t starts after `t - place_longest[x]`, which
    /// bounds a search by start.
    std::vector<duration> place_longest;

    std::size_t size() const noexcept { return person.size(); }
    std::size_t place_count() const noexcept { return place_longest.size(); }
};

/// Merges `visits` into stays. Indices must be below `person_count` and
/// `place_count` (throws `error` otherwise). Pass the visits with `std::move`
/// when they are no longer needed: the sort keys are written over them (and
/// the sort's second buffer uses their spare capacity, as a read leaves it),
/// and the keys' pages are handed back as they become stays, so visits and
/// stays are never resident together.
stay_table build_stays(std::vector<visit> visits, std::size_t person_count,
                       std::size_t place_count);

/// Sets `place_begin` and `place_longest` (for `place_count` places) from the
/// rows, which must be sorted by place with every place below `place_count`.
void index_stays_by_place(stay_table& stays, std::size_t place_count);

/// The rows of `stays` ordered by person (stable: a person's rows stay in
/// (place, start) order). Throws `error` when a person index is not below
/// `person_count` or there are 2^32 stays or more.
std::vector<std::uint32_t> stay_rows_by_person(const stay_table& stays, std::size_t person_count);

/// Smallest start and largest end over all stays; {0, 0} when there are none.
struct time_span {
    time_point min = 0;
    time_point max = 0;
};
time_span stay_time_span(const stay_table& stays) noexcept;

} // namespace ctrace
