// Tests of stays cut by the next scan (ctrace/model/stay_end.hpp,
// docs/semantics.md §9n): hand-computed cases of every rule, the reading
// and ingest around it (bad rows, several files, sites, snapshots), and a
// property test against a brute-force reference on random visits.

#include "ctrace/core/error.hpp"
#include "ctrace/model/ingest.hpp"
#include "ctrace/model/stay_end.hpp"
#include "ctrace/workflow/pipeline.hpp"
#include "test_helpers.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace ctrace;
using ctrace::testing::temp_dir;

namespace {

constexpr time_point t0 = 1651392000; // 2022-05-01T08:00:00Z
constexpr duration minute = 60, hour = 3600;

/// A visit without check-out lasting `dwell`, or with one at `leave`.
visit at(person_index p, place_index x, duration from_t0, duration length = hour) {
    return {p, x, t0 + from_t0, t0 + from_t0 + length};
}

/// A visit as (person, place, start, end), times from t0.
using visit_row = std::tuple<person_index, place_index, duration, duration>;

std::vector<visit_row> rows_of(const std::vector<visit>& visits) {
    std::vector<visit_row> rows;
    for (const visit& v : visits)
        rows.emplace_back(v.person, v.place, v.start - t0, v.end - t0);
    std::sort(rows.begin(), rows.end());
    return rows;
}

/// The visits after the cut, in a fixed order (the cut may reorder them).
std::vector<visit_row> after_cut(std::vector<visit> visits, std::vector<bool> checked_out,
                                 std::vector<std::uint32_t> groups = {}) {
    cut_at_next_scan(visits, checked_out, groups);
    return rows_of(visits);
}

/// `visits` with the ends given, in the same fixed order.
std::vector<visit_row> with_ends(std::vector<visit> visits, std::vector<duration> ends) {
    for (std::size_t i = 0; i < visits.size(); ++i)
        visits[i].end = t0 + ends[i];
    return rows_of(visits);
}

/// The rule written as directly as it reads.
std::vector<visit> brute_force(std::vector<visit> visits, const std::vector<bool>& checked_out,
                               const std::vector<std::uint32_t>& groups) {
    const auto group = [&](place_index x) { return groups.empty() ? x : groups[x]; };
    std::vector<visit> out = visits;
    for (std::size_t i = 0; i < visits.size(); ++i) {
        if (checked_out[i]) continue;
        time_point next = time_infinity;
        for (std::size_t j = 0; j < visits.size(); ++j)
            if (visits[j].person == visits[i].person && visits[j].start > visits[i].start &&
                group(visits[j].place) != group(visits[i].place))
                next = std::min(next, visits[j].start);
        out[i].end = std::min(out[i].end, next);
    }
    return out;
}

/// Random visits and flags (a third checked out): `n` starts on a 5-minute
/// grid of `slots` slots (few slots: many ties), lengths of 0 to 60 minutes;
/// and, when `groups`, a random site (0 or 1) for each place.
struct random_rows {
    std::vector<visit> visits;
    std::vector<bool> checked_out;
    std::vector<std::uint32_t> groups;
};
random_rows make_random_rows(std::mt19937_64& rng, std::size_t n, std::uint32_t persons,
                             std::uint32_t places, std::uint64_t slots, bool wide, bool groups) {
    random_rows out;
    for (std::size_t i = 0; i < n; ++i) {
        const duration start = static_cast<duration>(rng() % slots) * 5 * minute;
        const duration length = static_cast<duration>(rng() % 4) * 20 * minute;
        out.visits.push_back(at(static_cast<person_index>(rng() % persons),
                                static_cast<place_index>(rng() % places), start, length));
        out.checked_out.push_back(rng() % 3 == 0);
    }
    if (wide) { // a span over 2^31 s
        out.visits.push_back(at(0, 0, duration{3'000'000'000}));
        out.checked_out.push_back(false);
    }
    if (groups)
        for (std::uint32_t x = 0; x < places; ++x)
            out.groups.push_back(static_cast<std::uint32_t>(rng() % 2));
    return out;
}

} // namespace

TEST_SUITE("stay end") {
    TEST_CASE("the rule's names") {
        CHECK(parse_stay_end("dwell") == stay_end_rule::dwell);
        CHECK(parse_stay_end("next-scan") == stay_end_rule::next_scan);
        CHECK(stay_end_name(stay_end_rule::next_scan) == "next-scan");
        CHECK_THROWS_AS(parse_stay_end("next_scan"), parameter_error);
        CHECK_THROWS_AS(parse_stay_end(""), parameter_error);
    }

    TEST_CASE("the spec's example: R at 12:00, W at 12:25, a re-scan of R at 12:10") {
        // Rows: R 12:00, W 12:25, R 12:10 (file order need not be time order).
        const std::vector<visit> visits = {at(0, 0, 4 * hour), at(0, 1, 4 * hour + 25 * minute),
                                           at(0, 0, 4 * hour + 10 * minute)};
        // Both R rows end at 12:25; W keeps its dwell.
        CHECK(after_cut(visits, {false, false, false}) ==
              with_ends(visits,
                        {4 * hour + 25 * minute, 5 * hour + 25 * minute, 4 * hour + 25 * minute}));
    }

    TEST_CASE("a next scan at the same second does not cut - the next later one does") {
        // X at 10:00, Y at 10:00 (same second), Z at 10:20.
        const std::vector<visit> visits = {at(0, 0, 2 * hour), at(0, 1, 2 * hour),
                                           at(0, 2, 2 * hour + 20 * minute)};
        CHECK(after_cut(visits, {false, false, false}) ==
              with_ends(visits,
                        {2 * hour + 20 * minute, 2 * hour + 20 * minute, 3 * hour + 20 * minute}));
    }

    TEST_CASE("rows with leave keep it but cut the others - a later dwell end is kept") {
        // X at 09:00 without leave; Y 09:10-09:15 with leave; X at 11:00
        // without leave, and Y at 13:00 (after X's dwell ended at 12:00).
        const std::vector<visit> visits = {at(0, 0, hour), at(0, 1, hour + 10 * minute, 5 * minute),
                                           at(0, 0, 3 * hour), at(0, 1, 5 * hour)};
        CHECK(after_cut(visits, {false, true, false, false}) ==
              with_ends(visits, {hour + 10 * minute, hour + 15 * minute, 4 * hour, 6 * hour}));
        // A row with leave is never cut, even by an earlier next scan.
        const std::vector<visit> kept = {at(0, 0, 0, 2 * hour), at(0, 1, 10 * minute)};
        CHECK(after_cut(kept, {true, false}) == with_ends(kept, {2 * hour, 70 * minute}));
    }

    TEST_CASE("each person's rows alone - empty groups - sites: two codes of one site") {
        // Person 0 at code 0 then code 1; person 1 at code 2 in between.
        const std::vector<visit> visits = {at(0, 0, 0), at(1, 2, 5 * minute),
                                           at(0, 1, 10 * minute)};
        CHECK(after_cut(visits, {false, false, false}) ==
              with_ends(visits, {10 * minute, 65 * minute, 70 * minute}));
        // Codes 0 and 1 are doors of one site: moving between them cuts nothing.
        CHECK(after_cut(visits, {false, false, false}, {7, 7, 8}) ==
              with_ends(visits, {hour, 65 * minute, 70 * minute}));
        std::vector<visit> none;
        CHECK_NOTHROW(cut_at_next_scan(none, {}));
    }

    TEST_CASE("bad arguments throw and leave the visits unchanged") {
        std::vector<visit> visits = {at(0, 0, 0), at(0, 1, 10 * minute)};
        const std::vector<visit> before = visits;
        CHECK_THROWS_AS(cut_at_next_scan(visits, {false}), error);
        CHECK_THROWS_AS(cut_at_next_scan(visits, {false, false}, std::vector<std::uint32_t>{0}),
                        error);
        CHECK(rows_of(visits) == rows_of(before));
        CHECK(visits[0].start == before[0].start); // not reordered either
    }

    TEST_CASE("property: random visits agree with the brute-force rule") {
        std::mt19937_64 rng(909);
        for (int round = 0; round < 300; ++round) {
            const std::size_t n = 1 + rng() % 60;
            const std::uint32_t persons = 1 + static_cast<std::uint32_t>(rng() % 5);
            const std::uint32_t places = 1 + static_cast<std::uint32_t>(rng() % 4);
            // Few distinct seconds, so that ties are common; some rounds span
            // more than 2^31 s (the wide rows' path), half have sites.
            const auto [visits, checked_out, groups] =
                make_random_rows(rng, n, persons, places, 12, round % 7 == 0, round % 2 == 1);
            const std::vector<visit> expected = brute_force(visits, checked_out, groups);
            const bool same = after_cut(visits, checked_out, groups) == rows_of(expected);
            CHECK_MESSAGE(same, "round " << round);
        }
    }

    TEST_CASE("build_stays_ending_at_next_scan: the stays of the cut, row for row") {
        std::mt19937_64 rng(77);
        const auto same_table = [](const stay_table& a, const stay_table& b) {
            return a.person == b.person && a.place == b.place && a.start == b.start &&
                   a.end == b.end && a.place_begin == b.place_begin &&
                   a.place_longest == b.place_longest;
        };
        // Small rounds on one thread, with sites, ties and wide spans; then
        // one above the threaded cut (2^20 visits), ties across its runs.
        for (int round = 0; round < 201; ++round) {
            CAPTURE(round);
            const bool large = round == 200;
            const std::size_t n = large ? std::size_t{1} << 21 : 1 + rng() % 80;
            const std::uint32_t persons =
                large ? 300'000 : 1 + static_cast<std::uint32_t>(rng() % 6);
            const std::uint32_t places = large ? 5000 : 1 + static_cast<std::uint32_t>(rng() % 5);
            // Round 4 mod 9 spans over 2^31 s: the two steps one after the other.
            const auto [visits, checked_out, groups] = make_random_rows(
                rng, n, persons, places, large ? 20000 : 12, round % 9 == 4, round % 2 == 1);
            std::vector<visit> cut = visits;
            cut_at_next_scan(cut, checked_out, groups);
            const stay_table expected = build_stays(std::move(cut), persons + 2, places + 1);
            const stay_table got = build_stays_ending_at_next_scan(visits, checked_out, groups,
                                                                   persons + 2, places + 1);
            CHECK(same_table(got, expected));
        }
        std::vector<visit> one{at(3, 0, 0)};
        CHECK_THROWS_AS(build_stays_ending_at_next_scan(one, {false}, {}, 3, 1), error);
    }

    TEST_CASE("flagged rows: the same cut, each row keeps its flag, cut again with more scans") {
        std::mt19937_64 rng(4242);
        for (int round = 0; round < 200; ++round) {
            CAPTURE(round);
            const std::size_t n = 1 + rng() % 60;
            std::vector<visit> visits;
            std::vector<bool> checked_out;
            for (std::size_t i = 0; i < n; ++i) {
                const duration start = static_cast<duration>(rng() % 12) * 5 * minute;
                // Flagged rows get a length no other row has: 7 s more.
                const bool out = rng() % 3 == 0;
                visits.push_back(
                    at(static_cast<person_index>(rng() % 4), static_cast<place_index>(rng() % 3),
                       start, static_cast<duration>(rng() % 4) * 20 * minute + (out ? 7 : 0)));
                checked_out.push_back(out);
            }
            const std::vector<visit> expected = brute_force(visits, checked_out, {});
            std::vector<flagged_visit> rows;
            for (std::size_t i = 0; i < n; ++i)
                rows.push_back({visits[i], checked_out[i]});
            // Cut the first half alone, then again with the second half:
            // ends only get earlier, so that is the cut of all at once.
            std::vector<flagged_visit> first(rows.begin(), rows.begin() + static_cast<long>(n / 2));
            cut_at_next_scan(first);
            first.insert(first.end(), rows.begin() + static_cast<long>(n / 2), rows.end());
            for (std::vector<flagged_visit>* cut : {&rows, &first}) {
                cut_at_next_scan(*cut);
                std::vector<visit> got;
                for (std::size_t i = 0; i < cut->size(); ++i) {
                    const flagged_visit& r = (*cut)[i];
                    got.push_back(r.v);
                    CHECK(r.checked_out == ((r.v.end - r.v.start) % 60 == 7));
                    if (i > 0)
                        CHECK(std::pair((*cut)[i - 1].v.person, (*cut)[i - 1].v.start) <=
                              std::pair(r.v.person, r.v.start));
                }
                CHECK(rows_of(got) == rows_of(expected));
            }
        }
    }

    TEST_CASE("ingest: every row read is a next scan, from every file - a skipped bad row is not") {
        temp_dir dir;
        // P at X 10:00 (no leave). In the second file: P at Y 10:20. A bad
        // row at Z 10:05 is skipped and must not cut.
        ingest_options options;
        options.scans = {dir.write("day1.csv", "person,place,time\n"
                                               "P,X,2022-05-01T10:00:00Z\n"
                                               "P,Z,not a time\n"),
                         dir.write("day2.csv", "person,place,time\n"
                                               "P,Y,2022-05-01T10:20:00Z\n")};
        options.read.skip_bad = true;
        options.stay_end = stay_end_rule::next_scan;
        const ingest_result got = ingest(options);
        const stay_table& stays = got.data.stays;
        REQUIRE(stays.size() == 2);
        CHECK(got.rejects.size() == 1);
        CHECK(got.data.parameters.stay_end == stay_end_rule::next_scan);
        const place_index x = got.data.places.find("X");
        for (std::size_t i = 0; i < stays.size(); ++i)
            if (stays.place[i] == x) CHECK(stays.end[i] - stays.start[i] == 20 * minute);
        // Without the rule (the default), nothing is cut.
        options.stay_end.reset();
        const ingest_result plain = ingest(options);
        CHECK(plain.data.stays.end[0] - plain.data.stays.start[0] == hour);
        CHECK(plain.data.parameters.stay_end == stay_end_rule::dwell);
    }

    TEST_CASE("sites: next scans judged at site level, then traced there") {
        temp_dir dir;
        // The mall M has doors M-E and M-W. P enters by M-E at 10:00, is seen
        // at M-W at 10:10 (same site: no cut), leaves for the café K at
        // 10:40. C (the case) is at M-W 10:30-11:30 with a check-out.
        data_source source;
        source.scans.scans = {dir.write("scans.csv", "person,place,time,leave\n"
                                                     "P,M-E,2022-05-01T10:00:00Z,\n"
                                                     "P,M-W,2022-05-01T10:10:00Z,\n"
                                                     "P,K,2022-05-01T10:40:00Z,\n"
                                                     "C,M-W,2022-05-01T10:30:00Z,"
                                                     "2022-05-01T11:30:00Z\n")};
        source.scans.places = dir.write("places.csv", "place,site\nM-E,M\nM-W,M\nK,K\n");
        source.scans.stay_end = stay_end_rule::next_scan;
        source.level = contact_level::site;
        trace_request request;
        request.cases = dir.write("cases.csv", "person,from,to\nC,2022-05-01T00:00:00Z,\n");
        request.parameters.min_overlap = 5 * minute;
        const trace_run run = trace_from(source, request);
        // P's mall stay is 10:00-10:40 at site level: 10 min with C.
        REQUIRE(run.record.result.entries.size() == 2);
        const risk_entry& p = run.record.result.entries[1];
        CHECK(run.data().persons[p.person] == "P");
        CHECK(p.exposure_seconds == 10 * minute);
        CHECK(run.data().parameters.stay_end_level == contact_level::site);
        // At code level M-W's next scan elsewhere is K at 10:40 too, but
        // M-E's is M-W at 10:10: the rule depends on the level.
        source.level = contact_level::code;
        const trace_run code_run = trace_from(source, request);
        CHECK(code_run.data().parameters.stay_end_level == contact_level::code);
    }
}
