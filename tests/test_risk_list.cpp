// Tests of the risk list writer (ctrace/report/risk_list.hpp; docs/semantics.md §5) and
// the tiny worked example, end to end (docs/semantics.md §7).

#include "ctrace/core/error.hpp"
#include "ctrace/report/risk_list.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>

using namespace ctrace;

namespace {

std::string risk_text(const trace_result& result, const id_table& persons, const id_table& places,
                      utc_offset tz) {
    std::ostringstream out;
    write_risk_list(out, result, persons, places, tz);
    return out.str();
}

std::string risk_text(const testing::traced& t, utc_offset tz) {
    return risk_text(t.result, t.log.persons, t.log.places, tz);
}

std::string read_file(const std::filesystem::path& p) {
    std::ifstream in(p, std::ios::binary);
    REQUIRE(in.good());
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

const std::string header =
    "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,via_person,"
    "via_place\n";

// A chain C -> P1 -> P2 -> P3 -> P4, plus ids that need quoting.
const std::string chain_scans = "person,place,time,leave\n"
                                "C,X1,2022-04-19T10:00Z,2022-04-19T11:00Z\n"
                                "P1,X1,2022-04-19T10:30Z,2022-04-19T12:00Z\n"
                                "C,\"K,1\",2022-04-19T08:00Z,2022-04-19T09:00Z\n"
                                "\"Wang, \"\"Jr\"\"\",\"K,1\",2022-04-19T08:40Z,2022-04-19T09:30Z\n"
                                "\"Wang, \"\"Jr\"\"\",X5,2022-04-19T10:00Z,2022-04-19T11:00Z\n"
                                "P5,X5,2022-04-19T10:00Z,2022-04-19T10:30Z\n"
                                "P1,X2,2022-04-19T13:00Z,2022-04-19T14:00Z\n"
                                "P2,X2,2022-04-19T13:30Z,2022-04-19T15:00Z\n"
                                "P2,X3,2022-04-20T09:00Z,2022-04-20T10:00Z\n"
                                "P3,X3,2022-04-20T09:15Z,2022-04-20T09:45Z\n"
                                "P3,X4,2022-04-21T09:00Z,2022-04-21T10:00Z\n"
                                "P4,X4,2022-04-21T09:40Z,2022-04-21T11:00Z\n";
const std::string chain_cases = "person,from\n"
                                "\"Case, 2\",2022-04-18T00:00Z\n"
                                "C,2022-04-18T00:00Z\n";

testing::traced chain(std::uint32_t hops) {
    trace_parameters parameters;
    parameters.hops = hops;
    return testing::run_trace(chain_scans, chain_cases, parameters);
}

} // namespace

TEST_SUITE("risk_list") {

    TEST_CASE("health_code") {
        CHECK(health_code(0) == "red");
        CHECK(health_code(1) == "red");
        CHECK(health_code(2) == "yellow");
        CHECK(health_code(3) == "yellow");
        CHECK(health_code(4) == "yellow");
        CHECK(health_code(1'000'000) == "yellow");
    }

    TEST_CASE("header") {
        CHECK(std::string(risk_list_header) + "\n" == header);
        const trace_result empty;
        CHECK(risk_text(empty, id_table{}, id_table{}, utc_offset{}) == header);
    }

    TEST_CASE("a traced chain, written in UTC") {
        const testing::traced t = chain(4);
        CHECK(risk_text(t, utc_offset{}) ==
              header +
                  "C,0,red,,,,0,,\n"
                  "\"Case, 2\",0,red,,,,0,,\n"
                  "\"Wang, \"\"Jr\"\"\",1,red,2022-04-19T08:40:00Z,2022-04-19T09:00:00Z,"
                  "2022-05-03T09:00:00Z,1200,C,\"K,1\"\n"
                  "P1,1,red,2022-04-19T10:30:00Z,2022-04-19T11:00:00Z,2022-05-03T11:00:00Z,1800,"
                  "C,X1\n"
                  "P5,2,yellow,2022-04-19T10:00:00Z,2022-04-19T10:30:00Z,2022-05-03T10:30:00Z,"
                  "1800,\"Wang, \"\"Jr\"\"\",X5\n"
                  "P2,2,yellow,2022-04-19T13:30:00Z,2022-04-19T14:00:00Z,2022-05-03T14:00:00Z,"
                  "1800,P1,X2\n"
                  "P3,3,yellow,2022-04-20T09:15:00Z,2022-04-20T09:45:00Z,2022-05-04T09:45:00Z,"
                  "1800,P2,X3\n"
                  "P4,4,yellow,2022-04-21T09:40:00Z,2022-04-21T10:00:00Z,2022-05-05T10:00:00Z,"
                  "1200,P3,X4\n");
    }

    TEST_CASE("the same chain, written at +08:00 and -05:30") {
        const testing::traced t = chain(4);
        CHECK(risk_text(t, utc_offset{8 * 3600}) ==
              header +
                  "C,0,red,,,,0,,\n"
                  "\"Case, 2\",0,red,,,,0,,\n"
                  "\"Wang, \"\"Jr\"\"\",1,red,2022-04-19T16:40:00+08:00,2022-04-19T17:00:00+08:00,"
                  "2022-05-03T17:00:00+08:00,1200,C,\"K,1\"\n"
                  "P1,1,red,2022-04-19T18:30:00+08:00,2022-04-19T19:00:00+08:00,"
                  "2022-05-03T19:00:00+08:00,1800,C,X1\n"
                  "P5,2,yellow,2022-04-19T18:00:00+08:00,2022-04-19T18:30:00+08:00,"
                  "2022-05-03T18:30:00+08:00,1800,\"Wang, \"\"Jr\"\"\",X5\n"
                  "P2,2,yellow,2022-04-19T21:30:00+08:00,2022-04-19T22:00:00+08:00,"
                  "2022-05-03T22:00:00+08:00,1800,P1,X2\n"
                  "P3,3,yellow,2022-04-20T17:15:00+08:00,2022-04-20T17:45:00+08:00,"
                  "2022-05-04T17:45:00+08:00,1800,P2,X3\n"
                  "P4,4,yellow,2022-04-21T17:40:00+08:00,2022-04-21T18:00:00+08:00,"
                  "2022-05-05T18:00:00+08:00,1200,P3,X4\n");
        const std::string west = risk_text(t, utc_offset{-(5 * 3600 + 30 * 60)});
        CHECK(west.find("P3,3,yellow,2022-04-20T03:45:00-05:30,2022-04-20T04:15:00-05:30,"
                        "2022-05-04T04:15:00-05:30,1800,P2,X3\n") != std::string::npos);
        CHECK(west.find("C,0,red,,,,0,,\n") != std::string::npos);
    }

    TEST_CASE("hops limit the rows written") {
        const std::string h1 = risk_text(chain(1), utc_offset{});
        CHECK(h1 == header + "C,0,red,,,,0,,\n"
                             "\"Case, 2\",0,red,,,,0,,\n"
                             "\"Wang, \"\"Jr\"\"\",1,red,2022-04-19T08:40:00Z,2022-04-19T09:00:00Z,"
                             "2022-05-03T09:00:00Z,1200,C,\"K,1\"\n"
                             "P1,1,red,2022-04-19T10:30:00Z,2022-04-19T11:00:00Z,"
                             "2022-05-03T11:00:00Z,1800,C,X1\n");
        CHECK(risk_text(chain(0), utc_offset{}) ==
              header + "C,0,red,,,,0,,\n\"Case, 2\",0,red,,,,0,,\n");
    }

    TEST_CASE("rows written from hand-made entries") {
        id_table persons;
        persons.intern("C");     // 0
        persons.intern("a\nb");  // 1
        persons.intern("plain"); // 2
        id_table places;
        places.intern("x\r"); // 0
        places.intern("M01"); // 1
        trace_result result;
        risk_entry idx;
        idx.person = 0;
        result.entries.push_back(idx);
        risk_entry contact;
        contact.person = 1;
        contact.hop = 1;
        contact.first_exposure = -86400 - 1;
        contact.last_exposure = -1;
        contact.quarantine_until = -1 + 14 * 86400;
        contact.exposure_seconds = 86400;
        contact.via_person = 0;
        contact.via_place = 0;
        result.entries.push_back(contact);
        risk_entry far;
        far.person = 2;
        far.hop = 7;
        far.first_exposure = 0;
        far.last_exposure = 60;
        far.quarantine_until = 60 + 86400;
        far.exposure_seconds = 60;
        far.via_person = 1;
        far.via_place = 1;
        result.entries.push_back(far);
        CHECK(risk_text(result, persons, places, utc_offset{}) ==
              header + "C,0,red,,,,0,,\n"
                       "\"a\nb\",1,red,1969-12-30T23:59:59Z,1969-12-31T23:59:59Z,"
                       "1970-01-14T23:59:59Z,86400,C,\"x\r\"\n"
                       "plain,7,yellow,1970-01-01T00:00:00Z,1970-01-01T00:01:00Z,"
                       "1970-01-02T00:01:00Z,60,\"a\nb\",M01\n");
        CHECK(risk_text(result, persons, places, utc_offset{3600}) ==
              header + "C,0,red,,,,0,,\n"
                       "\"a\nb\",1,red,1969-12-31T00:59:59+01:00,1970-01-01T00:59:59+01:00,"
                       "1970-01-15T00:59:59+01:00,86400,C,\"x\r\"\n"
                       "plain,7,yellow,1970-01-01T01:00:00+01:00,1970-01-01T01:01:00+01:00,"
                       "1970-01-02T01:01:00+01:00,60,\"a\nb\",M01\n");
    }

    TEST_CASE("monitoring: a tenth column monitor_until (§8.4)") {
        SUBCASE("the header: without monitoring exactly §5's, with it one column more") {
            CHECK(std::string(risk_list_monitoring_header) ==
                  std::string(risk_list_header) + ",monitor_until");
            trace_result empty;
            CHECK_FALSE(empty.monitoring);
            CHECK(risk_text(empty, id_table{}, id_table{}, utc_offset{}) == header);
            empty.monitoring = true;
            CHECK(risk_text(empty, id_table{}, id_table{}, utc_offset{}) ==
                  "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,"
                  "via_person,via_place,monitor_until\n");
        }
        SUBCASE("per-hop quarantine and monitoring, hops past the lists take the last value") {
            // Q = 7d,2d; M = 3d,0,1d. The chain's last exposures as in the test above.
            trace_parameters parameters;
            parameters.hops = 4;
            parameters.quarantine = {7 * 86400, 2 * 86400};
            parameters.monitoring = hop_durations{3 * 86400, 0, 86400};
            const testing::traced t = testing::run_trace(chain_scans, chain_cases, parameters);
            CHECK(risk_text(t, utc_offset{}) ==
                  "person,hop,code,first_exposure,last_exposure,quarantine_until,exposure_seconds,"
                  "via_person,via_place,monitor_until\n"
                  "C,0,red,,,,0,,,\n"
                  "\"Case, 2\",0,red,,,,0,,,\n"
                  // hop 1: + 7d, then + 3d
                  "\"Wang, \"\"Jr\"\"\",1,red,2022-04-19T08:40:00Z,2022-04-19T09:00:00Z,"
                  "2022-04-26T09:00:00Z,1200,C,\"K,1\",2022-04-29T09:00:00Z\n"
                  "P1,1,red,2022-04-19T10:30:00Z,2022-04-19T11:00:00Z,2022-04-26T11:00:00Z,1800,"
                  "C,X1,2022-04-29T11:00:00Z\n"
                  // hop 2: + 2d, then + 0
                  "P5,2,yellow,2022-04-19T10:00:00Z,2022-04-19T10:30:00Z,2022-04-21T10:30:00Z,"
                  "1800,\"Wang, \"\"Jr\"\"\",X5,2022-04-21T10:30:00Z\n"
                  "P2,2,yellow,2022-04-19T13:30:00Z,2022-04-19T14:00:00Z,2022-04-21T14:00:00Z,"
                  "1800,P1,X2,2022-04-21T14:00:00Z\n"
                  // hop 3: + 2d (past Q), then + 1d
                  "P3,3,yellow,2022-04-20T09:15:00Z,2022-04-20T09:45:00Z,2022-04-22T09:45:00Z,"
                  "1800,P2,X3,2022-04-23T09:45:00Z\n"
                  // hop 4: + 2d, then + 1d (past both lists)
                  "P4,4,yellow,2022-04-21T09:40:00Z,2022-04-21T10:00:00Z,2022-04-23T10:00:00Z,"
                  "1200,P3,X4,2022-04-24T10:00:00Z\n");
        }
        SUBCASE("monitoring 0, in a zone: monitor_until equals quarantine_until") {
            trace_parameters parameters;
            parameters.hops = 1;
            parameters.monitoring = 0;
            const testing::traced t = testing::run_trace(chain_scans, chain_cases, parameters);
            CHECK(risk_text(t, parse_utc_offset("+08:00")) ==
                  std::string(risk_list_monitoring_header) + "\n" +
                      "C,0,red,,,,0,,,\n"
                      "\"Case, 2\",0,red,,,,0,,,\n"
                      "\"Wang, \"\"Jr\"\"\",1,red,2022-04-19T16:40:00+08:00,"
                      "2022-04-19T17:00:00+08:00,2022-05-03T17:00:00+08:00,1200,C,\"K,1\","
                      "2022-05-03T17:00:00+08:00\n"
                      "P1,1,red,2022-04-19T18:30:00+08:00,2022-04-19T19:00:00+08:00,"
                      "2022-05-03T19:00:00+08:00,1800,C,X1,2022-05-03T19:00:00+08:00\n");
        }
        SUBCASE("without monitoring the same trace is written as before") {
            trace_parameters parameters;
            parameters.hops = 4;
            const testing::traced t = testing::run_trace(chain_scans, chain_cases, parameters);
            CHECK_FALSE(t.result.monitoring);
            const std::string text = risk_text(t, utc_offset{});
            CHECK(text.substr(0, header.size()) == header);
            CHECK(text.find("monitor_until") == std::string::npos);
        }
    }

    TEST_CASE("a failing stream throws output_error") {
        const testing::traced t = chain(2);
        std::ostream broken(nullptr);
        CHECK_THROWS_AS(
            write_risk_list(broken, t.result, t.log.persons, t.log.places, utc_offset{}),
            output_error);
    }

    TEST_CASE("the tiny example, byte for byte") {
        const std::string expected = read_file(testing::fixture("tiny/risk.csv"));
        const utc_offset tz = parse_utc_offset("+08:00");
        trace_parameters parameters;
        parameters.hops = 3;

        case_read_options case_options;
        case_options.tz = tz;
        case_options.until = parameters.until;
        scan_read_options read_options;
        read_options.tz = tz;

        const place_table places = read_places(testing::fixture("tiny/places.csv"));

        SUBCASE("cases read into the scans' person table") {
            scan_log log = read_scans(testing::fixture("tiny/scans.csv"), places, read_options);
            CHECK(log.rejects.empty());
            const auto cases =
                read_cases(testing::fixture("tiny/cases.csv"), log.persons, case_options);
            const stay_table stays = build_stays(log.visits, log.persons.size(), log.places.size());
            const person_place_graph graph = build_person_place_graph(stays, log.persons.size());
            const trace_result result =
                trace(stays, graph, log.persons, log.places, cases, parameters);
            CHECK(risk_text(result, log.persons, log.places, tz) == expected);
            // C9 never scanned.
            REQUIRE(result.cases_without_stays.size() == 1);
            CHECK(log.persons[result.cases_without_stays[0]] == "C9");
        }
        SUBCASE("cases read first, as the command line does") {
            id_table case_ids;
            auto cases = read_cases(testing::fixture("tiny/cases.csv"), case_ids, case_options);
            scan_log log = read_scans(testing::fixture("tiny/scans.csv"), places, read_options);
            for (index_case& c : cases)
                c.person = log.persons.intern(case_ids[c.person]);
            const stay_table stays = build_stays(log.visits, log.persons.size(), log.places.size());
            const person_place_graph graph = build_person_place_graph(stays, log.persons.size());
            const trace_result result =
                trace(stays, graph, log.persons, log.places, cases, parameters);
            CHECK(risk_text(result, log.persons, log.places, tz) == expected);
        }
    }

} // TEST_SUITE
