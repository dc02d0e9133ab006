#pragma once
// Reading back a risk list CSV as `ctrace trace` writes it (internal to
// ctrace): the row loop that the readers of risk lists (`read_risk_statuses`,
// `read_risk_listing`) share, so that a list is read the same way by each.

#include "ctrace/io/csv.hpp"

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

namespace ctrace::detail {

/// Looks at the fields of one row, in the order of the columns asked, and
/// returns why the row is bad (empty when it is good).
using risk_list_row =
    std::function<std::string(std::span<const std::string_view> fields, const csv_record& record)>;

/// Reads the header, then hands each well-formed row with as many fields as
/// the header to `row`: the fields of `columns`, then those of
/// `optional_columns` (empty where the header lacks the column: a list
/// without monitoring has no `monitor_until`). Other columns are ignored.
/// Throws `input_error` naming the file when it is empty or one of `columns`
/// is missing, and after the last row `bad_rows_error` for the rows that were
/// malformed or that `row` refused.
void read_risk_list_rows(csv_reader& reader, std::span<const std::string_view> columns,
                         const risk_list_row& row,
                         std::span<const std::string_view> optional_columns = {});

/// Reads a hop number (digits only); false when `text` is not one.
bool parse_hop(std::string_view text, std::uint32_t& hop) noexcept;

} // namespace ctrace::detail
