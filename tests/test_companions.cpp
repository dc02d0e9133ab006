// Tests of the same-time-and-place persons (ctrace/tracing/companions.hpp,
// docs/semantics.md §10) and their CSV (ctrace/report/companion_list.hpp):
// the field example byte for byte, and small dumps worked by hand. Times are
// UTC; the dwell is 1h; every row below has a check-out unless it says so.

#include "ctrace/core/error.hpp"
#include "ctrace/report/companion_list.hpp"
#include "ctrace/tracing/companions.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <map>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

using namespace ctrace;
using ctrace::testing::field_trace_run;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;

namespace {

/// Traces `scans` (CSV text, header included) with `cases` and returns the
/// run; the places file, when given, is `places`.
trace_run traced(const temp_dir& dir, const std::string& scans, const std::string& cases,
                 const std::string& places = "") {
    data_source source;
    source.scans.scans = {dir.write("scans.csv", scans)};
    if (!places.empty()) source.scans.places = dir.write("places.csv", places);
    trace_request request;
    request.cases = dir.write("cases.csv", cases);
    request.tz = utc_offset{0};
    return trace_from(source, request);
}

std::string companions_text(const trace_run& run, duration window = defaults::companion_window) {
    const dataset& data = run.data();
    const std::vector<companion> rows = find_companions(
        data.stays, run.record.cases, run.record.result, data.persons, data.places, {window});
    std::ostringstream out;
    write_companion_list(out, rows, data.persons, data.places, utc_offset{0});
    return out.str();
}

constexpr const char* header = "person,code,first_time,last_time,cases,via_person,via_place\n";

} // namespace

