#pragma once
/// \file
/// Writing the companions list CSV (docs/semantics.md §10).
///
/// Header `person,code,first_time,last_time,cases,via_person,via_place`;
/// `code` is always `yellow`; times as in the risk list (§5). The header is
/// written even when there is no row.

#include "ctrace/core/id_table.hpp"
#include "ctrace/core/time.hpp"
#include "ctrace/tracing/companions.hpp"

#include <iosfwd>
#include <span>
#include <string_view>

namespace ctrace {

inline constexpr std::string_view companion_list_header =
    "person,code,first_time,last_time,cases,via_person,via_place";

/// Writes `rows` in order. Throws `output_error` when the stream fails.
void write_companion_list(std::ostream& out, std::span<const companion> rows,
                          const id_table& persons, const id_table& places, utc_offset tz);

class column_table;

/// The same rows into `table` (column_table.hpp).
void write_companion_list(column_table& table, std::span<const companion> rows,
                          const id_table& persons, const id_table& places, utc_offset tz);

} // namespace ctrace
