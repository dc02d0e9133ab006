// Tests of the rolling store (ctrace/storage/store.hpp): day-by-day ingests, re-ingests,
// retention, the lock, and the pseudonym key a store keeps.

#include "ctrace/core/digest.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/storage/store_state.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <sys/wait.h>
#include <tuple>
#include <unistd.h>

using namespace ctrace;
using ctrace::testing::stay_by_id;
using ctrace::testing::stays_by_id;
using ctrace::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

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

/// Every file of a folder (recursively) with its SHA-256, sorted by name.
std::vector<std::pair<std::string, std::string>> folder_digests(const fs::path& folder) {
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& e : fs::recursive_directory_iterator(folder))
        if (e.is_regular_file())
            out.emplace_back(fs::relative(e.path(), folder).string(), sha256_file(e.path()));
    std::sort(out.begin(), out.end());
    return out;
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
            const dataset at_once = ingest(all).data;
            const dataset stored = read_store(folder);
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
        const std::vector<std::pair<std::string, std::string>> before = folder_digests(folder);
        const store_ingest_result again = ingest_into_store(lock, options_for(copy));
        CHECK(again.already_ingested);
        CHECK(again.input.path == a.string());
        CHECK(folder_digests(folder) == before);
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
        CHECK(r.stays_after == 2);
        REQUIRE(r.retention_cutoff);
        CHECK(*r.retention_cutoff == 6500);
        const dataset s = read_store(folder);
        CHECK(ids(s.persons) == std::vector<std::string>{"P2", "P3"});
        CHECK(ids(s.places) == std::vector<std::string>{"X1"});
        CHECK(stays_by_id(s) ==
              std::vector<stay_by_id>{{"P2", "X1", 9500, 10500}, {"P3", "X1", 9000, 10000}});
    }

    TEST_CASE("a stay ending exactly at the cutoff is kept") {
        dataset data;
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

    TEST_CASE("pseudonym: a store keeps one key from its first ingest") {
        temp_dir dir;
        const auto day1 = dir.write("day1.csv", "person,place,time\nALICE,X,2022-04-19T10:00Z\n");
        const auto day2 = dir.write("day2.csv", "person,place,time\nALICE,X,2022-04-20T10:00Z\n");
        const auto store = dir.path() / "store";
        const auto key = std::make_shared<const pseudonymizer>(std::string(32, 'k'));
        const auto other = std::make_shared<const pseudonymizer>(std::string(32, 'o'));
        const ctrace::store_lock lock(store, true);
        ctrace::store_ingest_options options;
        options.scans = day1;
        options.pseudonyms = key;
        ctrace::ingest_into_store(lock, options);
        options.scans = day2;
        options.pseudonyms = other;
        CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options),
                             doctest::Contains("key differs"), ctrace::input_error);
        options.pseudonyms = nullptr;
        CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options),
                             doctest::Contains("holds pseudonymised ids"), ctrace::input_error);
        options.pseudonyms = key;
        ctrace::ingest_into_store(lock, options);
        const ctrace::dataset data = ctrace::read_store(store);
        REQUIRE(data.persons.size() == 1); // ALICE of both days is one person
        CHECK(data.persons[0] == key->pseudonym("ALICE"));
        CHECK(data.stays.size() == 2);
    }

    TEST_CASE("pseudonym: a store with raw ids is not pseudonymised later") {
        temp_dir dir;
        const auto day1 = dir.write("day1.csv", "person,place,time\nALICE,X,2022-04-19T10:00Z\n");
        const auto day2 = dir.write("day2.csv", "person,place,time\nALICE,X,2022-04-20T10:00Z\n");
        const ctrace::store_lock lock(dir.path() / "store", true);
        ctrace::store_ingest_options options;
        options.scans = day1;
        ctrace::ingest_into_store(lock, options);
        options.scans = day2;
        options.pseudonyms = std::make_shared<const pseudonymizer>(std::string(32, 'k'));
        CHECK_THROWS_WITH_AS(ctrace::ingest_into_store(lock, options),
                             doctest::Contains("holds ids as read"), ctrace::input_error);
    }

} // TEST_SUITE
