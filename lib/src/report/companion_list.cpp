#include "ctrace/report/companion_list.hpp"

#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"

#include <ostream>

namespace ctrace {

namespace {

/// Writes the header and rows into `csv`, a `csv_writer` or a `column_table`.
template <typename Writer>
void write_companion_rows(Writer& csv, std::span<const companion> rows, const id_table& persons,
                          const id_table& places, utc_offset tz) {
    csv.raw(companion_list_header);
    csv.end_row();
    for (const companion& c : rows) {
        csv.field(persons[c.person]).raw("yellow").time(c.first_time, tz).time(c.last_time, tz);
        csv.field(c.cases).field(persons[c.via_person]).field(places[c.via_place]);
        csv.end_row();
    }
}

} // namespace

void write_companion_list(std::ostream& out, std::span<const companion> rows,
                          const id_table& persons, const id_table& places, utc_offset tz) {
    csv_writer csv(out, "companions list");
    write_companion_rows(csv, rows, persons, places, tz);
    csv.finish();
}

void write_companion_list(column_table& table, std::span<const companion> rows,
                          const id_table& persons, const id_table& places, utc_offset tz) {
    write_companion_rows(table, rows, persons, places, tz);
}

} // namespace ctrace
