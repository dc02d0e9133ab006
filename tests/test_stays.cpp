// Tests of stay merging (ctrace/model/stays.hpp; docs/semantics.md §2.2). The test on
// large inputs also checks the person-place graph built from its stays.

#include "ctrace/core/error.hpp"
#include "ctrace/model/graph.hpp"
#include "ctrace/model/stays.hpp"

#include <algorithm>
#include <doctest/doctest.h>
#include <map>
#include <random>
#include <sstream>
#include <tuple>
#include <utility>
#include <vector>

using namespace ctrace;

namespace {

struct stay_t {
    person_index person;
    place_index place;
    time_point start, end;
    bool operator==(const stay_t&) const = default;
};

std::ostream& operator<<(std::ostream& os, const stay_t& s) {
    return os << "{p" << s.person << ",x" << s.place << "," << s.start << "," << s.end << "}";
}

std::vector<stay_t> rows(const stay_table& t) {
    REQUIRE(t.person.size() == t.size());
    REQUIRE(t.place.size() == t.size());
    REQUIRE(t.start.size() == t.size());
    REQUIRE(t.end.size() == t.size());
    std::vector<stay_t> out;
    for (std::size_t i = 0; i < t.size(); ++i)
        out.push_back({t.person[i], t.place[i], t.start[i], t.end[i]});
    return out;
}

/// Stays of one person at one place 0, from the visits [start, end).
std::vector<stay_t> merged(std::vector<std::pair<time_point, time_point>> intervals) {
    std::vector<visit> visits;
    for (const auto& [s, e] : intervals)
        visits.push_back({0, 0, s, e});
    return rows(build_stays(visits, 1, 1));
}

std::vector<stay_t> one_person(std::vector<std::pair<time_point, time_point>> intervals) {
    std::vector<stay_t> out;
    for (const auto& [s, e] : intervals)
        out.push_back({0, 0, s, e});
    return out;
}

/// A straightforward implementation of docs/semantics.md §2.2 to compare with.
std::vector<stay_t> reference_stays(const std::vector<visit>& visits) {
    std::map<std::pair<place_index, person_index>, std::vector<std::pair<time_point, time_point>>>
        groups;
    for (const visit& v : visits)
        groups[{v.place, v.person}].push_back({v.start, v.end});
    std::vector<stay_t> out;
    for (auto& [key, intervals] : groups) {
        std::sort(intervals.begin(), intervals.end());
        std::pair<time_point, time_point> current = intervals[0];
        for (std::size_t i = 1; i < intervals.size(); ++i) {
            if (intervals[i].first <= current.second) {
                current.second = std::max(current.second, intervals[i].second);
            } else {
                out.push_back({key.second, key.first, current.first, current.second});
                current = intervals[i];
            }
        }
        out.push_back({key.second, key.first, current.first, current.second});
    }
    std::sort(out.begin(), out.end(), [](const stay_t& a, const stay_t& b) {
        return std::tie(a.place, a.start, a.person) < std::tie(b.place, b.start, b.person);
    });
    return out;
}

} // namespace

namespace doctest {
template <>
struct StringMaker<std::vector<stay_t>> {
    static String convert(const std::vector<stay_t>& v) {
        std::ostringstream os;
        for (const auto& s : v)
            os << s << " ";
        return os.str().c_str();
    }
};
} // namespace doctest