TEST_SUITE("companions") {
    TEST_CASE("the field example, byte for byte (window 30m)") {
        const trace_run run = field_trace_run();
        const dataset& data = run.data();
        const std::vector<companion> rows = find_companions(
            data.stays, run.record.cases, run.record.result, data.persons, data.places);
        std::ostringstream out;
        write_companion_list(out, rows, data.persons, data.places, utc_offset{8 * 3600});
        CHECK(out.str() == file_text(fixture("field/companions.csv")));
    }

    TEST_CASE("window edges: touching is not overlapping - no minimum length") {
        temp_dir dir;
        // C at X 10:00-11:00: window 09:30-11:30.
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "TOUCH_AFTER,X,2022-05-01T11:30:00Z,2022-05-01T12:00:00Z\n"
                                     "TOUCH_BEFORE,X,2022-05-01T09:00:00Z,2022-05-01T09:30:00Z\n"
                                     "ONE_SECOND,X,2022-05-01T11:29:59Z,2022-05-01T12:00:00Z\n"
                                     "ELSEWHERE,Y,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "SHORT,X,2022-05-01T10:50:00Z,2022-05-01T11:10:00Z\n"
                                     "CLOSE,X,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                                     "BEFORE,X,2022-05-01T09:10:00Z,2022-05-01T09:40:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        // SHORT met C for 10 min (under 15): not on the risk list; its overlap
        // with the window is its whole stay. CLOSE is a close contact: left out.
        CHECK(companions_text(run) ==
              std::string(header) +
                  "BEFORE,yellow,2022-05-01T09:30:00Z,2022-05-01T09:40:00Z,1,C,X\n"
                  "SHORT,yellow,2022-05-01T10:50:00Z,2022-05-01T11:10:00Z,1,C,X\n"
                  "ONE_SECOND,yellow,2022-05-01T11:29:59Z,2022-05-01T11:30:00Z,1,C,X\n");
        // A window of 0 is the presence itself.
        CHECK(companions_text(run, 0) ==
              std::string(header) +
                  "SHORT,yellow,2022-05-01T10:50:00Z,2022-05-01T11:00:00Z,1,C,X\n");
    }

    TEST_CASE("the presence is cut to the infectious interval - none outside it") {
        temp_dir dir;
        // C infectious from 10:15 to 10:45: presence 10:15-10:45, window
        // 09:45-11:15. C's stay on another day is outside: no window.
        const trace_run run =
            traced(dir,
                   "person,place,time,leave\n"
                   "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C,X,2022-05-03T10:00:00Z,2022-05-03T11:00:00Z\n"
                   "EARLY,X,2022-05-01T09:15:00Z,2022-05-01T09:45:00Z\n"
                   "LATE,X,2022-05-01T11:10:00Z,2022-05-01T11:40:00Z\n"
                   "OTHER_DAY,X,2022-05-03T10:00:00Z,2022-05-03T10:05:00Z\n",
                   "person,from,to\nC,2022-05-01T10:15:00Z,2022-05-01T10:45:00Z\n");
        CHECK(companions_text(run) ==
              std::string(header) +
                  "LATE,yellow,2022-05-01T11:10:00Z,2022-05-01T11:15:00Z,1,C,X\n");
    }

    TEST_CASE("ties: the smaller case id, then the smaller place id - cases counted once") {
        temp_dir dir;
        // C2 and C1 at PB and PA, all 10:00-11:00 (ids interned out of byte
        // order). P overlaps all four windows from 11:10; Q both at PB.
        const trace_run run =
            traced(dir,
                   "person,place,time,leave\n"
                   "C2,PB,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C2,PA,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C1,PB,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "C1,PA,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                   "P,PB,2022-05-01T11:10:00Z,2022-05-01T11:40:00Z\n"
                   "P,PA,2022-05-01T11:10:00Z,2022-05-01T11:50:00Z\n"
                   "Q,PB,2022-05-01T09:00:00Z,2022-05-01T09:40:00Z\n",
                   "person,from,to\nC2,2022-05-01T00:00:00Z,\nC1,2022-05-01T00:00:00Z,\n");
        // Q overlaps both cases' windows at PB from 09:30, the earliest: Q
        // comes first, via C1 (ties on start). The cases were at each
        // other's places at the same time, but are never listed.
        CHECK(companions_text(run) ==
              std::string(header) + "Q,yellow,2022-05-01T09:30:00Z,2022-05-01T09:40:00Z,2,C1,PB\n"
                                    "P,yellow,2022-05-01T11:10:00Z,2022-05-01T11:30:00Z,2,C1,PA\n");
    }

    TEST_CASE("a secondary contact is on the risk list: left out") {
        temp_dir dir;
        // A meets C 10:00-10:30 (hop 1); B meets A 12:00-12:30 at Y (hop 2)
        // and was at X at 11:20, inside C's window.
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                                     "A,X,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                                     "A,Y,2022-05-01T12:00:00Z,2022-05-01T12:30:00Z\n"
                                     "B,Y,2022-05-01T12:00:00Z,2022-05-01T12:30:00Z\n"
                                     "B,X,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z\n"
                                     "D,X,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        REQUIRE(run.record.result.entries.size() == 3);
        CHECK(companions_text(run) ==
              std::string(header) + "D,yellow,2022-05-01T11:20:00Z,2022-05-01T11:25:00Z,1,C,X\n");
    }

    TEST_CASE("no companion: the header alone - a negative window is refused") {
        temp_dir dir;
        const trace_run run = traced(dir,
                                     "person,place,time,leave\n"
                                     "C,X,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n",
                                     "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        CHECK(companions_text(run) == header);
        const dataset& data = run.data();
        CHECK_THROWS_AS(find_companions(data.stays, run.record.cases, run.record.result,
                                        data.persons, data.places, {-1}),
                        parameter_error);
    }
}

namespace {

/// Random small dumps for the property test: a few persons with names whose
/// byte order differs from their order of appearance, a few places, visits
/// within a few hours (some with check-out), one to three cases.
struct random_dump {
    std::string scans, cases;
    duration window = 0;
    duration min_overlap = 0;
};

random_dump random_small_dump(std::mt19937_64& rng) {
    static const char* const names[] = {"zed", "amy", "Bo", "cai", "00", "émile", "dan", "x1"};
    static const char* const places[] = {"R", "M", "K", "B"};
    random_dump d;
    d.scans = "person,place,time,leave\n";
    const time_point base = 1651392000;
    const int visits = 10 + static_cast<int>(rng() % 40);
    for (int i = 0; i < visits; ++i) {
        const time_point start = base + static_cast<time_point>(rng() % 48) * 300;
        d.scans += std::string(names[rng() % 8]) + "," + places[rng() % 4] + "," +
                   std::to_string(start) + ",";
        if (rng() % 3 == 0)
            d.scans += std::to_string(start + static_cast<time_point>(rng() % 7200));
        d.scans += "\n";
    }
    d.cases = "person,from,to\n";
    const int cases = 1 + static_cast<int>(rng() % 3);
    std::vector<int> chosen;
    for (int k = 0; k < cases; ++k) {
        const int who = static_cast<int>(rng() % 8);
        if (std::find(chosen.begin(), chosen.end(), who) != chosen.end()) continue;
        chosen.push_back(who);
        const time_point from = base + static_cast<time_point>(rng() % 24) * 600;
        d.cases +=
            std::string(names[who]) + "," + std::to_string(from) + "," +
            (rng() % 2 ? std::to_string(from + static_cast<time_point>(rng() % 20000)) : "") + "\n";
    }
    static const duration windows[] = {0, 600, 1800, 7200};
    d.window = windows[rng() % 4];
    d.min_overlap = 60 * static_cast<duration>(1 + rng() % 60);
    return d;
}

/// §10 read literally: every pair of a case's stay and another stay at its
/// place, no search bounds; one row per person from a map.
std::vector<companion> brute_force_companions(const testing::traced& t, duration w) {
    const id_table& persons = t.log.persons;
    const id_table& places = t.log.places;
    std::map<person_index, const index_case*> case_of;
    for (const index_case& c : t.cases)
        case_of[c.person] = &c;
    std::set<person_index> listed;
    for (const risk_entry& e : t.result.entries)
        listed.insert(e.person);
    struct seen {
        time_point start, end;
        person_index via;
        place_index place;
    };
    std::map<person_index, std::vector<seen>> by_person;
    const stay_table& s = t.stays;
    for (std::size_t a = 0; a < s.size(); ++a) {
        const auto found = case_of.find(s.person[a]);
        if (found == case_of.end()) continue;
        const index_case& c = *found->second;
        const time_point from = std::max(s.start[a], c.from), to = std::min(s.end[a], c.to);
        if (to <= from) continue;
        for (std::size_t b = 0; b < s.size(); ++b) {
            const person_index p = s.person[b];
            if (s.place[b] != s.place[a] || case_of.count(p) || listed.count(p)) continue;
            const time_point start = std::max(from - w, s.start[b]);
            const time_point end = std::min(to + w, s.end[b]);
            if (end > start) by_person[p].push_back({start, end, c.person, s.place[a]});
        }
    }
    std::vector<companion> rows;
    for (const auto& [p, all] : by_person) {
        companion row;
        row.person = p;
        row.first_time = all[0].start;
        row.last_time = all[0].end;
        row.via_person = all[0].via;
        row.via_place = all[0].place;
        std::set<person_index> met;
        for (const seen& o : all) {
            met.insert(o.via);
            row.last_time = std::max(row.last_time, o.end);
            const auto key = [&](time_point start, person_index via, place_index x) {
                return std::tuple(start, std::string(persons[via]), std::string(places[x]));
            };
            if (key(o.start, o.via, o.place) < key(row.first_time, row.via_person, row.via_place)) {
                row.first_time = o.start;
                row.via_person = o.via;
                row.via_place = o.place;
            }
        }
        row.cases = static_cast<std::uint32_t>(met.size());
        rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end(), [&](const companion& a, const companion& b) {
        return std::tuple(a.first_time, persons[a.person]) <
               std::tuple(b.first_time, persons[b.person]);
    });
    return rows;
}

} // namespace

TEST_SUITE("companions") {
    TEST_CASE("property: random small dumps agree with §10 read literally") {
        std::mt19937_64 rng(1010);
        std::size_t rows_seen = 0, several_cases = 0;
        for (int round = 0; round < 400; ++round) {
            const random_dump d = random_small_dump(rng);
            trace_parameters parameters;
            parameters.min_overlap = d.min_overlap;
            const testing::traced t = testing::run_trace(d.scans, d.cases, parameters);
            const std::vector<companion> got = find_companions(
                t.stays, t.cases, t.result, t.log.persons, t.log.places, {d.window});
            const std::vector<companion> expected = brute_force_companions(t, d.window);
            std::ostringstream got_csv, expected_csv;
            write_companion_list(got_csv, got, t.log.persons, t.log.places, utc_offset{0});
            write_companion_list(expected_csv, expected, t.log.persons, t.log.places,
                                 utc_offset{0});
            CHECK_MESSAGE(got_csv.str() == expected_csv.str(), "round " << round << "\n"
                                                                        << d.scans << d.cases
                                                                        << "window " << d.window);
            rows_seen += got.size();
            for (const companion& c : got)
                several_cases += c.cases > 1 ? 1 : 0;
        }
        // The rounds must exercise the rules, not pass empty.
        CHECK(rows_seen > 300);
        CHECK(several_cases > 10);
    }
}
