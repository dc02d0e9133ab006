// Tests of lifting zones (ctrace/analytics/zones.hpp, docs/semantics.md §11):
// the field example's three files byte for byte, and small dumps worked by
// hand. Times are UTC unless the field example's.

#include "ctrace/analytics/zones.hpp"
#include "ctrace/core/error.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <cstdint>
#include <doctest/doctest.h>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

using namespace ctrace;
using ctrace::testing::file_text;
using ctrace::testing::fixture;
using ctrace::testing::temp_dir;

namespace {

struct zone_run {
    std::vector<zone> rows;
    utc_offset tz;
};

/// Traces as `ctrace zones` does and returns the zones.
zone_run zones_of(const data_source& source, trace_request request,
                  const std::vector<resident>& residents = {},
                  const zone_parameters& parameters = {}) {
    loaded_data loaded = load_data(source);
    dataset& data = loaded.ingested.data;
    if (!request.tz) request.tz = data.parameters.tz;
    prepared_cases prepared = read_index_cases(request);
    std::vector<qualifying_event> layer_one;
    trace_cases(data, prepared, {}, [&](const qualifying_event& e) {
        if (e.layer == 1) layer_one.push_back(e);
    });
    return {find_zones(data.stays, data.persons, data.places, data.place_info,
                       prepared.record.cases, prepared.record.result, layer_one, residents,
                       parameters),
            *request.tz};
}

std::string csv_of(const zone_run& run, std::optional<time_point> as_of = std::nullopt) {
    std::ostringstream out;
    write_zone_list(out, run.rows, run.tz, as_of);
    return out.str();
}

data_source field_source() {
    data_source source;
    source.scans.scans = {fixture("field/scans.csv")};
    source.scans.places = fixture("field/places.csv");
    source.scans.read.tz = utc_offset{8 * 3600};
    return source;
}

trace_request field_request() {
    trace_request request;
    request.cases = fixture("field/cases.csv");
    return request;
}

/// A small dump in UTC: its scans, places and cases files in `dir`.
data_source small_source(const temp_dir& dir, const std::string& scans) {
    data_source source;
    source.scans.scans = {dir.write("scans.csv", scans)};
    source.scans.places = dir.write("places.csv", "place,district\n"
                                                  "R,North\n"
                                                  "S,North\n"
                                                  "K,South\n"
                                                  "P,\n");
    return source;
}

trace_request small_request(const temp_dir& dir, const std::string& cases) {
    trace_request request;
    request.cases = dir.write("cases.csv", cases);
    request.tz = utc_offset{0};
    return request;
}

constexpr const char* header = "district,cases,close_contacts,last_case_presence,"
                               "last_close_exposure,lift_not_before,screening_from";

} // namespace

