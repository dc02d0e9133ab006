#include "ctrace/tracing/sources.hpp"

#include "ctrace/core/error.hpp"
#include "ctrace/io/column_table.hpp"
#include "ctrace/io/csv.hpp"
#include "ctrace/io/xlsx.hpp"
#include "ctrace/storage/indexed_snapshot.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "tracing/exposure_rules.hpp"

#include <algorithm>
#include <ostream>
#include <string>
#include <tuple>

namespace ctrace {

namespace {

constexpr std::uint32_t not_a_case = ~std::uint32_t{0};

/// An interval of one case at one place: an exposed part, or a presence
/// with its footprint.
struct case_interval {
    place_index place;
    time_point start;
    time_point end;
    std::uint32_t slot; ///< the case's position in the cases given
};

/// An overlap that counts between a source (a person, or a case's slot) and
/// a case's exposed part.
struct event {
    std::uint32_t source;
    std::uint32_t slot;
    place_index place;
    time_point start;
    time_point end;
};

void check_parameters(const sources_parameters& p) {
    if (p.incubation_min < 0)
        throw parameter_error("incubation_min", "the shortest incubation is negative");
    if (p.incubation_max < p.incubation_min)
        throw parameter_error("incubation_max",
                              "the longest incubation is shorter than the shortest");
    // Within the bounds of what is read, so that onset - incubation and a
    // footprint's end stay far inside 64 bits.
    if (p.incubation_max > max_input_magnitude)
        throw parameter_error("incubation_max", "the longest incubation is beyond 2^55 seconds");
    if (p.linger > max_input_magnitude)
        throw parameter_error("linger", "lingering is beyond 2^55 seconds");
    if (p.min_cases == 0)
        throw parameter_error("min_cases", "at least one case is needed to list a source");
}

/// Stays that are one table in memory, for `source_finder`: the row access
/// of the sources below whose stays are in memory.
class one_table_rows {
public:
    explicit one_table_rows(const stay_table& stays) : stays_(stays) {}
    /// Calls `f(row)` for the rows of the persons `is_case` accepts, in row
    /// order: one pass over the stays.
    template <class IsCase, class F>
    void for_each_case_row(std::span<const index_case>, IsCase is_case, F f) const {
        for (std::size_t row = 0; row < stays_.size(); ++row)
            if (is_case(stays_.person[row])) f(row);
    }
    place_index place_of(std::size_t row) const noexcept { return stays_.place[row]; }
    const stay_table& stays_at(place_index) const noexcept { return stays_; }

private:
    const stay_table& stays_;
};

/// Stays in memory with their id tables, for `source_finder`.
class memory_stays : public one_table_rows {
public:
    memory_stays(const stay_table& stays, const id_table& persons, const id_table& places)
        : one_table_rows(stays), persons_(persons), places_(places) {}
    std::size_t person_count() const noexcept { return persons_.size(); }
    std::string_view person_id(person_index p) const noexcept { return persons_[p]; }
    bool person_less(person_index a, person_index b) const { return persons_[a] < persons_[b]; }
    bool place_less(place_index a, place_index b) const { return places_[a] < places_[b]; }

private:
    const id_table& persons_;
    const id_table& places_;
};

/// Ids read in place (a snapshot's, or a store's ids file), for the sources
/// below: persons ordered by their sort keys, places by their ids.
class indexed_id_order {
public:
    indexed_id_order(const indexed_snapshot& ids, const indexed_person_ids& persons)
        : ids_(ids), persons_(persons) {}
    std::size_t person_count() const noexcept { return persons_.size(); }
    std::string_view person_id(person_index p) const { return persons_[p]; }
    bool person_less(person_index a, person_index b) const {
        const std::uint64_t ka = persons_.sort_key(a), kb = persons_.sort_key(b);
        if (ka != kb) return ka < kb;
        return persons_[a] < persons_[b];
    }
    bool place_less(place_index a, place_index b) const {
        return ids_.place_id(a) < ids_.place_id(b);
    }

protected:
    const indexed_snapshot& ids_;
    const indexed_person_ids& persons_;
};

/// A snapshot read in place, for `source_finder`: the cases' rows by the
/// person index, each place's rows checked when first read.
class mapped_stays : public indexed_id_order {
public:
    using indexed_id_order::indexed_id_order;
    template <class IsCase, class F>
    void for_each_case_row(std::span<const index_case> cases, IsCase, F f) const {
        std::vector<std::uint32_t> rows;
        for (const index_case& c : cases)
            for (const std::uint32_t row : ids_.checked_stays_of_person(c.person))
                rows.push_back(row);
        std::sort(rows.begin(), rows.end());
        rows.erase(std::unique(rows.begin(), rows.end()), rows.end());
        for (const std::uint32_t row : rows)
            f(std::size_t{row});
    }
    place_index place_of(std::size_t row) const { return ids_.place_of(row); }
    const stay_columns& stays_at(place_index x) const { return ids_.stays_at(x); }
};

/// Stays of a store gathered into memory, for `source_finder`: every stay in
/// force at the places the cases stayed at (which holds the cases' own), in
/// store numbering, ids read in place from the store's ids file.
class gathered_stays : public indexed_id_order, public one_table_rows {
public:
    gathered_stays(const stay_table& stays, const indexed_snapshot& ids,
                   const indexed_person_ids& persons)
        : indexed_id_order(ids, persons), one_table_rows(stays) {}
};

template <class Source>
class source_finder {
public:
    source_finder(const Source& source, std::span<const index_case> cases,
                  const sources_parameters& parameters)
        : source_(source), cases_(cases), parameters_(parameters),
          linger_(std::max<duration>(parameters.linger, 0)),
          slot_of_(source.person_count(), not_a_case) {}

