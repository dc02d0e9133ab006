// Tests of daily changes between risk lists (ctrace/report/changes.hpp): new,
// escalated, deescalated, extended, shortened and released persons (with and
// without monitoring), and risk lists read back as statuses.

#include "ctrace/core/error.hpp"
#include "ctrace/report/changes.hpp"
#include "test_helpers.hpp"

#include <doctest/doctest.h>
#include <filesystem>
#include <optional>
#include <sstream>
#include <vector>

using namespace ctrace;
namespace fs = std::filesystem;

namespace {

const time_point day1 = 1000000, day2 = 1086400;

/// The changes from `old_list` on day 1 to `new_list` on day 2, as CSV in UTC.
std::string changes_csv(const std::vector<risk_status>& old_list,
                        const std::vector<risk_status>& new_list) {
    std::ostringstream csv;
    write_changes(csv, risk_changes(old_list, day1, new_list, day2), {});
    return csv.str();
}

/// The header, written out here rather than taken from `changes_header`.
const std::string header = "person,change,old_hop,new_hop,old_code,new_code,quarantine_until,"
                           "old_quarantine_until,old_monitor_until,monitor_until\n";

} // namespace

TEST_SUITE("changes") {

    TEST_CASE("new, escalated, deescalated, released, unchanged") {
        const std::vector<risk_status> old_list = {
            {"case", 0, std::nullopt, std::nullopt}, {"up", 2, 2000000, std::nullopt},
            {"down", 1, 2000000, std::nullopt},      {"same", 1, 2000000, std::nullopt},
            {"gone", 2, 2000000, std::nullopt},      {"over", 1, 1050000, std::nullopt},
            {"was-over", 1, 900000, std::nullopt},   {"still", 2, 2000000, std::nullopt},
        };
        const std::vector<risk_status> new_list = {
            {"case", 0, std::nullopt, std::nullopt}, {"up", 1, 2100000, std::nullopt},
            {"down", 2, 2000000, std::nullopt},      {"same", 1, 2200000, std::nullopt},
            {"over", 1, 1050000, std::nullopt},      {"fresh", 2, 2000000, std::nullopt},
            {"was-over", 2, 3000000, std::nullopt},  {"still", 2, 2000000, std::nullopt},
        };
        // "same" kept its hop but its quarantine moved later: extended, with
        // both dates. "case" and "still" did not change at all.
        CHECK(changes_csv(old_list, new_list) ==
              header + "down,deescalated,1,2,red,yellow,1970-01-24T03:33:20Z,"
                       "1970-01-24T03:33:20Z,,\n"
                       "fresh,new,,2,,yellow,1970-01-24T03:33:20Z,,,\n"
                       "gone,released,2,,yellow,green,,1970-01-24T03:33:20Z,,\n"
                       "over,released,1,,red,green,1970-01-13T03:40:00Z,"
                       "1970-01-13T03:40:00Z,,\n"
                       "same,extended,1,1,red,red,1970-01-26T11:06:40Z,"
                       "1970-01-24T03:33:20Z,,\n"
                       "up,escalated,2,1,yellow,red,1970-01-25T07:20:00Z,"
                       "1970-01-24T03:33:20Z,,\n"
                       "was-over,new,,2,green,yellow,1970-02-04T17:20:00Z,"
                       "1970-01-11T10:00:00Z,,\n");
    }

    TEST_CASE("extended and shortened: quarantine_until decides, then monitor_until") {
        // Quarantine ends 2000000 and monitoring 2100000 on the old list.
        auto was = [](const char* person, std::uint32_t hop = 1) {
            return risk_status{person, hop, 2000000, 2100000};
        };
        const std::vector<risk_status> old_list = {
            was("later"),
            was("earlier", 2),
            was("monitor-later"),
            was("monitor-earlier"),
            was("q-later-m-earlier"),
            was("q-earlier-m-later"),
            was("unchanged"),
            {"case", 0, std::nullopt, std::nullopt},
            was("up-with-dates", 2),
            was("monitoring-dropped"),
            {"ends", 1, 1050000, 1070000},
        };
        const std::vector<risk_status> new_list = {
            {"later", 1, 2050000, 2150000},
            {"earlier", 2, 1990000, 2090000},
            {"monitor-later", 1, 2000000, 2200000},
            {"monitor-earlier", 1, 2000000, 2050000},
            {"q-later-m-earlier", 1, 2050000, 2060000},
            {"q-earlier-m-later", 1, 1990000, 2200000},
            {"unchanged", 1, 2000000, 2100000},
            {"case", 0, std::nullopt, std::nullopt},
            {"up-with-dates", 1, 2300000, 2400000},
            // A date one list does not give has not moved.
            {"monitoring-dropped", 1, 2000000, std::nullopt},
            // Moved later, but over by the new date: released, not extended.
            {"ends", 1, 1060000, 1080000},
        };
        CHECK(changes_csv(old_list, new_list) ==
              header + "earlier,shortened,2,2,yellow,yellow,1970-01-24T00:46:40Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-25T04:33:20Z\n"
                       "ends,released,1,,red,green,1970-01-13T06:26:40Z,"
                       "1970-01-13T03:40:00Z,1970-01-13T09:13:20Z,1970-01-13T12:00:00Z\n"
                       "later,extended,1,1,red,red,1970-01-24T17:26:40Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-25T21:13:20Z\n"
                       "monitor-earlier,shortened,1,1,red,red,1970-01-24T03:33:20Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-24T17:26:40Z\n"
                       "monitor-later,extended,1,1,red,red,1970-01-24T03:33:20Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-26T11:06:40Z\n"
                       "q-earlier-m-later,shortened,1,1,red,red,1970-01-24T00:46:40Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-26T11:06:40Z\n"
                       "q-later-m-earlier,extended,1,1,red,red,1970-01-24T17:26:40Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-24T20:13:20Z\n"
                       "up-with-dates,escalated,2,1,yellow,red,1970-01-27T14:53:20Z,"
                       "1970-01-24T03:33:20Z,1970-01-25T07:20:00Z,1970-01-28T18:40:00Z\n");
        // The same values in the structs.
        const auto changes = risk_changes(old_list, day1, new_list, day2);
        REQUIRE(changes.size() == 8);
        const status_change& later = changes[2];
        CHECK(later.person == "later");
        CHECK(later.old_hop == 1u);
        CHECK(later.new_hop == 1u);
        CHECK(later.old_quarantine_until == time_point{2000000});
        CHECK(later.quarantine_until == time_point{2050000});
        CHECK(later.old_monitor_until == time_point{2100000});
        CHECK(later.monitor_until == time_point{2150000});
    }

    TEST_CASE("an index case has no dates: same hop is no change, a contact becoming a case is") {
        const std::vector<risk_status> old_list = {{"c", 0, std::nullopt, std::nullopt},
                                                   {"k", 1, 2000000, 2100000}};
        const std::vector<risk_status> new_list = {{"c", 0, std::nullopt, std::nullopt},
                                                   {"k", 0, std::nullopt, std::nullopt}};
        const auto changes = risk_changes(old_list, day1, new_list, day2);
        REQUIRE(changes.size() == 1);
        CHECK(changes[0].person == "k");
        CHECK(changes[0].change == "escalated");
        CHECK_FALSE(changes[0].quarantine_until);
        CHECK_FALSE(changes[0].monitor_until);
        CHECK(changes[0].old_quarantine_until == time_point{2000000});
        CHECK(changes[0].old_monitor_until == time_point{2100000});
    }

    TEST_CASE("an old list without monitor_until against a new one with it") {
        testing::temp_dir t;
        const fs::path old_csv = t.write("old.csv", "person,hop,quarantine_until\n"
                                                    "same,1,1970-01-24T03:33:20Z\n"
                                                    "later,1,1970-01-24T03:33:20Z\n");
        const fs::path new_csv = t.write("new.csv", "person,hop,quarantine_until,monitor_until\n"
                                                    "same,1,1970-01-24T03:33:20Z,"
                                                    "1970-01-25T07:20:00Z\n"
                                                    "later,1,1970-01-24T17:26:40Z,"
                                                    "1970-01-25T21:13:20Z\n");
        const auto old_list = read_risk_statuses(old_csv, {});
        const auto new_list = read_risk_statuses(new_csv, {});
        REQUIRE(old_list.size() == 2);
        CHECK_FALSE(old_list[0].monitor_until);
        REQUIRE(new_list.size() == 2);
        CHECK(new_list[0].monitor_until == time_point{2100000});
        // Monitoring that only the new list gives has not moved: "same" is no
        // change; "later" is extended by its quarantine alone.
        CHECK(changes_csv(old_list, new_list) ==
              header + "later,extended,1,1,red,red,1970-01-24T17:26:40Z,"
                       "1970-01-24T03:33:20Z,,1970-01-25T21:13:20Z\n");
    }

    TEST_CASE("statuses of a trace result carry monitor_until when it was traced with monitoring") {
        id_table persons;
        persons.intern("c");
        persons.intern("k");
        trace_result result;
        risk_entry c;
        c.person = 0;
        risk_entry k;
        k.person = 1;
        k.hop = 1;
        k.quarantine_until = 2000000;
        k.monitor_until = 2100000;
        result.entries = {c, k};
        for (const bool monitoring : {false, true}) {
            CAPTURE(monitoring);
            result.monitoring = monitoring;
            const auto statuses = risk_statuses(result, persons);
            REQUIRE(statuses.size() == 2);
            CHECK_FALSE(statuses[0].quarantine_until);
            CHECK_FALSE(statuses[0].monitor_until);
            CHECK(statuses[1].quarantine_until == time_point{2000000});
            CHECK(statuses[1].monitor_until.has_value() == monitoring);
            if (monitoring) CHECK(*statuses[1].monitor_until == 2100000);
        }
    }

    TEST_CASE(
        "no earlier list: everyone listed is new — quarantine ending on the day is not over") {
        const std::vector<risk_status> new_list = {{"a", 1, day2, std::nullopt},
                                                   {"b", 1, day2 - 1, std::nullopt}};
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
        CHECK_FALSE(statuses[1].monitor_until);
        const fs::path monitored =
            t.write("monitored.csv", "person,hop,quarantine_until,monitor_until\n"
                                     "C1,0,,\n"
                                     "A,1,2022-05-03T12:50:00+08:00,2022-05-06T12:50:00+08:00\n");
        const auto with_monitoring = read_risk_statuses(monitored, {});
        REQUIRE(with_monitoring.size() == 2);
        CHECK_FALSE(with_monitoring[0].monitor_until);
        CHECK(*with_monitoring[1].monitor_until == 1651553400 + 3 * 86400);
        const fs::path bad = t.write("bad.csv", "person,hop,quarantine_until\nA,x,\n");
        CHECK_THROWS_AS(read_risk_statuses(bad, {}), bad_rows_error);
        const fs::path bad_monitor =
            t.write("bad-monitor.csv", "person,hop,quarantine_until,monitor_until\nA,1,,soon\n");
        CHECK_THROWS_AS(read_risk_statuses(bad_monitor, {}), bad_rows_error);
        const fs::path missing = t.write("missing.csv", "person,hop\nA,1\n");
        CHECK_THROWS_AS(read_risk_statuses(missing, {}), input_error);
    }
} // TEST_SUITE
