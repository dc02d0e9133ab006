#include "io/risk_list_rows.hpp"

#include "io/row_errors.hpp"

#include <charconv>
#include <vector>

namespace ctrace::detail {

void read_risk_list_rows(csv_reader& reader, std::span<const std::string_view> columns,
                         const risk_list_row& row,
                         std::span<const std::string_view> optional_columns) {
    const std::string& name = reader.source_name();
    csv_record record;
    const csv_header header = read_header(reader, record);
    // Positions of the columns; -1 for an optional column the header lacks.
    std::vector<int> positions;
    positions.reserve(columns.size() + optional_columns.size());
    for (const std::string_view column : columns)
        positions.push_back(header.require(column, name));
    for (const std::string_view column : optional_columns)
        positions.push_back(header.find(column));
    std::vector<std::string_view> fields(positions.size());
    bad_row_sink bad(false);
    while (reader.next(record)) {
        if (rejected_record(bad, record, header.size())) continue;
        for (std::size_t i = 0; i < positions.size(); ++i)
            fields[i] = positions[i] < 0 ? std::string_view()
                                         : record.fields[static_cast<std::size_t>(positions[i])];
        std::string problem = row(fields, record);
        if (!problem.empty()) bad.add(record, std::move(problem));
    }
    bad.throw_if_strict(name);
}

bool parse_hop(std::string_view text, std::uint32_t& hop) noexcept {
    const char* end = text.data() + text.size();
    std::uint32_t value = 0;
    const auto [stop, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || stop != end) return false;
    hop = value;
    return true;
}

} // namespace ctrace::detail
