#include "ctrace/risk_list.hpp"

#include "ctrace/csv.hpp"

#include <ostream>

namespace ctrace {

std::string_view health_code(std::uint32_t hop) noexcept {
    return hop <= 1 ? "red" : "yellow";
}

void write_risk_list(std::ostream& out, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz) {
    csv_writer csv(out, "risk list");
    csv.raw(risk_list_header).end_row();
    for (const risk_entry& e : result.entries) {
        csv.field(persons[e.person]).field(e.hop).raw(health_code(e.hop));
        if (e.hop > 0) {
            csv.time(e.first_exposure, tz).time(e.last_exposure, tz).time(e.quarantine_until, tz);
            csv.field(e.exposure_seconds).field(persons[e.via_person]).field(places[e.via_place]);
        } else {
            csv.raw("").raw("").raw("").raw("0").raw("").raw("");
        }
        csv.end_row();
    }
    csv.finish();
}

} // namespace ctrace
