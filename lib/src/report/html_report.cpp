#include "ctrace/report/html_report.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/report/risk_list.hpp"
#include "report/report_template.hpp"

#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>

namespace ctrace {

namespace {

using json = nlohmann::json;

/// Where `name` is among `columns`, or npos.
std::size_t column_of(const std::vector<std::string>& columns, std::string_view name) {
    for (std::size_t k = 0; k < columns.size(); ++k)
        if (columns[k] == name) return k;
    return std::string::npos;
}

std::optional<double> coordinate(const std::string& text) {
    double value = 0;
    const char* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || at != end || !std::isfinite(value))
        return std::nullopt;
    return value;
}

std::int64_t whole_number(const std::string& text, const std::string& what, std::size_t row) {
    std::int64_t value = 0;
    const char* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || at != end)
        throw input_error("the risk list's row " + std::to_string(row + 1) + ": " + what +
                          " is not a whole number ('" + text + "')");
    return value;
}

json table_json(const text_table& table) {
    return {{"columns", table.columns}, {"rows", table.rows}};
}

/// A risk list column by column (docs/report.md, "Large lists"): numbers as
/// numbers, times as seconds after the earliest when every one is written as
/// the list writes times in `tz` (else as text), text with few distinct
/// values as a dictionary and indices, other text as it is.
json encoded_column(const std::vector<std::vector<std::string>>& rows, std::size_t column,
                    bool number, bool time, utc_offset tz) {
    const std::size_t n = rows.size();
    if (number) {
        json values = json::array();
        for (std::size_t r = 0; r < n; ++r) {
            std::int64_t v = 0;
            std::from_chars(rows[r][column].data(), rows[r][column].data() + rows[r][column].size(),
                            v);
            values.push_back(v);
        }
        return {{"numbers", std::move(values)}};
    }
    if (time) {
        std::vector<std::optional<time_point>> times(n);
        bool all = true;
        time_point base = std::numeric_limits<time_point>::max();
        for (std::size_t r = 0; r < n && all; ++r) {
            const std::string& text = rows[r][column];
            if (text.empty()) continue;
            const auto parsed = try_parse_time(text, tz);
            // Years 1000-9999 only: the page writes four digits.
            all = parsed && parsed.value >= -30610224000 && format_time(parsed.value, tz) == text;
            if (all) {
                times[r] = parsed.value;
                base = std::min(base, parsed.value);
            }
        }
        if (all) {
            json values = json::array();
            for (const auto& t : times)
                values.push_back(t ? json(*t - base) : json(nullptr));
            return {{"times", std::move(values)},
                    {"base", base == std::numeric_limits<time_point>::max() ? 0 : base},
                    {"tz_seconds", tz.seconds}};
        }
    }
    std::map<std::string_view, std::size_t> distinct;
    for (std::size_t r = 0; r < n && distinct.size() <= n / 2; ++r)
        distinct.emplace(rows[r][column], distinct.size());
    if (distinct.size() <= n / 2) {
        json dict = json::array(), index = json::array();
        std::vector<std::string_view> by_index(distinct.size());
        for (const auto& [value, k] : distinct)
            by_index[k] = value;
        for (const std::string_view v : by_index)
            dict.push_back(v);
        for (std::size_t r = 0; r < n; ++r)
            index.push_back(distinct.at(rows[r][column]));
        return {{"dict", std::move(dict)}, {"index", std::move(index)}};
    }
    json values = json::array();
    for (std::size_t r = 0; r < n; ++r)
        values.push_back(rows[r][column]);
    return {{"text", std::move(values)}};
}

