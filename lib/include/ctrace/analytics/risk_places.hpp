#pragma once
/// \file
/// Risk places: where the index cases were while infectious, and how many
/// people they exposed there (`ctrace places`).
///
/// A case's *presence* at a place is each of its stays there clipped to its
/// infectious window `[a_c, b_c)`, kept when non-empty. A person is *exposed*
/// at a place when at least one contact event there qualifies for them at
/// layer 1 (docs/semantics.md §4: a case is the source and the effective
/// overlap is at least the minimum overlap). Only layer 1 counts, whatever
/// `hops` is.

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/tracing/trace.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

/// One place where at least one index case was present.
struct risk_place {
    place_index place = 0;
    /// Distinct index cases present.
    std::uint32_t cases = 0;
    /// Earliest presence start, inclusive (epoch seconds).
    time_point first_presence = 0;
    /// Latest presence end, exclusive (epoch seconds).
    time_point last_presence = 0;
    /// Sum of the presence lengths over all cases, seconds (overlapping
    /// presences of two cases both count).
    duration case_seconds = 0;
    /// Distinct persons exposed here at layer 1.
    std::uint64_t exposed = 0;
    /// Sum of the effective overlap lengths of those layer-1 events, seconds.
    duration exposed_seconds = 0;
};

/// The risk places of `cases`, sorted by `exposed` descending, then
/// `case_seconds` descending, then place id byte-wise. Of `parameters` only
/// `min_overlap` matters (the cases' windows already hold `until`). Throws
/// like `trace` for bad cases.
std::vector<risk_place> find_risk_places(const stay_table& stays, const person_place_graph& graph,
                                         const id_table& persons, const id_table& places,
                                         std::span<const index_case> cases,
                                         const trace_parameters& parameters);

inline constexpr std::string_view risk_places_header =
    "place,cases,first_presence,last_presence,case_seconds,exposed,exposed_seconds";

/// Writes the rows as CSV (times as in the risk list, in zone `tz`). Throws
/// `output_error` when the stream fails.
void write_risk_places(std::ostream& out, std::span<const risk_place> rows, const id_table& places,
                       utc_offset tz);

class xlsx_workbook;

class column_table;

/// The same rows into `table` (column_table.hpp).
void write_risk_places(column_table& table, std::span<const risk_place> rows,
                       const id_table& places, utc_offset tz);

/// Writes the same rows as a sheet of `book` ("risk places", 风险场所;
/// docs/excel.md). Throws `output_error` naming the workbook when a row does
/// not fit.
void write_risk_places(xlsx_workbook& book, std::span<const risk_place> rows,
                       const id_table& places, utc_offset tz);

} // namespace ctrace