    sources_result run() {
        index_cases();
        collect_case_intervals();
        if (parameters_.find_common_places) find_common_places();
        if (parameters_.find_common_persons) find_common_persons();
        if (parameters_.find_links) find_links();
        return std::move(result_);
    }

private:
    void index_cases() {
        for (std::uint32_t k = 0; k < cases_.size(); ++k) {
            const index_case& c = cases_[k];
            if (c.person >= source_.person_count())
                throw input_error("sources: case person index out of range");
            const std::string id(source_.person_id(c.person));
            if (slot_of_[c.person] != not_a_case)
                throw input_error("sources: person '" + id + "' is an index case twice");
            if (c.onset == time_infinity)
                throw input_error("sources: index case '" + id + "'" +
                                  (c.line > 0 ? " (line " + std::to_string(c.line) + ")" : "") +
                                  " has no onset");
            slot_of_[c.person] = k;
        }
    }

    /// One pass over the stays: the cases' exposed parts (in place, start
    /// order, as the rows are) and, for links, their footprints.
    void collect_case_intervals() {
        std::vector<bool> has_stays(cases_.size(), false);
        const auto is_case = [this](person_index p) {
            return p < slot_of_.size() && slot_of_[p] != not_a_case;
        };
        source_.for_each_case_row(cases_, is_case, [&](std::size_t row) {
            const auto& stays_ = source_.stays_at(source_.place_of(row));
            const person_index p = stays_.person[row];
            const std::uint32_t slot = slot_of_[p];
            const index_case& c = cases_[slot];
            has_stays[slot] = true;
            const place_index x = stays_.place[row];
            const time_point window_start = c.onset - parameters_.incubation_max;
            const time_point window_end = c.onset - parameters_.incubation_min;
            const time_point exposed_start = std::max(stays_.start[row], window_start);
            const time_point exposed_end = std::min(stays_.end[row], window_end);
            if (exposed_end > exposed_start)
                exposed_.push_back({x, exposed_start, exposed_end, slot});
            const time_point presence_start = std::max(stays_.start[row], c.from);
            const time_point presence_end = std::min(stays_.end[row], c.to);
            if (presence_end > presence_start) {
                const time_point end = detail::footprint_end(presence_start, presence_end, linger_);
                footprints_.push_back({x, presence_start, end, slot});
                longest_footprint_ = std::max(longest_footprint_, end - presence_start);
            }
        });
        for (std::uint32_t k = 0; k < cases_.size(); ++k)
            if (!has_stays[k]) result_.cases_without_stays.push_back(cases_[k].person);
        // Presences start at max(stay start, a_c), which differs by case.
        std::sort(footprints_.begin(), footprints_.end(),
                  [](const case_interval& a, const case_interval& b) {
                      return std::tie(a.place, a.start) < std::tie(b.place, b.start);
                  });
    }

