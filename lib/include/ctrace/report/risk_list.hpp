#pragma once
/// \file
/// Writing the risk list CSV (docs/semantics.md §5).
///
/// Header `person,hop,code,first_exposure,last_exposure,quarantine_until,
/// exposure_seconds,via_person,via_place`; `code` is `red` for hops 0 and 1 and
/// `yellow` beyond. Times are `YYYY-MM-DDTHH:MM:SS` in the given zone with `Z`
/// or `±HH:MM`; index cases leave the time and via fields empty. When the
/// trace set monitoring (`trace_result::monitoring`, §8.4) a tenth column
/// `monitor_until` follows, empty for index cases. Fields are
/// quoted only when they hold a comma, quote, CR or LF; lines end with LF.

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/tracing/trace.hpp"

#include <iosfwd>
#include <string_view>

namespace ctrace {

inline constexpr std::string_view risk_list_header =
    "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,"
    "via_person,via_place";
/// The header with monitoring (§8.4): `risk_list_header` and `,monitor_until`.
inline constexpr std::string_view risk_list_monitoring_header =
    "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,"
    "via_person,via_place,monitor_until";

/// The health-code colour of a hop.
std::string_view health_code(std::uint32_t hop) noexcept;

/// Writes `result.entries` in order, with the `monitor_until` column when
/// `result.monitoring`. Throws `output_error` when the stream fails.
void write_risk_list(std::ostream& out, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz);

class xlsx_workbook;

/// Writes the same rows as a sheet of `book` ("risk list", 风险人员; the
/// column kinds and names are in docs/excel.md). Throws `output_error` naming
/// the workbook when a row does not fit.
void write_risk_list(xlsx_workbook& book, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz);

} // namespace ctrace