TEST_SUITE("zones") {
    TEST_CASE("the field example: zones, zones as of a time with lingering, and residents") {
        CHECK(csv_of(zones_of(field_source(), field_request())) ==
              file_text(fixture("field/zones.csv")));

        trace_request lingering = field_request();
        lingering.parameters.linger = 30 * 60;
        // 2022-05-24T22:00:00+08:00, exactly Zhongshan's lift_not_before: may-lift.
        CHECK(csv_of(zones_of(field_source(), lingering), time_point{1653400800}) ==
              file_text(fixture("field/zones-as-of.csv")));

        const std::vector<resident> residents = {{"C1", "Shahekou"},
                                                 {"C2", "Zhongshan"},
                                                 {"A", "Ganjingzi"},
                                                 {"S", "Ganjingzi"},
                                                 {"Y1", "Lushun"}};
        CHECK(csv_of(zones_of(field_source(), field_request(), residents)) ==
              file_text(fixture("field/zones-residents.csv")));
    }

    TEST_CASE("a close contact's later exposure sets the date, a layer-2 event does not") {
        temp_dir dir;
        // C at R 10:00-11:00 (North) and at K 20:00-21:00 (South). A meets C
        // at R (10:00-10:30: listed) and at K 20:00-20:40 (a later exposure,
        // in South). B meets A at S 12:00-12:30 (hop 2, North): not counted.
        const data_source source =
            small_source(dir, "person,place,time,leave\n"
                              "C,R,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                              "C,K,2022-05-01T20:00:00Z,2022-05-01T21:00:00Z\n"
                              "A,R,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                              "A,K,2022-05-01T20:00:00Z,2022-05-01T20:40:00Z\n"
                              "A,S,2022-05-01T23:00:00Z,2022-05-01T23:30:00Z\n"
                              "B,S,2022-05-01T23:00:00Z,2022-05-01T23:30:00Z\n");
        const zone_run run =
            zones_of(source, small_request(dir, "person,from,to\nC,2022-05-01T00:00:00Z,\n"));
        CHECK(csv_of(run) == std::string(header) +
                                 "\nSouth,1,1,2022-05-01T21:00:00Z,2022-05-01T20:40:00Z,"
                                 "2022-05-15T21:00:00Z,2022-05-13T21:00:00Z\n"
                                 "North,1,1,2022-05-01T11:00:00Z,2022-05-01T10:30:00Z,"
                                 "2022-05-15T11:00:00Z,2022-05-13T11:00:00Z\n");
        CHECK(run.rows[1].district == "North");
        CHECK(run.rows[1].close_contacts == 1); // A only: B is at hop 2
    }

    TEST_CASE("codes without a district, or not in the places file, belong to none") {
        temp_dir dir;
        // P has an empty district, Q is not in the places file.
        const data_source source =
            small_source(dir, "person,place,time,leave\n"
                              "C,P,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                              "C,Q,2022-05-01T12:00:00Z,2022-05-01T13:00:00Z\n"
                              "A,Q,2022-05-01T12:00:00Z,2022-05-01T13:00:00Z\n");
        const zone_run run =
            zones_of(source, small_request(dir, "person,from,to\nC,2022-05-01T00:00:00Z,\n"));
        CHECK(run.rows.empty());
        CHECK(csv_of(run) == std::string(header) + "\n");
    }

    TEST_CASE("residents: a district brought in only by residents, and who is not counted") {
        temp_dir dir;
        // C (no `to`) at R 10:00-11:00. A meets C there (hop 1). D lives in
        // West but is not listed; E is a case with no stay and no `to`.
        const data_source source =
            small_source(dir, "person,place,time,leave\n"
                              "C,R,2022-05-01T10:00:00Z,2022-05-01T11:00:00Z\n"
                              "A,R,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n"
                              "D,K,2022-05-01T10:00:00Z,2022-05-01T10:30:00Z\n");
        const trace_request request = small_request(
            dir, "person,from,to\nC,2022-05-01T00:00:00Z,\nE,2022-05-01T00:00:00Z,\n");
        const std::vector<resident> residents = {
            {"A", "East"}, {"C", "East"}, {"D", "West"}, {"E", "West"}, {"NOBODY", "West"}};
        const zone_run run = zones_of(source, request, residents);
        // East: C found at its last presence's end (11:00); A with its last
        // exposure (10:30). West has no candidate time: no row.
        CHECK(csv_of(run) == std::string(header) +
                                 "\nEast,1,1,2022-05-01T11:00:00Z,2022-05-01T10:30:00Z,"
                                 "2022-05-15T11:00:00Z,2022-05-13T11:00:00Z\n"
                                 "North,1,1,2022-05-01T11:00:00Z,2022-05-01T10:30:00Z,"
                                 "2022-05-15T11:00:00Z,2022-05-13T11:00:00Z\n");
    }

    TEST_CASE("as of: controlled before the lifting time, may-lift at it") {
        zone z;
        z.district = "D";
        z.cases = 1;
        z.last_case_presence = 100;
        z.lift_not_before = 1000;
        z.screening_from = 900;
        const zone_run run{{z}, utc_offset{0}};
        CHECK(csv_of(run, time_point{999}).ends_with(",controlled\n"));
        CHECK(csv_of(run, time_point{1000}).ends_with(",may-lift\n"));
        CHECK(csv_of(run, time_point{1000}).starts_with(std::string(header) + ",status\n"));
    }

    TEST_CASE("bad input: no district column, negative durations, residents listed twice") {
        temp_dir dir;
        data_source source;
        source.scans.scans = {dir.write("scans.csv", "person,place,time\nC,R,1651399200\n")};
        source.scans.places = dir.write("places.csv", "place,dwell\nR,1h\n");
        const trace_request request = small_request(dir, "person,from,to\nC,1651392000,\n");
        CHECK_THROWS_AS(zones_of(source, request), input_error);
        const data_source with_districts = small_source(dir, "person,place,time\nC,R,1651399200\n");
        CHECK_THROWS_AS(zones_of(with_districts, request, {}, {-1, 0}), parameter_error);
        CHECK_THROWS_AS(zones_of(with_districts, request, {}, {0, -1}), parameter_error);
        CHECK_NOTHROW(zones_of(with_districts, request, {}, {0, 0}));

        const auto twice = dir.write("residents.csv", "person,district\nA,X\nB,Y\nA,Z\n");
        try {
            read_residents(twice);
            FAIL("a person listed twice must be refused");
        } catch (const bad_rows_error& e) {
            CHECK(testing::contains(e.what(), "residents.csv"));
            REQUIRE(e.rows().size() == 1);
            CHECK(e.rows()[0].line == 4);
            CHECK(testing::contains(e.rows()[0].reason, "'A' is listed twice"));
        }
        CHECK_THROWS_AS(read_residents(dir.write("r2.csv", "person,where\nA,X\n")), input_error);
        const std::vector<resident> read =
            read_residents(dir.write("r3.csv", "district,person,age\nX,A,3\n,B,4\n"));
        REQUIRE(read.size() == 2);
        CHECK(read[0].person == "A");
        CHECK(read[0].district == "X");
        CHECK(read[1].district.empty());
    }
}