    duration min_overlap_at(place_index x) const noexcept {
        return detail::min_overlap_at(parameters_.place_min_overlap, parameters_.min_overlap, x);
    }

    bool id_less(person_index a, person_index b) const { return source_.person_less(a, b); }

    /// The persons of `slots` (case positions, any order, repeats allowed)
    /// ordered by id.
    std::vector<person_index> case_persons(std::vector<std::uint32_t>& slots) const {
        std::sort(slots.begin(), slots.end());
        slots.erase(std::unique(slots.begin(), slots.end()), slots.end());
        std::vector<person_index> ids;
        ids.reserve(slots.size());
        for (const std::uint32_t slot : slots)
            ids.push_back(cases_[slot].person);
        std::sort(ids.begin(), ids.end(),
                  [this](person_index a, person_index b) { return id_less(a, b); });
        return ids;
    }

    void find_common_places() {
        std::vector<std::uint32_t> slots;
        for (std::size_t first = 0; first < exposed_.size();) {
            const place_index x = exposed_[first].place;
            std::size_t last = first;
            common_place place{x, {}, time_infinity, -time_infinity, 0};
            slots.clear();
            for (; last < exposed_.size() && exposed_[last].place == x; ++last) {
                const case_interval& part = exposed_[last];
                slots.push_back(part.slot);
                place.first_presence = std::min(place.first_presence, part.start);
                place.last_presence = std::max(place.last_presence, part.end);
                place.case_seconds =
                    detail::add_seconds(place.case_seconds, part.end - part.start, "case_seconds");
            }
            place.cases = case_persons(slots);
            if (place.cases.size() >= parameters_.min_cases)
                result_.common_places.push_back(std::move(place));
            first = last;
        }
        std::sort(result_.common_places.begin(), result_.common_places.end(),
                  [this](const common_place& a, const common_place& b) {
                      if (a.cases.size() != b.cases.size()) return a.cases.size() > b.cases.size();
                      if (a.case_seconds != b.case_seconds) return a.case_seconds > b.case_seconds;
                      return source_.place_less(a.place, b.place);
                  });
    }

    /// Calls `f(part, m)` for each exposed part at least as long as its
    /// place's minimum overlap `m` (no shorter part can overlap anything
    /// long enough).
    template <typename F>
    void for_each_exposed_part_that_can_count(F f) const {
        for (const case_interval& part : exposed_) {
            const duration m = min_overlap_at(part.place);
            if (part.end - part.start >= m) f(part, m);
        }
    }

