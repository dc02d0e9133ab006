#include "ctrace/analytics/risk_places.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"

#include <algorithm>
#include <limits>

namespace ctrace {

namespace {

constexpr std::uint32_t no_row = std::numeric_limits<std::uint32_t>::max();
constexpr std::size_t no_case = std::numeric_limits<std::size_t>::max();

/// A layer-1 exposure at a place: who, and how long.
struct exposure {
    place_index place;
    person_index person;
    duration seconds;
};

} // namespace

std::vector<risk_place> find_risk_places(const stay_table& stays, const person_place_graph& graph,
                                         const id_table& persons, const id_table& places,
                                         std::span<const index_case> cases,
                                         const trace_parameters& parameters) {
    // Layer 1 of the trace is exactly the events with a case as source.
    trace_parameters layer_one = parameters;
    layer_one.hops = 1;
    std::vector<exposure> exposures;
    trace(stays, graph, persons, places, cases, layer_one, [&](const qualifying_event& e) {
        exposures.push_back({e.place, e.target, e.end - e.start});
    });

    std::vector<risk_place> rows;
    std::vector<std::uint32_t> row_of(places.size(), no_row);
    // The case last counted at each row, so a case with several stays at a
    // place counts once (each case's stays are visited together).
    std::vector<std::size_t> last_case;
    for (std::size_t c = 0; c < cases.size(); ++c) {
        const index_case& ic = cases[c];
        if (!has_stays(graph, ic.person)) continue;
        const auto [first, last] = boost::out_edges(graph.person_vertex(ic.person), graph.csr);
        for (auto it = first; it != last; ++it) {
            const std::uint32_t stay = graph.csr[*it].stay;
            const time_point start = std::max(stays.start[stay], ic.from);
            const time_point end = std::min(stays.end[stay], ic.to);
            if (end <= start) continue;
            const place_index x = stays.place[stay];
            if (row_of[x] == no_row) {
                row_of[x] = static_cast<std::uint32_t>(rows.size());
                rows.push_back(
                    {.place = x, .first_presence = time_infinity, .last_presence = -time_infinity});
                last_case.push_back(no_case);
            }
            risk_place& row = rows[row_of[x]];
            if (last_case[row_of[x]] != c) {
                last_case[row_of[x]] = c;
                ++row.cases;
            }
            row.first_presence = std::min(row.first_presence, start);
            row.last_presence = std::max(row.last_presence, end);
            row.case_seconds += end - start;
        }
    }

    std::sort(exposures.begin(), exposures.end(), [](const exposure& a, const exposure& b) {
        return a.place != b.place ? a.place < b.place : a.person < b.person;
    });
    for (std::size_t i = 0; i < exposures.size(); ++i) {
        const exposure& e = exposures[i];
        // An event needs a case present at its place, so the row exists.
        risk_place& row = rows[row_of[e.place]];
        if (i == 0 || exposures[i - 1].place != e.place || exposures[i - 1].person != e.person)
            ++row.exposed;
        row.exposed_seconds += e.seconds;
    }

    std::sort(rows.begin(), rows.end(), [&places](const risk_place& a, const risk_place& b) {
        if (a.exposed != b.exposed) return a.exposed > b.exposed;
        if (a.case_seconds != b.case_seconds) return a.case_seconds > b.case_seconds;
        return places[a.place] < places[b.place];
    });
    return rows;
}

namespace {

constexpr sheet_column risk_places_columns[] = {
    {"place", "场所", cell_kind::text},
    {"cases", "病例数", cell_kind::integer},
    {"first_presence", "首次在场", cell_kind::time},
    {"last_presence", "末次在场", cell_kind::time},
    {"case_seconds", "病例停留秒数", cell_kind::integer},
    {"exposed", "暴露人数", cell_kind::integer},
    {"exposed_seconds", "暴露总秒数", cell_kind::integer},
};

/// Writes the rows into `out`, a `csv_writer` or an `xlsx_sheet`.
template <typename Writer>
void write_rows(Writer& out, std::span<const risk_place> rows, const id_table& places,
                utc_offset tz) {
    for (const risk_place& row : rows) {
        out.field(places[row.place]).field(row.cases);
        out.time(row.first_presence, tz).time(row.last_presence, tz);
        out.field(row.case_seconds).field(row.exposed).field(row.exposed_seconds);
        out.end_row();
    }
}

} // namespace

void write_risk_places(std::ostream& out, std::span<const risk_place> rows, const id_table& places,
                       utc_offset tz) {
    csv_writer csv(out, "risk places");
    csv.raw(risk_places_header).end_row();
    write_rows(csv, rows, places, tz);
    csv.finish();
}

void write_risk_places(column_table& table, std::span<const risk_place> rows,
                       const id_table& places, utc_offset tz) {
    table.raw(risk_places_header).end_row();
    write_rows(table, rows, places, tz);
}

void write_risk_places(xlsx_workbook& book, std::span<const risk_place> rows,
                       const id_table& places, utc_offset tz) {
    write_rows(book.add_sheet({"risk places", "风险场所", risk_places_header, risk_places_columns}),
               rows, places, tz);
}

} // namespace ctrace