/// The page's data.
json report_data(const report_content& content, const html_report_parameters& parameters) {
    const text_table& risk = content.risk;
    // The risk list's columns: the shown ones first, then any others.
    std::vector<std::size_t> order;
    for (const std::string_view name : risk_list_columns) {
        const std::size_t k = column_of(risk.columns, name);
        if (k == std::string::npos)
            throw input_error("the risk list has no column '" + std::string(name) + "'");
        order.push_back(k);
    }
    for (std::size_t k = 0; k < risk.columns.size(); ++k)
        if (std::find(order.begin(), order.end(), k) == order.end()) order.push_back(k);
    json columns = json::array();
    for (const std::size_t k : order)
        columns.push_back(risk.columns[k]);
    const std::size_t hop_at = 1, seconds_at = 6; // positions in `risk_list_columns`
    const bool encode = risk.rows.size() >= parameters.encode_from_rows;
    json rows = json::array();
    std::vector<std::uint64_t> by_hop;
    std::set<std::string_view> places_exposed;
    for (std::size_t r = 0; r < risk.rows.size(); ++r) {
        const std::vector<std::string>& row = risk.rows[r];
        json out = json::array();
        for (std::size_t c = 0; c < order.size(); ++c) {
            const std::string& field = row.at(order[c]);
            if (c == hop_at || c == seconds_at) {
                const std::int64_t value =
                    whole_number(field, std::string(risk_list_columns[c]), r);
                out.push_back(value);
                if (c == hop_at) {
                    if (value < 0 || value > 1000)
                        throw input_error("the risk list's row " + std::to_string(r + 1) +
                                          ": hop " + field + " is out of range");
                    const auto hop = static_cast<std::size_t>(value);
                    if (by_hop.size() <= hop) by_hop.resize(hop + 1, 0);
                    ++by_hop[hop];
                }
            } else {
                out.push_back(field);
            }
        }
        const std::string& via_place = row[order[8]];
        if (!via_place.empty()) places_exposed.insert(via_place);
        if (!encode) rows.push_back(std::move(out));
    }
    std::map<std::string_view, std::string_view> district_of;
    for (const report_place& p : content.places)
        district_of.emplace(p.place, p.district);
    std::set<std::string_view> districts;
    for (const std::string_view place : places_exposed)
        if (const auto it = district_of.find(place); it != district_of.end() && !it->second.empty())
            districts.insert(it->second);

    json summary;
    summary["cases"] =
        content.cases.empty() ? (by_hop.empty() ? 0 : by_hop[0]) : content.cases.size();
    summary["listed"] = risk.rows.size();
    summary["by_hop"] = by_hop;
    summary["companions"] = nullptr;
    for (const auto& [key, table] : content.tables)
        if (key == "companions") summary["companions"] = table.rows.size();
    summary["places"] = places_exposed.size();
    summary["districts"] = content.places.empty() ? json(nullptr) : json(districts.size());
    summary["first_time"] =
        content.span ? json(format_time(content.span->first, content.tz)) : json(nullptr);
    summary["last_time"] =
        content.span ? json(format_time(content.span->second, content.tz)) : json(nullptr);
    json options = json::array();
    for (const auto& [name, value] : content.options)
        options.push_back({name, value});
    summary["options"] = std::move(options);
    summary["profile"] = content.profile.empty() ? json(nullptr) : json(content.profile);
    json inputs = json::array();
    for (const input_file& f : content.inputs)
        inputs.push_back({{"role", f.role},
                          {"file", f.path},
                          {"bytes", f.bytes},
                          {"sha256", f.sha256},
                          {"rows", f.rows}});
    summary["inputs"] = std::move(inputs);

    json cases = json::array();
    for (const report_case& c : content.cases)
        cases.push_back({{"person", c.person}, {"from", c.from}, {"to", c.to}});
    json places = json::array();
    for (const report_place& p : content.places)
        places.push_back({{"place", p.place},
                          {"name", p.name},
                          {"district", p.district},
                          {"lat", p.lat ? json(*p.lat) : json(nullptr)},
                          {"lon", p.lon ? json(*p.lon) : json(nullptr)}});
    json presence = json::array();
    for (const report_presence& p : content.presence)
        presence.push_back(
            {{"place", p.place}, {"case", p.person}, {"from", p.from}, {"to", p.to}});
    json tables = json::array();
    for (const auto& [key, table] : content.tables) {
        json t = table_json(table);
        t["key"] = key;
        tables.push_back(std::move(t));
    }
    json risk_json{{"columns", columns}};
    if (!encode) {
        risk_json["rows"] = std::move(rows);
    } else {
        // Large lists by column: a city's 160,000 rows in 10 MB, not 25.
        json encoded = json::array();
        for (std::size_t c = 0; c < order.size(); ++c) {
            const bool number = c == hop_at || c == seconds_at;
            const bool time = c >= 3 && c <= 5; // first_exposure, last_exposure, quarantine_until
            encoded.push_back(encoded_column(risk.rows, order[c], number, time, content.tz));
        }
        risk_json["encoded"] = {{"rows", risk.rows.size()}, {"columns", std::move(encoded)}};
    }
    return {{"format", "ctrace-report"},
            {"version", 1},
            {"lang", parameters.lang == report_language::zh ? "zh" : "en"},
            {"title", content.title},
            {"tz", format_utc_offset(content.tz)},
            {"summary", std::move(summary)},
            {"risk", std::move(risk_json)},
            {"cases", std::move(cases)},
            {"places", std::move(places)},
            {"presence", std::move(presence)},
            {"tables", std::move(tables)}};
}

