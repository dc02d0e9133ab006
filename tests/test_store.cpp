// Tests of the rolling store (ctrace/store.hpp) and of daily changes
// (ctrace/changes.hpp).

#include "ctrace/changes.hpp"
#include "ctrace/digest.hpp"
#include "ctrace/ingest.hpp"
#include "ctrace/store.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <random>
#include <sstream>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

using namespace ctrace;
namespace fs = std::filesystem;

namespace {

using stay_by_id = std::tuple<std::string, std::string, time_point, time_point>;

std::vector<stay_by_id> stays_by_id(const snapshot& s) {
    std::vector<stay_by_id> out;
    for (std::size_t i = 0; i < s.stays.size(); ++i)
        out.emplace_back(std::string(s.persons[s.stays.person[i]]),
                         std::string(s.places[s.stays.place[i]]), s.stays.start[i], s.stays.end[i]);
    std::sort(out.begin(), out.end());
    return out;
}

std::vector<std::string> ids(const id_table& table) {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < table.size(); ++i)
        out.emplace_back(table[static_cast<std::uint32_t>(i)]);
    return out;
}

/// Random scan rows over `days` days, one CSV per day (by scan time), with
/// visits near midnight so that stays cross from one file into the next.
std::vector<std::string> random_day_files(std::mt19937_64& rng, int days) {
    std::vector<std::string> files(static_cast<std::size_t>(days), "person,place,time,leave\n");
    const time_point base = 1650412800; // 2022-04-20T00:00Z
    for (int i = 0; i < 400; ++i) {
        const int day = static_cast<int>(rng() % static_cast<unsigned>(days));
        // Half the scans in the last and first two hours of a day.
        const time_point in_day =
            rng() % 2 == 0 ? static_cast<time_point>(rng() % 86400)
                           : (rng() % 2 == 0 ? 79200 : 0) + static_cast<time_point>(rng() % 7200);
        const time_point t = base + day * 86400 + in_day;
        std::ostringstream row;
        row << 'P' << rng() % 25 << ",X" << rng() % 4 << ',' << t << ',';
        if (rng() % 3 == 0) row << t + static_cast<time_point>(rng() % 9000);
        files[static_cast<std::size_t>(day)] += row.str() + "\n";
    }
    return files;
}

store_ingest_options options_for(const fs::path& scans) {
    store_ingest_options o;
    o.scans = scans;
    o.read.default_dwell = 1800;
    o.dwell_given = true;
    o.retention = 1000 * 86400;
    o.now = 1650500000;
    return o;
}

} // namespace

