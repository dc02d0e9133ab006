#include "ctrace/analytics/zones.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"
#include "io/row_errors.hpp"

#include <algorithm>
#include <limits>
#include <ostream>
#include <unordered_set>

namespace ctrace {

std::vector<resident> read_residents(const std::filesystem::path& path) {
    csv_reader reader(path);
    const std::string name = path.string();
    csv_record record;
    const csv_header header = detail::read_header(reader, record, {});
    const auto person_col = static_cast<std::size_t>(header.require("person", name));
    const auto district_col = static_cast<std::size_t>(header.require("district", name));
    detail::bad_row_sink bad(false); // bad rows of a residents file are always fatal
    std::vector<resident> rows;
    std::unordered_set<std::string> seen;
    while (reader.next(record)) {
        if (detail::rejected_record(bad, record, header.size())) continue;
        const std::string_view person = record.fields[person_col];
        if (person.empty()) {
            bad.add(record, "person is empty");
            continue;
        }
        if (!seen.emplace(person).second) {
            bad.add(record, "person '" + std::string(person) + "' is listed twice");
            continue;
        }
        rows.push_back({std::string(person), std::string(record.fields[district_col])});
    }
    bad.throw_if_strict(name);
    return rows;
}

namespace {

constexpr std::uint32_t none = std::numeric_limits<std::uint32_t>::max();

/// What one district gathers before it becomes a row.
struct district_times {
    std::vector<person_index> cases, close_contacts;
    std::optional<time_point> last_case_presence, last_close_exposure;
};

void raise(std::optional<time_point>& latest, time_point t) {
    if (!latest || *latest < t) latest = t;
}

std::size_t count_distinct(std::vector<person_index>& persons) {
    std::sort(persons.begin(), persons.end());
    return static_cast<std::size_t>(std::unique(persons.begin(), persons.end()) - persons.begin());
}

} // namespace

std::vector<zone> find_zones(const stay_table& stays, const id_table& persons,
                             const id_table& places, const place_table& place_info,
                             std::span<const index_case> cases, const trace_result& risk,
                             std::span<const qualifying_event> layer_one,
                             std::span<const resident> residents,
                             const zone_parameters& parameters) {
    if (parameters.quiet < 0)
        throw parameter_error("zone_quiet", "the quiet period must not be negative");
    if (parameters.screening < 0)
        throw parameter_error("screening", "the screening period must not be negative");
    if (!place_info.has_district)
        throw input_error("zones need the places file's 'district' column, and " +
                          std::string(place_info.size() == 0 ? "no places file was given"
                                                             : "the places file has none"));
    // The district of each place: that of its code in the places file.
    id_table districts;
    std::vector<std::uint32_t> district_of(places.size(), none);
    for (std::size_t x = 0; x < places.size(); ++x) {
        const place_index row = place_info.ids.find(places[static_cast<place_index>(x)]);
        if (row == id_table::npos || place_info.district[row].empty()) continue;
        district_of[x] = districts.intern(place_info.district[row]);
    }
    std::vector<district_times> gathered(districts.size());
    const auto district_at = [&](std::string_view name) {
        const place_index d = districts.intern(name);
        if (d >= gathered.size()) gathered.resize(d + std::size_t{1});
        return d;
    };

    std::size_t person_count = persons.size();
    for (const index_case& c : cases)
        person_count = std::max<std::size_t>(person_count, std::size_t{c.person} + 1);
    std::vector<std::uint32_t> case_of(person_count, none);
    for (std::uint32_t k = 0; k < cases.size(); ++k)
        case_of[cases[k].person] = k;

    // Presences: one pass over the stays picks the cases' rows.
    std::vector<std::optional<time_point>> last_presence(cases.size());
    for (std::size_t i = 0; i < stays.size(); ++i) {
        const std::uint32_t k = case_of[stays.person[i]];
        if (k == none) continue;
        const time_point from = std::max(stays.start[i], cases[k].from);
        const time_point to = std::min(stays.end[i], cases[k].to);
        if (to <= from) continue;
        raise(last_presence[k], to);
        const std::uint32_t d = district_of[stays.place[i]];
        if (d == none) continue;
        gathered[d].cases.push_back(cases[k].person);
        raise(gathered[d].last_case_presence, to);
    }
    // Every layer-1 event of a close contact.
    for (const qualifying_event& e : layer_one) {
        if (e.layer != 1) continue;
        const std::uint32_t d = district_of[e.place];
        if (d == none) continue;
        gathered[d].close_contacts.push_back(e.target);
        raise(gathered[d].last_close_exposure, e.end);
    }
    // Residents: where cases and close contacts live.
    if (!residents.empty()) {
        std::vector<const risk_entry*> close_entry(person_count, nullptr);
        for (const risk_entry& e : risk.entries)
            if (e.hop == 1 && e.person < person_count) close_entry[e.person] = &e;
        for (const resident& r : residents) {
            const person_index p = persons.find(r.person);
            if (p == id_table::npos || r.district.empty()) continue;
            if (const std::uint32_t k = case_of[p]; k != none) {
                const std::optional<time_point> found =
                    cases[k].to != time_infinity ? std::optional(cases[k].to) : last_presence[k];
                if (!found) continue;
                district_times& d = gathered[district_at(r.district)];
                d.cases.push_back(p);
                raise(d.last_case_presence, *found);
            } else if (const risk_entry* e = close_entry[p]) {
                district_times& d = gathered[district_at(r.district)];
                d.close_contacts.push_back(p);
                raise(d.last_close_exposure, e->last_exposure);
            }
        }
    }

    std::vector<zone> rows;
    for (std::size_t d = 0; d < gathered.size(); ++d) {
        district_times& g = gathered[d];
        if (!g.last_case_presence && !g.last_close_exposure) continue;
        zone row;
        row.district = std::string(districts[static_cast<place_index>(d)]);
        row.cases = static_cast<std::uint32_t>(count_distinct(g.cases));
        row.close_contacts = static_cast<std::uint32_t>(count_distinct(g.close_contacts));
        row.last_case_presence = g.last_case_presence;
        row.last_close_exposure = g.last_close_exposure;
        const time_point last = std::max(g.last_case_presence.value_or(-time_infinity),
                                         g.last_close_exposure.value_or(-time_infinity));
        row.lift_not_before = last + parameters.quiet;
        row.screening_from = row.lift_not_before - parameters.screening;
        rows.push_back(std::move(row));
    }
    std::sort(rows.begin(), rows.end(), [](const zone& a, const zone& b) {
        if (a.lift_not_before != b.lift_not_before) return a.lift_not_before > b.lift_not_before;
        return a.district < b.district;
    });
    return rows;
}

namespace {

/// Writes the header and rows into `csv`, a `csv_writer` or a `column_table`.
template <typename Writer>
void write_zone_rows(Writer& csv, std::span<const zone> rows, utc_offset tz,
                     std::optional<time_point> as_of) {
    csv.raw(zone_list_header);
    if (as_of) csv.raw("status");
    csv.end_row();
    for (const zone& z : rows) {
        csv.field(z.district).field(z.cases).field(z.close_contacts);
        if (z.last_case_presence)
            csv.time(*z.last_case_presence, tz);
        else
            csv.raw("");
        if (z.last_close_exposure)
            csv.time(*z.last_close_exposure, tz);
        else
            csv.raw("");
        csv.time(z.lift_not_before, tz).time(z.screening_from, tz);
        if (as_of) csv.raw(*as_of < z.lift_not_before ? "controlled" : "may-lift");
        csv.end_row();
    }
}

} // namespace

void write_zone_list(std::ostream& out, std::span<const zone> rows, utc_offset tz,
                     std::optional<time_point> as_of) {
    csv_writer csv(out, "zones");
    write_zone_rows(csv, rows, tz, as_of);
    csv.finish();
}

void write_zone_list(column_table& table, std::span<const zone> rows, utc_offset tz,
                     std::optional<time_point> as_of) {
    write_zone_rows(table, rows, tz, as_of);
}

} // namespace ctrace
