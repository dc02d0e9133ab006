#pragma once
/// \file
/// Backward tracing (溯源, docs/semantics.md §9): from index cases with an
/// onset back to who or what could have infected them.
///
/// Case c's *exposure window* is `W_c = [onset_c - incubation_max, onset_c -
/// incubation_min)`, and the *exposed part* of one of its stays `[t1, t2)` at
/// place x is `[t1, t2) ∩ W_c`. Its infectious interval `[a_c, b_c)` is the
/// forward trace's (`index_case::from` and `to`). An overlap *counts* at x
/// when it is at least the place's minimum overlap long (its own
/// `place_min_overlap`, else `min_overlap`; at least 1 s, §8.2). Intervals
/// are half-open, times epoch seconds.
///
/// - **Case links** c' → c (c' ≠ c): c''s presence at x (its stay clipped to
///   `[a_c', b_c')`, extended to its footprint under `linger`, §8.3) overlaps
///   c's exposed part of a stay at x, and the overlap counts.
/// - **Common persons**: a person s who is not a case *met* case c when one of
///   s's stays at x (its footprint under `linger`; s's infectious state is
///   unknown, so it is not clipped) overlaps c's exposed part of a stay at x,
///   and the overlap counts. Listed when s met at least `min_cases` cases.
/// - **Common places**: a place where at least `min_cases` distinct cases have
///   a non-empty exposed part of a stay (no minimum overlap: being there in
///   the window is the evidence).
///
/// Every event is one pair of stays (or one stay, for places), so sums add up
/// the overlaps of all pairs. One pass over the stays picks the cases' rows;
/// each exposed part then looks up the stays of its place that can overlap it
/// by binary search on start, as the forward trace does: no loop over pairs
/// of stays, no person–person graph.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/core/types.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/stored_window.hpp"

#include <cstdint>
#include <iosfwd>
#include <span>
#include <string_view>
#include <vector>

