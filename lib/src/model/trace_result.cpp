#include "ctrace/model/trace_result.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/core/time.hpp"

#include <algorithm>
#include <string>

namespace ctrace {

hop_durations parse_hop_durations(std::string_view text) {
    std::vector<duration> values;
    for (std::size_t start = 0;;) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view item = text.substr(start, comma - start);
        if (item.empty())
            throw parse_error(text.empty()
                                  ? "empty list of durations"
                                  : "empty duration in the list '" + std::string(text) + "'");
        values.push_back(parse_duration(item));
        if (comma == text.size()) break;
        start = comma + 1;
    }
    return hop_durations(std::move(values));
}

std::string_view health_code(std::uint32_t hop) noexcept {
    return hop <= 1 ? "red" : "yellow";
}

} // namespace ctrace