    void find_common_persons() {
        std::vector<event> meetings;
        for_each_exposed_part_that_can_count([&](const case_interval& part, duration m) {
            const auto& stays_ = source_.stays_at(part.place);
            const detail::row_range rows = detail::stays_that_can_overlap(
                stays_, part.place, part.start, part.end, m, linger_);
            for (std::size_t row = rows.first; row != rows.last; ++row) {
                const person_index s = stays_.person[row];
                if (s < slot_of_.size() && slot_of_[s] != not_a_case) continue;
                const time_point start = std::max(stays_.start[row], part.start);
                const time_point end = std::min(
                    detail::footprint_end(stays_.start[row], stays_.end[row], linger_), part.end);
                if (end - start >= m) meetings.push_back({s, part.slot, part.place, start, end});
            }
        });
        result_.meetings = meetings.size();
        std::sort(meetings.begin(), meetings.end(),
                  [](const event& a, const event& b) { return a.source < b.source; });
        std::vector<std::uint32_t> slots;
        std::vector<place_index> places;
        for (std::size_t first = 0; first < meetings.size();) {
            const person_index s = meetings[first].source;
            common_person person{s, {}, time_infinity, -time_infinity, 0, 0};
            slots.clear();
            places.clear();
            std::size_t last = first;
            for (; last < meetings.size() && meetings[last].source == s; ++last) {
                const event& e = meetings[last];
                slots.push_back(e.slot);
                places.push_back(e.place);
                person.first_contact = std::min(person.first_contact, e.start);
                person.last_contact = std::max(person.last_contact, e.end);
                person.contact_seconds =
                    detail::add_seconds(person.contact_seconds, e.end - e.start, "contact_seconds");
            }
            first = last;
            person.cases = case_persons(slots);
            if (person.cases.size() < parameters_.min_cases) continue;
            std::sort(places.begin(), places.end());
            person.places = static_cast<std::uint32_t>(std::unique(places.begin(), places.end()) -
                                                       places.begin());
            result_.common_persons.push_back(std::move(person));
        }
        std::sort(result_.common_persons.begin(), result_.common_persons.end(),
                  [this](const common_person& a, const common_person& b) {
                      if (a.cases.size() != b.cases.size()) return a.cases.size() > b.cases.size();
                      if (a.contact_seconds != b.contact_seconds)
                          return a.contact_seconds > b.contact_seconds;
                      return id_less(a.person, b.person);
                  });
    }

    void find_links() {
        std::vector<event> links;
        const auto by_place_start = [](const case_interval& f,
                                       std::pair<place_index, time_point> key) {
            return std::tie(f.place, f.start) < std::tie(key.first, key.second);
        };
        for_each_exposed_part_that_can_count([&](const case_interval& part, duration m) {
            // The footprints at the place that start in [start + m - longest,
            // end - m]: no other can overlap the part for m seconds.
            const place_index x = part.place;
            auto it =
                std::lower_bound(footprints_.begin(), footprints_.end(),
                                 std::pair{x, part.start + m - longest_footprint_}, by_place_start);
            for (; it != footprints_.end() && it->place == x && it->start <= part.end - m; ++it) {
                if (it->slot == part.slot) continue;
                const time_point start = std::max(it->start, part.start);
                const time_point end = std::min(it->end, part.end);
                if (end - start >= m) links.push_back({it->slot, part.slot, x, start, end});
            }
        });
        result_.link_events = links.size();
        std::sort(links.begin(), links.end(), [](const event& a, const event& b) {
            return std::tie(a.slot, a.source) < std::tie(b.slot, b.source);
        });
        for (std::size_t first = 0; first < links.size();) {
            const event& head = links[first];
            case_link link{cases_[head.source].person,
                           cases_[head.slot].person,
                           head.start,
                           head.end,
                           0,
                           head.place};
            std::size_t last = first;
            for (; last < links.size() && links[last].slot == head.slot &&
                   links[last].source == head.source;
                 ++last) {
                const event& e = links[last];
                if (e.start < link.first_contact ||
                    (e.start == link.first_contact && source_.place_less(e.place, link.place))) {
                    link.first_contact = e.start;
                    link.place = e.place;
                }
                link.last_contact = std::max(link.last_contact, e.end);
                link.contact_seconds =
                    detail::add_seconds(link.contact_seconds, e.end - e.start, "contact_seconds");
            }
            first = last;
            result_.links.push_back(link);
        }
        std::sort(result_.links.begin(), result_.links.end(),
                  [this](const case_link& a, const case_link& b) {
                      if (a.infectee != b.infectee) return id_less(a.infectee, b.infectee);
                      if (a.first_contact != b.first_contact)
                          return a.first_contact < b.first_contact;
                      return id_less(a.infector, b.infector);
                  });
    }