namespace {

/// §11 read literally, with maps by district name, from the stays, the
/// trace's layer-1 events, its risk list and the residents.
std::vector<zone> brute_force_zones(const stay_table& stays, const id_table& persons,
                                    const id_table& places, const place_table& info,
                                    const std::vector<index_case>& cases, const trace_result& risk,
                                    const std::vector<qualifying_event>& events,
                                    const std::vector<resident>& residents,
                                    const zone_parameters& parameters) {
    const auto district_of = [&](place_index x) -> std::string {
        const place_index row = info.ids.find(places[x]);
        return row == id_table::npos ? std::string() : info.district[row];
    };
    struct gathered {
        std::set<person_index> cases, close;
        std::optional<time_point> presence, exposure;
    };
    std::map<std::string, gathered> by_district;
    const auto raise = [](std::optional<time_point>& t, time_point v) {
        if (!t || *t < v) t = v;
    };
    std::map<person_index, std::optional<time_point>> last_presence;
    for (const index_case& c : cases)
        for (std::size_t i = 0; i < stays.size(); ++i) {
            if (stays.person[i] != c.person) continue;
            const time_point from = std::max(stays.start[i], c.from);
            const time_point to = std::min(stays.end[i], c.to);
            if (to <= from) continue;
            raise(last_presence[c.person], to);
            const std::string d = district_of(stays.place[i]);
            if (d.empty()) continue;
            by_district[d].cases.insert(c.person);
            raise(by_district[d].presence, to);
        }
    for (const qualifying_event& e : events) {
        const std::string d = district_of(e.place);
        if (e.layer != 1 || d.empty()) continue;
        by_district[d].close.insert(e.target);
        raise(by_district[d].exposure, e.end);
    }
    for (const resident& r : residents) {
        const person_index p = persons.find(r.person);
        if (p == id_table::npos || r.district.empty()) continue;
        for (const index_case& c : cases)
            if (c.person == p) {
                const std::optional<time_point> found =
                    c.to != time_infinity ? std::optional(c.to) : last_presence[p];
                if (!found) continue;
                by_district[r.district].cases.insert(p);
                raise(by_district[r.district].presence, *found);
            }
        for (const risk_entry& e : risk.entries)
            if (e.person == p && e.hop == 1) {
                by_district[r.district].close.insert(p);
                raise(by_district[r.district].exposure, e.last_exposure);
            }
    }
    std::vector<zone> rows;
    for (const auto& [name, g] : by_district) {
        if (!g.presence && !g.exposure) continue;
        zone z;
        z.district = name;
        z.cases = static_cast<std::uint32_t>(g.cases.size());
        z.close_contacts = static_cast<std::uint32_t>(g.close.size());
        z.last_case_presence = g.presence;
        z.last_close_exposure = g.exposure;
        z.lift_not_before =
            std::max(g.presence.value_or(INT64_MIN), g.exposure.value_or(INT64_MIN)) +
            parameters.quiet;
        z.screening_from = z.lift_not_before - parameters.screening;
        rows.push_back(z);
    }
    std::stable_sort(rows.begin(), rows.end(), [](const zone& a, const zone& b) {
        return a.lift_not_before > b.lift_not_before;
    });
    return rows;
}

} // namespace

