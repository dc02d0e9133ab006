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
                                               const fs::path& cases, std::uint32_t hops,
                                               stay_end_rule rule = stay_end_rule::dwell) {
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
    csv.scans.stay_end = rule;
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

/// Options of an ingest into a store of the next-scan rule at `level`.
store_ingest_options next_scan_options(const fs::path& scans, contact_level level,
                                       const std::optional<fs::path>& places = std::nullopt) {
    store_ingest_options o = options_for(scans);
    o.stay_end = stay_end_rule::next_scan;
    o.stay_end_level = level;
    o.places = places;
    return o;
}

/// The dumps read at once under the next-scan rule, cut at `level`.
dataset next_scan_at_once(const std::vector<fs::path>& paths, contact_level level,
                          const std::optional<fs::path>& places = std::nullopt) {
    ingest_options all;
    all.scans = paths;
    all.read.default_dwell = 1800;
    all.stay_end = stay_end_rule::next_scan;
    all.stay_end_level = level;
    all.places = places;
    return ingest(all).data;
}

std::string file_text(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
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

    TEST_CASE("stored_window: next-scan, fed in random day order, equals all at once") {
        std::mt19937_64 rng(41);
        std::size_t replaced = 0, rules_differ = 0, listed = 0;
        for (int round = 0; round < 30; ++round) {
            CAPTURE(round);
            // Every third round at site level: X0 and X1 are one site, X2
            // and X3 another, X4 its own.
            const contact_level level = round % 3 == 2 ? contact_level::site : contact_level::code;
            temp_dir t;
            const int days = 2 + static_cast<int>(rng() % 4);
            const std::vector<fs::path> paths = write_days(t, random_days(rng, days, 300, 40));
            const fs::path places =
                t.write("places.csv", "place,site\nX0,S0\nX1,S0\nX2,S1\nX3,S1\nX4,S2\n");
            std::vector<fs::path> order = paths;
            std::shuffle(order.begin(), order.end(), rng);
            const fs::path folder = t.path() / "store";
            {
                const store_lock lock(folder, true);
                for (const fs::path& p : order)
                    CHECK_FALSE(ingest_into_store(lock, next_scan_options(p, level, places))
                                    .already_ingested);
            }
            const dataset stored = read_store(folder);
            const dataset at_once = next_scan_at_once(paths, level, places);
            REQUIRE(stays_by_id(stored) == stays_by_id(at_once));
            if (stays_by_id(at_once) != stays_by_id(all_at_once(paths))) ++rules_differ;
            const std::unique_ptr<stored_window> window = stored_window::open(folder);
            REQUIRE(window);
            CHECK(window->state().stays == at_once.stays.size());
            CHECK(window->state().parameters.stay_end == stay_end_rule::next_scan);
            CHECK(window->state().parameters.stay_end_level == level);
            CHECK(window->verify() > 0);
            for (const stored_partition& p : window->state().partitions) {
                CHECK_FALSE(p.rows_file.empty());
                for (const deleted_rows& d : p.deleted)
                    replaced += d.rows;
            }
            if (level == contact_level::code) {
                std::ostringstream cases;
                cases << "person,onset,from,to\n";
                for (int k = 0; k < 2; ++k)
                    cases << 'P' << rng() % 40 << ",2022-04-22,2022-04-19,2022-04-26\n";
                const fs::path cases_path = t.write("cases.csv", cases.str());
                const auto [in_place, from_csv] =
                    both_lists(folder, paths, cases_path, 3, stay_end_rule::next_scan);
                CHECK(in_place == from_csv);
                listed +=
                    static_cast<std::size_t>(std::count(in_place.begin(), in_place.end(), '\n'));
            }
        }
        // The rule cut stays in nearly every round, and nights rewrote stored stays.
        CHECK(rules_differ > 25);
        CHECK(replaced > 10);
        CHECK(listed > 100);
        MESSAGE("rows replaced " << replaced << ", rounds where the rule changed the stays "
                                 << rules_differ << ", risk list lines " << listed);
    }

    TEST_CASE("stored_window: next-scan, a scan in the next night's dump cuts a stored stay") {
        temp_dir t;
        // Night 1: A at R from 23:50 (no check-out, dwell 30 min, to 00:20);
        // B at R 23:40 to 00:30 with a check-out. Night 2: A at W at 00:05,
        // B at W at 00:00.
        const fs::path d1 = t.write("d1.csv", "person,place,time,leave\n"
                                              "A,R,2022-04-20T23:50Z,\n"
                                              "B,R,2022-04-20T23:40Z,2022-04-21T00:30Z\n");
        const fs::path d2 = t.write("d2.csv", "person,place,time,leave\n"
                                              "A,W,2022-04-21T00:05Z,\n"
                                              "B,W,2022-04-21T00:00Z,\n");
        const fs::path folder = t.path() / "store";
        const auto ingest_night = [&](const fs::path& night) {
            const store_lock lock(folder, true);
            return ingest_into_store(lock, next_scan_options(night, contact_level::code));
        };
        ingest_night(d1);
        ingest_night(d2);
        const time_point midnight = day0 + 86400;
        // A's stay at R ends at the next night's scan; B's check-out is kept.
        const std::vector<stay_by_id> expected{{"A", "R", midnight - 600, midnight + 300},
                                               {"A", "W", midnight + 300, midnight + 2100},
                                               {"B", "R", midnight - 1200, midnight + 1800},
                                               {"B", "W", midnight, midnight + 1800}};
        CHECK(stays_by_id(read_store(folder)) == expected);
        store_state state = read_store_state(folder);
        REQUIRE(state.partitions.size() == 2);
        REQUIRE(state.partitions[0].deleted.size() == 1); // A's stay of night 1
        CHECK(state.partitions[0].deleted[0].rows == 1);
        CHECK(state.stays == 4);

        // A late dump re-scans R at 23:55: [23:55, 00:05). Its stay keeps
        // its bounds, but holds another row now, so it is written again.
        const fs::path late =
            t.write("late.csv", "person,place,time,leave\nA,R,2022-04-20T23:55Z,\n");
        ingest_night(late);
        CHECK(stays_by_id(read_store(folder)) == expected);
        state = read_store_state(folder);
        REQUIRE(state.partitions.size() == 3);
        REQUIRE(state.partitions[1].deleted.size() == 1);
        CHECK(state.stays == 4);
        CHECK(stays_by_id(read_store(folder)) ==
              stays_by_id(next_scan_at_once({d1, d2, late}, contact_level::code)));
        CHECK(stored_window::open(folder)->verify() > 0);
    }

    TEST_CASE("stored_window: the stay end rule and its level are fixed by the first ingest") {
        temp_dir t;
        const fs::path d1 = t.write("d1.csv", "person,place,time\nA,X,2022-04-20T10:00Z\n");
        const fs::path d2 = t.write("d2.csv", "person,place,time\nA,Y,2022-04-20T10:10Z\n");
        const fs::path dwell_store = t.path() / "dwell";
        const fs::path next_store = t.path() / "next";
        {
            const store_lock lock(dwell_store, true);
            ingest_into_store(lock, options_for(d1));
            const std::string before = file_text(store_state_path(dwell_store));
            CHECK_THROWS_WITH_AS(
                ingest_into_store(lock, next_scan_options(d2, contact_level::code)),
                doctest::Contains("'dwell', not 'next-scan' (fixed by its first ingest)"),
                parameter_error);
            store_ingest_options site = options_for(d2);
            site.stay_end_level = contact_level::site;
            CHECK_THROWS_WITH_AS(
                ingest_into_store(lock, site),
                doctest::Contains("the level is chosen by the trace (daily, trace)"),
                parameter_error);
            CHECK(file_text(store_state_path(dwell_store)) == before);
            CHECK(read_store_state(dwell_store).partitions[0].rows_file.empty());
        }
        {
            const store_lock lock(next_store, true);
            ingest_into_store(lock, next_scan_options(d1, contact_level::code));
            const std::string before = file_text(store_state_path(next_store));
            store_ingest_options dwell = options_for(d2);
            dwell.stay_end = stay_end_rule::dwell;
            CHECK_THROWS_WITH_AS(ingest_into_store(lock, dwell),
                                 doctest::Contains("'next-scan', not 'dwell'"), parameter_error);
            CHECK_THROWS_WITH_AS(
                ingest_into_store(lock, next_scan_options(d2, contact_level::site)),
                doctest::Contains("cut by the next scan at code level, not site"), parameter_error);
            CHECK(file_text(store_state_path(next_store)) == before);
            // Unset, the store's rule applies: A's stay at X ends at 10:10.
            ingest_into_store(lock, options_for(d2));
        }
        CHECK(stays_by_id(read_store(next_store)) ==
              std::vector<stay_by_id>{{"A", "X", day0 + 36000, day0 + 36600},
                                      {"A", "Y", day0 + 36600, day0 + 38400}});
        // Site level needs sites, before the dump is read.
        const fs::path no_sites = t.write("places.csv", "place\nX\nY\n");
        const store_lock lock(t.path() / "sites", true);
        CHECK_THROWS_AS(
            ingest_into_store(lock, next_scan_options(d1, contact_level::site, no_sites)),
            parameter_error);
    }

    TEST_CASE("stored_window: a damaged rows file is refused by the ingest and by verify") {
        temp_dir t;
        const fs::path d1 = t.write("d1.csv", "person,place,time\nA,X,2022-04-20T23:50Z\n");
        const fs::path d2 = t.write("d2.csv", "person,place,time\nA,Y,2022-04-21T00:05Z\n");
        const fs::path folder = t.path() / "store";
        const store_lock lock(folder, true);
        ingest_into_store(lock, next_scan_options(d1, contact_level::code));
        const store_state state = read_store_state(folder);
        const fs::path rows = folder / state.partitions[0].rows_file;
        std::string bytes = file_text(rows);
        bytes[bytes.size() - 9] ^= 1; // a bit of the last row's end
        std::ofstream(rows, std::ios::binary | std::ios::trunc) << bytes;
        CHECK_THROWS_WITH_AS(ingest_into_store(lock, next_scan_options(d2, contact_level::code)),
                             doctest::Contains(rows.filename().string().c_str()), snapshot_error);
        CHECK(file_text(store_state_path(folder)) == store_state_json(state));
        CHECK_THROWS_WITH_AS(stored_window::open(folder)->verify(), doctest::Contains("damaged"),
                             snapshot_error);
    }
}