    const Source& source_;
    std::span<const index_case> cases_;
    const sources_parameters& parameters_;
    const duration linger_;
    std::vector<std::uint32_t> slot_of_; // person -> position in cases_
    std::vector<case_interval> exposed_;
    std::vector<case_interval> footprints_;
    duration longest_footprint_ = 0;
    sources_result result_;
};

/// The case ids joined by ';' (they are in byte order already).
std::string joined_ids(const std::vector<person_index>& cases, const id_table& persons) {
    std::string text;
    for (const person_index c : cases) {
        if (!text.empty()) text.push_back(';');
        text.append(persons[c]);
    }
    return text;
}

void write_header(csv_writer& csv, std::string_view header) {
    csv.raw(header);
    csv.end_row();
}

constexpr sheet_column case_links_columns[] = {
    {"infector", "传染者", cell_kind::text},
    {"infectee", "被传染者", cell_kind::text},
    {"first_contact", "首次接触", cell_kind::time},
    {"last_contact", "末次接触", cell_kind::time},
    {"contact_seconds", "接触秒数", cell_kind::integer},
    {"place", "场所", cell_kind::text},
};
constexpr sheet_column common_persons_columns[] = {
    {"person", "人员", cell_kind::text},
    {"cases", "病例数", cell_kind::integer},
    {"first_contact", "首次接触", cell_kind::time},
    {"last_contact", "末次接触", cell_kind::time},
    {"contact_seconds", "接触秒数", cell_kind::integer},
    {"places", "场所数", cell_kind::integer},
    {"case_ids", "病例", cell_kind::text},
};
constexpr sheet_column common_places_columns[] = {
    {"place", "场所", cell_kind::text},
    {"cases", "病例数", cell_kind::integer},
    {"first_presence", "首次在场", cell_kind::time},
    {"last_presence", "末次在场", cell_kind::time},
    {"case_seconds", "病例停留秒数", cell_kind::integer},
    {"case_ids", "病例", cell_kind::text},
};

// The rows of each list, into a `csv_writer` or an `xlsx_sheet`.

template <typename Writer>
void write_link_rows(Writer& out, const sources_result& result, const id_table& persons,
                     const id_table& places, utc_offset tz) {
    for (const case_link& l : result.links) {
        out.field(persons[l.infector]).field(persons[l.infectee]);
        out.time(l.first_contact, tz).time(l.last_contact, tz);
        out.field(l.contact_seconds).field(places[l.place]);
        out.end_row();
    }
}

template <typename Writer>
void write_common_person_rows(Writer& out, const sources_result& result, const id_table& persons,
                              utc_offset tz) {
    for (const common_person& p : result.common_persons) {
        out.field(persons[p.person]).field(std::uint64_t{p.cases.size()});
        out.time(p.first_contact, tz).time(p.last_contact, tz);
        out.field(p.contact_seconds).field(p.places).field(joined_ids(p.cases, persons));
        out.end_row();
    }
}

template <typename Writer>
void write_common_place_rows(Writer& out, const sources_result& result, const id_table& persons,
                             const id_table& places, utc_offset tz) {
    for (const common_place& p : result.common_places) {
        out.field(places[p.place]).field(std::uint64_t{p.cases.size()});
        out.time(p.first_presence, tz).time(p.last_presence, tz);
        out.field(p.case_seconds).field(joined_ids(p.cases, persons));
        out.end_row();
    }
}

} // namespace

sources_result find_sources(const stay_table& stays, const id_table& persons,
                            const id_table& places, std::span<const index_case> cases,
                            const sources_parameters& parameters) {
    check_parameters(parameters);
    const memory_stays source(stays, persons, places);
    return source_finder<memory_stays>(source, cases, parameters).run();
}

sources_result find_sources(const indexed_snapshot& data, const indexed_person_ids& persons,
                            std::span<const index_case> cases,
                            const sources_parameters& parameters) {
    check_parameters(parameters);
    const mapped_stays source(data, persons);
    return source_finder<mapped_stays>(source, cases, parameters).run();
}

sources_result find_sources(const stored_window& data, const indexed_person_ids& persons,
                            std::span<const index_case> cases,
                            const sources_parameters& parameters) {
    check_parameters(parameters);
    // Backward tracing reads the cases' stays and the stays at their places
    // only: gather those, from every partition, in force.
    std::vector<place_index> places;
    for (const index_case& c : cases)
        for (std::size_t k = 0; k < data.partition_count(); ++k) {
            const indexed_snapshot& part = data.partition(k);
            if (c.person >= part.person_count()) continue;
            for (const std::uint32_t row : part.checked_stays_of_person(c.person))
                if (data.in_force(k, row)) places.push_back(part.place_of(row));
        }
    std::sort(places.begin(), places.end());
    places.erase(std::unique(places.begin(), places.end()), places.end());
    std::vector<visit> visits;
    for (std::size_t k = 0; k < data.partition_count(); ++k) {
        const indexed_snapshot& part = data.partition(k);
        for (const place_index x : places) {
            if (x >= part.place_count()) continue;
            const stay_columns& stays = part.stays_at(x);
            for (std::uint64_t row = stays.place_begin[x]; row < stays.place_begin[x + 1]; ++row) {
                part.check_row(row);
                if (data.in_force(k, row))
                    visits.push_back({stays.person[row], x, stays.start[row], stays.end[row]});
            }
        }
    }
    // Stays in force never touch, so merging them only sorts them.
    const stay_table gathered =
        build_stays(std::move(visits), persons.size(), data.ids().place_count());
    const gathered_stays source(gathered, data.ids(), persons);
    return source_finder<gathered_stays>(source, cases, parameters).run();
}

void write_case_links(std::ostream& out, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz) {
    csv_writer csv(out, "case links");
    write_header(csv, case_links_header);
    write_link_rows(csv, result, persons, places, tz);
    csv.finish();
}

void write_common_persons(std::ostream& out, const sources_result& result, const id_table& persons,
                          utc_offset tz) {
    csv_writer csv(out, "common persons");
    write_header(csv, common_persons_header);
    write_common_person_rows(csv, result, persons, tz);
    csv.finish();
}

void write_common_places(std::ostream& out, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz) {
    csv_writer csv(out, "common places");
    write_header(csv, common_places_header);
    write_common_place_rows(csv, result, persons, places, tz);
    csv.finish();
}

void write_case_links(column_table& table, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz) {
    table.raw(case_links_header).end_row();
    write_link_rows(table, result, persons, places, tz);
}

void write_common_persons(column_table& table, const sources_result& result,
                          const id_table& persons, utc_offset tz) {
    table.raw(common_persons_header).end_row();
    write_common_person_rows(table, result, persons, tz);
}

void write_common_places(column_table& table, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz) {
    table.raw(common_places_header).end_row();
    write_common_place_rows(table, result, persons, places, tz);
}

void write_case_links(xlsx_workbook& book, const sources_result& result, const id_table& persons,
                      const id_table& places, utc_offset tz) {
    write_link_rows(book.add_sheet({"links", "病例关联", case_links_header, case_links_columns}),
                    result, persons, places, tz);
}

void write_common_persons(xlsx_workbook& book, const sources_result& result,
                          const id_table& persons, utc_offset tz) {
    write_common_person_rows(book.add_sheet({"common persons", "共同接触者", common_persons_header,
                                             common_persons_columns}),
                             result, persons, tz);
}

void write_common_places(xlsx_workbook& book, const sources_result& result, const id_table& persons,
                         const id_table& places, utc_offset tz) {
    write_common_place_rows(
        book.add_sheet({"common places", "共同场所", common_places_header, common_places_columns}),
        result, persons, places, tz);
}

} // namespace ctrace
