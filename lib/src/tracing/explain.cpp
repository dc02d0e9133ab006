#include "ctrace/tracing/explain.hpp"

#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"
#include "ctrace/model/trace_result.hpp"
#include "ctrace/storage/snapshot.hpp"
#include "io/risk_list_rows.hpp"
#include "io/row_errors.hpp"
#include "tracing/exposure_rules.hpp"

#include <algorithm>
#include <charconv>
#include <istream>
#include <optional>
#include <ostream>

namespace ctrace {

namespace {

using detail::field_problem;

/// The risk list's columns, in the order of `risk_list_header`.
constexpr std::string_view listing_columns[] = {
    "person",           "hop",           "code",
    "first_exposure",   "last_exposure", "quarantine_until",
    "exposure_seconds", "via_person",    "via_place"};
enum listing_column : std::size_t {
    person_column,
    hop_column,
    code_column,
    first_column,
    last_column,
    until_column,
    seconds_column,
    via_person_column,
    via_place_column
};

/// Reads the rows of a risk list; see `read_risk_listing`.
risk_listing read_listing(csv_reader& reader) {
    risk_listing listing;
    listing.source = reader.source_name();
    std::optional<utc_offset> zone;
    // The line each person was first listed on, for the message of a repeat.
    std::unordered_map<std::string, std::uint64_t> first_lines;
    detail::read_risk_list_rows(
        reader, listing_columns,
        [&](std::span<const std::string_view> f, const csv_record& record) {
            listed_person p;
            if (f[person_column].empty()) return std::string("person: empty");
            if (!detail::parse_hop(f[hop_column], p.hop))
                return field_problem("hop", "not a hop number", f[hop_column]);
            if (f[code_column].empty()) return std::string("code: empty");
            const bool exposed = p.hop > 0;
            time_point* const times[] = {&p.first_exposure, &p.last_exposure, &p.quarantine_until};
            for (std::size_t i = 0; i < 3; ++i) {
                const std::string_view name = listing_columns[first_column + i];
                const std::string_view text = f[first_column + i];
                if (text.empty()) {
                    if (exposed) return field_problem(name, "empty at hop 1 or more", text);
                    continue;
                }
                // The offset written is the zone: a time without one is ambiguous.
                const std::optional<utc_offset> offset = written_offset(text);
                if (!offset) return field_problem(name, "no UTC offset (Z or +HH:MM)", text);
                const parse_result<time_point> parsed = try_parse_time(text, *offset);
                if (!parsed) return field_problem(name, parsed.error, text);
                *times[i] = parsed.value;
                if (!zone) zone = offset;
            }
            const std::string_view seconds = f[seconds_column];
            const char* end = seconds.data() + seconds.size();
            const auto [stop, ec] = std::from_chars(seconds.data(), end, p.exposure_seconds);
            if (seconds.empty() || ec != std::errc() || stop != end || p.exposure_seconds < 0)
                return field_problem("exposure_seconds", "not a number of seconds", seconds);
            for (const listing_column via : {via_person_column, via_place_column})
                if (exposed && f[via].empty())
                    return field_problem(listing_columns[via], "empty at hop 1 or more", f[via]);
            const auto [first, fresh] = first_lines.emplace(f[person_column], record.line);
            if (!fresh)
                return field_problem(
                    "person", "listed twice (first on line " + std::to_string(first->second) + ")",
                    f[person_column]);
            p.person = f[person_column];
            p.code = f[code_column];
            p.via_person = f[via_person_column];
            p.via_place = f[via_place_column];
            listing.rows.push_back(std::move(p));
            return std::string();
        });
    listing.tz = zone.value_or(utc_offset{});
    return listing;
}

/// `source: ` for a message, or nothing for a listing made in memory.
std::string prefix(const risk_listing& listing) {
    return listing.source.empty() ? std::string() : listing.source + ": ";
}

std::string in_quotes(std::string_view id) {
    std::string out = "'";
    out += id;
    out += "'";
    return out;
}

explanation chain_of(const risk_listing& listing, const listing_index& index,
                     std::string_view person) {
    explanation e;
    e.asked = std::string(person);
    std::size_t row = index.row_of(person);
    e.steps.push_back(listing.rows[row]);
    // Each step is at a lower hop (source_of checks it): hop + 1 steps at most.
    while (listing.rows[row].hop > 0) {
        row = index.source_of(row, person);
        e.steps.push_back(listing.rows[row]);
    }
    return e;
}

/// Appends an id for the text form: as it is, but for control characters,
/// which would break the one line a step has.
void append_text_id(std::string& out, std::string_view id) {
    static constexpr char hex[] = "0123456789ABCDEF";
    for (const char c : id) {
        const auto byte = static_cast<unsigned char>(c);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (byte < 0x20 || byte == 0x7F) {
            out += "\\x";
            out.push_back(hex[byte >> 4]);
            out.push_back(hex[byte & 0xF]);
        } else {
            out.push_back(c);
        }
    }
}

/// Appends a place: its id, and its name in brackets when `names` has one.
void append_text_place(std::string& out, std::string_view place, const place_names* names) {
    append_text_id(out, place);
    if (names == nullptr) return;
    const auto it = names->find(std::string(place));
    if (it == names->end()) return;
    out += " (";
    append_text_id(out, it->second);
    out += ")";
}

/// Minutes with two decimals at most, trailing zeros dropped: 40, 12.5, 0.02.
std::string minutes_text(duration seconds) {
    // Hundredths of a minute, rounded half up: the seconds times 100 / 60.
    const duration hundredths = (seconds * 10 + 3) / 6;
    std::string text = std::to_string(hundredths / 100);
    const duration fraction = hundredths % 100;
    if (fraction != 0) {
        text += '.';
        text += static_cast<char>('0' + fraction / 10);
        if (fraction % 10 != 0) text += static_cast<char>('0' + fraction % 10);
    }
    return text;
}

void append_text_meetings(std::string& text, const explanation& e, const explanation_writing& how) {
    const listed_person& p = e.steps.front();
    text += "meetings of ";
    append_text_id(text, p.person);
    if (p.hop == 0) {
        text += ": none (an index case)\n";
        return;
    }
    duration total = 0;
    for (const explained_meeting& m : e.meetings)
        total += m.end - m.start;
    text += " at hop " + std::to_string(p.hop) + ": " + std::to_string(e.meetings.size()) + ", " +
            std::to_string(total) + " s in all\n";
    for (std::size_t k = 0; k < e.meetings.size(); ++k) {
        const explained_meeting& m = e.meetings[k];
        text += "  " + std::to_string(k + 1) + ". ";
        append_text_id(text, m.source);
        text += " (hop " + std::to_string(m.source_hop) + ") at ";
        append_text_place(text, m.place, how.names);
        text += ", ";
        append_time(text, m.start, how.tz);
        text += " to ";
        append_time(text, m.end, how.tz);
        text += ", " + std::to_string(m.end - m.start) + " s (" + minutes_text(m.end - m.start) +
                " min)\n";
    }
}

void write_text(std::ostream& out, std::span<const explanation> explanations,
                const explanation_writing& how) {
    checked_output written(out, "explanation");
    std::string text;
    for (std::size_t k = 0; k < explanations.size(); ++k) {
        text.clear();
        if (k > 0) text.push_back('\n');
        for (const listed_person& p : explanations[k].steps) {
            append_text_id(text, p.person);
            text += " (hop " + std::to_string(p.hop) + ", ";
            append_text_id(text, p.code);
            text += "): ";
            if (p.hop == 0) {
                text += "index case\n";
                continue;
            }
            text += "first exposed at ";
            append_text_place(text, p.via_place, how.names);
            text += " by ";
            append_text_id(text, p.via_person);
            text += ", ";
            append_time(text, p.first_exposure, how.tz);
            text += " to ";
            append_time(text, p.last_exposure, how.tz);
            text += ", " + std::to_string(p.exposure_seconds) + " s in all\n";
        }
        if (how.meetings) append_text_meetings(text, explanations[k], how);
        written.write(text);
    }
    written.finish();
}

/// The name of `place`, empty when unknown.
std::string_view name_of(std::string_view place, const place_names* names) {
    if (names == nullptr) return {};
    const auto it = names->find(std::string(place));
    return it == names->end() ? std::string_view() : std::string_view(it->second);
}

constexpr sheet_column explanation_columns[] = {
    {"asked", "查询人员", cell_kind::text},
    {"step", "步骤", cell_kind::integer},
    {"person", "人员", cell_kind::text},
    {"hop", "风险层级", cell_kind::integer},
    {"code", "码色", cell_kind::text},
    {"first_exposure", "首次暴露", cell_kind::time},
    {"last_exposure", "末次暴露", cell_kind::time},
    {"exposure_seconds", "暴露秒数", cell_kind::integer},
    {"via_person", "传播来源", cell_kind::text},
    {"via_place", "传播场所", cell_kind::text},
    {"via_place_name", "传播场所名称", cell_kind::text},
};
/// The columns without the place names (`explanation_csv_header`).
constexpr std::span<const sheet_column>
    explanation_columns_without_names(explanation_columns, std::size(explanation_columns) - 1);

constexpr sheet_column meeting_columns[] = {
    {"person", "人员", cell_kind::text},
    {"hop", "风险层级", cell_kind::integer},
    {"meeting", "接触序号", cell_kind::integer},
    {"source", "传播来源", cell_kind::text},
    {"source_hop", "来源层级", cell_kind::integer},
    {"place", "场所", cell_kind::text},
    {"place_name", "场所名称", cell_kind::text},
    {"start", "开始", cell_kind::time},
    {"end", "结束", cell_kind::time},
    {"seconds", "秒数", cell_kind::integer},
    {"minutes", "分钟", cell_kind::text},
};

/// Writes one row per step into `csv`, a `csv_writer` or an `xlsx_sheet`.
template <typename Writer>
void write_steps(Writer& csv, std::span<const explanation> explanations,
                 const explanation_writing& how) {
    for (const explanation& e : explanations) {
        for (std::size_t step = 0; step < e.steps.size(); ++step) {
            const listed_person& p = e.steps[step];
            csv.field(e.asked).field(std::uint64_t{step + 1}).field(p.person).field(p.hop);
            csv.field(p.code);
            if (p.hop > 0)
                csv.time(p.first_exposure, how.tz).time(p.last_exposure, how.tz);
            else
                csv.raw("").raw("");
            csv.field(p.exposure_seconds).field(p.via_person).field(p.via_place);
            if (how.names) csv.field(name_of(p.via_place, how.names));
            csv.end_row();
        }
    }
}

/// Writes one row per meeting into `csv`, a `csv_writer` or an `xlsx_sheet`.
template <typename Writer>
void write_meetings(Writer& csv, std::span<const explanation> explanations,
                    const explanation_writing& how) {
    for (const explanation& e : explanations) {
        const listed_person& p = e.steps.front();
        for (std::size_t k = 0; k < e.meetings.size(); ++k) {
            const explained_meeting& m = e.meetings[k];
            csv.field(e.asked).field(p.hop).field(std::uint64_t{k + 1}).field(m.source);
            csv.field(m.source_hop).field(m.place).field(name_of(m.place, how.names));
            csv.time(m.start, how.tz).time(m.end, how.tz).field(m.end - m.start);
            csv.raw(minutes_text(m.end - m.start)).end_row();
        }
    }
}

void write_chains_csv(std::ostream& out, std::span<const explanation> explanations,
                      const explanation_writing& how) {
    csv_writer csv(out, "explanation");
    csv.raw(how.names ? explanation_csv_names_header : explanation_csv_header).end_row();
    write_steps(csv, explanations, how);
    csv.finish();
}

void write_meetings_csv(std::ostream& out, std::span<const explanation> explanations,
                        const explanation_writing& how) {
    csv_writer csv(out, "meetings");
    csv.raw(meetings_csv_header).end_row();
    write_meetings(csv, explanations, how);
    csv.finish();
}

/// Why `found`'s meetings do not give `row`, or nothing when they do.
std::string meetings_mismatch(const listed_person& row, const person_meetings& found,
                              const id_table& persons, const id_table& places) {
    if (!found.entry) return "the trace does not list the person";
    if (found.entry->hop != row.hop)
        return "the trace lists the person at hop " + std::to_string(found.entry->hop);
    if (row.hop == 0) return {};
    const std::vector<meeting>& meetings = found.meetings;
    if (meetings.empty()) return "no meeting qualifies";
    time_point first = time_infinity, last = -time_infinity;
    duration seconds = 0;
    for (const meeting& m : meetings) {
        first = std::min(first, m.start);
        last = std::max(last, m.end);
        seconds = detail::add_seconds(seconds, m.seconds(), "the meetings' seconds");
    }
    const auto differs = [](const char* what, const std::string& value) {
        return std::string("the meetings give ") + what + " " + value;
    };
    if (first != row.first_exposure) return differs("first_exposure", std::to_string(first));
    if (last != row.last_exposure) return differs("last_exposure", std::to_string(last));
    if (seconds != row.exposure_seconds)
        return differs("exposure_seconds", std::to_string(seconds));
    const meeting& via = meetings.front();
    if (persons[via.source] != row.via_person || places[via.place] != row.via_place)
        return differs("via", "'" + std::string(persons[via.source]) + "' at '" +
                                  std::string(places[via.place]) + "'");
    return {};
}

} // namespace

risk_listing read_risk_listing(std::istream& in, const std::string& source_name) {
    csv_reader reader(in, source_name);
    return read_listing(reader);
}

risk_listing read_risk_listing(const std::filesystem::path& path) {
    csv_reader reader(path);
    return read_listing(reader);
}

risk_listing risk_listing_of(const trace_result& result, const id_table& persons,
                             const id_table& places, utc_offset tz) {
    risk_listing listing;
    listing.tz = tz;
    listing.rows.reserve(result.entries.size());
    for (const risk_entry& e : result.entries) {
        listed_person p;
        p.person = persons[e.person];
        p.hop = e.hop;
        p.code = health_code(e.hop);
        p.exposure_seconds = e.exposure_seconds;
        if (e.hop > 0) {
            p.first_exposure = e.first_exposure;
            p.last_exposure = e.last_exposure;
            p.quarantine_until = e.quarantine_until;
            p.via_person = persons[e.via_person];
            p.via_place = places[e.via_place];
        }
        listing.rows.push_back(std::move(p));
    }
    return listing;
}

trace_record read_required_trace(const std::filesystem::path& snapshot_path) {
    std::optional<trace_record> record = read_trace_record(snapshot_path);
    if (!record)
        throw input_error(snapshot_path.string() +
                          ": the snapshot holds no trace (no /trace group): it was written "
                          "without a trace result");
    return std::move(*record);
}

risk_listing traced_listing(const trace_record& record, const dataset& data,
                            const std::filesystem::path& snapshot_path) {
    risk_listing listing = risk_listing_of(record.result, data.persons, data.places, record.tz);
    listing.source = snapshot_path.string();
    return listing;
}

risk_listing read_traced_listing(const std::filesystem::path& snapshot_path) {
    // The trace first: a snapshot without one fails before its stays are read.
    const trace_record record = read_required_trace(snapshot_path);
    return traced_listing(record, read_snapshot(snapshot_path), snapshot_path);
}

listing_index::listing_index(const risk_listing& listing) : listing_(listing) {
    rows_.reserve(listing.rows.size());
    for (std::size_t i = 0; i < listing.rows.size(); ++i)
        rows_.emplace(listing.rows[i].person, i);
}

std::size_t listing_index::row_of(std::string_view person) const {
    const auto it = rows_.find(person);
    if (it == rows_.end())
        throw unknown_person_error(std::string(person), prefix(listing_) + "person " +
                                                            in_quotes(person) + " is not listed");
    return it->second;
}

std::size_t listing_index::source_of(std::size_t row, std::string_view asked) const {
    const listed_person& p = listing_.rows[row];
    const auto broken = [&](const std::string& why) {
        std::string where = in_quotes(p.person);
        if (!asked.empty() && asked != p.person)
            where += " (in the chain of " + in_quotes(asked) + ")";
        return input_error(prefix(listing_) + "the chain breaks at " + where + ", hop " +
                           std::to_string(p.hop) + ": " + why);
    };
    if (p.via_person.empty()) throw broken("no via_person");
    const auto it = rows_.find(p.via_person);
    if (it == rows_.end())
        throw broken("its via_person " + in_quotes(p.via_person) + " is not listed");
    const std::uint32_t source_hop = listing_.rows[it->second].hop;
    // A source is at a lower hop, not always one lower: a source listed at
    // hop 1 may expose a person at hop 3 through the wider infectious
    // interval it has from a later layer (docs/semantics.md §4).
    if (source_hop >= p.hop)
        throw broken("its via_person " + in_quotes(p.via_person) + " is at hop " +
                     std::to_string(source_hop) + ", not below " + std::to_string(p.hop));
    return it->second;
}

explanation explain(const risk_listing& listing, std::string_view person) {
    const listing_index index(listing);
    return chain_of(listing, index, person);
}

std::vector<explanation> explain(const risk_listing& listing,
                                 std::span<const std::string> persons) {
    const listing_index index(listing);
    std::vector<explanation> explanations;
    explanations.reserve(persons.size());
    for (const std::string& person : persons)
        explanations.push_back(chain_of(listing, index, person));
    return explanations;
}

void add_meetings(std::span<explanation> explanations, std::span<const person_meetings> found,
                  const id_table& persons, const id_table& places) {
    if (found.size() != explanations.size())
        throw error("add_meetings: " + std::to_string(found.size()) + " meetings for " +
                    std::to_string(explanations.size()) + " explanations");
    // Checked and made first, put in place after: a failure changes nothing.
    std::vector<std::vector<explained_meeting>> made(explanations.size());
    for (std::size_t k = 0; k < explanations.size(); ++k) {
        const listed_person& row = explanations[k].steps.front();
        const std::string why = meetings_mismatch(row, found[k], persons, places);
        if (!why.empty())
            throw input_error("the meetings of " + in_quotes(row.person) + " (hop " +
                              std::to_string(row.hop) +
                              ") do not give its row of the list: " + why +
                              "; the list was made from other data, cases or tracing options");
        for (const meeting& m : found[k].meetings)
            made[k].push_back({std::string(persons[m.source]), m.source_hop,
                               std::string(places[m.place]), m.start, m.end});
    }
    for (std::size_t k = 0; k < explanations.size(); ++k)
        explanations[k].meetings = std::move(made[k]);
}

std::optional<place_names> place_names_of(const place_table& places) {
    if (!places.has_name) return std::nullopt;
    place_names names;
    for (std::size_t x = 0; x < places.size(); ++x)
        if (!places.name[x].empty())
            names.emplace(places.ids[static_cast<id_table::index_type>(x)], places.name[x]);
    return names;
}

explanation_format parse_explanation_format(std::string_view text) {
    if (text == "text") return explanation_format::text;
    if (text == "csv") return explanation_format::csv;
    throw parameter_error("format", "expected 'text' or 'csv', not " + in_quotes(text));
}

void write_explanations(std::ostream& out, std::span<const explanation> explanations,
                        const explanation_writing& how) {
    if (how.format == explanation_format::text)
        write_text(out, explanations, how);
    else if (how.meetings)
        write_meetings_csv(out, explanations, how);
    else
        write_chains_csv(out, explanations, how);
}

void write_explanations(std::ostream& out, std::span<const explanation> explanations, utc_offset tz,
                        explanation_format format) {
    explanation_writing how;
    how.tz = tz;
    how.format = format;
    write_explanations(out, explanations, how);
}

void write_explanations(column_table& table, std::span<const explanation> explanations,
                        const explanation_writing& how) {
    if (how.meetings) {
        table.raw(meetings_csv_header).end_row();
        write_meetings(table, explanations, how);
    } else {
        table.raw(how.names ? explanation_csv_names_header : explanation_csv_header).end_row();
        write_steps(table, explanations, how);
    }
}

void write_explanations(xlsx_workbook& book, std::span<const explanation> explanations,
                        const explanation_writing& how) {
    write_steps(book.add_sheet({"explanation", "传播链",
                                how.names ? explanation_csv_names_header : explanation_csv_header,
                                how.names ? std::span<const sheet_column>(explanation_columns)
                                          : explanation_columns_without_names}),
                explanations, how);
    if (how.meetings)
        write_meetings(
            book.add_sheet({"meetings", "接触明细", meetings_csv_header, meeting_columns}),
            explanations, how);
}

} // namespace ctrace
