// Tests of the appending store read in place (ctrace/storage/stored_window.hpp) and
// of the partitions an ingest appends (ctrace/storage/store.hpp, store_state.hpp):
// day by day in any order equals all at once, at partition boundaries too;
// retention drops partitions; a version-1 store is migrated; damage is found.

#include "ctrace/core/digest.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/report/risk_list.hpp"
#include "ctrace/storage/store.hpp"
#include "ctrace/storage/store_state.hpp"
#include "ctrace/storage/stored_window.hpp"
#include "ctrace/tracing/sources.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>

using namespace ctrace;
using ctrace::testing::fixture;
using ctrace::testing::stay_by_id;
using ctrace::testing::stays_by_id;
using ctrace::testing::temp_dir;
namespace fs = std::filesystem;

namespace {

constexpr time_point day0 = 1650412800; // 2022-04-20T00:00Z

/// Random scan rows over `days` days, one CSV per day (by scan time): half of
/// them within two hours of midnight, a third with a check-out up to 2.5 h
/// later, so that stays cross from one file into the next and merge.
std::vector<std::string> random_days(std::mt19937_64& rng, int days, int rows, int persons) {
    std::vector<std::string> files(static_cast<std::size_t>(days), "person,place,time,leave\n");
    for (int i = 0; i < rows; ++i) {
        const int day = static_cast<int>(rng() % static_cast<unsigned>(days));
        const time_point in_day =
            rng() % 2 == 0 ? static_cast<time_point>(rng() % 86400)
                           : (rng() % 2 == 0 ? 79200 : 0) + static_cast<time_point>(rng() % 7200);
        const time_point t = day0 + day * 86400 + in_day;
        std::ostringstream row;
        row << 'P' << rng() % static_cast<unsigned>(persons) << ",X" << rng() % 5 << ',' << t
            << ',';
        if (rng() % 3 == 0) row << t + static_cast<time_point>(rng() % 9000);
        files[static_cast<std::size_t>(day)] += row.str() + "\n";
    }
    return files;
}

store_ingest_options options_for(const fs::path& scans, duration retention = 1000 * 86400) {
    store_ingest_options o;
    o.scans = scans;
    o.read.default_dwell = 1800;
    o.dwell_given = true;
    o.retention = retention;
    o.now = 1650500000;
    return o;
}

dataset all_at_once(const std::vector<fs::path>& paths) {
    ingest_options all;
    all.scans = paths;
    all.read.default_dwell = 1800;
    return ingest(all).data;
}

std::string risk_csv(const trace_run& run) {
    std::ostringstream out;
    write_risk_list(out, run.record.result, run.data().persons, run.data().places, {});
    return out.str();
}

/// The risk list of `cases` on the store (read in place) and on the dumps.
std::pair<std::string, std::string> both_lists(const fs::path& store,
                                               const std::vector<fs::path>& dumps,
                                               const fs::path& cases, std::uint32_t hops) {
    trace_request request;
    request.cases = cases;
    request.parameters.hops = hops;
    request.tz = utc_offset{};
    data_source stored;
    stored.store = store;
    stored.snapshot = store_snapshot_path(store);
    const std::optional<trace_run> in_place = trace_indexed(stored, read_index_cases(request));
    REQUIRE(in_place.has_value());
    data_source csv;
    csv.scans.scans = dumps;
    csv.scans.read.default_dwell = 1800;
    return {risk_csv(*in_place), risk_csv(trace_from(csv, request))};
}

sources_parameters sources_options() {
    sources_parameters parameters;
    parameters.min_cases = 1;
    parameters.linger = 600;
    return parameters;
}

prepared_cases cases_with_onset(const fs::path& cases) {
    trace_request request;
    request.cases = cases;
    request.tz = utc_offset{};
    request.require_onset = true;
    return read_index_cases(request);
}

std::string sources_text(const sources_result& r, const dataset& d) {
    std::ostringstream out;
    write_case_links(out, r, d.persons, d.places, {});
    write_common_persons(out, r, d.persons, {});
    write_common_places(out, r, d.persons, d.places, {});
    out << r.meetings << ' ' << r.link_events << ' ' << r.cases_without_stays.size() << '\n';
    return out.str();
}

/// Backward tracing on the store, read in place.
std::string sources_lists_in_place(const fs::path& store, const fs::path& cases) {
    data_source stored;
    stored.store = store;
    stored.snapshot = store_snapshot_path(store);
    const std::optional<sources_run> run =
        find_case_sources_indexed(stored, cases_with_onset(cases), sources_options());
    REQUIRE(run.has_value());
    return sources_text(run->result, run->data());
}

/// Backward tracing on `data` in memory.
std::string sources_lists_whole(dataset data, const fs::path& cases) {
    prepared_cases prepared = cases_with_onset(cases);
    const sources_result r = find_case_sources(data, prepared, sources_options());
    return sources_text(r, data);
}

std::vector<fs::path> write_days(temp_dir& t, const std::vector<std::string>& days) {
    std::vector<fs::path> paths;
    for (std::size_t d = 0; d < days.size(); ++d)
        paths.push_back(t.write("day" + std::to_string(d) + ".csv", days[d]));
    return paths;
}

void ingest_all(const fs::path& folder, const std::vector<fs::path>& paths,
                duration retention = 1000 * 86400) {
    const store_lock lock(folder, true);
    for (const fs::path& p : paths)
        CHECK_FALSE(ingest_into_store(lock, options_for(p, retention)).already_ingested);
}

} // namespace