namespace ctrace {

struct sources_parameters {
    /// Shortest incubation, seconds: the exposure window ends this long
    /// before the onset.
    duration incubation_min = defaults::incubation_min;
    /// Longest incubation, seconds: the exposure window starts this long
    /// before the onset.
    duration incubation_max = defaults::incubation_max;
    /// Minimum overlap for a link or a meeting, seconds; values below 1 act
    /// as 1.
    duration min_overlap = defaults::min_overlap;
    /// Minimum overlap at each place, by place index (as
    /// `trace_parameters::place_min_overlap`): where not negative it replaces
    /// `min_overlap` there.
    std::vector<duration> place_min_overlap;
    /// Lingering, seconds (docs/semantics.md §8.3): a presence `[s, e)`
    /// exposes its place until `e + min(e - s, linger)`.
    duration linger = defaults::linger;
    /// Persons and places are listed when they met at least this many
    /// distinct cases (at least 1).
    std::uint32_t min_cases = defaults::min_cases;
    /// Which lists to compute (the others stay empty).
    bool find_links = true;
    bool find_common_persons = true;
    bool find_common_places = true;
};

/// An ordered pair of cases linked through at least one event.
struct case_link {
    person_index infector = 0;
    person_index infectee = 0;
    /// Earliest overlap start and latest overlap end over the linking events.
    time_point first_contact = 0;
    time_point last_contact = 0;
    /// Sum of the overlap lengths of the linking events, seconds.
    duration contact_seconds = 0;
    /// The place of the earliest overlap; among ties the smallest place id
    /// (byte-wise).
    place_index place = 0;
};

/// A person who is not a case and met at least `min_cases` cases.
struct common_person {
    person_index person = 0;
    /// The cases met, ordered by id (byte-wise).
    std::vector<person_index> cases;
    /// Earliest overlap start and latest overlap end over the meetings.
    time_point first_contact = 0;
    time_point last_contact = 0;
    /// Sum of the overlap lengths of the meetings, seconds.
    duration contact_seconds = 0;
    /// Distinct places of the meetings.
    std::uint32_t places = 0;
};

/// A place where at least `min_cases` cases were during their exposure
/// windows.
struct common_place {
    place_index place = 0;
    /// The cases, ordered by id (byte-wise).
    std::vector<person_index> cases;
    /// Earliest start and latest end of the cases' exposed parts there.
    time_point first_presence = 0;
    time_point last_presence = 0;
    /// Sum of the exposed parts' lengths, seconds.
    duration case_seconds = 0;
};

struct sources_result {
    /// Sorted by infectee id, then first contact, then infector id.
    std::vector<case_link> links;
    /// Sorted by cases met (most first), then contact seconds (most first),
    /// then person id.
    std::vector<common_person> common_persons;
    /// Sorted by cases (most first), then case seconds (most first), then
    /// place id.
    std::vector<common_place> common_places;
    /// Index cases that have no stay at all.
    std::vector<person_index> cases_without_stays;
    /// Events found: pairs of stays that link two cases, and that a non-case
    /// met a case through (before the `min_cases` filter).
    std::uint64_t link_events = 0;
    std::uint64_t meetings = 0;
};

/// Finds the links, common persons and common places of `cases`. `persons`
/// and `places` are the id tables the indices refer to (for byte-wise
/// ordering). Throws `input_error` when a case has no onset (naming its id
/// and line), a case index is out of range or a person is a case twice, and
/// `parameter_error` when an incubation is negative, `incubation_min` exceeds
/// `incubation_max`, or `min_cases` is 0.
sources_result find_sources(const stay_table& stays, const id_table& persons,
                            const id_table& places, std::span<const index_case> cases,
                            const sources_parameters& parameters);

inline constexpr std::string_view case_links_header =
    "infector,infectee,first_contact,last_contact,contact_seconds,place";
inline constexpr std::string_view common_persons_header =
    "person,cases,first_contact,last_contact,contact_seconds,places,case_ids";
inline constexpr std::string_view common_places_header =
    "place,cases,first_presence,last_presence,case_seconds,case_ids";

/// Write the lists as CSV (docs/semantics.md §9.2) in the order of
/// `sources_result`: times as the risk list writes them, in zone `tz`; case
/// ids joined by `;`; fields quoted only when they hold a comma, quote, CR or
/// LF; LF line ends. Throw `output_error` when the stream fails.
void write_case_links(std::ostream& out, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz);
void write_common_persons(std::ostream& out, const sources_result& result, const id_table& persons,
                          utc_offset tz);
void write_common_places(std::ostream& out, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz);

class column_table;

/// Write the same rows into `table` each (column_table.hpp).
void write_case_links(column_table& table, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz);
void write_common_persons(column_table& table, const sources_result& result,
                          const id_table& persons, utc_offset tz);
void write_common_places(column_table& table, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz);

class xlsx_workbook;

/// Write the same rows as a sheet of `book` each ("links" 病例关联, "common
/// persons" 共同接触者, "common places" 共同场所; docs/excel.md). Throw
/// `output_error` naming the workbook when a row does not fit.
void write_case_links(xlsx_workbook& book, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz);
void write_common_persons(xlsx_workbook& book, const sources_result& result,
                          const id_table& persons, utc_offset tz);
void write_common_places(xlsx_workbook& book, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz);

/// `find_sources` (sources.hpp) on an indexed snapshot: reads the cases'
/// stays and the places they touch. Same result as on the snapshot read whole.
sources_result find_sources(const indexed_snapshot& data, const indexed_person_ids& persons,
                            std::span<const index_case> cases,
                            const sources_parameters& parameters);

/// `find_sources` (sources.hpp) on a store read in place: the cases' stays
/// and the stays in force at the places they stayed at, from every partition.
/// Same result as on `data.read_whole()`.
sources_result find_sources(const stored_window& data, const indexed_person_ids& persons,
                            std::span<const index_case> cases,
                            const sources_parameters& parameters);

} // namespace ctrace