constexpr std::string_view data_placeholder = "@CTRACE_REPORT_DATA@";

} // namespace

text_table read_text_table(std::istream& text, const std::string& source,
                           std::span<const std::string_view> required) {
    csv_reader reader(text, source);
    csv_record record;
    if (!reader.next(record)) throw input_error(source + ": empty (no header)");
    if (record.error != nullptr)
        throw input_error(source + ":" + std::to_string(record.line) + ": " + record.error);
    text_table table;
    for (const std::string_view f : record.fields)
        table.columns.emplace_back(f);
    for (const std::string_view name : required)
        if (column_of(table.columns, name) == std::string::npos)
            throw input_error(source + ": no column '" + std::string(name) + "'");
    while (reader.next(record)) {
        if (record.error != nullptr)
            throw input_error(source + ":" + std::to_string(record.line) + ": " + record.error);
        if (record.fields.size() != table.columns.size())
            throw input_error(source + ":" + std::to_string(record.line) + ": " +
                              std::to_string(record.fields.size()) + " fields, the header has " +
                              std::to_string(table.columns.size()));
        std::vector<std::string>& row = table.rows.emplace_back();
        row.reserve(record.fields.size());
        for (const std::string_view f : record.fields)
            row.emplace_back(f);
    }
    return table;
}

text_table read_text_table(const std::filesystem::path& path,
                           std::span<const std::string_view> required) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw input_error(path.string() + ": cannot open");
    return read_text_table(in, path.string(), required);
}

std::vector<report_place> report_places(const place_table& places) {
    std::vector<report_place> out;
    out.reserve(places.size());
    for (std::size_t x = 0; x < places.size(); ++x) {
        report_place& p = out.emplace_back();
        p.place = std::string(places.ids[static_cast<place_index>(x)]);
        if (x < places.name.size()) p.name = places.name[x];
        if (x < places.district.size()) p.district = places.district[x];
        if (x < places.lat.size() && x < places.lon.size()) {
            p.lat = coordinate(places.lat[x]);
            p.lon = coordinate(places.lon[x]);
            if (!p.lat || !p.lon) p.lat = p.lon = std::nullopt;
        }
    }
    return out;
}

