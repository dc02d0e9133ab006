#include "ctrace/io/reading_hints.hpp"

#include "ctrace/core/time.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/decoded_input.hpp"
#include "io/row_errors.hpp"

#include <algorithm>
#include <array>
#include <string_view>

namespace ctrace {

namespace {

/// The columns whose values are times, by ctrace's names (after mapping).
constexpr std::array<std::string_view, 6> time_columns = {"time",  "to",    "from",
                                                          "onset", "leave", "last_negative"};

std::optional<reading_hint> encoding_hint(const std::vector<bad_row>& rows) {
    for (const bad_row& row : rows)
        if (row.reason != "invalid UTF-8" || is_valid_utf8(row.raw) || !gb18030_to_utf8(row.raw))
            return std::nullopt;
    reading_hint hint;
    hint.what = reading_hint::kind::encoding;
    hint.encoding = "gb18030";
    return hint;
}

std::optional<reading_hint> time_format_hint(const std::vector<bad_row>& rows) {
    reading_hint hint;
    hint.what = reading_hint::kind::time_format;
    std::vector<std::string> values;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        // The file's first data rows, one after another (the header is line 1).
        if (rows[i].line != 2 + i) return std::nullopt;
        const auto parts = detail::split_field_problem(rows[i].reason);
        if (!parts || parts->value.empty() || parts->problem == "before time" ||
            std::find(time_columns.begin(), time_columns.end(), parts->column) ==
                time_columns.end())
            return std::nullopt;
        if (i == 0) hint.column = std::string(parts->column);
        if (parts->column != hint.column) return std::nullopt;
        values.emplace_back(parts->value);
    }
    for (const std::string& value : values) {
        if (hint.samples.size() == 3) break;
        if (std::find(hint.samples.begin(), hint.samples.end(), value) == hint.samples.end())
            hint.samples.push_back(value);
    }
    hint.layout = guess_time_format(values);
    return hint;
}

} // namespace

std::optional<reading_hint> reading_hint_of(const bad_rows_error& e) {
    if (e.rows().empty()) return std::nullopt;
    if (auto hint = encoding_hint(e.rows())) return hint;
    return time_format_hint(e.rows());
}

} // namespace ctrace