TEST_SUITE("zones") {
    TEST_CASE("property: random small dumps agree with §11 read literally") {
        std::mt19937_64 rng(1111);
        static const char* const names[] = {"zed", "amy", "Bo", "cai", "00", "dan", "x1", "eve"};
        static const char* const codes[] = {"R", "M", "K", "B", "Q"}; // Q: not in the places file
        static const char* const districts[] = {"North", "South", "", "East"};
        std::size_t rows_seen = 0, with_residents = 0, both_times = 0;
        for (int round = 0; round < 300; ++round) {
            std::string places_csv = "place,district\n";
            for (int x = 0; x < 4; ++x)
                places_csv += std::string(codes[x]) + "," + districts[rng() % 4] + "\n";
            std::string scans_csv = "person,place,time,leave\n";
            const time_point base = 1651392000;
            for (int i = 0, n = 10 + static_cast<int>(rng() % 40); i < n; ++i) {
                const time_point start = base + static_cast<time_point>(rng() % 48) * 300;
                scans_csv += std::string(names[rng() % 8]) + "," + codes[rng() % 5] + "," +
                             std::to_string(start) + ",";
                if (rng() % 3 == 0)
                    scans_csv += std::to_string(start + static_cast<time_point>(rng() % 7200));
                scans_csv += "\n";
            }
            std::string cases_csv = "person,from,to\n";
            std::set<int> chosen;
            for (int k = 0, n = 1 + static_cast<int>(rng() % 3); k < n; ++k) {
                const int who = static_cast<int>(rng() % 8);
                if (!chosen.insert(who).second) continue;
                const time_point from = base + static_cast<time_point>(rng() % 24) * 600;
                cases_csv +=
                    std::string(names[who]) + "," + std::to_string(from) + "," +
                    (rng() % 2 ? std::to_string(from + static_cast<time_point>(rng() % 20000))
                               : "") +
                    "\n";
            }
            std::vector<resident> residents;
            for (int who = 0; who < 8; ++who)
                if (rng() % 3 == 0)
                    residents.push_back({names[who], rng() % 4 == 0 ? "" : districts[rng() % 4]});
            trace_parameters parameters;
            parameters.min_overlap = 60 * static_cast<duration>(1 + rng() % 40);
            parameters.linger = rng() % 2 ? 0 : 1800;
            const zone_parameters zp{static_cast<duration>(rng() % 3) * 86400,
                                     static_cast<duration>(rng() % 3) * 3600};

            std::istringstream places_in(places_csv), scans_in(scans_csv), cases_in(cases_csv);
            const place_table places = read_places(places_in, "places.csv");
            scan_log log = read_scans(scans_in, "scans.csv", places, {});
            const std::vector<index_case> cases =
                read_cases(cases_in, "cases.csv", log.persons, {});
            const stay_table stays = build_stays(log.visits, log.persons.size(), log.places.size());
            const person_place_graph graph = build_person_place_graph(stays, log.persons.size());
            std::vector<qualifying_event> layer_one;
            const trace_result risk = trace(stays, graph, log.persons, log.places, cases,
                                            parameters, [&](const qualifying_event& e) {
                                                if (e.layer == 1) layer_one.push_back(e);
                                            });
            const std::vector<zone> got = find_zones(stays, log.persons, log.places, places, cases,
                                                     risk, layer_one, residents, zp);
            const std::vector<zone> expected = brute_force_zones(
                stays, log.persons, log.places, places, cases, risk, layer_one, residents, zp);
            std::ostringstream got_csv, expected_csv;
            write_zone_list(got_csv, got, utc_offset{0}, time_point{base + 86400});
            write_zone_list(expected_csv, expected, utc_offset{0}, time_point{base + 86400});
            CHECK_MESSAGE(got_csv.str() == expected_csv.str(), "round " << round << "\n"
                                                                        << places_csv << scans_csv
                                                                        << cases_csv);
            rows_seen += got.size();
            with_residents += residents.empty() ? 0u : 1u;
            for (const zone& z : got)
                both_times += z.last_case_presence && z.last_close_exposure ? 1u : 0u;
        }
        CHECK(rows_seen > 300);
        CHECK(with_residents > 100);
        CHECK(both_times > 50);
    }
}
