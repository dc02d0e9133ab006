// Tests of daily changes between risk lists (ctrace/changes.hpp): new,
// escalated, deescalated and released persons, and risk lists read back as
// statuses.

#include "ctrace/changes.hpp"
#include "ctrace/error.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

using namespace ctrace;
namespace fs = std::filesystem;

TEST_SUITE("changes") {
    const time_point day1 = 1000000, day2 = 1086400;

    TEST_CASE("new, escalated, deescalated, released, unchanged") {
        const std::vector<risk_status> old_list = {
            {"case", 0, std::nullopt}, {"up", 2, 2000000},   {"down", 1, 2000000},
            {"same", 1, 2000000},      {"gone", 2, 2000000}, {"over", 1, 1050000},
            {"was-over", 1, 900000},
        };
        const std::vector<risk_status> new_list = {
            {"case", 0, std::nullopt}, {"up", 1, 2100000},   {"down", 2, 2000000},
            {"same", 1, 2200000},      {"over", 1, 1050000}, {"fresh", 2, 2000000},
            {"was-over", 2, 3000000},
        };
        const auto changes = risk_changes(old_list, day1, new_list, day2);
        std::ostringstream csv;
        write_changes(csv, changes, {});
        CHECK(csv.str() == "person,change,old_hop,new_hop,old_code,new_code,quarantine_until\n"
                           "down,deescalated,1,2,red,yellow,1970-01-24T03:33:20Z\n"
                           "fresh,new,,2,,yellow,1970-01-24T03:33:20Z\n"
                           "gone,released,2,,yellow,green,\n"
                           "over,released,1,,red,green,1970-01-13T03:40:00Z\n"
                           "up,escalated,2,1,yellow,red,1970-01-25T07:20:00Z\n"
                           "was-over,new,,2,green,yellow,1970-02-04T17:20:00Z\n");
    }

    TEST_CASE("no earlier list: everyone listed is new; quarantine ending on the day is not over") {
        const std::vector<risk_status> new_list = {{"a", 1, day2}, {"b", 1, day2 - 1}};
        const auto changes = risk_changes({}, day2, new_list, day2);
        REQUIRE(changes.size() == 1);
        CHECK(changes[0].person == "a");
        CHECK(changes[0].change == "new");
    }

    TEST_CASE("risk lists read back as statuses") {
        testing::temp_dir t;
        const fs::path list =
            t.write("risk.csv", "person,hop,code,first_exposure,last_exposure,quarantine_until,"
                                "exposure_seconds,via_person,via_place\n"
                                "C1,0,red,,,,0,,\n"
                                "\"A,1\",1,red,2022-04-19T11:50:00+08:00,2022-04-19T12:50:00+08:00,"
                                "2022-05-03T12:50:00+08:00,3600,C1,M01\n");
        const auto statuses = read_risk_statuses(list, {});
        REQUIRE(statuses.size() == 2);
        CHECK(statuses[0].person == "C1");
        CHECK_FALSE(statuses[0].quarantine_until);
        CHECK(statuses[1].person == "A,1");
        CHECK(statuses[1].hop == 1);
        CHECK(*statuses[1].quarantine_until == 1651553400);
        const fs::path bad = t.write("bad.csv", "person,hop,quarantine_until\nA,x,\n");
        CHECK_THROWS_AS(read_risk_statuses(bad, {}), bad_rows_error);
        const fs::path missing = t.write("missing.csv", "person,hop\nA,1\n");
        CHECK_THROWS_AS(read_risk_statuses(missing, {}), input_error);
    }
} // TEST_SUITE
