#pragma once
/// \file
/// Lifting sealed and controlled zones, 三区 (docs/semantics.md §11): per
/// district, when it may be lifted.
///
/// Districts come from the places file's `district` column of the code
/// scanned; a code without one, or not in the places file, belongs to no
/// district. Zones work on stays at code level only.
///
/// - A case c is *present* in district d when one of its stays at a place of
///   d, clipped to its infectious interval `[a, b)`, is not empty: the
///   presence `[s', e')`. `last_case_presence(d)` is the latest `e'`,
///   `cases(d)` the distinct cases present.
/// - Every layer-1 event (§4, with §8's rules) of a close contact (a hop-1
///   person) at a place of d counts, not only the one that listed it:
///   `last_close_exposure(d)` is the latest effective end,
///   `close_contacts(d)` the distinct hop-1 persons with such an event.
/// - Residents (optional): a case living in d counts in `cases(d)` with the
///   time it was found, its `to` (when the cases file gives one) or else the
///   latest end of its presences anywhere (a case with neither does not
///   count); a hop-1 person living in d counts in `close_contacts(d)` with its
///   risk-list `last_exposure`.
/// - `lift_not_before = max(last_case_presence, last_close_exposure) + quiet`
///   and `screening_from = lift_not_before - screening`.
///
/// Times in epoch seconds; intervals half-open.

#include "ctrace/core/defaults.hpp"
#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/io/cases.hpp"
#include "ctrace/io/scans.hpp"
#include "ctrace/model/stays.hpp"
#include "ctrace/tracing/trace.hpp"

#include <filesystem>
#include <iosfwd>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ctrace {

struct zone_parameters {
    /// Z: how long after the last case presence or close-contact exposure a
    /// district may be lifted, seconds (>= 0).
    duration quiet = defaults::zone_quiet;
    /// S: the screening round falls in `[lift_not_before - S, lift_not_before)`
    /// (>= 0).
    duration screening = defaults::screening;
};

/// Where a person lives: a row of a residents file.
struct resident {
    std::string person;
    std::string district;
};

/// Reads a residents file: CSV with columns `person` and `district` (others
/// ignored). Throws `input_error` naming the file when a column is missing,
/// and `bad_rows_error` (file and line) for a row with an empty person or a
/// person listed twice.
std::vector<resident> read_residents(const std::filesystem::path& path);

/// One district with at least one candidate time.
struct zone {
    std::string district;
    std::uint32_t cases = 0;
    std::uint32_t close_contacts = 0;
    std::optional<time_point> last_case_presence;
    std::optional<time_point> last_close_exposure;
    time_point lift_not_before = 0;
    time_point screening_from = 0;
};

/// The zones of a trace. `layer_one` holds the trace's qualifying events at
/// layer 1 (repeats are harmless); `risk` is the trace's result, `cases` its
/// index cases, `persons` its id table. `places` are the stays' place ids and
/// `place_info` the places file. Ordered by `lift_not_before` descending,
/// then district bytes ascending. Throws `input_error` when the places file
/// has no `district` column, and `parameter_error` for a negative duration.
std::vector<zone> find_zones(const stay_table& stays, const id_table& persons,
                             const id_table& places, const place_table& place_info,
                             std::span<const index_case> cases, const trace_result& risk,
                             std::span<const qualifying_event> layer_one,
                             std::span<const resident> residents,
                             const zone_parameters& parameters = {});

inline constexpr std::string_view zone_list_header =
    "district,cases,close_contacts,last_case_presence,last_close_exposure,lift_not_before,"
    "screening_from";

/// Writes the rows as CSV (times as in the risk list, in zone `tz`); with
/// `as_of`, an eighth column `status`: `controlled` when `as_of <
/// lift_not_before`, else `may-lift`. Throws `output_error` when the stream
/// fails.
void write_zone_list(std::ostream& out, std::span<const zone> rows, utc_offset tz,
                     std::optional<time_point> as_of = std::nullopt);

class column_table;

/// The same rows into `table` (column_table.hpp).
void write_zone_list(column_table& table, std::span<const zone> rows, utc_offset tz,
                     std::optional<time_point> as_of = std::nullopt);

} // namespace ctrace
