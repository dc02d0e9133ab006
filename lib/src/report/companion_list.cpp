#include "ctrace/report/companion_list.hpp"

#include "ctrace/io/csv.hpp"

#include <ostream>

namespace ctrace {

void write_companion_list(std::ostream& out, std::span<const companion> rows,
                          const id_table& persons, const id_table& places, utc_offset tz) {
    csv_writer csv(out, "companions list");
    csv.raw(companion_list_header);
    csv.end_row();
    for (const companion& c : rows) {
        csv.field(persons[c.person]).raw("yellow").time(c.first_time, tz).time(c.last_time, tz);
        csv.field(c.cases).field(persons[c.via_person]).field(places[c.via_place]);
        csv.end_row();
    }
    csv.finish();
}

} // namespace ctrace
