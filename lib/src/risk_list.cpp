#include "ctrace/risk_list.hpp"

#include "ctrace/csv.hpp"
#include "ctrace/error.hpp"

#include <ostream>

namespace ctrace {

std::string_view health_code(std::uint32_t hop) noexcept {
    return hop <= 1 ? "red" : "yellow";
}

void write_risk_list(std::ostream& out, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz) {
    std::string buffer(risk_list_header);
    buffer.push_back('\n');
    constexpr std::size_t flush_bytes = 1 << 20;
    for (const risk_entry& e : result.entries) {
        append_csv_field(buffer, persons[e.person]);
        buffer.push_back(',');
        buffer += std::to_string(e.hop);
        buffer.push_back(',');
        buffer += health_code(e.hop);
        buffer.push_back(',');
        if (e.hop > 0) {
            append_time(buffer, e.first_exposure, tz);
            buffer.push_back(',');
            append_time(buffer, e.last_exposure, tz);
            buffer.push_back(',');
            append_time(buffer, e.quarantine_until, tz);
            buffer.push_back(',');
            buffer += std::to_string(e.exposure_seconds);
            buffer.push_back(',');
            append_csv_field(buffer, persons[e.via_person]);
            buffer.push_back(',');
            append_csv_field(buffer, places[e.via_place]);
        } else {
            buffer += ",,,0,,";
        }
        buffer.push_back('\n');
        if (buffer.size() >= flush_bytes) {
            out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
            buffer.clear();
        }
    }
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    out.flush();
    if (!out) throw io_error("risk list: write failed");
}

} // namespace ctrace
