#pragma once
/// \file
/// What changed between two daily risk lists (`ctrace daily`).
///
/// A person's *status* on a list dated D is: not listed; `released` when
/// listed with a `quarantine_until` before D's midnight (quarantine over, code
/// green); else their hop and code. Comparing the status on the old list
/// (at the old list's date) with the status on the new list (at the as-of
/// date) gives at most one change per person:
/// - `new`: not active before (absent or released), active now;
/// - `escalated` / `deescalated`: active on both, the hop went down / up
///   (down is closer to a case: yellow to red, say);
/// - `released`: active before, absent or released now (new code `green`).
/// An unchanged hop is no change, whatever the dates did.

#include "ctrace/id_table.hpp"
#include "ctrace/time.hpp"
#include "ctrace/trace.hpp"

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace ctrace {

/// One person's row of a risk list, as far as changes go.
struct risk_status {
    std::string person;
    std::uint32_t hop = 0;
    /// None for index cases (the list leaves it empty).
    std::optional<time_point> quarantine_until;
};

/// Reads the `person`, `hop` and `quarantine_until` columns of a risk list
/// CSV as `ctrace trace` writes it (other columns are ignored; times without
/// an offset are in `tz`). Throws `bad_rows_error` for bad rows and
/// `input_error` for a missing column or file.
std::vector<risk_status> read_risk_statuses(const std::filesystem::path& path, utc_offset tz);

/// The statuses of a trace result's entries.
std::vector<risk_status> risk_statuses(const trace_result& result, const id_table& persons);

struct status_change {
    std::string person;
    std::string change; ///< "new", "escalated", "deescalated" or "released"
    std::optional<std::uint32_t> old_hop, new_hop;
    std::string old_code, new_code; ///< "" when not listed; "green" when released
    /// The new list's value (none when not on it, or for an index case).
    std::optional<time_point> quarantine_until;
};

/// The changes from `old_list` (dated `old_day_start`, the midnight starting
/// its day) to `new_list` (dated `new_day_start`), sorted by person byte-wise.
std::vector<status_change> risk_changes(const std::vector<risk_status>& old_list,
                                        time_point old_day_start,
                                        const std::vector<risk_status>& new_list,
                                        time_point new_day_start);

inline constexpr std::string_view changes_header =
    "person,change,old_hop,new_hop,old_code,new_code,quarantine_until";

/// Writes the changes as CSV with `changes_header`, times in `tz` as in risk lists.
void write_changes(std::ostream& out, const std::vector<status_change>& changes, utc_offset tz);

class xlsx_workbook;

/// Writes the same rows as a sheet of `book` ("changes", 变化; docs/excel.md).
void write_changes(xlsx_workbook& book, const std::vector<status_change>& changes, utc_offset tz);

} // namespace ctrace