namespace {

std::string duration_text(duration seconds) {
    return std::to_string(seconds) + "s";
}

/// The trace's options as the page lists them.
std::vector<std::pair<std::string, std::string>> trace_options(const dataset& data,
                                                               const trace_record& record) {
    const trace_parameters& p = record.parameters;
    std::vector<std::pair<std::string, std::string>> options{
        {"hops", std::to_string(p.hops)},
        {"min-overlap", duration_text(p.min_overlap)},
        {"linger", duration_text(p.linger)},
        {"latency", duration_text(p.latency)},
        {"lookback", duration_text(record.lookback)},
        {"dwell", duration_text(data.parameters.default_dwell)},
        {"stay-end", std::string(stay_end_name(data.parameters.stay_end))},
        {"contact-level", std::string(contact_level_name(data.parameters.level))},
        {"tz", format_utc_offset(record.tz)}};
    if (p.until != time_infinity) options.emplace_back("until", format_time(p.until, record.tz));
    return options;
}

} // namespace

report_content report_of_trace(const dataset& data, const trace_record& record,
                               const std::vector<companion>* companions, utc_offset tz) {
    report_content content;
    content.tz = tz;
    {
        std::stringstream list;
        write_risk_list(list, record.result, data.persons, data.places, tz);
        content.risk = read_text_table(list, "the risk list", risk_list_columns);
    }
    // Each case's stays clipped to its window: one pass over the stays.
    std::vector<std::vector<std::size_t>> cases_of(data.persons.size());
    for (std::size_t c = 0; c < record.cases.size(); ++c) {
        const index_case& ic = record.cases[c];
        if (ic.person < cases_of.size()) cases_of[ic.person].push_back(c);
        report_case& out = content.cases.emplace_back();
        out.person = std::string(data.persons[ic.person]);
        out.from = format_time(ic.from, tz);
        if (ic.to != time_infinity) out.to = format_time(ic.to, tz);
    }
    const stay_table& stays = data.stays;
    for (std::size_t i = 0; i < stays.size(); ++i)
        for (const std::size_t c : cases_of[stays.person[i]]) {
            const index_case& ic = record.cases[c];
            const time_point from = std::max(stays.start[i], ic.from);
            const time_point to = std::min(stays.end[i], ic.to);
            if (to <= from) continue;
            content.presence.push_back({std::string(data.places[stays.place[i]]),
                                        content.cases[c].person, format_time(from, tz),
                                        format_time(to, tz)});
        }
    content.places = report_places(data.place_info);
    if (companions != nullptr) {
        std::stringstream list;
        write_companion_list(list, *companions, data.persons, data.places, tz);
        content.tables.emplace_back("companions", read_text_table(list, "the companions"));
    }
    content.options = trace_options(data, record);
    content.profile = record.parameters.profile;
    if (stays.size() > 0) {
        const time_span span = stay_time_span(stays);
        content.span = std::pair(span.min, span.max);
    }
    content.inputs = data.inputs;
    content.inputs.insert(content.inputs.end(), record.inputs.begin(), record.inputs.end());
    return content;
}

report_language parse_report_language(std::string_view text) {
    if (text == "zh") return report_language::zh;
    if (text == "en") return report_language::en;
    throw parameter_error("lang", "expected 'zh' or 'en', not '" + std::string(text) + "'");
}

std::string report_json(const report_content& content, const html_report_parameters& parameters) {
    std::string text =
        report_data(content, parameters).dump(-1, ' ', false, json::error_handler_t::replace);
    // "</" would end the script element the data stands in, and "<!--"
    // would keep the HTML parser in it past its end: every "<" is written
    // "\u003c", the same character to JSON (it can only be in a string).
    std::string escaped;
    escaped.reserve(text.size());
    for (const char c : text)
        if (c == '<')
            escaped += "\\u003c";
        else
            escaped.push_back(c);
    return escaped;
}

void write_html_report(std::ostream& out, const report_content& content,
                       const html_report_parameters& parameters) {
    const std::string data = report_json(content, parameters);
    const std::string_view page = detail::report_template;
    const std::size_t at = page.find(data_placeholder);
    if (at == std::string_view::npos) throw error("the report template has no data placeholder");
    out << page.substr(0, at) << data << page.substr(at + data_placeholder.size());
    out.flush();
    if (!out) throw output_error("the report", "the stream failed");
}

} // namespace ctrace
