#include "ctrace/report/changes.hpp"

#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"
#include "ctrace/report/risk_list.hpp"
#include "io/risk_list_rows.hpp"
#include "io/row_errors.hpp"

#include <algorithm>
#include <ostream>
#include <unordered_map>
#include <utility>

namespace ctrace {

namespace {

using detail::field_problem;

/// A status on one list at its date: active with a hop, or not.
struct dated_status {
    bool listed = false;
    bool active = false; ///< listed and quarantine not over
    std::uint32_t hop = 0;
    std::optional<time_point> quarantine_until, monitor_until;
};

dated_status status_at(const risk_status* s, time_point day_start) {
    if (s == nullptr) return {};
    const bool over = s->quarantine_until && *s->quarantine_until < day_start;
    return {true, !over, s->hop, s->quarantine_until, s->monitor_until};
}

/// -1, 0 or 1 as `now` is before, equal to or after `before`; 0 unless both
/// are given (a date that one list does not give has not moved).
int moved(const std::optional<time_point>& before, const std::optional<time_point>& now) {
    if (!before || !now || *before == *now) return 0;
    return *now > *before ? 1 : -1;
}

/// "extended", "shortened" or nothing, for a person active on both lists at
/// the same hop: the quarantine decides, the monitoring breaks a tie.
const char* date_change(const dated_status& before, const dated_status& now) {
    int direction = moved(before.quarantine_until, now.quarantine_until);
    if (direction == 0) direction = moved(before.monitor_until, now.monitor_until);
    if (direction == 0) return nullptr;
    return direction > 0 ? "extended" : "shortened";
}

void set_old(status_change& c, const dated_status& s) {
    if (s.active) {
        c.old_hop = s.hop;
        c.old_code = health_code(s.hop);
    } else if (s.listed) {
        c.old_code = "green";
    }
}

} // namespace

std::vector<risk_status> read_risk_statuses(const std::filesystem::path& path, utc_offset tz) {
    csv_reader reader(path);
    static constexpr std::string_view columns[] = {"person", "hop", "quarantine_until"};
    // Lists traced without monitoring have no such column.
    static constexpr std::string_view optional_columns[] = {"monitor_until"};
    std::vector<risk_status> statuses;
    detail::read_risk_list_rows(
        reader, columns,
        [&](std::span<const std::string_view> f, const csv_record&) -> std::string {
            risk_status s;
            s.person = std::string(f[0]);
            if (!detail::parse_hop(f[1], s.hop))
                return field_problem("hop", "not a hop number", f[1]);
            const std::pair<std::string_view, std::optional<time_point>*> dates[] = {
                {"quarantine_until", &s.quarantine_until}, {"monitor_until", &s.monitor_until}};
            for (std::size_t i = 0; i < 2; ++i) {
                const std::string_view text = f[2 + i];
                if (text.empty()) continue;
                const auto parsed = try_parse_time(text, tz);
                if (!parsed) return field_problem(dates[i].first, parsed.error, text);
                *dates[i].second = parsed.value;
            }
            statuses.push_back(std::move(s));
            return {};
        },
        optional_columns);
    return statuses;
}

std::vector<risk_status> risk_statuses(const trace_result& result, const id_table& persons) {
    std::vector<risk_status> statuses;
    statuses.reserve(result.entries.size());
    for (const risk_entry& e : result.entries) {
        risk_status s{std::string(persons[e.person]), e.hop, std::nullopt, std::nullopt};
        if (e.hop > 0) s.quarantine_until = e.quarantine_until;
        if (e.hop > 0 && result.monitoring) s.monitor_until = e.monitor_until;
        statuses.push_back(std::move(s));
    }
    return statuses;
}

std::vector<status_change> risk_changes(const std::vector<risk_status>& old_list,
                                        time_point old_day_start,
                                        const std::vector<risk_status>& new_list,
                                        time_point new_day_start) {
    std::unordered_map<std::string_view, const risk_status*> old_by_person, new_by_person;
    for (const risk_status& s : old_list)
        old_by_person.emplace(s.person, &s);
    for (const risk_status& s : new_list)
        new_by_person.emplace(s.person, &s);

    std::vector<status_change> changes;
    auto consider = [&](std::string_view person) {
        const auto old_it = old_by_person.find(person);
        const auto new_it = new_by_person.find(person);
        const dated_status before =
            status_at(old_it == old_by_person.end() ? nullptr : old_it->second, old_day_start);
        const dated_status now =
            status_at(new_it == new_by_person.end() ? nullptr : new_it->second, new_day_start);
        const char* kind = nullptr;
        if (!before.active && now.active)
            kind = "new";
        else if (before.active && !now.active)
            kind = "released";
        else if (before.active && now.hop != before.hop)
            kind = now.hop < before.hop ? "escalated" : "deescalated";
        else if (before.active)
            kind = date_change(before, now);
        if (kind == nullptr) return;
        status_change c;
        c.change = kind;
        c.person = std::string(person);
        set_old(c, before);
        if (now.active) {
            c.new_hop = now.hop;
            c.new_code = health_code(now.hop);
        } else {
            c.new_code = "green";
        }
        c.quarantine_until = now.quarantine_until;
        c.monitor_until = now.monitor_until;
        c.old_quarantine_until = before.quarantine_until;
        c.old_monitor_until = before.monitor_until;
        changes.push_back(std::move(c));
    };
    for (const risk_status& s : new_list)
        consider(s.person);
    for (const risk_status& s : old_list)
        if (!new_by_person.contains(s.person)) consider(s.person);
    std::sort(changes.begin(), changes.end(),
              [](const status_change& a, const status_change& b) { return a.person < b.person; });
    return changes;
}

namespace {

constexpr sheet_column changes_columns[] = {
    {"person", "人员", cell_kind::text},
    {"change", "变化", cell_kind::text},
    {"old_hop", "原风险层级", cell_kind::integer},
    {"new_hop", "新风险层级", cell_kind::integer},
    {"old_code", "原码色", cell_kind::text},
    {"new_code", "新码色", cell_kind::text},
    {"quarantine_until", "隔离截止", cell_kind::time},
    {"old_quarantine_until", "原隔离截止", cell_kind::time},
    {"old_monitor_until", "原监测截止", cell_kind::time},
    {"monitor_until", "监测截止", cell_kind::time},
};

/// Writes the rows into `csv`, a `csv_writer` or an `xlsx_sheet`.
template <typename Writer>
void write_rows(Writer& csv, const std::vector<status_change>& changes, utc_offset tz) {
    for (const status_change& c : changes) {
        csv.field(c.person).raw(c.change);
        if (c.old_hop)
            csv.field(*c.old_hop);
        else
            csv.raw("");
        if (c.new_hop)
            csv.field(*c.new_hop);
        else
            csv.raw("");
        csv.raw(c.old_code).raw(c.new_code);
        for (const auto* date :
             {&c.quarantine_until, &c.old_quarantine_until, &c.old_monitor_until, &c.monitor_until})
            if (*date)
                csv.time(**date, tz);
            else
                csv.raw("");
        csv.end_row();
    }
}

} // namespace

void write_changes(std::ostream& out, const std::vector<status_change>& changes, utc_offset tz) {
    csv_writer csv(out, "changes");
    csv.raw(changes_header).end_row();
    write_rows(csv, changes, tz);
    csv.finish();
}

void write_changes(xlsx_workbook& book, const std::vector<status_change>& changes, utc_offset tz) {
    write_rows(book.add_sheet({"changes", "变化", changes_header, changes_columns}), changes, tz);
}

} // namespace ctrace