TEST_SUITE("store") {
    TEST_CASE("day-by-day ingest equals all at once, ids in the same order") {
        std::mt19937_64 rng(11);
        for (int round = 0; round < 20; ++round) {
            CAPTURE(round);
            testing::temp_dir t;
            const std::vector<std::string> days = random_day_files(rng, 3);
            std::vector<fs::path> paths;
            for (std::size_t d = 0; d < days.size(); ++d)
                paths.push_back(t.write("day" + std::to_string(d) + ".csv", days[d]));
            const fs::path folder = t.path() / "store";
            {
                const store_lock lock(folder, true);
                for (const fs::path& p : paths) {
                    const store_ingest_result r = ingest_into_store(lock, options_for(p));
                    CHECK_FALSE(r.already_ingested);
                }
            }
            ingest_options all;
            all.scans = paths;
            all.read.default_dwell = 1800;
            const snapshot at_once = ingest(all).data;
            const snapshot stored = read_snapshot(store_snapshot_path(folder));
            CHECK(stays_by_id(stored) == stays_by_id(at_once));
            CHECK(ids(stored.persons) == ids(at_once.persons));
            CHECK(ids(stored.places) == ids(at_once.places));
            CHECK(stored.stays.place_begin == at_once.stays.place_begin);
            CHECK(stored.rows_read == at_once.rows_read);
            REQUIRE(stored.inputs.size() == 3);
            CHECK(stored.inputs[2].sha256 == sha256_file(paths[2]));
            CHECK(stored.inputs[2].added == "2022-04-21T00:13:20Z");
        }
    }

    TEST_CASE("re-ingesting a file changes nothing, whatever its name") {
        testing::temp_dir t;
        std::mt19937_64 rng(3);
        const std::vector<std::string> days = random_day_files(rng, 2);
        const fs::path a = t.write("a.csv", days[0]), b = t.write("b.csv", days[1]);
        const fs::path copy = t.write("a-copy.csv", days[0]);
        const fs::path folder = t.path() / "store";
        const store_lock lock(folder, true);
        ingest_into_store(lock, options_for(a));
        ingest_into_store(lock, options_for(b));
        const std::string before = sha256_file(store_snapshot_path(folder));
        const store_ingest_result again = ingest_into_store(lock, options_for(copy));
        CHECK(again.already_ingested);
        CHECK(again.input.path == a.string());
        CHECK(sha256_file(store_snapshot_path(folder)) == before);
    }

    TEST_CASE("retention keeps exactly the stays ending within it of the latest end") {
        testing::temp_dir t;
        // Stays (dwell 1000 s): P1 at 0, P2 at 5000, P3 at 9000 (latest end 10000).
        const fs::path day = t.write("d.csv", "person,place,time\nP1,X1,0\nP2,X2,5000\nP3,X1,9000\n"
                                              "P2,X1,9500\n");
        const fs::path folder = t.path() / "store";
        const store_lock lock(folder, true);
        store_ingest_options o = options_for(day);
        o.read.default_dwell = 1000;
        o.retention = 4000; // cutoff 10500 - 4000 = 6500: P1's and P2's X2 stay end before
        const store_ingest_result r = ingest_into_store(lock, o);
        CHECK(r.stays_expired == 2);
        CHECK(r.persons_dropped == 1); // P1
        CHECK(r.places_dropped == 1);  // X2
        REQUIRE(r.retention_cutoff);
        CHECK(*r.retention_cutoff == 6500);
        const snapshot s = read_snapshot(store_snapshot_path(folder));
        CHECK(ids(s.persons) == std::vector<std::string>{"P2", "P3"});
        CHECK(ids(s.places) == std::vector<std::string>{"X1"});
        CHECK(stays_by_id(s) ==
              std::vector<stay_by_id>{{"P2", "X1", 9500, 10500}, {"P3", "X1", 9000, 10000}});
    }

    TEST_CASE("a stay ending exactly at the cutoff is kept") {
        snapshot data;
        data.persons.intern("A");
        data.persons.intern("B");
        data.places.intern("X");
        data.stays = build_stays({{0, 0, 0, 100}, {1, 0, 50, 200}}, 2, 1);
        const retention_counts dropped = drop_stays_ending_before(data, 100);
        CHECK(dropped.stays == 0);
        const retention_counts more = drop_stays_ending_before(data, 101);
        CHECK(more.stays == 1);
        CHECK(more.persons == 1);
        CHECK(ids(data.persons) == std::vector<std::string>{"B"});
        CHECK(data.stays.person == std::vector<person_index>{0});
    }

    TEST_CASE("the lock: refused in this process and in another, free once released") {
        testing::temp_dir t;
        const fs::path folder = t.path() / "store";
        {
            const store_lock lock(folder, true);
            CHECK_THROWS_AS(store_lock(folder, false), store_busy_error);
            // Another process is refused and told our pid.
            const pid_t child = ::fork();
            REQUIRE(child >= 0);
            if (child == 0) {
                int code = 3;
                try {
                    store_lock other(folder, false);
                    code = 1;
                } catch (const store_busy_error& e) {
                    code = e.holder() == ::getppid() ? 0 : 2;
                } catch (...) {
                }
                ::_exit(code);
            }
            int status = 0;
            ::waitpid(child, &status, 0);
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);
        }
        CHECK_NOTHROW(store_lock(folder, false));
        CHECK_THROWS_AS(store_lock(t.path() / "missing", false), input_error);
    }
}

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
}
