#include "ctrace/report/risk_list.hpp"

#include "core/radix_sort.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"

#include <algorithm>
#include <ostream>

namespace ctrace {

namespace {

constexpr sheet_column risk_list_columns[] = {
    {"person", "人员", cell_kind::text},
    {"hop", "风险层级", cell_kind::integer},
    {"code", "码色", cell_kind::text},
    {"first_exposure", "首次暴露", cell_kind::time},
    {"last_exposure", "末次暴露", cell_kind::time},
    {"quarantine_until", "隔离截止", cell_kind::time},
    {"exposure_seconds", "暴露秒数", cell_kind::integer},
    {"via_person", "传播来源", cell_kind::text},
    {"via_place", "传播场所", cell_kind::text},
    {"monitor_until", "监测截止", cell_kind::time},
};
constexpr sheet_layout risk_list_sheet{"risk list", "风险人员", risk_list_header,
                                       std::span(risk_list_columns).first(9)};
constexpr sheet_layout risk_list_monitoring_sheet{"risk list", "风险人员",
                                                  risk_list_monitoring_header, risk_list_columns};

/// Formats entries [begin, end) into `csv` (a `csv_writer` or an `xlsx_sheet`).
/// The ids of an entry are random reads into the id tables: their locations
/// are prefetched some entries ahead, their bytes a few entries ahead.
template <typename Writer>
void format_entries(Writer& csv, std::span<const risk_entry> entries, std::size_t begin,
                    std::size_t end, const id_table& persons, const id_table& places, utc_offset tz,
                    bool monitoring) {
    constexpr std::size_t far = 16, near = 8;
    for (std::size_t k = begin; k < end; ++k) {
        if (k + far < end) {
            persons.prefetch_location(entries[k + far].person);
            if (entries[k + far].hop > 0) persons.prefetch_location(entries[k + far].via_person);
        }
        if (k + near < end) {
            persons.prefetch_bytes(entries[k + near].person);
            if (entries[k + near].hop > 0) persons.prefetch_bytes(entries[k + near].via_person);
        }
        const risk_entry& e = entries[k];
        csv.field(persons[e.person]).field(e.hop).raw(health_code(e.hop));
        if (e.hop > 0) {
            csv.time(e.first_exposure, tz).time(e.last_exposure, tz).time(e.quarantine_until, tz);
            csv.field(e.exposure_seconds).field(persons[e.via_person]).field(places[e.via_place]);
            if (monitoring) csv.time(e.monitor_until, tz);
        } else {
            csv.raw("").raw("").raw("").field(duration{0}).raw("").raw("");
            if (monitoring) csv.raw("");
        }
        csv.end_row();
    }
}

} // namespace

void write_risk_list(std::ostream& out, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz) {
    // Rows are formatted in rounds, each round's rows split among the cores,
    // and written in order.
    constexpr std::size_t round_rows = std::size_t{1} << 16;
    const std::span<const risk_entry> entries = result.entries;
    const unsigned threads = entries.size() >= 2 * round_rows ? detail::hardware_threads() : 1;
    std::vector<std::string> parts(threads);
    checked_output written(out, "risk list");
    std::string header(result.monitoring ? risk_list_monitoring_header : risk_list_header);
    header.push_back('\n');
    written.write(header);
    for (std::size_t first = 0; first < entries.size(); first += round_rows * threads) {
        const std::size_t last = std::min(entries.size(), first + round_rows * threads);
        detail::run_on_threads(threads, [&](unsigned t) {
            parts[t].clear();
            csv_writer csv(parts[t]);
            format_entries(csv, entries, first + (last - first) * t / threads,
                           first + (last - first) * (t + 1) / threads, persons, places, tz,
                           result.monitoring);
        });
        for (const std::string& part : parts)
            written.write(part);
    }
    written.finish();
}

void write_risk_list(xlsx_workbook& book, const trace_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz) {
    xlsx_sheet& sheet =
        book.add_sheet(result.monitoring ? risk_list_monitoring_sheet : risk_list_sheet);
    format_entries(sheet, result.entries, 0, result.entries.size(), persons, places, tz,
                   result.monitoring);
}

} // namespace ctrace
