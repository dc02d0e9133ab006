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
/// - `extended` / `shortened`: active on both at the same hop, and the
///   quarantine or the monitoring now ends later / earlier. `quarantine_until`
///   decides; only when it is the same does `monitor_until` (the health
///   monitoring after the quarantine) decide. So a quarantine moved later with
///   the monitoring moved earlier is `extended`: the quarantine is what
///   binds the person. `monitor_until` is compared only when both lists give
///   it for the person (a list without monitoring has none);
/// - `released`: active before, absent or released now (new code `green`).
/// A person active on both at the same hop with both dates unchanged (index
/// cases among them: they have no dates) is no change.
///
/// Times are epoch seconds; `quarantine_until` and `monitor_until` are the
/// risk list's (docs/semantics.md §5, §8.4).

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/tracing/trace.hpp"

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
    /// None for index cases and for lists without monitoring.
    std::optional<time_point> monitor_until;
};

/// Reads the `person`, `hop` and `quarantine_until` columns of a risk list
/// CSV as `ctrace trace` writes it, and `monitor_until` when the list has it
/// (other columns are ignored; times without an offset are in `tz`). Throws
/// `bad_rows_error` for bad rows and `input_error` for a missing column or
/// file.
std::vector<risk_status> read_risk_statuses(const std::filesystem::path& path, utc_offset tz);

/// The statuses of a trace result's entries.
std::vector<risk_status> risk_statuses(const trace_result& result, const id_table& persons);

struct status_change {
    std::string person;
    /// "new", "escalated", "deescalated", "extended", "shortened" or "released"
    std::string change;
    std::optional<std::uint32_t> old_hop, new_hop;
    std::string old_code, new_code; ///< "" when not listed; "green" when released
    /// The new list's values (none when not on it, for an index case, and
    /// for `monitor_until` on a list without monitoring).
    std::optional<time_point> quarantine_until, monitor_until;
    /// The old list's values, the same way (also when the person was
    /// released there).
    std::optional<time_point> old_quarantine_until, old_monitor_until;
};

/// The changes from `old_list` (dated `old_day_start`, the midnight starting
/// its day) to `new_list` (dated `new_day_start`), sorted by person byte-wise.
std::vector<status_change> risk_changes(const std::vector<risk_status>& old_list,
                                        time_point old_day_start,
                                        const std::vector<risk_status>& new_list,
                                        time_point new_day_start);

/// The first seven columns are those of the first version of the file; the
/// old list's dates and the monitoring came later, at the end.
inline constexpr std::string_view changes_header =
    "person,change,old_hop,new_hop,old_code,new_code,quarantine_until,old_quarantine_until,"
    "old_monitor_until,monitor_until";

/// Writes the changes as CSV with `changes_header`, times in `tz` as in risk
/// lists, a date that is none as an empty field.
void write_changes(std::ostream& out, const std::vector<status_change>& changes, utc_offset tz);

class xlsx_workbook;

/// Writes the same rows as a sheet of `book` ("changes", 变化; docs/excel.md).
void write_changes(xlsx_workbook& book, const std::vector<status_change>& changes, utc_offset tz);

} // namespace ctrace