TEST_SUITE("stays") {

    TEST_CASE("merging visits of one person at one place") {
        SUBCASE("overlapping") {
            CHECK(merged({{0, 10}, {5, 20}}) == one_person({{0, 20}}));
            CHECK(merged({{0, 100}, {10, 20}}) == one_person({{0, 100}}));
            CHECK(merged({{0, 10}, {5, 30}, {25, 40}}) == one_person({{0, 40}}));
            CHECK(merged({{0, 100}, {10, 20}, {50, 60}}) == one_person({{0, 100}}));
            CHECK(merged({{0, 10}, {0, 20}}) == one_person({{0, 20}}));
        }
        SUBCASE("touching (next.start == end) merges") {
            CHECK(merged({{0, 10}, {10, 20}}) == one_person({{0, 20}}));
            CHECK(merged({{0, 10}, {10, 20}, {20, 30}}) == one_person({{0, 30}}));
            // Touching the end of a merged stay, not of the last visit.
            CHECK(merged({{0, 100}, {10, 20}, {100, 110}}) == one_person({{0, 110}}));
        }
        SUBCASE("a gap of 1 s does not") {
            CHECK(merged({{0, 10}, {11, 20}}) == one_person({{0, 10}, {11, 20}}));
            CHECK(merged({{0, 100}, {10, 20}, {101, 110}}) == one_person({{0, 100}, {101, 110}}));
        }
        SUBCASE("exact duplicates change nothing") {
            CHECK(merged({{0, 10}, {0, 10}, {0, 10}}) == one_person({{0, 10}}));
            CHECK(merged({{5, 5}, {5, 5}}) == one_person({{5, 5}}));
        }
        SUBCASE("empty visits") {
            CHECK(merged({{0, 10}, {5, 5}}) == one_person({{0, 10}}));     // inside
            CHECK(merged({{0, 10}, {0, 0}}) == one_person({{0, 10}}));     // at the start
            CHECK(merged({{0, 10}, {10, 10}}) == one_person({{0, 10}}));   // touching the end
            CHECK(merged({{10, 10}, {10, 20}}) == one_person({{10, 20}})); // touching the start
            CHECK(merged({{5, 5}}) == one_person({{5, 5}}));               // alone
            CHECK(merged({{9, 9}, {10, 20}}) == one_person({{9, 9}, {10, 20}}));
            CHECK(merged({{0, 10}, {11, 11}}) == one_person({{0, 10}, {11, 11}}));
            CHECK(merged({{3, 3}, {7, 7}}) == one_person({{3, 3}, {7, 7}}));
        }
        SUBCASE("unsorted input") {
            CHECK(merged({{20, 30}, {0, 10}, {10, 20}}) == one_person({{0, 30}}));
            CHECK(merged({{50, 60}, {10, 20}, {0, 100}}) == one_person({{0, 100}}));
            CHECK(merged({{200, 300}, {11, 20}, {0, 10}, {15, 25}, {300, 300}}) ==
                  one_person({{0, 10}, {11, 25}, {200, 300}}));
        }
        SUBCASE("negative times") {
            CHECK(merged({{-100, -50}, {-50, 0}, {1, 2}}) == one_person({{-100, 0}, {1, 2}}));
        }
        SUBCASE("no visits") {
            const stay_table t = build_stays({}, 3, 2);
            CHECK(t.size() == 0);
            CHECK(t.place_count() == 2);
            CHECK(t.place_begin == std::vector<std::uint64_t>{0, 0, 0});
            CHECK(t.place_longest == std::vector<duration>{0, 0});
        }
    }

    TEST_CASE("visits of different persons or places never merge") {
        const std::vector<visit> visits = {
            {0, 0, 0, 10}, {1, 0, 5, 15}, {0, 1, 5, 15}, {1, 1, 10, 20}, {0, 0, 10, 12},
        };
        const stay_table t = build_stays(visits, 2, 2);
        CHECK(rows(t) ==
              std::vector<stay_t>{{0, 0, 0, 12}, {1, 0, 5, 15}, {0, 1, 5, 15}, {1, 1, 10, 20}});
    }

    TEST_CASE("output order (place, start, person), place_begin, place_longest") {
        // Places 0..3; place 2 has no stays.
        const std::vector<visit> visits = {
            {2, 3, 50, 60}, {0, 1, 100, 200}, {1, 1, 100, 150}, {3, 0, 7, 9},
            {1, 0, 5, 6},   {0, 1, 10, 20},   {2, 1, 100, 101}, {0, 3, 40, 40},
            {1, 3, 40, 45}, {3, 0, 9, 30},    {2, 1, 95, 100},  {0, 0, 1, 2},
        };
        const stay_table t = build_stays(visits, 4, 4);
        CHECK(rows(t) == std::vector<stay_t>{
                             {0, 0, 1, 2},
                             {1, 0, 5, 6},
                             {3, 0, 7, 30},
                             {0, 1, 10, 20},
                             {2, 1, 95, 101},
                             {0, 1, 100, 200},
                             {1, 1, 100, 150},
                             {0, 3, 40, 40},
                             {1, 3, 40, 45},
                             {2, 3, 50, 60},
                         });
        CHECK(t.place_count() == 4);
        CHECK(t.place_begin == std::vector<std::uint64_t>{0, 3, 7, 7, 10});
        CHECK(t.place_longest == std::vector<duration>{23, 100, 0, 10});
        for (place_index x = 0; x < 4; ++x)
            for (std::uint64_t i = t.place_begin[x]; i < t.place_begin[x + 1]; ++i)
                CHECK(t.place[i] == x);

        const time_span span = stay_time_span(t);
        CHECK(span.min == 1);
        CHECK(span.max == 200);
    }

    TEST_CASE("stay_time_span") {
        CHECK(stay_time_span(build_stays({}, 1, 1)).min == 0);
        CHECK(stay_time_span(build_stays({}, 1, 1)).max == 0);
        const std::vector<visit> visits = {{0, 0, -50, -40}, {0, 1, -60, -55}, {1, 0, -45, -44}};
        const time_span span = stay_time_span(build_stays(visits, 2, 2));
        CHECK(span.min == -60);
        CHECK(span.max == -40);
        const std::vector<visit> one = {{0, 0, 7, 7}};
        CHECK(stay_time_span(build_stays(one, 1, 1)).min == 7);
        CHECK(stay_time_span(build_stays(one, 1, 1)).max == 7);
    }

    TEST_CASE("indices out of range throw") {
        const std::vector<visit> bad_person = {{2, 0, 0, 1}};
        CHECK_THROWS_AS(build_stays(bad_person, 2, 1), ctrace::error);
        const std::vector<visit> bad_place = {{0, 1, 0, 1}};
        CHECK_THROWS_AS(build_stays(bad_place, 1, 1), ctrace::error);
    }

    TEST_CASE("random visits agree with a reference merge, in any input order") {
        std::mt19937_64 rng(42);
        for (int round = 0; round < 200; ++round) {
            const std::size_t persons = 1 + rng() % 6;
            const std::size_t places = 1 + rng() % 4;
            const std::size_t n = rng() % 60;
            std::vector<visit> visits;
            for (std::size_t i = 0; i < n; ++i) {
                const auto start = static_cast<time_point>(rng() % 100) - 20;
                const auto length = static_cast<duration>(rng() % 4 == 0 ? 0 : rng() % 15);
                visits.push_back({static_cast<person_index>(rng() % persons),
                                  static_cast<place_index>(rng() % places), start, start + length});
            }
            // Some exact duplicates.
            for (std::size_t i = 0; i < n / 5; ++i)
                visits.push_back(visits[rng() % n]);
            const auto expected = reference_stays(visits);
            CAPTURE(round);
            const stay_table t = build_stays(visits, persons, places);
            CHECK(rows(t) == expected);
            std::shuffle(visits.begin(), visits.end(), rng);
            const stay_table shuffled = build_stays(visits, persons, places);
            CHECK(rows(shuffled) == expected);
            CHECK(shuffled.place_begin == t.place_begin);
            CHECK(shuffled.place_longest == t.place_longest);
            // place_begin and place_longest agree with the rows.
            REQUIRE(t.place_begin.size() == places + 1);
            CHECK(t.place_begin.front() == 0);
            CHECK(t.place_begin.back() == t.size());
            for (std::size_t x = 0; x < places; ++x) {
                duration longest = 0;
                for (std::uint64_t i = t.place_begin[x]; i < t.place_begin[x + 1]; ++i) {
                    CHECK(t.place[i] == x);
                    longest = std::max(longest, t.end[i] - t.start[i]);
                }
                CHECK(t.place_longest[x] == longest);
            }
        }
    }

    // build_stays sorts visits by (place, start, person) with one radix sort of
    // keys packing the three (lib/src/model/stays.cpp); when the starts are too
    // far apart to pack beside the indices — bits for the persons + bits for
    // (last start - first start + 1) + bits for the places > 64 — it falls back
    // to a comparison sort. The visits here come in clusters of nearby starts
    // placed far apart, so the whole set takes the fallback while each cluster
    // alone takes the radix path; a stay never spans two clusters, so the
    // fallback's stays are the clusters' stays, place by place in cluster
    // order. Both are compared with the brute-force merge too.
    TEST_CASE("the comparison-sort fallback of build_stays (starts too far apart to pack) agrees "
              "with the radix path and a brute-force merge") {
        // The width build_stays gives a count or span n: the least b >= 1 with
        // 2^b >= n.
        auto bits = [](std::uint64_t n) {
            unsigned b = 1;
            while (b < 64 && (std::uint64_t{1} << b) < n)
                ++b;
            return b;
        };
        auto packs = [&](const std::vector<visit>& visits, std::size_t persons,
                         std::size_t places) {
            time_point first = visits.front().start, last = visits.front().start;
            for (const visit& v : visits) {
                first = std::min(first, v.start);
                last = std::max(last, v.start);
            }
            const auto span = static_cast<std::uint64_t>(last) - static_cast<std::uint64_t>(first);
            return bits(persons) + bits(span + 1) + bits(places) <= 64;
        };
        std::mt19937_64 rng(7);
        constexpr time_point far = time_point{1} << 62; // any counts: 63 bits of span
        // The extremes a reader makes: -2^55 and 9999-12-31T23:59:59Z.
        constexpr time_point earliest_read = -(time_point{1} << 55);
        constexpr time_point latest_read = 253402300799;
        int fallbacks = 0, merged_visits = 0;
        for (int round = 0; round < 300; ++round) {
            CAPTURE(round);
            const bool extreme = round % 2 == 0;
            // Between the extremes a reader makes the span has 56 bits: 129+
            // persons (8 bits) and 3+ places (2 bits) leave no room.
            const std::size_t persons = extreme ? 1 + rng() % 8 : 129 + rng() % 100;
            const std::size_t places = extreme ? 1 + rng() % 4 : 3 + rng() % 4;
            const std::vector<time_point> bases =
                extreme
                    ? std::vector<time_point>{-far, 0, far - 1000}
                    : std::vector<time_point>{earliest_read,
                                              1648000000 + static_cast<time_point>(rng() % 1000),
                                              latest_read - 1000};
            std::vector<std::vector<visit>> clusters(bases.size());
            std::vector<visit> all;
            for (std::size_t c = 0; c < bases.size(); ++c) {
                const std::size_t n = 1 + rng() % 50;
                for (std::size_t i = 0; i < n; ++i) {
                    const time_point start = bases[c] + static_cast<time_point>(rng() % 200);
                    const auto length = static_cast<duration>(rng() % 4 == 0 ? 0 : rng() % 40);
                    clusters[c].push_back({static_cast<person_index>(rng() % persons),
                                           static_cast<place_index>(rng() % places), start,
                                           start + length});
                }
                for (std::size_t i = 0; i < n / 5; ++i) // exact duplicates
                    clusters[c].push_back(clusters[c][rng() % n]);
                all.insert(all.end(), clusters[c].begin(), clusters[c].end());
            }
            std::shuffle(all.begin(), all.end(), rng);
            REQUIRE_FALSE(packs(all, persons, places)); // the fallback
            ++fallbacks;
            const stay_table fallback = build_stays(all, persons, places);

            // Brute force.
            const std::vector<stay_t> expected = reference_stays(all);
            CHECK(rows(fallback) == expected);
            merged_visits += static_cast<int>(all.size() - expected.size());

            // The radix path, cluster by cluster, put together place by place.
            std::vector<stay_t> joined;
            std::vector<std::uint64_t> place_begin(places + 1, 0);
            std::vector<duration> place_longest(places, 0);
            std::vector<stay_table> radix;
            for (std::vector<visit>& cluster : clusters) {
                std::shuffle(cluster.begin(), cluster.end(), rng);
                REQUIRE(packs(cluster, persons, places));
                radix.push_back(build_stays(cluster, persons, places));
            }
            for (std::size_t x = 0; x < places; ++x) {
                for (const stay_table& t : radix) {
                    REQUIRE(t.place_begin.size() == places + 1);
                    for (std::uint64_t i = t.place_begin[x]; i < t.place_begin[x + 1]; ++i)
                        joined.push_back({t.person[i], t.place[i], t.start[i], t.end[i]});
                    place_longest[x] = std::max(place_longest[x], t.place_longest[x]);
                }
                place_begin[x + 1] = joined.size();
            }
            CHECK(rows(fallback) == joined);
            CHECK(fallback.place_begin == place_begin);
            CHECK(fallback.place_longest == place_longest);
        }
        CHECK(fallbacks == 300);
        CHECK(merged_visits > 1000); // visits did merge, not only sit side by side
    }

    // Regression guard for the memory hand-back: passes over arrays larger than
    // the release step (8 MiB) return the pages behind them to the kernel. Any
    // later read of a released item would see zeros and change the result.
    TEST_CASE("large inputs: stays and graph are right while consumed memory is handed back") {
        std::mt19937_64 rng(2024);
        constexpr std::size_t persons = 40000, places = 300, n = 1200000;
        std::vector<visit> visits;
        visits.reserve(n);
        for (std::size_t i = 0; i < n; ++i) {
            const auto start = 1648000000 + static_cast<time_point>(rng() % (14 * 86400));
            visits.push_back({static_cast<person_index>(1 + rng() % (persons - 1)),
                              static_cast<place_index>(1 + rng() % (places - 1)), start,
                              start + static_cast<duration>(rng() % 7200)});
        }
        const auto expected = reference_stays(visits);
        const stay_table t = build_stays(std::move(visits), persons, places);
        REQUIRE(t.size() == expected.size());
        CHECK(rows(t) == expected);

        const person_place_graph g = build_person_place_graph(t, persons);
        // A person's out-edges are its rows in table order (= (place, start) order).
        std::vector<std::vector<std::uint32_t>> by_person(persons);
        for (std::uint32_t i = 0; i < t.size(); ++i)
            by_person[t.person[i]].push_back(i);
        bool all_equal = true;
        for (person_index p = 0; p < persons; ++p) {
            std::vector<std::uint32_t> got;
            for (auto [it, end] = boost::out_edges(p, g.csr); it != end; ++it) {
                got.push_back(g.csr[*it].stay);
                all_equal = all_equal &&
                            boost::target(*it, g.csr) == g.place_vertex(t.place[g.csr[*it].stay]);
            }
            all_equal = all_equal && got == by_person[p];
        }
        CHECK(all_equal);
        CHECK(by_person[0].empty()); // person 0 never visits: an empty row
        CHECK(stay_rows_by_person(t, persons).size() == t.size());
    }

    TEST_CASE("large inputs merged in runs of places on several threads: skewed and single "
              "places, ties at a run's edge") {
        // Above a million visits the merge is split into runs of whole places,
        // one per core. Cases where the cut must move far: one place holding
        // most visits, a single place (the second run is empty), and many
        // visits of one place at one second (ties put in person order).
        std::mt19937_64 rng(77);
        for (const std::size_t places : {std::size_t{1}, std::size_t{3}, std::size_t{5000}}) {
            CAPTURE(places);
            constexpr std::size_t persons = 3000, n = 1100000;
            std::vector<visit> visits;
            visits.reserve(n);
            for (std::size_t i = 0; i < n; ++i) {
                // Place 0 takes about 70% of the visits; starts fall on few
                // seconds, so one second at one place holds many persons.
                const place_index place =
                    rng() % 10 < 7 ? 0 : static_cast<place_index>(rng() % places);
                const auto start = 1648000000 + static_cast<time_point>(rng() % 2000) * 60;
                visits.push_back({static_cast<person_index>(rng() % persons), place, start,
                                  start + static_cast<duration>(rng() % 5400)});
            }
            const auto expected = reference_stays(visits);
            const stay_table t = build_stays(std::move(visits), persons, places);
            REQUIRE(t.size() == expected.size());
            CHECK(rows(t) == expected);
            REQUIRE(t.place_begin.size() == places + 1);
            CHECK(t.place_begin.back() == t.size());
        }
    }

} // TEST_SUITE