TEST_SUITE("stored_window") {
    TEST_CASE("stored_window: a store fed in random day order traces like the CSV") {
        std::mt19937_64 rng(29);
        std::size_t replaced = 0, listed = 0, sources_lines = 0;
        for (int round = 0; round < 25; ++round) {
            CAPTURE(round);
            temp_dir t;
            const int days = 2 + static_cast<int>(rng() % 4);
            const std::vector<fs::path> paths = write_days(t, random_days(rng, days, 300, 40));
            std::vector<fs::path> order = paths;
            std::shuffle(order.begin(), order.end(), rng);
            const fs::path folder = t.path() / "store";
            ingest_all(folder, order);

            const dataset stored = read_store(folder);
            const dataset at_once = all_at_once(paths);
            REQUIRE(stays_by_id(stored) == stays_by_id(at_once));
            CHECK(stored.persons.size() == at_once.persons.size());
            CHECK(stored.rows_read == at_once.rows_read);
            const std::unique_ptr<stored_window> window = stored_window::open(folder);
            REQUIRE(window);
            CHECK(window->state().stays == at_once.stays.size());
            CHECK(window->verify() > 0);
            for (const stored_partition& p : window->state().partitions)
                for (const deleted_rows& d : p.deleted)
                    replaced += d.rows;

            // Two random cases, infectious over the whole span, at 3 hops.
            std::ostringstream cases;
            cases << "person,onset,from,to\n";
            for (int k = 0; k < 2; ++k)
                cases << 'P' << rng() % 40 << ",2022-04-22,2022-04-19,2022-04-26\n";
            const fs::path cases_path = t.write("cases.csv", cases.str());
            const auto [in_place, from_csv] = both_lists(folder, paths, cases_path, 3);
            CHECK(in_place == from_csv);
            const std::string sources = sources_lists_in_place(folder, cases_path);
            CHECK(sources == sources_lists_whole(at_once, cases_path));
            sources_lines +=
                static_cast<std::size_t>(std::count(sources.begin(), sources.end(), '\n'));
            listed += static_cast<std::size_t>(std::count(in_place.begin(), in_place.end(), '\n'));
        }
        // The rounds exercised merges across partitions and listed contacts.
        CHECK(replaced > 10);
        CHECK(listed > 200);
        CHECK(sources_lines > 25 * 4 + 100); // beyond the three headers and the counts
        MESSAGE("rows replaced " << replaced << ", risk list lines " << listed
                                 << ", backward tracing lines " << sources_lines);
    }

    TEST_CASE("stored_window: a stay crossing midnight is merged once, its old row replaced") {
        temp_dir t;
        // Day 1: A at X from 23:30 (dwell 30 min, to 00:00). Day 2: A at X
        // at 00:00 (touches) and B at X at 00:10.
        const fs::path d1 = t.write("d1.csv", "person,place,time\nA,X,2022-04-20T23:30Z\n");
        const fs::path d2 =
            t.write("d2.csv", "person,place,time\nA,X,2022-04-21T00:00Z\nB,X,2022-04-21T00:10Z\n");
        const fs::path folder = t.path() / "store";
        ingest_all(folder, {d1, d2});
        const store_state state = read_store_state(folder);
        REQUIRE(state.partitions.size() == 2);
        REQUIRE(state.partitions[0].deleted.size() == 1); // day 1's stay replaced
        CHECK(state.partitions[0].deleted[0].rows == 1);
        CHECK(fs::exists(folder / state.partitions[0].deleted[0].file));
        CHECK(state.stays == 2);
        const dataset s = read_store(folder);
        CHECK(stays_by_id(s) == std::vector<stay_by_id>{{"A", "X", day0 + 84600, day0 + 88200},
                                                        {"B", "X", day0 + 87000, day0 + 88800}});
        // The first partition has no row in force: retention may drop it
        // while its replacement lives on in the second.
    }

    TEST_CASE("stored_window: a late dump for an old day and a dump touching two partitions") {
        temp_dir t;
        // Days 1 and 3 first; then day 2, whose visits join a stay of day 1
        // (crossing its midnight) and one of day 3 (crossing into it).
        const fs::path d1 = t.write("d1.csv", "person,place,time,leave\n"
                                              "A,X,2022-04-20T22:00Z,2022-04-21T00:30Z\n");
        const fs::path d3 = t.write("d3.csv", "person,place,time,leave\n"
                                              "A,X,2022-04-22T00:00Z,2022-04-22T02:00Z\n"
                                              "C,Y,2022-04-22T10:00Z,\n");
        const fs::path d2 = t.write("d2.csv", "person,place,time,leave\n"
                                              "A,X,2022-04-21T00:15Z,2022-04-21T03:00Z\n"
                                              "A,X,2022-04-21T23:00Z,2022-04-22T00:00Z\n"
                                              "B,X,2022-04-21T12:00Z,\n");
        const fs::path folder = t.path() / "store";
        ingest_all(folder, {d1, d3, d2});
        const store_state state = read_store_state(folder);
        REQUIRE(state.partitions.size() == 3);
        CHECK(state.partitions[0].deleted.size() == 1);
        CHECK(state.partitions[1].deleted.size() == 1);
        CHECK(stays_by_id(read_store(folder)) == stays_by_id(all_at_once({d1, d2, d3})));
        // Ingested again, in any order: nothing changes.
        const std::string index = read_store_state(folder).ids_file;
        const store_lock lock(folder, false);
        CHECK(ingest_into_store(lock, options_for(d1)).already_ingested);
        CHECK(read_store_state(folder).ids_file == index);
    }

    TEST_CASE("stored_window: retention drops a partition under a boundary stay") {
        temp_dir t;
        // Day 1 ends in a stay crossing into day 2; days 2 to 4 follow. A
        // retention of 1.5 days drops day 1's partition once all its rows are
        // past it, while the merged boundary stay (in day 2's) is judged by
        // its own end.
        std::vector<std::string> days;
        days.push_back("person,place,time,leave\nA,X,2022-04-20T10:00Z,\n"
                       "A,X,2022-04-20T23:30Z,2022-04-21T00:30Z\n");
        days.push_back("person,place,time,leave\nA,X,2022-04-21T00:20Z,2022-04-21T01:00Z\n"
                       "B,X,2022-04-21T12:00Z,\n");
        days.push_back("person,place,time\nB,Y,2022-04-22T12:00Z\n");
        days.push_back("person,place,time\nC,Y,2022-04-23T12:00Z\n");
        const std::vector<fs::path> paths = write_days(t, days);
        const fs::path folder = t.path() / "store";
        const duration retention = 36 * 3600;
        ingest_all(folder, paths, retention);
        const store_state state = read_store_state(folder);
        // Latest end 2022-04-23T12:30Z: cutoff 2022-04-22T00:30Z.
        REQUIRE(state.cutoff);
        CHECK(*state.cutoff == day0 + 3 * 86400 + 12 * 3600 + 1800 - retention);
        for (const stored_partition& p : state.partitions)
            CHECK(p.last_end >= *state.cutoff);
        CHECK(state.partitions.size() == 2); // days 3 and 4
        dataset expected = all_at_once(paths);
        drop_stays_ending_before(expected, *state.cutoff);
        CHECK(stays_by_id(read_store(folder)) == stays_by_id(expected));
        CHECK(state.stays == expected.stays.size());
        // Files of dropped partitions are gone; only named files remain.
        std::size_t store_files = 0;
        for (const auto& e : fs::directory_iterator(folder)) {
            const std::string name = e.path().filename().string();
            if (name.starts_with("part-") || name.starts_with("deleted-")) ++store_files;
        }
        std::size_t named = state.partitions.size();
        for (const stored_partition& p : state.partitions)
            named += p.deleted.size();
        CHECK(store_files == named);
    }

    TEST_CASE("stored_window: a version-1 store is migrated by its first ingest") {
        temp_dir t;
        const fs::path folder = t.path() / "store";
        fs::create_directories(folder);
        for (const auto& e : fs::directory_iterator(fixture("earlier-versions/store")))
            fs::copy_file(e.path(), folder / e.path().filename());
        const dataset before = read_store(folder); // read as version 1
        REQUIRE(before.stays.size() > 0);
        const fs::path night =
            t.write("night.csv", "person,place,time\nNEW,NEWX,2022-04-22T09:00Z\n");
        store_ingest_result r;
        {
            const store_lock lock(folder, false);
            store_ingest_options o = options_for(night);
            o.dwell_given = false;
            r = ingest_into_store(lock, o);
        }
        CHECK(r.migrated);
        CHECK_FALSE(fs::exists(folder / "snapshot.h5"));
        CHECK(is_appending_store(folder));
        const dataset after = read_store(folder);
        CHECK(after.stays.size() == before.stays.size() + 1);
        CHECK(after.inputs.size() == before.inputs.size() + 1);
        CHECK(after.place_info.size() == before.place_info.size());
        // The tiny example's risk list, traced on the migrated store.
        trace_request request;
        request.cases = fixture("tiny/cases.csv");
        request.parameters.hops = 3;
        request.tz = utc_offset{8 * 3600};
        data_source stored;
        stored.store = folder;
        stored.snapshot = store_snapshot_path(folder);
        const std::optional<trace_run> run = trace_indexed(stored, read_index_cases(request));
        REQUIRE(run.has_value());
        std::ostringstream out;
        write_risk_list(out, run->record.result, run->data().persons, run->data().places,
                        utc_offset{8 * 3600});
        std::ifstream expected_list(fixture("tiny/risk.csv"), std::ios::binary);
        std::ostringstream expected_text;
        expected_text << expected_list.rdbuf();
        CHECK(out.str() == expected_text.str());
    }

    TEST_CASE("stored_window: damage is found by the query that reads it and by verify") {
        temp_dir t;
        std::mt19937_64 rng(5);
        const std::vector<fs::path> paths = write_days(t, random_days(rng, 3, 200, 20));
        const fs::path folder = t.path() / "store";
        ingest_all(folder, paths);
        const store_state state = read_store_state(folder);
        REQUIRE(!state.partitions.empty());
        // A file of replaced rows altered: refused when the store is opened.
        bool damaged_rows = false;
        for (const stored_partition& p : state.partitions)
            if (!p.deleted.empty() && !damaged_rows) {
                std::ofstream(folder / p.deleted[0].file, std::ios::binary | std::ios::app)
                    << "xxxx";
                damaged_rows = true;
            }
        if (damaged_rows) CHECK_THROWS_AS(stored_window::open(folder), snapshot_error);
        // A partition replaced by another file: refused by its digest.
        temp_dir u;
        const fs::path other = u.path() / "store";
        ingest_all(other, {paths[0]});
        fs::copy_file(other / read_store_state(other).partitions[0].file,
                      folder / state.partitions.back().file, fs::copy_options::overwrite_existing);
        CHECK_THROWS_WITH_AS(stored_window::open(folder),
                             doctest::Contains("not the file the store index names"),
                             snapshot_error);
    }

    TEST_CASE("stored_window: a damaged index is refused with what to do") {
        temp_dir t;
        const fs::path d1 = t.write("d1.csv", "person,place,time\nA,X,2022-04-20T10:00Z\n");
        const fs::path folder = t.path() / "store";
        ingest_all(folder, {d1});
        std::ofstream(store_state_path(folder), std::ios::binary)
            << "{\"format\": \"ctrace-store\"";
        CHECK_THROWS_WITH_AS(stored_window::open(folder), doctest::Contains("damaged store index"),
                             snapshot_error);
        std::ofstream(store_state_path(folder), std::ios::binary)
            << "{\"format\": \"ctrace-store\", \"version\": 3}";
        CHECK_THROWS_WITH_AS(stored_window::open(folder), doctest::Contains("store version 3"),
                             snapshot_error);
    }
}
